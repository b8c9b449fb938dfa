-- Reports read totals, never postings: every batch that records checks adds them here in the same
-- statement (ledger/persist.ts), per tenant, the shop's local day, store, cashier and sales channel.
-- Refunds are kept apart from sales so both can be shown; net figures are sales minus refunds.
ALTER TABLE checks ADD COLUMN cashier_id text;

CREATE TABLE sales_daily (
  tenant_id        text NOT NULL,
  day              date NOT NULL,
  store_id         text NOT NULL DEFAULT '',
  cashier_id       text NOT NULL DEFAULT '',
  channel          text NOT NULL,
  sales            integer NOT NULL DEFAULT 0,
  identified       integer NOT NULL DEFAULT 0,
  sale_amount      bigint NOT NULL DEFAULT 0,
  sale_discount    bigint NOT NULL DEFAULT 0,
  sale_redeemed    bigint NOT NULL DEFAULT 0,
  sale_accrued     bigint NOT NULL DEFAULT 0,
  refunds          integer NOT NULL DEFAULT 0,
  refund_amount    bigint NOT NULL DEFAULT 0,
  refund_discount  bigint NOT NULL DEFAULT 0,
  refund_redeemed  bigint NOT NULL DEFAULT 0,
  refund_accrued   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day, store_id, cashier_id, channel)
);

-- Checks recorded before this migration, counted once.
INSERT INTO sales_daily (tenant_id, day, store_id, cashier_id, channel, sales, identified, sale_amount, sale_discount, sale_redeemed, sale_accrued,
                         refunds, refund_amount, refund_discount, refund_redeemed, refund_accrued)
SELECT c.tenant_id, (c.occurred_at AT TIME ZONE COALESCE(t.program->>'timezone', 'Europe/Moscow'))::date, COALESCE(c.store_id, ''), '', c.channel,
       count(*) FILTER (WHERE c.kind = 'sale'), count(*) FILTER (WHERE c.kind = 'sale' AND c.customer_id IS NOT NULL),
       COALESCE(sum(c.amount) FILTER (WHERE c.kind = 'sale'), 0), COALESCE(sum(c.discount) FILTER (WHERE c.kind = 'sale'), 0),
       COALESCE(sum(c.redeemed) FILTER (WHERE c.kind = 'sale'), 0), COALESCE(sum(c.accrued) FILTER (WHERE c.kind = 'sale'), 0),
       count(*) FILTER (WHERE c.kind = 'refund'),
       COALESCE(sum(c.amount) FILTER (WHERE c.kind = 'refund'), 0), COALESCE(sum(c.discount) FILTER (WHERE c.kind = 'refund'), 0),
       COALESCE(sum(c.redeemed) FILTER (WHERE c.kind = 'refund'), 0), COALESCE(sum(c.accrued) FILTER (WHERE c.kind = 'refund'), 0)
  FROM checks c JOIN tenants t ON t.id = c.tenant_id
 GROUP BY 1, 2, 3, 4, 5;
