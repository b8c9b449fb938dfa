-- Coupons issued for a promotion (`issuedCoupons: true`): each code has its uses (null: unlimited
-- until it expires), a limit per customer and an end. A use is spent by the batch that records
-- the sale (the coupon row is locked in prefetch, so two tills cannot spend its last use), and
-- given back by the sale's full refund.
CREATE TABLE coupons (
  tenant_id     text NOT NULL,
  code          text NOT NULL,
  promotion_id  text NOT NULL,
  uses_left     integer CHECK (uses_left IS NULL OR uses_left >= 0),
  per_customer  integer CHECK (per_customer IS NULL OR per_customer > 0),
  valid_to      timestamptz,
  batch         text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, code)
);
CREATE INDEX coupons_batch ON coupons (tenant_id, batch);

CREATE TABLE coupon_uses (
  tenant_id    text NOT NULL,
  check_id     bigint NOT NULL,
  code         text NOT NULL,
  customer_id  bigint,
  returned     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (tenant_id, check_id)
);
CREATE INDEX coupon_uses_code ON coupon_uses (tenant_id, code, customer_id) WHERE NOT returned;
