import { STATUS_CODES } from 'node:http';

const lines = new Map<number, string>();
/** "201 Created": uWebSockets.js wants the whole status line. */
export function statusLine(code: number): string {
  let s = lines.get(code);
  if (s === undefined) lines.set(code, (s = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`));
  return s;
}
