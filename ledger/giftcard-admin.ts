import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { KopilkaError, formatRub } from './errors.ts';
import { normalCode, usable, type GiftcardStatus } from './giftcards.ts';
import { idText, isoDateText, parseInput, plainText } from './validation.ts';

// Gift certificates outside the writer: the admin issues a batch of codes (nominal, validity),
// a till sells one (activates it: from then on it can pay), anyone with the admin key reads a
// certificate's balance and history. Selling a certificate is not a loyalty purchase: it is not a
// check, earns no bonuses and does not count toward a level — the bonuses come when the
// certificate pays for goods… and they do not either (rules/certificates.ts).

export const giftcardIssueSchema = z
  .object({
    count: z.number().int().min(1).max(100_000),
    /** Kopecks. */
    nominal: z.number().int().min(100).max(100_000_000),
    /** Valid for this many days after it is sold, or until this date (the program's zone); neither: no end. */
    validDays: z.number().int().min(1).max(3660).optional(),
    validTo: isoDateText.optional(),
    prefix: idText(12).regex(/^[A-Za-z0-9-]*$/, 'латинские буквы, цифры и дефис').optional(),
  })
  .strict()
  .refine((o) => o.validDays === undefined || o.validTo === undefined, { message: 'срок — validDays или validTo, не оба', path: ['validDays'] })
  .meta({ title: 'выпуск подарочных сертификатов' });

export const giftcardListSchema = z
  .object({
    status: z.enum(['issued', 'active', 'used', 'expired', 'blocked']).optional(),
    code: plainText(64).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const giftcardActivateSchema = z
  .object({ storeId: idText(128).nullish() })
  .strict()
  .meta({ title: 'продажа подарочного сертификата' });

export interface GiftcardView {
  code: string;
  nominal: number;
  balance: number;
  /** As of now: an active certificate past its end reads `expired`. */
  status: GiftcardStatus;
  validTo: string | null;
  validDays: number | null;
  soldAt: string | null;
  soldStore: string | null;
  soldChannel: string | null;
  batch: string;
}

// Unambiguous when read from a screen or a receipt: no 0/O, 1/I/L. 12 of 31 signs: 2^59 codes.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export async function issueGiftcards(pool: pg.Pool, tenantId: string, input: unknown, timeZone: string): Promise<{ batch: string; codes: string[]; nominal: number }> {
  const o = parseInput(giftcardIssueSchema, input, 'выпуск подарочных сертификатов');
  const batch = `gc-${Date.now()}`;
  const prefix = (o.prefix ?? '').toUpperCase();
  const codes = new Set<string>();
  while (codes.size < o.count) {
    let s = prefix;
    for (let i = 0; i < 12; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    codes.add(s);
  }
  // A fixed end is the end of the given local day; validDays start counting when it is sold.
  const r = await pool.query(
    `INSERT INTO giftcards (tenant_id, code, nominal, balance, valid_to, batch, valid_days)
     SELECT $1, c, $2, $2, ($3::timestamp AT TIME ZONE $4), $5, $6 FROM unnest($7::text[]) AS c ON CONFLICT DO NOTHING RETURNING code`,
    [tenantId, o.nominal, o.validTo === undefined ? null : `${o.validTo} 23:59:59.999`, timeZone, batch, o.validDays ?? null, [...codes]],
  );
  if (r.rowCount !== codes.size) throw new KopilkaError('STORAGE_UNAVAILABLE', 'Не все коды сертификатов записаны (совпали с выпущенными раньше): выпустите ещё раз');
  return { batch, nominal: o.nominal, codes: r.rows.map((x: { code: string }) => x.code) };
}

const COLUMNS = `code, nominal, balance, status, valid_to, valid_days, sold_at, sold_store, sold_channel, batch`;
interface Row {
  code: string;
  nominal: string;
  balance: string;
  status: GiftcardStatus;
  valid_to: Date | null;
  valid_days: number | null;
  sold_at: Date | null;
  sold_store: string | null;
  sold_channel: string | null;
  batch: string;
}

function view(r: Row, now: number): GiftcardView {
  const validTo = r.valid_to?.getTime() ?? null;
  const u = usable({ status: r.status, balance: Number(r.balance), validTo }, now);
  const status: GiftcardStatus = u.status === 'expired' ? 'expired' : r.status;
  return {
    code: r.code,
    nominal: Number(r.nominal),
    balance: Number(r.balance),
    status,
    validTo: r.valid_to?.toISOString() ?? null,
    validDays: r.valid_days,
    soldAt: r.sold_at?.toISOString() ?? null,
    soldStore: r.sold_store,
    soldChannel: r.sold_channel,
    batch: r.batch,
  };
}

/** Certificates by status (as of now) or code prefix, newest first. */
export async function listGiftcards(pool: pg.Pool, tenantId: string, query: unknown, now: number): Promise<GiftcardView[]> {
  const q = parseInput(giftcardListSchema, query, 'список сертификатов');
  const at = new Date(now).toISOString();
  // expired: by the column or by the end passed; the other states only while the end has not.
  const status =
    q.status === undefined
      ? '$3::timestamptz IS NOT NULL'
      : q.status === 'expired'
        ? `(status = 'expired' OR (status IN ('active', 'used', 'issued') AND valid_to < $3))`
        : `status = $4 AND (valid_to IS NULL OR valid_to >= $3 OR status = 'blocked')`;
  const r = await pool.query<Row>(
    `SELECT ${COLUMNS} FROM giftcards WHERE tenant_id = $1 AND ($2::text IS NULL OR code LIKE $2 || '%') AND ${status}
      ORDER BY created_at DESC, code LIMIT ${q.limit}`,
    [tenantId, q.code === undefined ? null : normalCode(q.code), at, ...(q.status !== undefined && q.status !== 'expired' ? [q.status] : [])],
  );
  return r.rows.map((x) => view(x, now));
}

/** A certificate as it stands now, or null (a till's look-up: no history). */
export async function giftcardNow(pool: pg.Pool, tenantId: string, code: string, now: number): Promise<GiftcardView | null> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM giftcards WHERE tenant_id = $1 AND code = $2`, [tenantId, normalCode(code)]);
  return r.rows[0] === undefined ? null : view(r.rows[0], now);
}

export interface GiftcardHistory extends GiftcardView {
  uses: { checkId: string; externalId: string | null; channel: string | null; at: string; amount: number; returned: number; overdraft: number }[];
}

/** A certificate's balance and every check it paid. Errors: NOT_FOUND. */
export async function giftcard(pool: pg.Pool, tenantId: string, code: string, now: number): Promise<GiftcardHistory> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM giftcards WHERE tenant_id = $1 AND code = $2`, [tenantId, normalCode(code)]);
  if (r.rows[0] === undefined) throw new KopilkaError('NOT_FOUND', `Сертификат «${code}» не найден`, { field: 'code' });
  const u = await pool.query<{ check_id: string; external_id: string | null; channel: string | null; at: Date; amount: string; returned: string; overdraft: string }>(
    `SELECT u.check_id::text, c.external_id, c.channel, u.at, u.amount, u.returned, u.overdraft FROM giftcard_uses u
       LEFT JOIN checks c ON c.tenant_id = u.tenant_id AND c.id = u.check_id
      WHERE u.tenant_id = $1 AND u.code = $2 ORDER BY u.at, u.check_id`,
    [tenantId, normalCode(code)],
  );
  return {
    ...view(r.rows[0], now),
    uses: u.rows.map((x) => ({ checkId: x.check_id, externalId: x.external_id, channel: x.channel, at: x.at.toISOString(), amount: Number(x.amount), returned: Number(x.returned), overdraft: Number(x.overdraft) })),
  };
}

