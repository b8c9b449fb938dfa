-- Blocking a gift certificate (ledger/giftcard-admin.ts): the owner stops a certificate that was
-- lost, stolen or sold by mistake; a blocked one pays nothing until it is unblocked. The current
-- block is kept on the certificate (the list shows why), every block and unblock in
-- giftcard_blocks: who (the admin key's API or the cabinet, and a name when given), when, why.
ALTER TABLE giftcards
  ADD COLUMN blocked_at     timestamptz,
  ADD COLUMN blocked_by     text,
  ADD COLUMN blocked_reason text;

CREATE TABLE giftcard_blocks (
  tenant_id  text NOT NULL,
  code       text NOT NULL,
  id         bigserial,
  action     text NOT NULL CHECK (action IN ('block', 'unblock')),
  reason     text,
  by_whom    text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, code, id)
);
