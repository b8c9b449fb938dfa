import type pg from 'pg';

// Usage per tenant and month, counted from Postgres: checks are rows of `checks`, SMS rows of
// `sms_messages`, so what billing reads always equals what the ledger holds, whatever happened
// to Redis. Months are calendar months in the operator's time zone. Prices are billing's
// (billing/prices.ts): the ledger only counts.

export interface UsageCounts {
  tenantId: string;
  name: string;
  plan: 'month' | 'wallet';
  checks: number;
  channelNames: string[];
  /** SMS sent, by topic. */
  sms: Record<string, number>;
}

/** The operator's zone: billing months start at its midnight (billing/month.ts reads months in it too). */
export const BILLING_TIME_ZONE = 'Europe/Moscow';

export function monthBounds(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { from: `${month}-01`, to: `${next}-01` };
}

/** Checks, channels in use and SMS by topic, per tenant, for a calendar month in the billing zone. */
export async function usageCounts(pool: pg.Pool, month: string, tenantId?: string): Promise<UsageCounts[]> {
  const { from, to } = monthBounds(month);
  const r = await pool.query<{ id: string; name: string; plan: UsageCounts['plan']; checks: string; channels: string[] | null; sms: Record<string, number> | null }>(
    `WITH b AS (SELECT ($2::date::timestamp AT TIME ZONE $4) AS lo, ($3::date::timestamp AT TIME ZONE $4) AS hi)
     SELECT t.id, t.name, t.plan,
            (SELECT count(*) FROM checks c, b WHERE c.tenant_id = t.id AND c.kind = 'sale' AND c.committed_at >= b.lo AND c.committed_at < b.hi) AS checks,
            (SELECT array_agg(DISTINCT ch ORDER BY ch) FROM (
               SELECT k.channel AS ch FROM api_keys k, b WHERE k.tenant_id = t.id AND k.role = 'channel'
                  AND k.created_at < b.hi AND (k.revoked_at IS NULL OR k.revoked_at >= b.lo)
               UNION
               SELECT DISTINCT c.channel FROM checks c, b WHERE c.tenant_id = t.id AND c.committed_at >= b.lo AND c.committed_at < b.hi) x) AS channels,
            (SELECT jsonb_object_agg(topic, n) FROM (
               SELECT topic, count(*) AS n FROM (
                 SELECT s.topic FROM sms_messages s, b WHERE s.tenant_id = t.id AND s.sent_at >= b.lo AND s.sent_at < b.hi
                 -- communications/ stores every message as a row (migration 010): SMS the provider accepted
                 UNION ALL
                 SELECT m.topic FROM messages m, b WHERE m.tenant_id = t.id AND m.channel = 'sms' AND m.status = 'sent' AND m.sent_at >= b.lo AND m.sent_at < b.hi) y
               GROUP BY topic) x) AS sms
       FROM tenants t, b
      WHERE t.created_at < b.hi AND ($1::text IS NULL OR t.id = $1)
      ORDER BY t.created_at, t.id`,
    [tenantId ?? null, from, to, BILLING_TIME_ZONE],
  );
  return r.rows.map((row) => ({ tenantId: row.id, name: row.name, plan: row.plan, checks: Number(row.checks), channelNames: row.channels ?? [], sms: row.sms ?? {} }));
}

export async function recordSms(pool: pg.Pool, tenantId: string, topic: string, phone: string, customerId: string | null): Promise<void> {
  await pool.query('INSERT INTO sms_messages (tenant_id, topic, phone, customer_id) VALUES ($1, $2, $3, $4)', [tenantId, topic, phone, customerId]);
}
