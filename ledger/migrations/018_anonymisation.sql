-- Anonymisation on the customer's request (152-ФЗ art. 21): the person's data is erased, the
-- bookkeeping stays (checks, postings, amounts, dates). The customer row lives on without personal
-- data, marked here so that no sweep gives it bonuses again (inactivity gifts, campaign segments,
-- chains). One record per customer keeps when and why it was done and what was done: a second
-- request answers with it and changes nothing.
ALTER TABLE customers ADD COLUMN anonymised_at timestamptz;

CREATE TABLE customer_anonymisations (
  tenant_id     text NOT NULL,
  customer_id   bigint NOT NULL,
  -- the owner's reason (a request number, «заявление от 01.12.2026»): not the person's data
  reason        text NOT NULL,
  -- the answer given the first time (ledger/anonymise.ts AnonymiseResult), returned to repeats
  result        jsonb NOT NULL,
  anonymised_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, customer_id)
);
