import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { KopilkaError } from './errors.ts';
import { freeText, parseInput } from './validation.ts';

// Anonymisation on the customer's request (152-ФЗ art. 21): in one transaction the person's data
// goes — from the customer row, from the requests of their checks, from links and sessions, and
// (through `alsoIn`) from the callers' own tables (communications: messages, contacts, consents,
// feedback) — while the bookkeeping stays: every check and posting with its amounts and dates.
// Their remaining bonuses (available and pending) are written off by `expiry` postings into the
// tenant's `expired` bucket, dated at the anonymisation, so balances still equal postings and the
// liability no longer counts them; a debt (points the customer owes after a refund) is left as it
// is. The row stays, without personal data and with a new referral code, marked `anonymised_at`
// so that no sweep gives it bonuses again. The phone becomes free: a sale or registration with it
// makes a new customer.
//
// Check requests: the stored request's `customer` (a phone or a card) becomes `{ "id": … }`; the
// request_hash is kept as it was. A till's resend of the same document (same externalId, same
// body, the phone in it) is told from a conflict by that hash, so it still gets its first answer
// byte for byte (the stored result never held the phone).

export const anonymiseSchema = z
  .object({ reason: freeText(500, { trim: true }).min(1).meta({ description: 'основание: номер или дата заявления (без персональных данных)' }) })
  .strict()
  .meta({ title: 'обезличивание покупателя' });

/** The transaction the callers' tables are cleaned in (a pg client fits it). */
export interface AnonymiseTx {
  query<R = any>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** What the person could be found by in the callers' tables, read before it is erased. */
export interface ErasedPerson {
  tenantId: string;
  customerId: string;
  phone: string | null;
  email: string | null;
  cardNumber: string | null;
  name: string | null;
}

/** The callers' part, run inside the same transaction; returns what it did, by name, counted. */
export type AnonymiseElsewhere = (tx: AnonymiseTx, person: ErasedPerson) => Promise<Record<string, number>>;

export interface AnonymiseResult {
  customerId: string;
  anonymisedAt: string;
  reason: string;
  /** The customer's fields cleared (those that held something). */
  cleared: string[];
  /** Bonuses written off, hundredths of a point, and the postings that did it. */
  writtenOff: { available: number; pending: number; postings: number };
  /** Points the customer still owes (kept: the tenant's claim, not personal data). */
  debt: number;
  /** Check requests whose customer reference (phone, card) became the customer id. */
  checkRequests: number;
  externalLinks: number;
  webSessions: number;
  /** Service SMS records (billing's sms_messages) whose phone was erased; the rows stay counted. */
  smsRecords: number;
  /** Friends this customer had invited, unlinked: their purchases no longer reward anyone. */
  referralsUnlinked: number;
  /** What the callers' part did (communications: messages, contacts, consents, feedback). */
  elsewhere: Record<string, number>;
}

const BIGINT_ID = /^[1-9]\d{0,17}$/;
const PERSONAL = ['phone', 'card_number', 'name', 'gender', 'birth_date', 'email', 'address', 'comment', 'relatives'] as const;

/**
 * Anonymises a customer once; a repeat returns the first result and changes nothing (`fresh`
 * false). Errors: INVALID_INPUT (reason), CUSTOMER_NOT_FOUND.
 */
export async function anonymiseCustomer(
  pool: pg.Pool,
  tenantId: string,
  customerId: string,
  input: unknown,
  now: number,
  alsoIn?: AnonymiseElsewhere,
): Promise<{ result: AnonymiseResult; fresh: boolean }> {
  const { reason } = parseInput(anonymiseSchema, input, 'обезличивание');
  if (!BIGINT_ID.test(customerId)) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { id: customerId });
  // Unlinking invited friends locks their rows after this one; a batch with a friend's sale locks
  // them the other way round, and Postgres breaks such a rare deadlock by failing one side.
  for (let attempt = 1; ; attempt++) {
    try {
      return await anonymiseOnce(pool, tenantId, customerId, reason, now, alsoIn);
    } catch (e) {
      if (attempt >= 3 || !['40P01', '40001'].includes((e as { code?: string }).code ?? '')) throw e;
    }
  }
}

