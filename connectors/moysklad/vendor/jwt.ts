import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// The Vendor API's JWT (fixtures/vendor/jwt-*.json; VND «Аутентификация взаимодействия по Vendor
// API»): HS256 only, signed with the solution's secret key both ways. МойСклад signs its calls to
// us with iat, exp, jti; ours to МойСклад carry sub (the appUid), iat, jti and exp, and МойСклад
// never honours more than 300 s of life. Written here on node:crypto: three fields and one HMAC do
// not need a library, and refusing every `alg` but HS256 is then a line, not a setting.

/** МойСклад's maxTokenLifetime: no token lives longer, whatever its exp says. */
export const MAX_TOKEN_LIFETIME_S = 300;
/** Clocks differ: a token issued this far in our future is still taken. */
const CLOCK_SKEW_S = 60;

export interface JwtClaims {
  iat: number;
  exp: number;
  jti: string;
  sub?: string;
  [claim: string]: unknown;
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest();

/** A one-time token for a call to МойСклад: a fresh jti every time, 60 s of life. */
export function signJwt(secret: string, claims: Record<string, unknown>, nowS = Math.floor(Date.now() / 1000)): string {
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ iat: nowS, exp: nowS + 60, jti: randomBytes(16).toString('hex'), ...claims });
  return `${head}.${body}.${mac(secret, `${head}.${body}`).toString('base64url')}`;
}

/** Why a token was refused, in Russian, for the 401's message and the log. */
export class JwtRefused extends Error {}

function part(text: string, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new JwtRefused(`${what} JWT — не JSON-объект`);
}

/**
 * The claims of a token signed with `secret`, or JwtRefused: another alg than HS256, a wrong
 * signature, no iat/jti, expired (exp, and never beyond iat + maxLifetimeS, 300 s unless said),
 * or issued in the future.
 * Whether the jti was seen before is the caller's question (it needs storage).
 */
export function verifyJwt(token: string, secret: string, o: { nowS?: number; maxLifetimeS?: number } = {}): JwtClaims {
  const nowS = o.nowS ?? Math.floor(Date.now() / 1000);
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtRefused('Токен не похож на JWT: ожидается заголовок.данные.подпись');
  const [head, body, sig] = parts as [string, string, string];
  const header = part(head, 'Заголовок');
  if (header.alg !== 'HS256') throw new JwtRefused(`Алгоритм подписи JWT ${JSON.stringify(header.alg)} не принимается: только HS256`);
  const want = mac(secret, `${head}.${body}`);
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    throw new JwtRefused('Подпись JWT неверна: проверьте, что MOYSKLAD_APP_SECRET совпадает с секретным ключом решения в личном кабинете разработчика');
  }
  const c = part(body, 'Данные');
  if (typeof c.iat !== 'number' || typeof c.jti !== 'string' || c.jti === '') throw new JwtRefused('В JWT нет полей iat и jti');
  const exp = Math.min(typeof c.exp === 'number' ? c.exp : Infinity, c.iat + (o.maxLifetimeS ?? MAX_TOKEN_LIFETIME_S));
  if (nowS >= exp) throw new JwtRefused('Срок действия JWT истёк');
  if (c.iat > nowS + CLOCK_SKEW_S) throw new JwtRefused('JWT выпущен в будущем: проверьте часы сервера');
  return { ...c, iat: c.iat, exp, jti: c.jti };
}
