-- Documents a cash system sent that Kopilka could not record as they are and must not lose: a
-- document id already recorded with other content, kept whole for a person to look at. Keyed by
-- tenant first, like every table a tenant owns; nothing here points across tenants.
CREATE TABLE review_queue (
  tenant_id   text NOT NULL,
  id          bigserial NOT NULL,
  system      text NOT NULL,
  kind        text NOT NULL,
  external_id text NOT NULL,
  reason_code text NOT NULL,
  reason      text NOT NULL,
  payload     jsonb NOT NULL,
  -- A system that retries the same document gets the same answer and adds no second item.
  payload_hash text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX review_queue_document ON review_queue (tenant_id, system, kind, external_id, payload_hash);
CREATE INDEX review_queue_open ON review_queue (tenant_id, created_at) WHERE resolved_at IS NULL;

-- Webhook secrets are found by their SHA-256 (ledger/secrets.ts); the secret itself is kept
-- sealed, and sealed values are all different, so uniqueness moves to the hash. Rows written in
-- plain text by earlier versions are sealed by the service at start (it has the key, SQL has not).
CREATE UNIQUE INDEX connector_settings_secret_hash ON connector_settings ((settings->>'webhookSecretHash')) WHERE settings ? 'webhookSecretHash';
DROP INDEX connector_settings_secret;
