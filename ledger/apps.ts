import type pg from 'pg';
import { secretHash, type SecretBox } from './secrets.ts';

// Installs of МойСклад's catalogue solution (migrations/006_moysklad_apps.sql): which account has
// it, what we told МойСклад, the account's JSON API token (sealed) and the Kopilka tenant linked to
// it with the hash of the channel key МойСклад was given. Plain reads and upserts; the protocol
// (who may install, what is answered) is the connector's.

export type AppStatus = 'SettingsRequired' | 'Activated' | 'Suspended' | 'Deleted';

export interface AppInstall {
  appId: string;
  accountId: string;
  accountName: string | null;
  status: AppStatus;
  cause: string | null;
  /** The account's JSON API token, opened; null once МойСклад has revoked it (DELETE). */
  accessToken: string | null;
  tenantId: string | null;
}

export interface InstallNotice {
  appId: string;
  accountId: string;
  accountName: string | null;
  cause: string;
  /** Absent on TariffChanged/Autoprolongation: the token given before stays. */
  accessToken: string | null;
}

interface Row {
  app_id: string;
  account_id: string;
  account_name: string | null;
  status: AppStatus;
  cause: string | null;
  access_token: string | null;
  tenant_id: string | null;
}

const asInstall = (box: SecretBox, r: Row): AppInstall => ({
  appId: r.app_id,
  accountId: r.account_id,
  accountName: r.account_name,
  status: r.status,
  cause: r.cause,
  accessToken: r.access_token === null ? null : box.open(r.access_token),
  tenantId: r.tenant_id,
});

/**
 * Records an activation (idempotent: МойСклад repeats it). An account already linked to a tenant
 * is Activated again at once (a resumed solution); otherwise the user has to link one first.
 */
export async function recordInstall(pool: pg.Pool, box: SecretBox, n: InstallNotice): Promise<AppInstall> {
  const sealed = n.accessToken === null ? null : box.seal(n.accessToken);
  const r = await pool.query<Row>(
    `INSERT INTO moysklad_apps (app_id, account_id, account_name, status, cause, access_token)
     VALUES ($1, $2, $3, 'SettingsRequired', $4, $5)
     ON CONFLICT (app_id, account_id) DO UPDATE SET
       account_name = COALESCE(EXCLUDED.account_name, moysklad_apps.account_name),
       cause = EXCLUDED.cause,
       access_token = COALESCE(EXCLUDED.access_token, moysklad_apps.access_token),
       status = CASE WHEN moysklad_apps.tenant_id IS NOT NULL AND moysklad_apps.channel_key_hash IS NOT NULL
                     THEN 'Activated' ELSE 'SettingsRequired' END,
       updated_at = now()
     RETURNING app_id, account_id, account_name, status, cause, access_token, tenant_id`,
    [n.appId, n.accountId, n.accountName, n.cause, sealed],
  );
  return asInstall(box, r.rows[0]!);
}

export async function appInstall(pool: pg.Pool, box: SecretBox, appId: string, accountId: string): Promise<AppInstall | null> {
  const r = await pool.query<Row>(
    'SELECT app_id, account_id, account_name, status, cause, access_token, tenant_id FROM moysklad_apps WHERE app_id = $1 AND account_id = $2',
    [appId, accountId],
  );
  return r.rows[0] === undefined ? null : asInstall(box, r.rows[0]);
}

/**
 * Links the install to a tenant and the channel key МойСклад now holds; the key it held before
 * (a relink) is revoked in the same transaction. Returns false when the install is not there.
 */
export async function linkInstall(pool: pg.Pool, appId: string, accountId: string, tenantId: string, channelKey: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const old = await client.query<{ channel_key_hash: string | null }>(
      `SELECT channel_key_hash FROM moysklad_apps WHERE app_id = $1 AND account_id = $2 AND status IN ('SettingsRequired', 'Activated') FOR UPDATE`,
      [appId, accountId],
    );
    if (old.rowCount === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    const previous = old.rows[0]!.channel_key_hash;
    if (previous !== null) await client.query('UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1 AND revoked_at IS NULL', [previous]);
    await client.query('UPDATE moysklad_apps SET tenant_id = $3, channel_key_hash = $4, updated_at = now() WHERE app_id = $1 AND account_id = $2', [
      appId,
      accountId,
      tenantId,
      secretHash(channelKey),
    ]);
    await client.query('COMMIT');
    return true;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

export async function setInstallStatus(pool: pg.Pool, appId: string, accountId: string, status: AppStatus): Promise<void> {
  await pool.query('UPDATE moysklad_apps SET status = $3, updated_at = now() WHERE app_id = $1 AND account_id = $2', [appId, accountId, status]);
}

/**
 * Records a deactivation: the JSON API token is dropped (МойСклад has revoked it already) and the
 * channel key МойСклад held is revoked, so the account's tills are refused from now on. The tenant
 * stays linked: a Resume brings the account back to it. Returns false when there is no install.
 */
export async function removeInstall(pool: pg.Pool, appId: string, accountId: string, cause: string): Promise<boolean> {
  const status: AppStatus = cause === 'Suspend' ? 'Suspended' : 'Deleted';
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const old = await client.query<{ channel_key_hash: string | null }>(
      'SELECT channel_key_hash FROM moysklad_apps WHERE app_id = $1 AND account_id = $2 FOR UPDATE',
      [appId, accountId],
    );
    const hash = old.rows[0]?.channel_key_hash ?? null;
    if (hash !== null) await client.query('UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1 AND revoked_at IS NULL', [hash]);
    await client.query(
      `UPDATE moysklad_apps SET status = $3, cause = $4, access_token = NULL, channel_key_hash = NULL, updated_at = now()
       WHERE app_id = $1 AND account_id = $2`,
      [appId, accountId, status, cause],
    );
    await client.query('COMMIT');
    return old.rowCount !== 0;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/**
 * Remembers a signed call's id until it expires; false when it was seen before with another
 * request id (a replayed token). The same request id again is МойСклад's Retry of that call.
 * Expired ids are dropped as new ones come, a few at a time.
 */
export async function firstUseOfJti(pool: pg.Pool, jti: string, expiresAt: Date, requestId: string | null): Promise<boolean> {
  await pool.query('DELETE FROM moysklad_jwt_seen WHERE jti IN (SELECT jti FROM moysklad_jwt_seen WHERE expires_at < now() LIMIT 100)');
  const r = await pool.query<{ request_id: string | null }>(
    `WITH ins AS (INSERT INTO moysklad_jwt_seen (jti, request_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING request_id)
     SELECT request_id, true AS fresh FROM ins
     UNION ALL SELECT request_id, false FROM moysklad_jwt_seen WHERE jti = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [jti, requestId, expiresAt],
  );
  const row = r.rows[0] as { request_id: string | null; fresh: boolean } | undefined;
  if (row === undefined || row.fresh) return true;
  return requestId !== null && row.request_id === requestId;
}
