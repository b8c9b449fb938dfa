import type { ApiResponse, ApiRequest as KitRequest } from '../connectors/kit/route.ts';
import { KopilkaError } from '../ledger/index.ts';
import type { Front } from './front/front.ts';
import type { KeyStore, Principal } from './keys.ts';

// The host's route table (what both servers dispatch: every connector's kit routes, wrapped by
// gateway/http/enforce.ts) and the host's auth: `caller` checks a key and its rate limit,
// `limitUnknownKeys` stops a client guessing keys or webhook secrets before it costs a query.

/**
 * A request as the route table sees it: the kit's request, before the route has read its body
 * (`receive`, within the route's limit, after auth; `peek` for a key in the first bytes).
 */
export interface ApiRequest extends Omit<KitRequest, 'body'> {
  /** The body, once read. */
  body?: Buffer;
  /** Reads the body, at most `limit` bytes (BODY_TOO_LARGE past it), once. */
  receive?(limit: number): Promise<Buffer>;
  /** The first `bytes` of the body (all of it when shorter), kept for receive; servers that buffer anyway leave it out. */
  peek?(bytes: number, limit: number): Promise<Buffer>;
}

export type { ApiResponse };

export type Handler = (req: ApiRequest) => Promise<ApiResponse>;
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: Handler;
  /** The handler reads the body with req.receive (kit routes: within their bodyLimit, after auth); else it is read first. */
  readsBody?: boolean;
}

/** What the host's auth needs. */
export interface AuthDeps {
  keys: KeyStore;
  front: Front;
  rateLimitPerKey: number;
  /** Attempts with unknown keys a second per client address. */
  unknownKeyRate?: number;
}

/** Attempts with unknown keys a second per client address when UNKNOWN_KEY_RATE is not set. */
const UNKNOWN_KEY_RATE = 20;

/**
 * Who is calling, for every protocol: the key checked, then its rate limit (tenant keys only;
 * the operator's token is not limited). Connectors pass the key however their protocol carries it,
 * and the client's address when they have it: attempts with keys not known to be valid are
 * limited per address (UNKNOWN_KEY_RATE), before they cost a Postgres query.
 */
export async function caller(d: AuthDeps, authorization: string | undefined, remoteAddress?: string): Promise<Principal> {
  const p = await d.keys.authenticate(authorization, remoteAddress === undefined ? undefined : () => limitUnknownKeys(d, remoteAddress));
  if (p.kind === 'admin' || p.kind === 'channel') {
    const bucket = `${p.tenantId}:${authorization!.trim().slice(-16)}`;
    const r = await d.front.rateLimit(p.tenantId, bucket, d.rateLimitPerKey, d.rateLimitPerKey * 2);
    if (!r.allowed) {
      throw new KopilkaError('RATE_LIMITED', 'Слишком много запросов с этим ключом: повторите через секунду', { retryAfterMs: r.retryAfterMs });
    }
  }
  return p;
}

/**
 * One attempt with an unknown key (or an unknown webhook secret) from this address; refused with
 * 429 once the address exceeds its rate. Counted under a pseudo-tenant no real tenant id matches.
 */
export async function limitUnknownKeys(d: AuthDeps, remoteAddress: string): Promise<void> {
  const rate = d.unknownKeyRate ?? UNKNOWN_KEY_RATE;
  const r = await d.front.rateLimit('_auth', `unknown:${remoteAddress}`, rate, rate * 2);
  if (!r.allowed) {
    throw new KopilkaError('RATE_LIMITED', 'Слишком много попыток с неизвестными ключами с этого адреса: повторите позже', { retryAfterMs: r.retryAfterMs });
  }
}
