-- The customer-report triggers (015, 024) handed a statement's rows to customer_stats_apply through
-- a temporary table made ON COMMIT DELETE ROWS. Every transaction that touched it paid at COMMIT:
-- Postgres truncated the table and its TOAST table, rebuilt the TOAST index and updated their
-- pg_class rows, and the catalog invalidation that followed made the next transaction plan the
-- triggers' statements again. A profile of one-check commits (perf, issue #17) put the truncation
-- alone at 15 % of Postgres's CPU. Now the rows go to the function as an array of a composite type:
-- nothing temporary, nothing to truncate, the functions' plans stay cached. Still no JSON in
-- between, and still one aggregated upsert per key.

CREATE TYPE customer_stats_change AS (
  sign int, tenant_id text, source text, purchases int, total_spent bigint, registered_at timestamptz, last_purchase_at timestamptz
);

CREATE FUNCTION customer_stats_apply(changes customer_stats_change[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH r AS (
    SELECT d.sign, d.tenant_id, d.source, d.purchases, d.total_spent, d.registered_at, d.last_purchase_at,
           COALESCE(t.program->>'timezone', 'Europe/Moscow') AS tz
      FROM unnest(changes) d LEFT JOIN tenants t ON t.id = d.tenant_id
  ), a AS (
    INSERT INTO customer_activity_stats AS s (tenant_id, shard, bucket, last_day, customers, revenue)
    SELECT tenant_id, (pg_backend_pid() % 8)::smallint, LEAST(GREATEST(purchases, 0), 3),
           CASE WHEN purchases > 0 AND last_purchase_at IS NOT NULL THEN (last_purchase_at AT TIME ZONE tz)::date ELSE '-infinity'::date END,
           sum(sign), sum(sign * total_spent)
      FROM r GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, bucket, last_day, shard) DO UPDATE SET customers = s.customers + EXCLUDED.customers, revenue = s.revenue + EXCLUDED.revenue
    RETURNING 1
  )
  INSERT INTO customer_source_stats AS s (tenant_id, shard, source, registered_day, customers, buyers, repeat_buyers, purchases, spent, gap_days, gap_customers)
  SELECT tenant_id, (pg_backend_pid() % 8)::smallint, COALESCE(source, ''), (registered_at AT TIME ZONE tz)::date,
         sum(sign), COALESCE(sum(sign) FILTER (WHERE purchases > 0), 0), COALESCE(sum(sign) FILTER (WHERE purchases > 1), 0),
         COALESCE(sum(sign * purchases) FILTER (WHERE purchases > 0), 0), COALESCE(sum(sign * total_spent) FILTER (WHERE purchases > 0), 0),
         COALESCE(sum(sign * extract(epoch FROM last_purchase_at - registered_at) / 86400 / (purchases - 1)) FILTER (WHERE purchases > 1 AND last_purchase_at IS NOT NULL), 0),
         COALESCE(sum(sign) FILTER (WHERE purchases > 1 AND last_purchase_at IS NOT NULL), 0)
    FROM r
   GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (tenant_id, source, registered_day, shard) DO UPDATE SET
    customers = s.customers + EXCLUDED.customers, buyers = s.buyers + EXCLUDED.buyers, repeat_buyers = s.repeat_buyers + EXCLUDED.repeat_buyers,
    purchases = s.purchases + EXCLUDED.purchases, spent = s.spent + EXCLUDED.spent, gap_days = s.gap_days + EXCLUDED.gap_days,
    gap_customers = s.gap_customers + EXCLUDED.gap_customers;
END $$;

-- A statement with nothing to count (no rows, or no report figure changed) returns at once, as in 024.
CREATE OR REPLACE FUNCTION customer_stats_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changes customer_stats_change[];
BEGIN
  changes := ARRAY(
    SELECT ROW(1, tenant_id, source, purchases, total_spent, registered_at, last_purchase_at)::customer_stats_change FROM new_rows);
  IF cardinality(changes) > 0 THEN PERFORM customer_stats_apply(changes); END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION customer_stats_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changes customer_stats_change[];
BEGIN
  changes := ARRAY(
    SELECT ROW(-1, tenant_id, source, purchases, total_spent, registered_at, last_purchase_at)::customer_stats_change FROM old_rows);
  IF cardinality(changes) > 0 THEN PERFORM customer_stats_apply(changes); END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION customer_stats_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changes customer_stats_change[];
BEGIN
  changes := ARRAY(
    SELECT ROW(s.sign, s.tenant_id, s.source, s.purchases, s.total_spent, s.registered_at, s.last_purchase_at)::customer_stats_change
      FROM old_rows o JOIN new_rows n USING (tenant_id, id),
           LATERAL (VALUES (-1, o.tenant_id, o.source, o.purchases, o.total_spent, o.registered_at, o.last_purchase_at),
                           (1, n.tenant_id, n.source, n.purchases, n.total_spent, n.registered_at, n.last_purchase_at))
             AS s(sign, tenant_id, source, purchases, total_spent, registered_at, last_purchase_at)
     WHERE (o.purchases, o.total_spent, o.last_purchase_at, o.source, o.registered_at) IS DISTINCT FROM (n.purchases, n.total_spent, n.last_purchase_at, n.source, n.registered_at));
  IF cardinality(changes) > 0 THEN PERFORM customer_stats_apply(changes); END IF;
  RETURN NULL;
END $$;

DROP FUNCTION customer_stats_apply();
DROP FUNCTION customer_stats_delta_ready();
