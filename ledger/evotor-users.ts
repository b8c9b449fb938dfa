import type pg from 'pg';
import { secretHash, type SecretBox } from './secrets.ts';

// Эвотор cloud-app users (migrations/007_evotor_users.sql): which Evotor user is linked to which
// tenant, the hash of the user token we gave the cloud (a key of the tenant's `evotor` channel),
// the cloud's token for our REST calls (sealed), and the installation/subscription events seen.
// Plain reads and upserts; the protocol (who may link, what is answered) is the connector's.

export type EvotorUserStatus = 'linked' | 'installed' | 'uninstalled';

export interface EvotorUser {
  userId: string;
  tenantId: string | null;
  status: EvotorUserStatus;
  hasBilling: boolean;
  /** The cloud's token for our calls to Evotor's REST API, opened; null until /user/token. */
  cloudToken: string | null;
  subscription: string | null;
}

interface Row {
  user_id: string;
  tenant_id: string | null;
  status: EvotorUserStatus;
  has_billing: boolean;
  cloud_token: string | null;
  subscription: string | null;
}

const COLUMNS = 'user_id, tenant_id, status, has_billing, cloud_token, subscription';

const asUser = (box: SecretBox, r: Row): EvotorUser => ({
  userId: r.user_id,
  tenantId: r.tenant_id,
  status: r.status,
  hasBilling: r.has_billing,
  cloudToken: r.cloud_token === null ? null : box.open(r.cloud_token),
  subscription: r.subscription,
});

export async function evotorUser(pool: pg.Pool, box: SecretBox, userId: string): Promise<EvotorUser | null> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM evotor_users WHERE user_id = $1`, [userId]);
  return r.rows[0] === undefined ? null : asUser(box, r.rows[0]);
}

/** The user the cloud's Bearer token belongs to (uninstalled ones too: their late events still get 200). */
export async function evotorUserByToken(pool: pg.Pool, box: SecretBox, token: string): Promise<EvotorUser | null> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM evotor_users WHERE token_hash = $1`, [secretHash(token)]);
  return r.rows[0] === undefined ? null : asUser(box, r.rows[0]);
}

/**
 * Links the user to a tenant and the user token just issued; the token given before (a second
 * /verify, a reinstall) is revoked in the same transaction, so only the newest one works.
 */
export async function linkEvotorUser(pool: pg.Pool, userId: string, tenantId: string, token: string, hasBilling: boolean): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const old = await client.query<{ token_hash: string | null }>('SELECT token_hash FROM evotor_users WHERE user_id = $1 FOR UPDATE', [userId]);
    const previous = old.rows[0]?.token_hash ?? null;
    if (previous !== null) await client.query('UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1 AND revoked_at IS NULL', [previous]);
    await client.query(
      `INSERT INTO evotor_users (user_id, tenant_id, token_hash, has_billing, status) VALUES ($1, $2, $3, $4, 'linked')
       ON CONFLICT (user_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, token_hash = EXCLUDED.token_hash,
         has_billing = EXCLUDED.has_billing, status = 'linked', updated_at = now()`,
      [userId, tenantId, secretHash(token), hasBilling],
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** Keeps the cloud's REST token (sealed); the user need not be linked yet (the order is not documented). */
export async function saveEvotorCloudToken(pool: pg.Pool, box: SecretBox, userId: string, token: string): Promise<void> {
  await pool.query(
    `INSERT INTO evotor_users (user_id, cloud_token) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET cloud_token = EXCLUDED.cloud_token, updated_at = now()`,
    [userId, box.seal(token)],
  );
}

/** False when the event was recorded before (the cloud retries until it gets 200). */
export async function recordEvotorEvent(pool: pg.Pool, key: string, userId: string, type: string, body: unknown): Promise<boolean> {
  const r = await pool.query('INSERT INTO evotor_events (event_key, user_id, type, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [key, userId, type, JSON.stringify(body)]);
  return r.rowCount === 1;
}

/** ApplicationInstalled: the link stays; the status says the app is on the user's account. */
export async function setEvotorUserInstalled(pool: pg.Pool, userId: string): Promise<void> {
  await pool.query(`UPDATE evotor_users SET status = 'installed', updated_at = now() WHERE user_id = $1 AND status = 'linked'`, [userId]);
}

/** The last subscription event, kept in sequence order (an older one arriving late changes nothing). */
export async function setEvotorSubscription(pool: pg.Pool, userId: string, type: string, seq: number): Promise<void> {
  await pool.query(
    `UPDATE evotor_users SET subscription = $2, subscription_seq = $3, updated_at = now()
     WHERE user_id = $1 AND (subscription_seq IS NULL OR subscription_seq <= $3 OR $2 = 'SubscriptionCreated')`,
    [userId, type, seq],
  );
}

/** ApplicationUninstalled: the user token (the channel key) is revoked; the tenant stays linked. */
export async function uninstallEvotorUser(pool: pg.Pool, userId: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const r = await client.query<{ token_hash: string | null }>(`UPDATE evotor_users SET status = 'uninstalled', updated_at = now() WHERE user_id = $1 RETURNING token_hash`, [userId]);
    const h = r.rows[0]?.token_hash ?? null;
    if (h !== null) await client.query('UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1 AND revoked_at IS NULL', [h]);
    await client.query('COMMIT');
    return r.rowCount === 1;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** The tenant whose live admin key this is (signing in to an existing tenant at /user/verify). */
export async function tenantOfAdminKey(pool: pg.Pool, key: string): Promise<string | null> {
  const r = await pool.query<{ tenant_id: string }>(`SELECT tenant_id FROM api_keys WHERE key_hash = $1 AND role = 'admin' AND revoked_at IS NULL`, [secretHash(key)]);
  return r.rows[0]?.tenant_id ?? null;
}
