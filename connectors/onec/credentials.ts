import { gunzipSync, inflateSync } from 'node:zlib';
import type { ApiRequest } from '../kit/route.ts';
import { keyInBody, MAX_SOAP_BODY } from './xml.ts';

// Where 1C carries the key of the sales channel `onec`: Authorization: Bearer, the password of
// Authorization: Basic (what WSПрокси.Пользователь/Пароль send on every platform version), or the
// SOAP request's Key element (for configurations that cannot set either header).

/**
 * The key, from (first found) Authorization: Bearer, the password of Authorization: Basic, or
 * the request's Key element.
 */
export function keyOf(authorization: string | undefined, bodyKey: string | undefined): string | null {
  const a = (authorization ?? '').trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(a);
  if (bearer !== null) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(a);
  if (basic !== null) {
    const pair = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const i = pair.indexOf(':');
    const password = i < 0 ? '' : pair.slice(i + 1);
    const user = i < 0 ? pair : pair.slice(0, i);
    const key = (password || user).trim();
    if (key !== '') return key;
  }
  return bodyKey?.trim() || null;
}

/** What a 1C without a key is told: where its configuration can put one. */
export const NO_KEY = 'Нет ключа доступа: укажите ключ канала «onec» паролем (WSПрокси.Пароль), заголовком Authorization: Bearer <ключ> или в элементе Key';

/** The route's `credential`: the key of the headers, or null. */
export function headerKey(req: ApiRequest): string | null {
  return keyOf(req.headers.authorization, undefined);
}

/**
 * The route's `credentialInBody`: the Key element found by a bounded scan of the first bytes
 * (xml.ts keyInBody), never by parsing. A gzip or zlib body (the route sees bytes, not headers:
 * told apart by their magic numbers, which XML never starts with) is scanned as it inflates,
 * at most MAX_SOAP_BODY of it; a body that does not inflate has no key.
 */
export function bodyKey(body: Buffer): string | null {
  const plain = compressed(body) ? inflated(body) : body;
  return plain === null ? null : (keyInBody(plain)?.trim() ?? null) || null;
}

function compressed(b: Buffer): boolean {
  if (b.length < 2) return false;
  if (b[0] === 0x1f && b[1] === 0x8b) return true; // gzip
  return (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0; // zlib (deflate)
}

function inflated(b: Buffer): Buffer | null {
  try {
    return b[0] === 0x1f ? gunzipSync(b, { maxOutputLength: MAX_SOAP_BODY }) : inflateSync(b, { maxOutputLength: MAX_SOAP_BODY });
  } catch {
    return null;
  }
}
