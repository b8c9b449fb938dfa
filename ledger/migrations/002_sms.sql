-- SMS the service sends for a tenant (notifications, codes, campaigns): what billing counts.
-- A row is written when the provider accepted the message.
CREATE TABLE sms_messages (
  tenant_id   text NOT NULL,
  id          bigint GENERATED ALWAYS AS IDENTITY,
  topic       text NOT NULL,
  phone       text NOT NULL,
  customer_id bigint,
  sent_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX sms_by_month ON sms_messages (tenant_id, sent_at);
