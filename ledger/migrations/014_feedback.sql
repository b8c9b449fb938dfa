-- Feedback after a purchase (communications/feedback.ts): one row per check that was asked for a
-- review, made when the request message is queued; the review fills it in. The link carries a
-- random token; only its SHA-256 is kept, so a database dump cannot open anyone's review page.
CREATE TABLE feedback (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id    text NOT NULL,
  token_hash   bytea NOT NULL UNIQUE,
  customer_id  bigint NOT NULL,
  check_id     text NOT NULL,
  external_id  text,
  store_id     text,
  cashier_id   text,
  amount       bigint NOT NULL DEFAULT 0,
  purchased_at timestamptz NOT NULL,
  asked_at     timestamptz NOT NULL DEFAULT now(),
  -- the review: null until the customer sends the page (once: a second send is refused)
  rating       smallint CHECK (rating BETWEEN 1 AND 5),
  nps          smallint CHECK (nps BETWEEN 0 AND 10),
  text         text,
  created_at   timestamptz,
  -- the owner's answer, sent to the customer as a message (topic feedback-answer)
  answer       text,
  answered_at  timestamptz,
  answer_message_id uuid,
  UNIQUE (tenant_id, check_id)
);
CREATE INDEX feedback_reviews ON feedback (tenant_id, created_at DESC) WHERE created_at IS NOT NULL;
