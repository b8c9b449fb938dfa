-- МойСклад's catalogue solution (Vendor API): one row per account the solution is installed on.
-- МойСклад tells us of an install (PUT), with the account's JSON API token; the account's user
-- then links a Kopilka tenant in the solution's window, and we hand МойСклад a key of the tenant's
-- `moysklad` channel. Only that key's hash is kept (to revoke it at uninstall); the JSON API token
-- is sealed with the service's SecretBox (ledger/secrets.ts) before it is written here.
CREATE TABLE moysklad_apps (
  app_id            text NOT NULL,
  account_id        text NOT NULL,
  account_name      text,
  -- What we last told МойСклад (SettingsRequired, Activated) or Deleted/Suspended after a DELETE.
  status            text NOT NULL CHECK (status IN ('SettingsRequired', 'Activated', 'Suspended', 'Deleted')),
  -- The last activation's or deactivation's cause (Install, Resume, TariffChanged, Uninstall, Suspend…).
  cause             text,
  access_token      text,
  tenant_id         text,
  channel_key_hash  text,
  installed_at      timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, account_id)
);
CREATE INDEX moysklad_apps_tenant ON moysklad_apps (tenant_id) WHERE tenant_id IS NOT NULL;

-- The ids (jti) of МойСклад's signed calls seen while they are valid: the Vendor API wants a
-- token used twice refused. Kept in Postgres so every gateway process sees every jti. The call's
-- X_Lognex_RequestId is kept with it: МойСклад's Retry repeats a call with the same request id,
-- and a retry that reuses its token is the same call again (the endpoints are idempotent).
CREATE TABLE moysklad_jwt_seen (
  jti         text PRIMARY KEY,
  request_id  text,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX moysklad_jwt_seen_expiry ON moysklad_jwt_seen (expires_at);
