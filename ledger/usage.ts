import type pg from 'pg';

// Usage per tenant and month, counted from Postgres: checks from usage_months (migration 026), the
// rollup the writer keeps in the statement that inserts them, SMS from rows of `sms_messages`, so
// what billing reads always equals what the ledger holds, whatever happened to Redis. Months are
// calendar months in the operator's time zone. Prices are billing's (billing/prices.ts): the
// ledger only counts.

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

/**
 * The writer's share of usage_months, one CTE of the batch statement (ledger/persist.ts): the checks
 * that statement's `new_checks` inserted (it returns tenant, channel and kind of each row written; a
 * resent check already there returns nothing, so it never counts twice), per tenant and channel,
 * added to the month of their committed_at. committed_at is the column's default, the statement's
 * now(), so the month is taken from the same now() in SQL: the two cannot fall in different months.
 * Rows in key order, as sales_daily's: two writers lock the same rows in the same order.
 */
export function usageRollupCte(): string {
  return `usage_rollup AS (
    INSERT INTO usage_months (tenant_id, month, channel, checks, refunds)
    SELECT tenant_id, date_trunc('month', now() AT TIME ZONE '${BILLING_TIME_ZONE}')::date, channel,
           count(*) FILTER (WHERE kind = 'sale'), count(*) FILTER (WHERE kind = 'refund')
      FROM new_checks
     GROUP BY tenant_id, channel
     ORDER BY tenant_id, channel
    ON CONFLICT (tenant_id, month, channel) DO UPDATE SET
      checks = usage_months.checks + EXCLUDED.checks, refunds = usage_months.refunds + EXCLUDED.refunds
    RETURNING 1)`;
}

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
            -- usage_months: sales counted per month and channel as the writer inserts them (no scan of checks)
            (SELECT COALESCE(sum(u.checks), 0) FROM usage_months u WHERE u.tenant_id = t.id AND u.month = $2::date) AS checks,
            (SELECT array_agg(DISTINCT ch ORDER BY ch) FROM (
               SELECT k.channel AS ch FROM api_keys k, b WHERE k.tenant_id = t.id AND k.role = 'channel'
                  AND k.created_at < b.hi AND (k.revoked_at IS NULL OR k.revoked_at >= b.lo)
               UNION
               -- a row exists only for a channel with a check (sale or refund) that month
               SELECT u.channel FROM usage_months u WHERE u.tenant_id = t.id AND u.month = $2::date) x) AS channels,
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
