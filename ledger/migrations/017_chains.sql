-- Reactivation chains (communications/chains.ts): a segment of sleeping customers and ordered steps
-- (a message, a gift) sent with delays; a customer who buys leaves the chain. Each customer enters a
-- chain once; the step log and the messages' dedupe keys make every step happen once.
CREATE TABLE chains (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   text NOT NULL,
  name        text NOT NULL,
  segment     jsonb NOT NULL,
  -- [{ delayDays, message?: { text, channel, advertising, subject? }, gift?: { points, ttlDays? } }]
  steps       jsonb NOT NULL,
  -- a customer who buys within this many days of entering counts as returned by the chain
  window_days int NOT NULL DEFAULT 30,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chains_by_tenant ON chains (tenant_id, created_at);

CREATE TABLE chain_participants (
  chain_id       uuid NOT NULL REFERENCES chains (id),
  tenant_id      text NOT NULL,
  customer_id    bigint NOT NULL,
  entered_at     timestamptz NOT NULL,
  -- the customer's revenue (kopecks) when entering and when leaving by a purchase: the difference
  -- is the revenue attributed to the chain
  spent_at_entry bigint NOT NULL,
  spent_at_left  bigint,
  -- the index of the step due next; equal to the number of steps when all are done (next_at null)
  next_step      int NOT NULL DEFAULT 0,
  next_at        timestamptz,
  left_at        timestamptz,
  left_reason    text CHECK (left_reason IN ('bought', 'finished')),
  PRIMARY KEY (chain_id, customer_id)
);
CREATE INDEX chain_participants_due ON chain_participants (chain_id, next_at) WHERE left_at IS NULL;

CREATE TABLE chain_step_log (
  chain_id    uuid NOT NULL,
  customer_id bigint NOT NULL,
  step        int NOT NULL,
  done_at     timestamptz NOT NULL DEFAULT now(),
  message_id  uuid,
  -- what happened to the message: queued, skipped (no consent, no address), or already queued before
  message     text,
  gift_points bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (chain_id, customer_id, step)
);