/**
 * A till sells a certificate: from now on it pays. Once: a second sale of the same code from the
 * same channel answers as the first (a till's retry), from another it is refused.
 * Errors: NOT_FOUND, GIFTCARD_REFUSED (sold elsewhere, blocked, expired).
 */
export async function activateGiftcard(pool: pg.Pool, tenantId: string, code: string, channel: string, input: unknown, now: number): Promise<{ giftcard: GiftcardView; replay: boolean }> {
  const o = parseInput(giftcardActivateSchema, input ?? {}, 'продажа сертификата');
  const c = normalCode(code);
  const at = new Date(now).toISOString();
  const r = await pool.query<Row>(
    `UPDATE giftcards SET status = 'active', sold_at = $3, sold_store = $4, sold_channel = $5,
            valid_to = COALESCE(valid_to, $3::timestamptz + make_interval(days => valid_days))
      WHERE tenant_id = $1 AND code = $2 AND status = 'issued' AND (valid_to IS NULL OR valid_to >= $3)
     RETURNING ${COLUMNS}`,
    [tenantId, c, at, o.storeId ?? null, channel],
  );
  if (r.rows[0] !== undefined) return { giftcard: view(r.rows[0], now), replay: false };
  const found = await pool.query<Row>(`SELECT ${COLUMNS} FROM giftcards WHERE tenant_id = $1 AND code = $2`, [tenantId, c]);
  const x = found.rows[0];
  if (x === undefined) throw new KopilkaError('NOT_FOUND', `Сертификат «${code}» не найден`, { field: 'code' });
  const v = view(x, now);
  if (x.sold_at !== null && x.sold_channel === channel) return { giftcard: v, replay: true };
  const why =
    v.status === 'blocked'
      ? 'заблокирован'
      : v.status === 'expired'
        ? 'просрочен'
        : `уже продан ${x.sold_at?.toISOString().slice(0, 10) ?? ''} (остаток ${formatRub(v.balance)})`;
  throw new KopilkaError('GIFTCARD_REFUSED', `Сертификат «${code}» ${why}: продать его нельзя`, { code: c, status: v.status });
}
