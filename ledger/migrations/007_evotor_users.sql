-- Эвотор's cloud app: one row per Evotor user (the business owner's account, userId 01-…) that
-- installed the app. /api/v1/user/create or /verify links it to a Kopilka tenant and hands the
-- cloud a key of the tenant's `evotor` channel as the user token: only its hash is kept (to find
-- the user of a webhook and to revoke the key at uninstall). The cloud's own token for our REST
-- calls (/api/v1/user/token) may come before the link; it is sealed with the service's SecretBox.
CREATE TABLE evotor_users (
  user_id       text PRIMARY KEY,
  tenant_id     text,
  token_hash    text,
  cloud_token   text,
  -- linked: a tenant and a token; installed: ApplicationInstalled seen; uninstalled: key revoked.
  status        text NOT NULL DEFAULT 'linked' CHECK (status IN ('linked', 'installed', 'uninstalled')),
  has_billing   boolean NOT NULL DEFAULT false,
  -- The last subscription event's type (SubscriptionCreated, …Terminated) and its sequence number.
  subscription  text,
  subscription_seq integer,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX evotor_users_token ON evotor_users (token_hash) WHERE token_hash IS NOT NULL;

-- Every installation and subscription event as received, once: the cloud retries for three days
-- until it gets 200, so an event seen before is answered 200 and not applied again.
CREATE TABLE evotor_events (
  event_key   text PRIMARY KEY,
  user_id     text NOT NULL,
  type        text NOT NULL,
  body        jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
