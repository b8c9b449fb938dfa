import type pg from 'pg';
import { isSealed, secretHash, type SecretBox } from './secrets.ts';

// Connectors' memory of external systems (migrations/003_links.sql). Plain reads and upserts:
// nothing here moves a point, so it does not go through the group-commit writer. Credentials in a
// connector's settings are sealed at rest (ledger/secrets.ts).

export async function linkCustomer(pool: pg.Pool, tenantId: string, system: string, externalId: string, customerId: string): Promise<void> {
  await pool.query(
    `INSERT INTO external_customers (tenant_id, system, external_id, customer_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, system, external_id) DO UPDATE SET customer_id = EXCLUDED.customer_id`,
    [tenantId, system, externalId, customerId],
  );
}

export async function linkedCustomer(pool: pg.Pool, tenantId: string, system: string, externalId: string): Promise<string | null> {
  const r = await pool.query<{ id: string }>('SELECT customer_id::text AS id FROM external_customers WHERE tenant_id = $1 AND system = $2 AND external_id = $3', [
    tenantId,
    system,
    externalId,
  ]);
  return r.rows[0]?.id ?? null;
}

export async function externalIdsOf(pool: pg.Pool, tenantId: string, system: string, customerIds: string[]): Promise<Map<string, string>> {
  const r = await pool.query<{ customer_id: string; external_id: string }>(
    'SELECT customer_id::text, external_id FROM external_customers WHERE tenant_id = $1 AND system = $2 AND customer_id = ANY($3::bigint[])',
    [tenantId, system, customerIds],
  );
  return new Map(r.rows.map((x) => [x.customer_id, x.external_id]));
}

export async function upsertProducts(pool: pg.Pool, tenantId: string, system: string, products: { id: string; groupId: string | null; name: string | null; syncId?: string | null }[]): Promise<void> {
  if (products.length === 0) return;
  await pool.query(
    `INSERT INTO external_products (tenant_id, system, external_id, group_id, name, sync_id)
     SELECT $1, $2, p.id, p.g, p.n, p.s FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS p(id, g, n, s)
     ON CONFLICT (tenant_id, system, external_id) DO UPDATE SET group_id = EXCLUDED.group_id, name = EXCLUDED.name, sync_id = EXCLUDED.sync_id`,
    [tenantId, system, products.map((p) => p.id), products.map((p) => p.groupId), products.map((p) => p.name), products.map((p) => p.syncId ?? null)],
  );
}

export async function productGroups(pool: pg.Pool, tenantId: string, system: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const r = await pool.query<{ external_id: string; group_id: string }>(
    'SELECT external_id, group_id FROM external_products WHERE tenant_id = $1 AND system = $2 AND external_id = ANY($3::text[]) AND group_id IS NOT NULL',
    [tenantId, system, ids],
  );
  return new Map(r.rows.map((x) => [x.external_id, x.group_id]));
}

export async function productIdsBySyncId(pool: pg.Pool, tenantId: string, system: string, syncIds: string[]): Promise<Map<string, string>> {
  if (syncIds.length === 0) return new Map();
  const r = await pool.query<{ external_id: string; sync_id: string }>(
    'SELECT external_id, sync_id FROM external_products WHERE tenant_id = $1 AND system = $2 AND sync_id = ANY($3::text[])',
    [tenantId, system, syncIds],
  );
  return new Map(r.rows.map((x) => [x.sync_id, x.external_id]));
}

export async function connectorSettings<T>(pool: pg.Pool, tenantId: string, system: string): Promise<T | null> {
  const r = await pool.query<{ settings: T }>('SELECT settings FROM connector_settings WHERE tenant_id = $1 AND system = $2', [tenantId, system]);
  return r.rows[0]?.settings ?? null;
}

export async function saveConnectorSettings(pool: pg.Pool, tenantId: string, system: string, settings: object): Promise<void> {
  await pool.query(
    `INSERT INTO connector_settings (tenant_id, system, settings) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, system) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()`,
    [tenantId, system, JSON.stringify(settings)],
  );
}

// Settings fields that are credentials: kept sealed at rest (ledger/secrets.ts). A webhook secret
// is also kept as its SHA-256, which is what an incoming webhook is matched by.
const SEALED_FIELDS = ['token', 'webhookSecret'] as const;

