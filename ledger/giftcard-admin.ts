import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { KopilkaError, formatRub } from './errors.ts';
import { normalCode, usable, type GiftcardStatus } from './giftcards.ts';
import { localIsoDate } from './time-zone.ts';
import { freeText, idText, isoDateText, parseInput, plainText } from './validation.ts';

// Gift certificates outside the writer: the admin issues a batch of codes (nominal, validity),
// a till sells one (activates it: from then on it can pay), anyone with the admin key reads a
// certificate's balance and history. Selling a certificate is not a loyalty purchase: it is not a
// check, earns no bonuses and does not count toward a level — the bonuses come when the
// certificate pays for goods… and they do not either (rules/certificates.ts).
//
// The owner may block a certificate (lost, stolen, sold by mistake: migrations/025) and unblock
// it; a blocked one pays nothing (giftcards.ts `usable`). Unblocking gives back the state the
// certificate's own figures say (not sold: issued; nothing left: used; else active), so nothing
// that happened while it was blocked (a refund giving money back) is lost.

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
    /** The start of the code (`code` is the older name of the same filter). */
    code: plainText(64).optional(),
    prefix: plainText(64).optional(),
    /** One issued batch (`batch` of the issue's answer). */
    batch: idText(64).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  })
  .strict();

export const giftcardBlockSchema = z
  .object({
    reason: freeText(500, { trim: true }).pipe(z.string().min(3, 'напишите причину: её увидят в истории сертификата')),
    /** Who blocks (a name for the history); absent: the admin key's API or the cabinet. */
    by: idText(128).optional(),
  })
  .strict()
  .meta({ title: 'блокировка подарочного сертификата' });

export const giftcardUnblockSchema = z
  .object({ reason: freeText(500, { trim: true }).optional(), by: idText(128).optional() })
  .strict()
  .meta({ title: 'разблокировка подарочного сертификата' });

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
  /** The block in force: who, when and why; null when not blocked. */
  blocked: { at: string; by: string; reason: string } | null;
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

const COLUMNS = `code, nominal, balance, status, valid_to, valid_days, sold_at, sold_store, sold_channel, batch, blocked_at, blocked_by, blocked_reason`;
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
  blocked_at: Date | null;
  blocked_by: string | null;
  blocked_reason: string | null;
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
    blocked: r.status === 'blocked' && r.blocked_at !== null ? { at: r.blocked_at.toISOString(), by: r.blocked_by ?? '', reason: r.blocked_reason ?? '' } : null,
  };
}

/** Certificates by status (as of now), code prefix or batch, newest first, a page at a time with the total. */
export async function listGiftcards(pool: pg.Pool, tenantId: string, query: unknown, now: number): Promise<{ items: GiftcardView[]; total: number; offset: number; limit: number }> {
  const q = parseInput(giftcardListSchema, query, 'список сертификатов');
  const prefix = q.prefix ?? q.code;
  const at = new Date(now).toISOString();
  // expired: by the column or by the end passed; the other states only while the end has not.
  const status =
    q.status === undefined
      ? '$3::timestamptz IS NOT NULL AND $4::text IS NULL'
      : q.status === 'expired'
        ? `$4::text IS NULL AND (status = 'expired' OR (status IN ('active', 'used', 'issued') AND valid_to < $3))`
        : `status = $4 AND (valid_to IS NULL OR valid_to >= $3 OR status = 'blocked')`;
  // LIKE's own signs in a prefix are plain characters; count(*) OVER: the total in the same scan.
  const like = prefix === undefined ? null : normalCode(prefix).replace(/[\\%_]/g, (c) => `\\${c}`);
  const where = `tenant_id = $1 AND ($2::text IS NULL OR code LIKE $2 || '%') AND ($5::text IS NULL OR batch = $5) AND ${status}`;
  const params = [tenantId, like, at, q.status !== undefined && q.status !== 'expired' ? q.status : null, q.batch ?? null];
  const r = await pool.query<Row & { total: string }>(`SELECT ${COLUMNS}, count(*) OVER () AS total FROM giftcards WHERE ${where} ORDER BY created_at DESC, code LIMIT ${q.limit} OFFSET ${q.offset}`, params);
  // A page past the end has no row to carry the total.
  const total = r.rows[0] !== undefined ? Number(r.rows[0].total) : q.offset === 0 ? 0 : Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM giftcards WHERE ${where}`, params)).rows[0]!.n);
  return { items: r.rows.map((x) => view(x, now)), total, offset: q.offset, limit: q.limit };
}

/** A certificate as it stands now, or null (a till's look-up: no history). */
export async function giftcardNow(pool: pg.Pool, tenantId: string, code: string, now: number): Promise<GiftcardView | null> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM giftcards WHERE tenant_id = $1 AND code = $2`, [tenantId, normalCode(code)]);
  return r.rows[0] === undefined ? null : view(r.rows[0], now);
}

export interface GiftcardHistory extends GiftcardView {
  /** Every check it paid: what it took, what refunds of that check gave back, what a till took beyond the balance. */
  uses: { checkId: string; externalId: string | null; channel: string | null; at: string; amount: number; returned: number; overdraft: number }[];
  /** Every block and unblock, oldest first. */
  blocks: { action: 'block' | 'unblock'; at: string; by: string; reason: string | null }[];
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
  const b = await pool.query<{ action: 'block' | 'unblock'; at: Date; by_whom: string; reason: string | null }>(
    'SELECT action, at, by_whom, reason FROM giftcard_blocks WHERE tenant_id = $1 AND code = $2 ORDER BY id',
    [tenantId, normalCode(code)],
  );
  return {
    ...view(r.rows[0], now),
    uses: u.rows.map((x) => ({ checkId: x.check_id, externalId: x.external_id, channel: x.channel, at: x.at.toISOString(), amount: Number(x.amount), returned: Number(x.returned), overdraft: Number(x.overdraft) })),
    blocks: b.rows.map((x) => ({ action: x.action, at: x.at.toISOString(), by: x.by_whom, reason: x.reason })),
  };
}

