-- What the connectors remember about the systems they translate: which customer an external id
-- means (a МойСклад counterparty GUID), which product group an external product belongs to, and
-- each tenant's settings for a system (its API address and token, a webhook secret).
CREATE TABLE external_customers (
  tenant_id   text NOT NULL,
  system      text NOT NULL,
  external_id text NOT NULL,
  customer_id bigint NOT NULL,
  PRIMARY KEY (tenant_id, system, external_id)
);

CREATE TABLE external_products (
  tenant_id   text NOT NULL,
  system      text NOT NULL,
  external_id text NOT NULL,
  group_id    text,
  name        text,
  PRIMARY KEY (tenant_id, system, external_id)
);

CREATE TABLE connector_settings (
  tenant_id  text NOT NULL,
  system     text NOT NULL,
  settings   jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, system)
);
CREATE UNIQUE INDEX connector_settings_secret ON connector_settings ((settings->>'webhookSecret')) WHERE settings ? 'webhookSecret';
