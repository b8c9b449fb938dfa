-- Customer reports read running totals, never the customers table whole (1,000,000 customers is
-- half a second of scanning on a busy machine; the reports must answer in ≤ 300 ms). Two small
-- tables are kept by statement-level triggers on customers, in the same transaction as the write
-- that changes a customer (the batch of checks, a registration, an import): each statement adds
-- its rows' new figures and takes away their old ones, aggregated, one upsert per key.
--   customer_activity_stats: by number of purchases (0, 1, 2, 3+) and the shop's local day of the
--     last purchase — totals, segments, lost customers, revenue per customer (a few thousand rows).
--   customer_source_stats: by registration source and local registration day — attraction.
-- Each row also has a shard, the writing connection's (backend pid mod 8): two writers' batches
-- then add to different rows instead of queueing on one (measured: one shared row halved the
-- group-commit rate). Reports sum over shards.
CREATE TABLE customer_activity_stats (
  tenant_id  text NOT NULL,
  shard      smallint NOT NULL,
  bucket     smallint NOT NULL,          -- purchases, capped at 3
  last_day   date NOT NULL,              -- '-infinity' when never bought
  customers  bigint NOT NULL DEFAULT 0,
  revenue    bigint NOT NULL DEFAULT 0,  -- sum of total_spent, kopecks
  PRIMARY KEY (tenant_id, bucket, last_day, shard)
);

CREATE TABLE customer_source_stats (
  tenant_id       text NOT NULL,
  shard           smallint NOT NULL,
  source          text NOT NULL,          -- '' when none
  registered_day  date NOT NULL,
  customers       bigint NOT NULL DEFAULT 0,
  buyers          bigint NOT NULL DEFAULT 0,
  repeat_buyers   bigint NOT NULL DEFAULT 0,
  purchases       bigint NOT NULL DEFAULT 0,  -- of buyers
  spent           bigint NOT NULL DEFAULT 0,  -- of buyers, kopecks
  gap_days        double precision NOT NULL DEFAULT 0, -- Σ (last purchase − registration) / (purchases − 1), repeat buyers
  gap_customers   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, source, registered_day, shard)
);

-- A set of customer rows' contribution (sign +1 or −1 per row) to both tables. Written in SQL over
-- the trigger's transition tables (a temporary table `customer_stats_delta` of the statement's
-- rows): no JSON in between, the batch's rows grouped to a few upserts.
CREATE FUNCTION customer_stats_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH r AS (
    SELECT d.sign, d.tenant_id, d.source, d.purchases, d.total_spent, d.registered_at, d.last_purchase_at,
           COALESCE(t.program->>'timezone', 'Europe/Moscow') AS tz
      FROM customer_stats_delta d LEFT JOIN tenants t ON t.id = d.tenant_id
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

-- This connection's scratch table (made once per connection, emptied per statement) — without a
-- NOTICE per statement that `CREATE … IF NOT EXISTS` would send.
CREATE FUNCTION customer_stats_delta_ready() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.customer_stats_delta') IS NULL THEN
    CREATE TEMP TABLE customer_stats_delta (sign int, tenant_id text, source text, purchases int, total_spent bigint, registered_at timestamptz, last_purchase_at timestamptz) ON COMMIT DELETE ROWS;
  ELSE
    TRUNCATE customer_stats_delta;
  END IF;
END $$;

CREATE FUNCTION customer_stats_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM customer_stats_delta_ready();
  INSERT INTO customer_stats_delta SELECT 1, tenant_id, source, purchases, total_spent, registered_at, last_purchase_at FROM new_rows;
  PERFORM customer_stats_apply();
  RETURN NULL;
END $$;

CREATE FUNCTION customer_stats_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM customer_stats_delta_ready();
  INSERT INTO customer_stats_delta SELECT -1, tenant_id, source, purchases, total_spent, registered_at, last_purchase_at FROM old_rows;
  PERFORM customer_stats_apply();
  RETURN NULL;
END $$;

-- Only rows whose report figures changed count (a bonus grant or a new name changes none of them).
CREATE FUNCTION customer_stats_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM customer_stats_delta_ready();
  INSERT INTO customer_stats_delta
  SELECT s.sign, s.tenant_id, s.source, s.purchases, s.total_spent, s.registered_at, s.last_purchase_at
    FROM old_rows o JOIN new_rows n USING (tenant_id, id),
         LATERAL (VALUES (-1, o.tenant_id, o.source, o.purchases, o.total_spent, o.registered_at, o.last_purchase_at),
                         (1, n.tenant_id, n.source, n.purchases, n.total_spent, n.registered_at, n.last_purchase_at))
           AS s(sign, tenant_id, source, purchases, total_spent, registered_at, last_purchase_at)
   WHERE (o.purchases, o.total_spent, o.last_purchase_at, o.source, o.registered_at) IS DISTINCT FROM (n.purchases, n.total_spent, n.last_purchase_at, n.source, n.registered_at);
  PERFORM customer_stats_apply();
  RETURN NULL;
END $$;

CREATE TRIGGER customer_stats_insert AFTER INSERT ON customers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_stats_inserted();
CREATE TRIGGER customer_stats_update AFTER UPDATE ON customers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_stats_updated();
CREATE TRIGGER customer_stats_delete AFTER DELETE ON customers REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_stats_deleted();

-- Customers already there, counted once.
SELECT customer_stats_delta_ready();
INSERT INTO customer_stats_delta SELECT 1, tenant_id, source, purchases, total_spent, registered_at, last_purchase_at FROM customers;
SELECT customer_stats_apply();

-- The lost-customer list pages through this, most recently lost first.
CREATE INDEX customers_report_last_purchase ON customers (tenant_id, last_purchase_at DESC, id DESC) WHERE last_purchase_at IS NOT NULL;
