-- Customer updates in place (issue #17). Every sale changes customers.last_purchase_at, and the
-- lost-customer list's index (015, customers_report_last_purchase) covered that column: so no update
-- of a customer could be HOT, and every sale wrote a new entry into each of customers' indexes (key,
-- phone, card, referral code, that one) — at 10,000,000 customers, random pages of large indexes
-- per check. Measured at 10M customers with this migration (README, "The eleventh pass"): 99.6–100 %
-- of customer updates HOT; commit at 256 connections 2,830–3,216 against 2,358–2,847 checks/s,
-- Postgres 269–299 against 321–411 µs a check.
--
-- The lost-customer list reads this log instead. A customer's purchase time is appended each time it
-- changes (a right-edge insert: the page is the one the last check wrote to); the entry that equals
-- the customer's current last_purchase_at is the live one, older ones are superseded. The list joins
-- each entry to its customer and keeps the live ones (ledger/customer-reports.ts); the sweeper deletes
-- superseded entries in key order (ledger/last-purchase-log.ts), so the log stays about one entry per
-- buyer plus the purchases since its last pass.
CREATE TABLE last_purchase_log (
  tenant_id    text NOT NULL,
  at           timestamptz NOT NULL,
  customer_id  bigint NOT NULL,
  PRIMARY KEY (tenant_id, at, customer_id)
);

-- Kept by statement triggers, so every writer of customers (the writer's batches, imports, seeds by
-- SQL) keeps it alike. An update logs only rows whose last purchase moved: a balance settled by the
-- sweeper or an edited name writes nothing here.
CREATE FUNCTION last_purchase_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO last_purchase_log (tenant_id, at, customer_id)
  SELECT tenant_id, last_purchase_at, id FROM new_rows WHERE last_purchase_at IS NOT NULL
   ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE FUNCTION last_purchase_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO last_purchase_log (tenant_id, at, customer_id)
  SELECT n.tenant_id, n.last_purchase_at, n.id FROM new_rows n JOIN old_rows o USING (tenant_id, id)
   WHERE n.last_purchase_at IS NOT NULL AND n.last_purchase_at IS DISTINCT FROM o.last_purchase_at
   ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER last_purchase_insert AFTER INSERT ON customers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION last_purchase_inserted();
CREATE TRIGGER last_purchase_update AFTER UPDATE ON customers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION last_purchase_updated();

-- The customers already there, once.
INSERT INTO last_purchase_log (tenant_id, at, customer_id)
SELECT tenant_id, last_purchase_at, id FROM customers WHERE last_purchase_at IS NOT NULL;
-- Planned with no statistics yet, the list sorted the tenant's whole log for a page (5.9 s at
-- 10,000,000 customers, against 9 ms once analyzed): counted now, not when autovacuum gets to it.
ANALYZE last_purchase_log;

DROP INDEX customers_report_last_purchase;

-- Room on each page for a customer's next version, so the update can stay on its page (HOT needs
-- the new version on the same page). Pages written from now on; the existing ones gain room as
-- their old versions are vacuumed away.
ALTER TABLE customers SET (fillfactor = 90);
