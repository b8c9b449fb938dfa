import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { secretHash } from './secrets.ts';

// Sessions of the web pages (migration 011). The token is 32 random bytes shown to the browser
// once, in a cookie; Postgres keeps its SHA-256. A session is alive while it has not expired and
// the key it was opened with is not revoked, so revoking a key in the cabinet signs its pages out.

export type WebRole = 'admin' | 'cashier' | 'customer';

export interface WebSession {
  tenantId: string;
  role: WebRole;
  storeId: string | null;
  /** The customer signed in to their own cabinet (role `customer`). */
  customerId: string | null;
  expiresAt: string;
}

/** Opens a session for a key the gateway has already checked; returns the token (never stored). */
export async function openWebSession(
  pool: pg.Pool,
  s: { tenantId: string; role: WebRole; storeId: string | null; ttlSeconds: number } & ({ key: string } | { customerId: string }),
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await pool.query(
    `INSERT INTO web_sessions (tenant_id, token_hash, key_hash, role, store_id, customer_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
    [s.tenantId, secretHash(token), 'key' in s ? secretHash(s.key) : null, s.role, s.storeId, 'customerId' in s ? s.customerId : null, s.ttlSeconds],
  );
  // Expired sessions are swept by whoever signs in next: no job of their own.
  await pool.query('DELETE FROM web_sessions WHERE expires_at < now() - interval \'1 day\'');
  return token;
}

/** The live session of a token, or null (unknown, expired, or its key revoked). */
export async function webSession(pool: pg.Pool, token: string): Promise<WebSession | null> {
  const r = await pool.query<{ tenant_id: string; role: WebRole; store_id: string | null; customer_id: string | null; expires_at: Date }>(
    `SELECT s.tenant_id, s.role, s.store_id, s.customer_id::text, s.expires_at
       FROM web_sessions s LEFT JOIN api_keys k ON k.key_hash = s.key_hash AND k.tenant_id = s.tenant_id
      WHERE s.token_hash = $1 AND s.expires_at > now()
        AND (s.key_hash IS NULL OR (k.key_hash IS NOT NULL AND k.revoked_at IS NULL))`,
    [secretHash(token)],
  );
  const row = r.rows[0];
  return row === undefined ? null : { tenantId: row.tenant_id, role: row.role, storeId: row.store_id, customerId: row.customer_id, expiresAt: row.expires_at.toISOString() };
}

export async function closeWebSession(pool: pg.Pool, token: string): Promise<void> {
  await pool.query('DELETE FROM web_sessions WHERE token_hash = $1', [secretHash(token)]);
}

/** A tenant's keys as the cabinet lists them: never the secret, only what it is for. */
export interface KeyView {
  id: string;
  role: 'admin' | 'channel';
  channel: string | null;
  storeId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export async function tenantKeys(pool: pg.Pool, tenantId: string): Promise<KeyView[]> {
  const r = await pool.query<{ id: string; role: KeyView['role']; channel: string | null; store_id: string | null; created_at: Date; revoked_at: Date | null }>(
    'SELECT id::text, role, channel, store_id, created_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY id',
    [tenantId],
  );
  return r.rows.map((k) => ({ id: k.id, role: k.role, channel: k.channel, storeId: k.store_id, createdAt: k.created_at.toISOString(), revokedAt: k.revoked_at?.toISOString() ?? null }));
}

/** Revokes a tenant's channel key; false when there is no such live key. Admin keys are the operator's to revoke: the owner cannot lock themself out. */
export async function revokeKey(pool: pg.Pool, tenantId: string, keyId: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(keyId)) return false;
  const r = await pool.query("UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND role = 'channel' AND revoked_at IS NULL", [tenantId, keyId]);
  return (r.rowCount ?? 0) > 0;
}
