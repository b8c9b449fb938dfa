-- Personal, temporary offers (ledger/boosts.ts): an extra discount or a bonus multiplier for one
-- customer until a date — a reactivation chain's "come back this week" step, or the owner's hand.
-- Kept on the customer's row because every sale already reads that row (prefetch, FOR UPDATE), so
-- pricing a check costs no extra query; the batch's UPDATE of customers names its columns and
-- never overwrites this one.
ALTER TABLE customers ADD COLUMN boosts jsonb NOT NULL DEFAULT '[]';

-- A reactivation chain's step may give such an offer; its log says which (communications/chains.ts).
ALTER TABLE chain_step_log ADD COLUMN boost text;