/**
 * The owner blocks a certificate: from now on it pays nothing (a Kopilka-priced check is refused
 * with GIFTCARD_REFUSED «заблокирован»; a till-closed one is recorded and the payment kept for
 * review as GIFTCARD_OVERDRAFT). Blocking a blocked one answers it as it is (a retry), with
 * `replay`. `by`: who, when the body names nobody (the API or the cabinet). Errors: INVALID_INPUT, NOT_FOUND.
 */
export async function blockGiftcard(pool: pg.Pool, tenantId: string, code: string, input: unknown, by: string, now: number): Promise<{ giftcard: GiftcardView; replay: boolean }> {
  const o = parseInput(giftcardBlockSchema, input, 'блокировка сертификата');
  const who = o.by === undefined ? by : `${o.by} (${by})`;
  // The batch that spends a certificate holds its row lock: the block waits for it, or it waits for the block.
  const r = await pool.query<Row>(
    `WITH b AS (UPDATE giftcards SET status = 'blocked', blocked_at = $3, blocked_by = $4, blocked_reason = $5
                 WHERE tenant_id = $1 AND code = $2 AND status <> 'blocked' RETURNING ${COLUMNS}),
          e AS (INSERT INTO giftcard_blocks (tenant_id, code, action, reason, by_whom, at) SELECT $1, code, 'block', $5, $4, $3 FROM b)
     SELECT * FROM b`,
    [tenantId, normalCode(code), new Date(now).toISOString(), who, o.reason],
  );
  if (r.rows[0] !== undefined) return { giftcard: view(r.rows[0], now), replay: false };
  return { giftcard: await existing(pool, tenantId, code, now), replay: true };
}

/**
 * Lifts a block: the certificate is again what its figures say — issued when never sold, used
 * when nothing is left, else active (an end passed still reads expired). Unblocking one that is
 * not blocked answers it as it is, with `replay`. Errors: INVALID_INPUT, NOT_FOUND.
 */
export async function unblockGiftcard(pool: pg.Pool, tenantId: string, code: string, input: unknown, by: string, now: number): Promise<{ giftcard: GiftcardView; replay: boolean }> {
  const o = parseInput(giftcardUnblockSchema, input ?? {}, 'разблокировка сертификата');
  const who = o.by === undefined ? by : `${o.by} (${by})`;
  const r = await pool.query<Row>(
    `WITH b AS (UPDATE giftcards SET status = CASE WHEN sold_at IS NULL THEN 'issued' WHEN balance = 0 THEN 'used' ELSE 'active' END,
                       blocked_at = NULL, blocked_by = NULL, blocked_reason = NULL
                 WHERE tenant_id = $1 AND code = $2 AND status = 'blocked' RETURNING ${COLUMNS}),
          e AS (INSERT INTO giftcard_blocks (tenant_id, code, action, reason, by_whom, at) SELECT $1, code, 'unblock', $5, $4, $3 FROM b)
     SELECT * FROM b`,
    [tenantId, normalCode(code), new Date(now).toISOString(), who, o.reason ?? null],
  );
  if (r.rows[0] !== undefined) return { giftcard: view(r.rows[0], now), replay: false };
  return { giftcard: await existing(pool, tenantId, code, now), replay: true };
}

async function existing(pool: pg.Pool, tenantId: string, code: string, now: number): Promise<GiftcardView> {
  const c = await giftcardNow(pool, tenantId, code, now);
  if (c === null) throw new KopilkaError('NOT_FOUND', `Сертификат «${code}» не найден: проверьте код`, { field: 'code' });
  return c;
}

const STATUS_RU: Record<GiftcardStatus, string> = { issued: 'не продан', active: 'действует', used: 'использован', expired: 'просрочен', blocked: 'заблокирован' };
const rub = (k: number) => (k / 100).toFixed(2).replace('.', ',');
const cell = (s: string) => (/[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
/** Free text a person typed: a leading = + - @ would make a spreadsheet read a formula. */
const text = (s: string) => (/^[=+\-@\t]/.test(s) ? `'${s}` : s);

/** Certificates as a CSV for a spreadsheet (`;`, a BOM, roubles with a comma, dates in the program's zone). */
export function giftcardsCsv(items: readonly GiftcardView[], timeZone: string): string {
  const day = (iso: string | null) => (iso === null ? '' : localIsoDate(Date.parse(iso), timeZone));
  const head = 'Код сертификата;Номинал, ₽;Остаток, ₽;Статус;Действует до;Продан;Магазин;Партия;Причина блокировки';
  const rows = items.map((c) =>
    [c.code, rub(c.nominal), rub(c.balance), STATUS_RU[c.status], day(c.validTo), day(c.soldAt), text(c.soldStore ?? ''), c.batch, text(c.blocked?.reason ?? '')].map(cell).join(';'),
  );
  return `\ufeff${[head, ...rows].join('\r\n')}\r\n`;
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
