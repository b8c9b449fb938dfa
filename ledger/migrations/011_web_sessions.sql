-- Sessions of the web pages (web/): the owner's cabinet signed in with an admin key, the cashier
-- workplace with a `cashier` channel key, the customer cabinet with a phone confirmed by an SMS
-- code. The browser holds a random token in an HttpOnly cookie;
-- only its SHA-256 is kept here, so a leaked database does not leak sessions. A session remembers
-- the hash of the key it was opened with: revoking that key ends the session too (a customer's
-- session has no key: it is the customer's, and ends with its time).
CREATE TABLE web_sessions (
  tenant_id   text NOT NULL,
  token_hash  text NOT NULL,
  key_hash    text,
  role        text NOT NULL CHECK (role IN ('admin', 'cashier', 'customer')),
  store_id    text,
  customer_id bigint,
  CHECK ((role = 'customer') = (customer_id IS NOT NULL AND key_hash IS NULL)),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, token_hash)
);
CREATE UNIQUE INDEX web_sessions_token ON web_sessions (token_hash);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
