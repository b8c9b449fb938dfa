-- The review queue (004) learns to hold what Kopilka itself cannot apply of a till-closed
-- document (ledger/closed.ts): the ledger request it was translated to, so that a person can
-- apply it later or link it to a sale or a customer, and how each item was resolved. Every new
-- column may be null: rows queued before (a connector's document, no request) stay valid and can
-- still be dismissed.
ALTER TABLE review_queue
  -- The channel the document came through (a refund is applied against that channel's sale).
  ADD COLUMN channel text,
  -- {"kind":"sale","check":{…}} or {"kind":"refund","saleExternalId":"…","refund":{…}}.
  ADD COLUMN request jsonb,
  ADD COLUMN resolution text CHECK (resolution IN ('apply', 'link', 'dismiss')),
  ADD COLUMN resolved_by text,
  ADD COLUMN resolution_comment text,
  -- What the resolution pointed at: {"saleExternalId":…} or {"customerId":…}.
  ADD COLUMN resolution_detail jsonb,
  ADD CONSTRAINT review_queue_resolution_when CHECK (resolution IS NULL OR resolved_at IS NOT NULL);

-- Counts of open items by reason (the admin's summary).
CREATE INDEX review_queue_open_reason ON review_queue (tenant_id, reason_code) WHERE resolved_at IS NULL;
