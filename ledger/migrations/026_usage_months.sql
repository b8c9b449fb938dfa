-- Billing's monthly usage (ledger/usage.ts usageCounts, billing/metering.ts reconcileCounters) is
-- read from this rollup instead of counted from checks: at 10,000,000 checks in a month the count
-- was a 37-second scan. The writer adds each batch's inserted checks in the batch's own statement
-- (ledger/persist.ts, usageRollupCte), so the rollup never disagrees with checks.
-- A month is the calendar month of committed_at in the billing zone (BILLING_TIME_ZONE,
-- Europe/Moscow), stored as its first day. `checks` counts sales (what is billed); refunds are
-- counted apart only so that the channels used in a month (a refund uses one too) can be read here.
CREATE TABLE usage_months (
  tenant_id  text NOT NULL,
  month      date NOT NULL,
  channel    text NOT NULL,
  checks     bigint NOT NULL DEFAULT 0,
  refunds    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, month, channel)
);

-- Checks recorded before this migration, counted once.
INSERT INTO usage_months (tenant_id, month, channel, checks, refunds)
SELECT tenant_id, date_trunc('month', committed_at AT TIME ZONE 'Europe/Moscow')::date, channel,
       count(*) FILTER (WHERE kind = 'sale'), count(*) FILTER (WHERE kind = 'refund')
  FROM checks
 GROUP BY 1, 2, 3;
