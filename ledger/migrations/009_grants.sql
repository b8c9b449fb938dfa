-- Bonuses granted outside a sale — by hand in the cabinet, imported with a client base, sent with
-- a campaign — are gifts with an occasion the caller names (its idempotency key). The person's
-- reason is kept with the gift, for the customer's history and the audit.
ALTER TABLE gift_log ADD COLUMN reason text;
