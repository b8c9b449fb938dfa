import { hash as oneShotHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import { KopilkaError } from '../ledger/errors.ts';

// Who is calling. Keys are random secrets shown once; Postgres keeps only their SHA-256, so a
// leaked database does not leak keys. A key never reaches another tenant's data.

import { CHANNELS, type Channel } from '../ledger/channels.ts';

export { CHANNELS, type Channel };

export type Principal =
  | { kind: 'operator' }
  | { kind: 'billing' }
  | { kind: 'admin'; tenantId: string }
  | { kind: 'channel'; tenantId: string; channel: Channel; storeId: string | null };

// One-shot hashing: createHash made a native Hash object per call, whose weak handle each
// young-generation GC had to finalise (a third of a scavenge's pause under load; issue #17).
const digestOf = (secret: string) => oneShotHash('sha256', secret, 'buffer');
const hash = (secret: string) => digestOf(secret).toString('hex');

export function newSecret(kind: 'admin' | Channel): string {
  return `kp_${kind}_${randomBytes(24).toString('base64url')}`;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The key in `Authorization: Bearer <key>`, or null. A till sends the same header with every
 * request: `Bearer ` and a key of printable ASCII is read by position, without the regular
 * expression and its match (twice a request, with the route's check); anything else goes to it.
 */
export function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const n = authorization.length;
  if (n > 7 && authorization.charCodeAt(6) === 0x20 && authorization.startsWith('Bearer')) {
    let plain = true;
    for (let i = 7; i < n && plain; i++) {
      const c = authorization.charCodeAt(i);
      plain = c > 0x20 && c < 0x7f;
    }
    if (plain) return authorization.slice(7);
  }
  return BEARER.exec(authorization)?.[1] ?? null;
}

/** Compared as digests of equal length, in constant time: the token's length leaks nothing. */
function sameDigest(a: Buffer, b: Buffer | undefined): boolean {
  return b !== undefined && timingSafeEqual(a, b);
}

interface Cached {
  /** null: no such key (or revoked), remembered so that the same wrong key costs no query. */
  principal: Principal | null;
}

export class KeyStore {
  // A POS sends its key with every check; a short cache keeps Postgres off the hot path.
  // Revoking a key takes effect on every gateway within CACHE_MS. Least recently used entries
  // go first, so a flood of random keys pushes out other random keys, not the tills' own.
  private static readonly CACHE_MS = 30_000;
  private readonly cache = new LRUCache<string, Cached>({ max: 100_000, ttl: KeyStore.CACHE_MS });
  private readonly inflight = new Map<string, Promise<Principal | null>>();
  // Each presented token's digest and its hex, remembered: a till sends the same key with every request.
  private readonly digests = new LRUCache<string, { digest: Buffer; hex: string }>({ max: 10_000 });
  // The tokens' digests, made once: every request is hashed once, not once per token it is compared with.
  private readonly operatorDigest: Buffer;
  private readonly billingDigest: Buffer | undefined;

  constructor(
    private readonly pool: pg.Pool,
    operatorToken: string,
    billingToken: string | undefined,
  ) {
    this.operatorDigest = digestOf(operatorToken);
    this.billingDigest = billingToken === undefined ? undefined : digestOf(billingToken);
  }

  async create(tenantId: string, role: 'admin' | 'channel', channel: Channel | null, storeId: string | null): Promise<string> {
    const secret = newSecret(role === 'admin' ? 'admin' : channel!);
    await this.pool.query('INSERT INTO api_keys (tenant_id, key_hash, role, channel, store_id) VALUES ($1, $2, $3, $4, $5)', [
      tenantId,
      hash(secret),
      role,
      channel,
      storeId,
    ]);
    return secret;
  }

  /**
   * The principal of a key. `unknownAttempt` runs before every attempt with a key not known to be
   * valid (a Postgres lookup, or a wrong key remembered): it may refuse by throwing, so a client
   * trying random keys is stopped before it costs a query (gateway/routes.ts: caller).
   */
  async authenticate(authorization: string | undefined, unknownAttempt?: () => Promise<void>): Promise<Principal> {
    const token = bearerToken(authorization);
    if (token === null) throw new KopilkaError('UNAUTHORIZED', 'Нет ключа доступа: передайте заголовок Authorization: Bearer <ключ>');
    const { digest, hex: h } = this.presented(token);
    if (sameDigest(digest, this.operatorDigest)) return { kind: 'operator' };
    if (sameDigest(digest, this.billingDigest)) return { kind: 'billing' };
    const c = this.cache.get(h);
    if (c?.principal) return c.principal;
    if (c !== undefined) {
      await unknownAttempt?.(); // a wrong key remembered: no query, but still an attempt
      throw new KopilkaError('UNAUTHORIZED', 'Ключ доступа неверен или отозван');
    }
    const principal = await this.lookup(h, unknownAttempt);
    if (principal === null) throw new KopilkaError('UNAUTHORIZED', 'Ключ доступа неверен или отозван');
    return principal;
  }

  private presented(token: string): { digest: Buffer; hex: string } {
    let d = this.digests.get(token);
    if (d === undefined) {
      const digest = digestOf(token);
      this.digests.set(token, (d = { digest, hex: digest.toString('hex') }));
    }
    return d;
  }

  /**
   * One Postgres lookup per key at a time: after a restart every till of a shop sends the same
   * key at once, and they share one query and one attempt instead of exhausting the limit.
   * Registered before the limiter is asked, so a request that arrives meanwhile joins it.
   */
  private lookup(h: string, unknownAttempt: (() => Promise<void>) | undefined): Promise<Principal | null> {
    const pending = this.inflight.get(h);
    if (pending !== undefined) return pending;
    const p = (async () => {
      await unknownAttempt?.();
      const r = await this.pool.query<{ tenant_id: string; role: string; channel: Channel | null; store_id: string | null }>(
        'SELECT tenant_id, role, channel, store_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
        [h],
      );
      const row = r.rows[0];
      const principal: Principal | null =
        row === undefined
          ? null
          : row.role === 'admin'
            ? { kind: 'admin', tenantId: row.tenant_id }
            : { kind: 'channel', tenantId: row.tenant_id, channel: row.channel!, storeId: row.store_id };
      this.cache.set(h, { principal });
      return principal;
    })();
    this.inflight.set(h, p);
    const done = () => void this.inflight.delete(h);
    p.then(done, done);
    return p;
  }
}

/** The tenant a tenant-level key acts for; operator and billing tokens have none. */
export function tenantOf(p: Principal): string {
  if (p.kind === 'admin' || p.kind === 'channel') return p.tenantId;
  throw new KopilkaError('NOT_FOUND', 'Этот ключ не относится к организации: используйте ключ администратора или канала');
}

export function requireAdmin(p: Principal): string {
  if (p.kind === 'admin') return p.tenantId;
  if (p.kind === 'channel') throw new KopilkaError('UNAUTHORIZED', 'Нужен ключ администратора организации, а это ключ канала продаж');
  throw new KopilkaError('UNAUTHORIZED', 'Нужен ключ администратора организации');
}

export function requireOperator(p: Principal): void {
  if (p.kind !== 'operator') throw new KopilkaError('UNAUTHORIZED', 'Нужен токен оператора');
}

/** The sales channel a check is recorded under: the key's own, or `api` for an admin key. */
export function channelOf(p: Principal): Channel {
  if (p.kind === 'channel') return p.channel;
  if (p.kind === 'admin') return 'api';
  throw new KopilkaError('NOT_FOUND', 'Этот ключ не относится к организации');
}