async function anonymiseOnce(pool: pg.Pool, tenantId: string, customerId: string, reason: string, now: number, alsoIn?: AnonymiseElsewhere) {
  const notFound = () => new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { id: customerId });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // The row lock orders this with the writer's batches (they lock customers FOR UPDATE too).
    const r = await client.query(
      `SELECT phone, card_number, name, email, debt, anonymised_at, ${PERSONAL.map((c) => `${c} IS NOT NULL AND ${c}::text NOT IN ('', '[]') AS has_${c}`).join(', ')}
         FROM customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, customerId],
    );
    const row = r.rows[0];
    if (row === undefined) throw notFound();
    if (row.anonymised_at !== null) {
      const done = await client.query<{ result: AnonymiseResult }>('SELECT result FROM customer_anonymisations WHERE tenant_id = $1 AND customer_id = $2', [tenantId, customerId]);
      await client.query('COMMIT');
      return { result: done.rows[0]!.result, fresh: false };
    }
    const at = new Date(now);
    const person: ErasedPerson = { tenantId, customerId, phone: row.phone, email: row.email, cardNumber: row.card_number, name: row.name };
    const writtenOff = await writeOff(client, tenantId, customerId, at);
    await eraseRow(client, tenantId, customerId, writtenOff, at);
    const result: AnonymiseResult = {
      customerId,
      anonymisedAt: at.toISOString(),
      reason,
      cleared: PERSONAL.filter((c) => row[`has_${c}`] === true),
      writtenOff,
      debt: Number(row.debt),
      ...(await eraseTraces(client, person)),
      elsewhere: alsoIn === undefined ? {} : await alsoIn(client, person),
    };
    await client.query('INSERT INTO customer_anonymisations (tenant_id, customer_id, reason, result, anonymised_at) VALUES ($1, $2, $3, $4, $5)', [
      tenantId,
      customerId,
      reason,
      JSON.stringify(result),
      at,
    ]);
    await client.query('COMMIT');
    return { result, fresh: true };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/** Closes every open lot with an `expiry` posting from the bucket it is in; returns the sums. */
async function writeOff(client: AnonymiseTx, tenantId: string, customerId: string, at: Date): Promise<AnonymiseResult['writtenOff']> {
  const r = await client.query<{ debit: string; amount: string; n: string }>(
    `WITH open AS (
       UPDATE lots l SET remaining = 0, state = 'closed'
         FROM (SELECT id, state AS was, remaining AS left_over FROM lots WHERE tenant_id = $1 AND customer_id = $2 AND state <> 'closed') o
        WHERE l.tenant_id = $1 AND l.id = o.id
        RETURNING l.id, l.check_id, o.was, o.left_over
     ), posted AS (
       INSERT INTO postings (tenant_id, customer_id, debit, credit, amount, kind, check_id, lot_id, at)
       SELECT $1, $2, CASE WHEN was = 'pending' THEN 'pending' ELSE 'available' END, 'expired', left_over, 'expiry', check_id, id, $3
         FROM open WHERE left_over > 0 ORDER BY id
       RETURNING debit, amount
     )
     SELECT debit, sum(amount) AS amount, count(*) AS n FROM posted GROUP BY debit`,
    [tenantId, customerId, at],
  );
  // Every lot of theirs now ends here: a later refund that gives paid points back into one (a
  // closed lot reopened) burns them again at once instead of handing them back to nobody.
  await client.query('UPDATE lots SET expires_at = $3 WHERE tenant_id = $1 AND customer_id = $2 AND (expires_at IS NULL OR expires_at > $3)', [tenantId, customerId, at]);
  const of = (bucket: string) => r.rows.find((x) => x.debit === bucket);
  return {
    available: Number(of('available')?.amount ?? 0),
    pending: Number(of('pending')?.amount ?? 0),
    postings: r.rows.reduce((n, x) => n + Number(x.n), 0),
  };
}

/** The row without personal data; its buckets lose what was written off; a fresh referral code. */
async function eraseRow(client: AnonymiseTx, tenantId: string, customerId: string, w: AnonymiseResult['writtenOff'], at: Date): Promise<void> {
  // The old code could still be typed at a till and make this customer a referrer again.
  const code = `X${randomBytes(8).toString('hex').toUpperCase()}`;
  await client.query(
    `UPDATE customers SET phone = NULL, card_number = NULL, name = NULL, gender = NULL, birth_date = NULL, email = NULL, address = NULL,
            comment = NULL, relatives = '[]', referral_code = $3, available = available - $4, pending = pending - $5,
            anonymised_at = $6, updated_at = now()
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, customerId, code, w.available, w.pending, at],
  );
}

/** What else names the person in the ledger's tables: check requests, links, sessions, SMS records, referrals, relatives' gift occasions. */
async function eraseTraces(client: AnonymiseTx, p: ErasedPerson) {
  const { tenantId, customerId } = p;
  const checks = await client.query(
    `UPDATE checks SET request = (request::jsonb || jsonb_build_object('customer', jsonb_build_object('id', $2::text)))::json
      WHERE tenant_id = $1 AND customer_id = $2 AND (request::jsonb) ? 'customer'
        AND (request::jsonb -> 'customer') IS DISTINCT FROM jsonb_build_object('id', $2::text)`,
    [tenantId, customerId],
  );
  const links = await client.query('DELETE FROM external_customers WHERE tenant_id = $1 AND customer_id = $2', [tenantId, customerId]);
  const sessions = await client.query('DELETE FROM web_sessions WHERE tenant_id = $1 AND customer_id = $2', [tenantId, customerId]);
  const sms = await client.query(`UPDATE sms_messages SET phone = '' WHERE tenant_id = $1 AND (customer_id = $2 OR phone = $3) AND phone <> ''`, [tenantId, customerId, p.phone]);
  const referrals = await client.query('UPDATE customers SET referrer_id = NULL WHERE tenant_id = $1 AND referrer_id = $2', [tenantId, customerId]);
  // A relative's gift is remembered as `relative:<their name>:<year>`: the name goes, the year and the lot stay.
  await client.query(
    `UPDATE gift_log SET occasion = 'relative:#' || coalesce(lot_id::text, '') || ':' || substring(occasion from '[^:]*$')
      WHERE tenant_id = $1 AND customer_id = $2 AND occasion LIKE 'relative:%' AND occasion NOT LIKE 'relative:#%'`,
    [tenantId, customerId],
  );
  return {
    checkRequests: checks.rowCount ?? 0,
    externalLinks: links.rowCount ?? 0,
    webSessions: sessions.rowCount ?? 0,
    smsRecords: sms.rowCount ?? 0,
    referralsUnlinked: referrals.rowCount ?? 0,
  };
}
