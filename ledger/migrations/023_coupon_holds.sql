-- A coupon use held for a check between its calculate and its commit (ledger/coupons.ts): a till
-- that priced a check with the last use of a code keeps it for HOLD_MINUTES, so another till's
-- check cannot take it meanwhile. The commit that spends the use drops the hold; an abandoned
-- one simply runs out.
CREATE TABLE coupon_holds (
  tenant_id    text NOT NULL,
  code         text NOT NULL,
  external_id  text NOT NULL,
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, code, external_id)
);
