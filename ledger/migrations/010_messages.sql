-- Talking to customers (communications/): every message is a row — what was sent, to whom, about
-- what, through which provider, at what cost and with which outcome. Delivery jobs live in pg-boss's
-- own schema (pgboss.*) in this same database; these rows are the truth the jobs act on.
CREATE TABLE messages (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- A small number the providers that take a client id (SMSC's `id`) are given, to ask after a crash.
  seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant_id    text NOT NULL,
  customer_id  bigint,
  topic        text NOT NULL,
  -- advertising messages need the customer's advertising consent (38-ФЗ art. 18)
  advertising  boolean NOT NULL DEFAULT false,
  channel      text NOT NULL CHECK (channel IN ('sms', 'email', 'telegram')),
  provider     text NOT NULL,
  address      text NOT NULL,
  subject      text,
  body         text NOT NULL,
  cost         bigint NOT NULL DEFAULT 0,
  -- queued → sending → sent | failed; unknown: a crash left it sending and the provider cannot be
  -- asked, so it is not sent again (a person decides); skipped: refused before sending (no consent).
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown', 'skipped')),
  provider_id  text,
  error        text,
  attempts     int NOT NULL DEFAULT 0,
  -- One message per occasion (an event id, a campaign and customer): a redelivered event makes none.
  dedupe_key   text,
  send_after   timestamptz NOT NULL DEFAULT now(),
  created_at   timestamptz NOT NULL DEFAULT now(),
  sending_at   timestamptz,
  sent_at      timestamptz,
  UNIQUE (tenant_id, dedupe_key)
);
CREATE INDEX messages_by_customer ON messages (tenant_id, customer_id, created_at DESC);
CREATE INDEX messages_by_status ON messages (tenant_id, status, created_at DESC);
CREATE INDEX messages_sent_by_month ON messages (tenant_id, sent_at) WHERE status = 'sent';

-- Consent (152-ФЗ: data processing; 38-ФЗ art. 18: advertising), one row per decision: a
-- withdrawal is a new row, so the history is the proof. The latest row per kind is in force.
CREATE TABLE consents (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id    text NOT NULL,
  customer_id  bigint NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('processing', 'advertising')),
  granted      boolean NOT NULL,
  text_version text NOT NULL,
  channel      text NOT NULL,
  -- what proves it: an SMS code's message id, a signed paper's number, the till's check
  proof        text,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consents_by_customer ON consents (tenant_id, customer_id, kind, id DESC);

-- The tenant's texts for automatic messages, one per event; none saved: the default text.
CREATE TABLE message_templates (
  tenant_id  text NOT NULL,
  event      text NOT NULL,
  body       text NOT NULL,
  enabled    boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event)
);

-- Where a customer can be reached besides the phone and e-mail the ledger keeps.
CREATE TABLE customer_contacts (
  tenant_id        text NOT NULL,
  customer_id      bigint NOT NULL,
  telegram_chat_id text,
  PRIMARY KEY (tenant_id, customer_id)
);
