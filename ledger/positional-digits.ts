// Decimal digits read by position: the times a till sends (validation.ts) and the timestamps
// Postgres returns (pg-timestamp.ts) have fixed layouts, read without regular expressions.

/** The number `count` decimal digits at `from` write, or -1 if one of them is not a digit (or is past the end). */
export function digitsAt(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}
