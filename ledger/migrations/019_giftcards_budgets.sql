-- Gift certificates (ledger/giftcards.ts): issued in a batch with unguessable codes, sold
-- (activated) at a till, then spent as a check's payment until the balance is gone or valid_to
-- passes. A use is written by the batch that records the sale (the certificate row is locked in
-- prefetch, so two tills cannot both spend its last roubles) and given back by the sale's refund.
-- Money in kopecks.
CREATE TABLE giftcards (
  tenant_id     text NOT NULL,
  code          text NOT NULL,
  nominal       bigint NOT NULL CHECK (nominal > 0),
  balance       bigint NOT NULL CHECK (balance >= 0 AND balance <= nominal),
  -- 'expired' is also read from valid_to: a certificate past its end is expired whatever the column says.
  status        text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'active', 'used', 'expired', 'blocked')),
  valid_to      timestamptz,
  -- Valid for this many days from the sale (valid_to is set when it is sold).
  valid_days    integer CHECK (valid_days IS NULL OR valid_days > 0),
  batch         text NOT NULL,
  sold_at       timestamptz,
  sold_store    text,
  sold_channel  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, code)
);
CREATE INDEX giftcards_status ON giftcards (tenant_id, status, code);
CREATE INDEX giftcards_batch ON giftcards (tenant_id, batch);

-- One row per (sale, certificate): what the sale took, what refunds gave back, and what a till
-- took beyond the balance (a till-closed check is never refused: the difference is for review).
CREATE TABLE giftcard_uses (
  tenant_id   text NOT NULL,
  check_id    bigint NOT NULL,
  code        text NOT NULL,
  amount      bigint NOT NULL CHECK (amount >= 0),
  returned    bigint NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= amount),
  overdraft   bigint NOT NULL DEFAULT 0 CHECK (overdraft >= 0),
  at          timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, check_id, code)
);
CREATE INDEX giftcard_uses_code ON giftcard_uses (tenant_id, code, at);

-- What a promotion with a budget (`budget: {discount, uses}` in the program) has given so far.
-- The limits live in the program; these counters only grow, inside the batch that records the
-- sale (the row is locked in prefetch), so two gateways cannot overrun a budget between them.
CREATE TABLE promotion_budgets (
  tenant_id      text NOT NULL,
  promotion_id   text NOT NULL,
  discount_spent bigint NOT NULL DEFAULT 0 CHECK (discount_spent >= 0),
  uses_spent     integer NOT NULL DEFAULT 0 CHECK (uses_spent >= 0),
  PRIMARY KEY (tenant_id, promotion_id)
);

-- The promotions' report reads totals, never checks: per tenant, the shop's local day and
-- promotion, the sales it discounted (their count, its discount, the checks' revenue
-- amount − discount) and, apart, what refunds of those sales took back. Written in the batch's
-- own statement (ledger/promotion-rollups.ts), like sales_daily.
CREATE TABLE promotions_daily (
  tenant_id        text NOT NULL,
  day              date NOT NULL,
  promotion_id     text NOT NULL,
  checks           integer NOT NULL DEFAULT 0,
  discount         bigint NOT NULL DEFAULT 0,
  revenue          bigint NOT NULL DEFAULT 0,
  refunds          integer NOT NULL DEFAULT 0,
  refund_discount  bigint NOT NULL DEFAULT 0,
  refund_revenue   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day, promotion_id)
);

-- Sales recorded before this migration, counted once from their answers (`lines[].promotions`).
-- Refunds recorded before it are not taken off: the report starts exact from here on.
WITH given AS (
  SELECT c.tenant_id, c.id, c.occurred_at, c.amount - c.discount AS revenue, p->>'id' AS promotion_id, sum((p->>'discount')::bigint) AS discount
    FROM checks c, json_array_elements(c.result->'lines') l, json_array_elements(COALESCE(l->'promotions', '[]'::json)) p
   WHERE c.kind = 'sale'
   GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO promotions_daily (tenant_id, day, promotion_id, checks, discount, revenue)
SELECT g.tenant_id, (g.occurred_at AT TIME ZONE COALESCE(t.program->>'timezone', 'Europe/Moscow'))::date, g.promotion_id, count(*), sum(g.discount), sum(g.revenue)
  FROM given g JOIN tenants t ON t.id = g.tenant_id
 GROUP BY 1, 2, 3;
