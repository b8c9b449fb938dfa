import type { AnonymiseTx, ErasedPerson } from '../ledger/index.ts';

// Communications' part of anonymising a customer (the ledger's anonymiseCustomer runs it inside
// its own transaction): what the person wrote or was sent goes, the facts billing and the owner
// count stay.
// - messages: address, subject and text erased — topic, channel, provider, cost, status and times
//   stay (billing counts sent SMS by topic). Messages still queued are not sent: `skipped`. Codes
//   sent to the phone before the person registered (no customer id) are found by the address.
// - customer_contacts (the Telegram chat): deleted.
// - consents: the history stays (it proves what was agreed, and when), and a last withdrawal of
//   both kinds is added — the proof that processing stopped. It carries no personal data.
// - chain_participants: no further step for them (the chain's sweep ends them after its window).
// - feedback: rating, NPS, store, cashier, check and amount stay; the review's text and the owner's
//   answer are erased where they name the person (their name, phone, e-mail or card).

export const ANONYMISED = 'покупатель обезличен по его запросу';

export async function eraseFromCommunications(tx: AnonymiseTx, p: ErasedPerson): Promise<Record<string, number>> {
  // SET expressions read the row as it was: `error` and `status` see the old address and status.
  const messages = await tx.query(
    `UPDATE messages SET address = '', subject = NULL, body = '',
            error = CASE WHEN status = 'queued' THEN $5
                         WHEN address <> '' AND strpos(coalesce(error, ''), address) > 0 THEN NULL ELSE error END,
            status = CASE WHEN status = 'queued' THEN 'skipped' ELSE status END
      WHERE tenant_id = $1 AND (customer_id = $2 OR (channel = 'sms' AND address = $3) OR (channel = 'email' AND address = $4))
        AND (address <> '' OR body <> '' OR subject IS NOT NULL)`,
    [p.tenantId, p.customerId, p.phone, p.email, ANONYMISED],
  );
  const contacts = await tx.query('DELETE FROM customer_contacts WHERE tenant_id = $1 AND customer_id = $2', [p.tenantId, p.customerId]);
  await tx.query(
    `INSERT INTO consents (tenant_id, customer_id, kind, granted, text_version, channel, proof)
     VALUES ($1, $2, 'processing', false, 'обезличивание', 'запрос покупателя', NULL), ($1, $2, 'advertising', false, 'обезличивание', 'запрос покупателя', NULL)`,
    [p.tenantId, p.customerId],
  );
  // Reactivation chains they are in take no further step (no message could reach them; a gift would go to nobody).
  const chains = await tx.query('UPDATE chain_participants SET next_at = NULL WHERE tenant_id = $1 AND customer_id = $2 AND left_at IS NULL AND next_at IS NOT NULL', [
    p.tenantId,
    p.customerId,
  ]);
  const consents = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM consents WHERE tenant_id = $1 AND customer_id = $2', [p.tenantId, p.customerId]);
  return {
    messages: messages.rowCount ?? 0,
    contacts: contacts.rowCount ?? 0,
    consentsKept: consents.rows[0]!.n,
    chainStepsStopped: chains.rowCount ?? 0,
    reviewTexts: await eraseReviewTexts(tx, p),
  };
}

/** Reviews and answers that name the person lose their text; returns how many texts went. */
async function eraseReviewTexts(tx: AnonymiseTx, p: ErasedPerson): Promise<number> {
  const r = await tx.query<{ id: string; text: string | null; answer: string | null }>(
    'SELECT id::text, text, answer FROM feedback WHERE tenant_id = $1 AND customer_id = $2 AND (text IS NOT NULL OR answer IS NOT NULL)',
    [p.tenantId, p.customerId],
  );
  let erased = 0;
  for (const f of r.rows) {
    const text = f.text !== null && names(f.text, p);
    const answer = f.answer !== null && names(f.answer, p);
    if (!text && !answer) continue;
    await tx.query('UPDATE feedback SET text = CASE WHEN $2 THEN NULL ELSE text END, answer = CASE WHEN $3 THEN NULL ELSE answer END WHERE id = $1', [f.id, text, answer]);
    erased += Number(text) + Number(answer);
  }
  return erased;
}

/** Whether a text names the person: a word of their name (3+ letters), their phone's last 10 digits, e-mail or card. */
export function names(text: string, p: Pick<ErasedPerson, 'name' | 'phone' | 'email' | 'cardNumber'>): boolean {
  const lower = text.toLocaleLowerCase('ru-RU');
  const words = new Set(lower.split(/[^\p{L}]+/u));
  const nameWords = (p.name ?? '').toLocaleLowerCase('ru-RU').split(/[^\p{L}]+/u).filter((w) => w.length >= 3);
  if (nameWords.some((w) => words.has(w))) return true;
  const digits = text.replace(/\D/g, '');
  const phone = (p.phone ?? '').replace(/\D/g, '').slice(-10);
  if (phone.length === 10 && digits.includes(phone)) return true;
  if (p.email && lower.includes(p.email.toLocaleLowerCase('ru-RU'))) return true;
  return p.cardNumber !== null && p.cardNumber.length >= 4 && text.includes(p.cardNumber);
}
