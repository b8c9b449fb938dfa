import { KopilkaError } from '../ledger/errors.ts';
import type { Front } from './front/front.ts';
import type { KeyStore, Principal } from './keys.ts';

// The host's route table (what both servers dispatch: every connector's kit routes, wrapped by
// gateway/http/enforce.ts) and the host's auth: `caller` checks a key and its rate limit,
// `limitUnknownKeys` stops a client guessing keys or webhook secrets before it costs a query.

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The client's address as the socket sees it (limits on unknown keys). */
  remoteAddress?: string;
  /** The port the request came to. */
  localPort?: number;
  /** The body as received. */
  body?: Buffer;
  json(): unknown;
  /**
   * Reads the body, at most `limit` bytes (BODY_TOO_LARGE past it), once: for routes that read it
   * themselves (`readsBody`), after they have matched and authenticated the caller.
   */
  receive?(limit: number): Promise<Buffer>;
  /** The first `bytes` of the body (all of it when shorter), read and kept for receive; servers that buffer anyway leave it out. */
  peek?(bytes: number, limit: number): Promise<Buffer>;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** Body already serialised (a stored answer replayed byte for byte, a CSV or XLSX file). */
  raw?: string | Buffer;
  /** content-type among them replaces application/json. */
  headers?: Record<string, string>;
}

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