/** Settings as stored: credentials sealed, the webhook secret's hash beside it. */
export function sealSettings(box: SecretBox, plain: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...plain };
  for (const f of SEALED_FIELDS) {
    const v = plain[f];
    if (typeof v === 'string' && !isSealed(v)) out[f] = box.seal(v);
  }
  const secret = plain.webhookSecret;
  if (typeof secret === 'string') out.webhookSecretHash = secretHash(box.open(secret));
  return out;
}

/** Settings as a connector uses them: credentials in plain text (rows of earlier versions are plain already). */
export function openSettings(box: SecretBox, stored: Record<string, unknown>): Record<string, unknown> {
  const { webhookSecretHash: _hash, ...out } = stored;
  for (const f of SEALED_FIELDS) {
    const v = stored[f];
    if (typeof v === 'string') out[f] = box.open(v);
  }
  return out;
}

export async function sealedConnectorSettings<T>(pool: pg.Pool, box: SecretBox, tenantId: string, system: string): Promise<T | null> {
  const stored = await connectorSettings<Record<string, unknown>>(pool, tenantId, system);
  return stored === null ? null : (openSettings(box, stored) as T);
}

export async function saveSealedConnectorSettings(pool: pg.Pool, box: SecretBox, tenantId: string, system: string, settings: object): Promise<void> {
  await saveConnectorSettings(pool, tenantId, system, sealSettings(box, settings as Record<string, unknown>));
}

/**
 * The tenant whose webhook secret this is, for endpoints the external system calls without a
 * key: found by the secret's hash (or, in a row an earlier version wrote, by its plain text).
 */
export async function tenantByWebhookSecret(pool: pg.Pool, box: SecretBox, system: string, secret: string): Promise<{ tenantId: string; settings: Record<string, unknown> } | null> {
  const r = await pool.query<{ tenant_id: string; settings: Record<string, unknown> }>(
    `SELECT tenant_id, settings FROM connector_settings WHERE system = $1 AND settings->>'webhookSecretHash' = $2
     UNION ALL
     SELECT tenant_id, settings FROM connector_settings WHERE system = $1 AND NOT settings ? 'webhookSecretHash' AND settings->>'webhookSecret' = $3
     LIMIT 1`,
    [system, secretHash(secret), secret],
  );
  const row = r.rows[0];
  return row === undefined ? null : { tenantId: row.tenant_id, settings: openSettings(box, row.settings) };
}

/**
 * Seals the credentials earlier versions stored in plain text. Run at start: SQL migrations have
 * no key. A row changed meanwhile (by a PUT) is left to that writer, who sealed it already.
 */
export async function sealLegacySecrets(pool: pg.Pool, box: SecretBox): Promise<number> {
  const r = await pool.query<{ tenant_id: string; system: string; settings: Record<string, unknown> }>(
    `SELECT tenant_id, system, settings FROM connector_settings
     WHERE (settings ? 'webhookSecret' AND NOT settings ? 'webhookSecretHash')
        OR settings->>'webhookSecret' NOT LIKE 'v1:%' OR settings->>'token' NOT LIKE 'v1:%'`,
  );
  let sealed = 0;
  for (const row of r.rows) {
    const u = await pool.query('UPDATE connector_settings SET settings = $4 WHERE tenant_id = $1 AND system = $2 AND settings = $3::jsonb', [
      row.tenant_id,
      row.system,
      JSON.stringify(row.settings),
      JSON.stringify(sealSettings(box, row.settings)),
    ]);
    sealed += u.rowCount ?? 0;
  }
  return sealed;
}

/** What a recorded check was sent with (its request as stored), to tell a resend in another shape from a conflict. */
export async function recordedRequest(pool: pg.Pool, tenantId: string, channel: string, kind: 'sale' | 'refund', externalId: string): Promise<Record<string, unknown> | null> {
  const r = await pool.query<{ request: Record<string, unknown> }>('SELECT request FROM checks WHERE tenant_id = $1 AND channel = $2 AND kind = $3 AND external_id = $4', [
    tenantId,
    channel,
    kind,
    externalId,
  ]);
  return r.rows[0]?.request ?? null;
}

/** The lines of a recorded sale as the till sent them: returns are matched against these. */
export async function saleLines(pool: pg.Pool, tenantId: string, channel: string, externalId: string): Promise<{ lineNo: number; productId: string; quantity: number }[] | null> {
  const r = await pool.query<{ request: { lines: { lineNo: number; productId: string; quantity: number }[] } }>(
    "SELECT request FROM checks WHERE tenant_id = $1 AND channel = $2 AND kind = 'sale' AND external_id = $3",
    [tenantId, channel, externalId],
  );
  return r.rows[0]?.request.lines ?? null;
}
