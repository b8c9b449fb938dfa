-- Kopilka schema, version 1.
-- Tenant first: every key starts with tenant_id and no foreign key crosses tenants, so each table
-- can be distributed by tenant_id (Citus) without change. Money: bigint kopecks; points: bigint
-- hundredths. Times: timestamptz.

CREATE TABLE tenants (
  id              text PRIMARY KEY,
  name            text NOT NULL,
  plan            text NOT NULL DEFAULT 'month',
  program         jsonb NOT NULL,
  program_version integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Keys are stored as SHA-256 of the secret; the secret is shown once, at creation.
CREATE TABLE api_keys (
  tenant_id   text NOT NULL,
  id          bigint GENERATED ALWAYS AS IDENTITY,
  key_hash    text NOT NULL,
  role        text NOT NULL CHECK (role IN ('admin', 'channel')),
  channel     text,
  store_id    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);

CREATE TABLE customers (
  tenant_id        text NOT NULL,
  id               bigint NOT NULL,
  phone            text,
  card_number      text,
  name             text,
  gender           text,
  birth_date       date,
  email            text,
  address          text,
  comment          text,
  relatives        jsonb NOT NULL DEFAULT '[]',
  referral_code    text NOT NULL,
  referrer_id      bigint,
  source           text,
  assigned_level   text,
  level_code       text NOT NULL,
  total_spent      bigint NOT NULL DEFAULT 0,
  purchases        integer NOT NULL DEFAULT 0,
  last_purchase_at timestamptz,
  -- Caches of the sums of postings into the customer's buckets (see ledger/account.ts).
  available        bigint NOT NULL DEFAULT 0,
  pending          bigint NOT NULL DEFAULT 0,
  debt             bigint NOT NULL DEFAULT 0 CHECK (debt >= 0),
  registered_at    timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX customers_phone ON customers (tenant_id, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX customers_card ON customers (tenant_id, card_number) WHERE card_number IS NOT NULL;
CREATE UNIQUE INDEX customers_referral_code ON customers (tenant_id, referral_code);
-- Ids are handed out in blocks of 1000 (ledger/ids.ts): one sequence call serves many rows.
CREATE SEQUENCE customers_id_seq INCREMENT BY 1000;

-- A sale or a refund, recorded once per (tenant, channel, kind, external id). `request_hash` tells
-- a replay (same body: the stored answer) from a conflict (same id, other body: 409).
CREATE TABLE checks (
  tenant_id        text NOT NULL,
  id               bigint NOT NULL,
  channel          text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('sale', 'refund')),
  external_id      text NOT NULL,
  original_id      bigint,
  customer_id      bigint,
  store_id         text,
  occurred_at      timestamptz NOT NULL,
  committed_at     timestamptz NOT NULL DEFAULT now(),
  request_hash     text NOT NULL,
  -- json, not jsonb: a replay returns the first answer byte for byte.
  request          json NOT NULL,
  result           json NOT NULL,
  amount           bigint NOT NULL,
  discount         bigint NOT NULL,
  redeemed         bigint NOT NULL,
  accrued          bigint NOT NULL,
  -- For a sale: per line what it gave, and the referral reward (ledger/refunds.ts uses both);
  -- refunded_qty: how much of each line has come back so far.
  detail           jsonb NOT NULL,
  refunded_qty     jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX checks_external ON checks (tenant_id, channel, kind, external_id);
CREATE INDEX checks_by_customer ON checks (tenant_id, customer_id, id);
CREATE INDEX checks_by_month ON checks (tenant_id, committed_at);
CREATE SEQUENCE checks_id_seq INCREMENT BY 1000;

CREATE TABLE lots (
  tenant_id    text NOT NULL,
  id           bigint NOT NULL,
  customer_id  bigint NOT NULL,
  check_id     bigint,
  kind         text NOT NULL,
  amount       bigint NOT NULL CHECK (amount > 0),
  remaining    bigint NOT NULL CHECK (remaining >= 0),
  activates_at timestamptz NOT NULL,
  expires_at   timestamptz,
  state        text NOT NULL CHECK (state IN ('pending', 'active', 'closed')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX lots_open ON lots (tenant_id, customer_id) WHERE state <> 'closed';
CREATE INDEX lots_due_activation ON lots (activates_at) WHERE state = 'pending';
CREATE INDEX lots_due_expiry ON lots (expires_at) WHERE state = 'active' AND expires_at IS NOT NULL;
CREATE SEQUENCE lots_id_seq INCREMENT BY 1000;

-- Double entry: each posting moves `amount` from `debit` to `credit` (ledger/account.ts).
CREATE TABLE postings (
  tenant_id   text NOT NULL,
  id          bigint GENERATED ALWAYS AS IDENTITY,
  customer_id bigint NOT NULL,
  debit       text NOT NULL,
  credit      text NOT NULL,
  amount      bigint NOT NULL CHECK (amount > 0),
  kind        text NOT NULL,
  check_id    bigint,
  lot_id      bigint,
  at          timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CHECK (debit <> credit)
);
CREATE INDEX postings_by_customer ON postings (tenant_id, customer_id, id);

-- Which lots paid for which check, so a refund returns points to where they came from.
CREATE TABLE spends (
  tenant_id text NOT NULL,
  check_id  bigint NOT NULL,
  seq       integer NOT NULL,
  lot_id    bigint NOT NULL,
  amount    bigint NOT NULL CHECK (amount > 0),
  PRIMARY KEY (tenant_id, check_id, seq)
);

-- Gifts given by date (birthdays) or by absence (inactivity), once per occasion.
CREATE TABLE gift_log (
  tenant_id   text NOT NULL,
  customer_id bigint NOT NULL,
  occasion    text NOT NULL,
  lot_id      bigint,
  given_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, customer_id, occasion)
);

-- Usage the billing team reads: per tenant, month and counter (checks:<channel>, sms:<topic>).
CREATE TABLE usage_counters (
  tenant_id text NOT NULL,
  month     text NOT NULL,
  name      text NOT NULL,
  value     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, month, name)
);
