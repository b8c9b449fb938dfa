import type pg from 'pg';

// Connectors' memory of external systems (migrations/003_links.sql). Plain reads and upserts:
// nothing here moves a point, so it does not go through the group-commit writer.

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

export async function upsertProducts(pool: pg.Pool, tenantId: string, system: string, products: { id: string; groupId: string | null; name: string | null }[]): Promise<void> {
  if (products.length === 0) return;
  await pool.query(
    `INSERT INTO external_products (tenant_id, system, external_id, group_id, name)
     SELECT $1, $2, p.id, p.g, p.n FROM unnest($3::text[], $4::text[], $5::text[]) AS p(id, g, n)
     ON CONFLICT (tenant_id, system, external_id) DO UPDATE SET group_id = EXCLUDED.group_id, name = EXCLUDED.name`,
    [tenantId, system, products.map((p) => p.id), products.map((p) => p.groupId), products.map((p) => p.name)],
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

/** The tenant whose webhook secret this is, for endpoints the external system calls without a key. */
export async function tenantByWebhookSecret(pool: pg.Pool, system: string, secret: string): Promise<{ tenantId: string; settings: Record<string, unknown> } | null> {
  const r = await pool.query<{ tenant_id: string; settings: Record<string, unknown> }>(
    "SELECT tenant_id, settings FROM connector_settings WHERE system = $1 AND settings->>'webhookSecret' = $2",
    [system, secret],
  );
  const row = r.rows[0];
  return row === undefined ? null : { tenantId: row.tenant_id, settings: row.settings };
}

/** The lines of a recorded sale as the till sent them: returns are matched against these. */
export async function saleLines(pool: pg.Pool, tenantId: string, channel: string, externalId: string): Promise<{ lineNo: number; productId: string; quantity: number }[] | null> {
  const r = await pool.query<{ request: { lines: { lineNo: number; productId: string; quantity: number }[] } }>(
    "SELECT request FROM checks WHERE tenant_id = $1 AND channel = $2 AND kind = 'sale' AND external_id = $3",
    [tenantId, channel, externalId],
  );
  return r.rows[0]?.request.lines ?? null;
}
