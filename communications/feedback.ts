import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KopilkaError, zoneOffset, type KopilkaEvent, type Ledger } from '../ledger/index.ts';
import { anyChannelSetUp, reach } from './automatic.ts';
import type { Communications } from './service.ts';
import type { SqlClient, StoredMessage } from './store.ts';

// Feedback after a purchase: the checkCommitted event asks the customer (now or after the delay
// the owner set) with a personal link PUBLIC_URL/feedback/<token>; the page records one review
// per check; the owner answers from the cabinet and the answer goes out as a message. NPS is
// counted from the 0–10 "would you recommend" answers.
//
// Both messages are transactional (about a purchase the customer made, no offer in them), so they
// need no advertising consent (38-ФЗ art. 18 covers advertising only); a withdrawn consent to data
// processing still stops them, as it stops every message (consent.ts).

export const FEEDBACK_SYSTEM = 'comms-feedback';

export const feedbackSettingsSchema = z
  .object({
    enabled: z.boolean().meta({ description: 'просить отзыв после покупки (по умолчанию выключено: SMS стоят денег)' }),
    delayMinutes: z.number().int().min(0).max(7 * 24 * 60).default(120).meta({ description: 'через сколько минут после покупки (0 — сразу); тихие часы действуют' }),
  })
  .strict();
export type FeedbackSettings = z.infer<typeof feedbackSettingsSchema>;

export async function feedbackSettings(ledger: Pick<Ledger, 'connectorSettings'>, tenantId: string): Promise<FeedbackSettings> {
  return feedbackSettingsSchema.parse((await ledger.connectorSettings<object>(tenantId, FEEDBACK_SYSTEM)) ?? { enabled: false });
}

/** The shop's name in guillemets, unless it has its own («Кофейня «Зерно»» reads badly). */
const quoted = (name: string) => (/[«"]/.test(name) ? name : `«${name}»`);

const hashOf = (token: string) => createHash('sha256').update(token).digest();
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/**
 * The feedback request for a committed check with a customer, when the tenant asks for reviews.
 * Once per check: a redelivered event finds the message by its dedupe key and makes none; a
 * token is made fresh only while no review was left, so an old link never opens someone else's.
 */
export async function askForFeedback(comms: Communications, e: KopilkaEvent): Promise<StoredMessage | null> {
  if (!e.customerId || !e.checkId) return null;
  const { sql, ledger, publicUrl } = comms.o;
  // Every recorded check asks: the settings are kept briefly (a save forgets them).
  const s = await comms.remembered(e.tenantId, 'feedback', () => feedbackSettings(ledger, e.tenantId));
  if (!s.enabled || !(await anyChannelSetUp(comms, e.tenantId))) return null;
  if (publicUrl === undefined) {
    comms.o.log.warn({ tenantId: e.tenantId }, 'feedback: PUBLIC_URL is not set, no link to send');
    return null;
  }
  const dedupeKey = `feedback:${e.checkId}`;
  const seen = await sql.query('SELECT 1 FROM messages WHERE tenant_id = $1 AND dedupe_key = $2', [e.tenantId, dedupeKey]);
  if (seen.rowCount !== 0) return null;
  const customer = await ledger.findCustomer(e.tenantId, { id: e.customerId });
  if (customer === null) return null;
  const address = await reach(comms, e.tenantId, customer);
  if (address === null) return null;
  const token = randomBytes(24).toString('base64url');
  const data = e.data ?? {};
  const saved = await sql.query(
    `INSERT INTO feedback (tenant_id, token_hash, customer_id, check_id, external_id, store_id, cashier_id, amount, purchased_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, check_id) DO UPDATE SET token_hash = excluded.token_hash WHERE feedback.created_at IS NULL`,
    [e.tenantId, hashOf(token), e.customerId, e.checkId, e.externalId ?? null, data.storeId ?? null, data.cashierId ?? null, e.amount ?? 0, String(data.occurredAt ?? e.at)],
  );
  if (saved.rowCount === 0) return null;
  const shop = (await ledger.tenantName(e.tenantId)) ?? 'магазин';
  const [m] = await comms.queue(e.tenantId, [
    {
      customerId: customer.id,
      topic: 'feedback',
      advertising: false,
      ...address,
      subject: address.channel === 'email' ? `Как вам покупка в ${quoted(shop)}?` : undefined,
      text: `Спасибо за покупку в ${quoted(shop)}! Оцените её, пожалуйста: ${publicUrl.replace(/\/$/, '')}/feedback/${token}`,
      dedupeKey,
      automatic: true,
      notBefore: new Date(Date.parse(e.at) + s.delayMinutes * 60_000),
    },
  ]);
  return m ?? null;
}

export const reviewSchema = z
  .object({
    rating: z.number().int().min(1, 'оценка от 1 до 5').max(5, 'оценка от 1 до 5'),
    nps: z.number().int().min(0, 'от 0 до 10').max(10, 'от 0 до 10'),
    text: z.string().trim().max(2000, 'не длиннее 2000 знаков').nullish(),
  })
  .strict();
export type ReviewInput = z.infer<typeof reviewSchema>;

interface Row {
  id: string;
  tenant_id: string;
  customer_id: string;
  check_id: string;
  external_id: string | null;
  store_id: string | null;
  cashier_id: string | null;
  amount: string;
  purchased_at: Date;
  rating: number | null;
  nps: number | null;
  text: string | null;
  created_at: Date | null;
  answer: string | null;
  answered_at: Date | null;
}

export interface Review {
  id: string;
  customerId: string;
  checkId: string;
  externalId: string | null;
  storeId: string | null;
  cashierId: string | null;
  amount: number;
  purchasedAt: string;
  rating: number | null;
  nps: number | null;
  text: string | null;
  createdAt: string | null;
  answer: string | null;
  answeredAt: string | null;
}

function review(r: Row): Review {
  return {
    id: String(r.id),
    customerId: String(r.customer_id),
    checkId: r.check_id,
    externalId: r.external_id,
    storeId: r.store_id,
    cashierId: r.cashier_id,
    amount: Number(r.amount),
    purchasedAt: r.purchased_at.toISOString(),
    rating: r.rating,
    nps: r.nps,
    text: r.text,
    createdAt: r.created_at?.toISOString() ?? null,
    answer: r.answer,
    answeredAt: r.answered_at?.toISOString() ?? null,
  };
}

const NOT_FOUND = () => new KopilkaError('NOT_FOUND', 'Ссылка на отзыв неверна или устарела');

/** What the public page shows for a link: the shop, the purchase, and the review if left. */
export async function feedbackPage(db: SqlClient, ledger: Pick<Ledger, 'tenantName'>, token: string): Promise<{ shop: string; review: Review }> {
  if (!TOKEN.test(token)) throw NOT_FOUND();
  const r = await db.query<Row>('SELECT * FROM feedback WHERE token_hash = $1', [hashOf(token)]);
  if (r.rows[0] === undefined) throw NOT_FOUND();
  return { shop: (await ledger.tenantName(r.rows[0].tenant_id)) ?? 'Магазин', review: review(r.rows[0]) };
}

/** Records the review once; a second send is refused (the owner may have answered the first). */
export async function leaveReview(db: SqlClient, token: string, input: ReviewInput): Promise<Review> {
  if (!TOKEN.test(token)) throw NOT_FOUND();
  const r = await db.query<Row>(
    `UPDATE feedback SET rating = $2, nps = $3, text = $4, created_at = now() WHERE token_hash = $1 AND created_at IS NULL RETURNING *`,
    [hashOf(token), input.rating, input.nps, input.text || null],
  );
  if (r.rows[0] !== undefined) return review(r.rows[0]);
  const left = await db.query('SELECT 1 FROM feedback WHERE token_hash = $1', [hashOf(token)]);
  if (left.rowCount === 0) throw NOT_FOUND();
  throw new KopilkaError('IDEMPOTENCY_CONFLICT', 'Отзыв об этой покупке уже оставлен — спасибо!', { reason: 'already left' });
}

export interface Period {
  from?: string | undefined;
  to?: string | undefined;
}

/** A period of local dates (ГГГГ-ММ-ДД, `to` inclusive) as instants in the tenant's zone. */
export async function instants(ledger: Pick<Ledger, 'timeZone'>, tenantId: string, p: Period): Promise<{ from: Date | null; to: Date | null }> {
  const offsetOf = zoneOffset(await ledger.timeZone(tenantId));
  const at = (day: string, plusDays: number) => {
    const utc = Date.parse(`${day}T00:00:00Z`) + plusDays * 86_400_000;
    return new Date(utc - offsetOf(utc) * 60_000);
  };
  return { from: p.from ? at(p.from, 0) : null, to: p.to ? at(p.to, 1) : null };
}

export async function listReviews(db: SqlClient, tenantId: string, f: { from: Date | null; to: Date | null; storeId?: string | undefined; limit: number }): Promise<Review[]> {
  const r = await db.query<Row>(
    `SELECT * FROM feedback WHERE tenant_id = $1 AND created_at IS NOT NULL
       AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
       AND ($4::text IS NULL OR store_id = $4)
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [tenantId, f.from, f.to, f.storeId ?? null, f.limit],
  );
  return r.rows.map(review);
}

/**
 * The owner's answer, sent to the customer through the first channel that reaches them (not
 * advertising, not counted against the daily cap: a person wrote it). One answer per review.
 */
export async function answerReview(comms: Communications, tenantId: string, id: string, text: string): Promise<{ review: Review; message: StoredMessage | null }> {
  const { sql, ledger } = comms.o;
  const r = await sql.query<Row>(
    `UPDATE feedback SET answer = $3, answered_at = now() WHERE tenant_id = $1 AND id = $2 AND created_at IS NOT NULL AND answer IS NULL RETURNING *`,
    [tenantId, id, text],
  );
  if (r.rows[0] === undefined) {
    const e = await sql.query<Row>('SELECT * FROM feedback WHERE tenant_id = $1 AND id = $2 AND created_at IS NOT NULL', [tenantId, id]);
    if (e.rows[0] === undefined) throw new KopilkaError('NOT_FOUND', `Отзыва ${id} нет`, { field: 'id' });
    throw new KopilkaError('IDEMPOTENCY_CONFLICT', 'На этот отзыв уже ответили', { answeredAt: e.rows[0].answered_at?.toISOString() });
  }
  const row = r.rows[0];
  const customer = await ledger.findCustomer(tenantId, { id: String(row.customer_id) });
  const address = customer === null ? null : await reach(comms, tenantId, customer);
  if (customer === null || address === null) return { review: review(row), message: null };
  const shop = (await ledger.tenantName(tenantId)) ?? 'магазин';
  const [m] = await comms.queue(tenantId, [
    {
      customerId: customer.id,
      topic: 'feedback-answer',
      advertising: false,
      ...address,
      subject: address.channel === 'email' ? `Ответ на ваш отзыв — ${quoted(shop)}` : undefined,
      text: `${quoted(shop)} отвечает на ваш отзыв: ${text}`,
      dedupeKey: `feedback-answer:${row.id}`,
      automatic: false,
    },
  ]);
  if (m) await sql.query('UPDATE feedback SET answer_message_id = $2 WHERE id = $1', [row.id, m.id]);
  return { review: review(row), message: m ?? null };
}

export interface NpsFigures {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** %promoters − %detractors, rounded to an integer; null without responses. */
  nps: number | null;
}

/** NPS from 0–10 scores: 9–10 promoters, 7–8 passives, 0–6 detractors. */
export function npsOf(counts: { promoters: number; passives: number; detractors: number }): NpsFigures {
  const responses = counts.promoters + counts.passives + counts.detractors;
  const nps = responses === 0 ? null : Math.round(((counts.promoters - counts.detractors) * 100) / responses);
  return { responses, ...counts, nps };
}

export async function npsReport(db: SqlClient, tenantId: string, p: { from: Date | null; to: Date | null }): Promise<{ total: NpsFigures; stores: (NpsFigures & { storeId: string | null })[] }> {
  const r = await db.query<{ store_id: string | null; p: string; m: string; d: string }>(
    `SELECT store_id, count(*) FILTER (WHERE nps >= 9) AS p, count(*) FILTER (WHERE nps BETWEEN 7 AND 8) AS m, count(*) FILTER (WHERE nps <= 6) AS d
     FROM feedback WHERE tenant_id = $1 AND created_at IS NOT NULL AND nps IS NOT NULL
       AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
     GROUP BY store_id ORDER BY store_id NULLS LAST`,
    [tenantId, p.from, p.to],
  );
  const stores = r.rows.map((x) => ({ storeId: x.store_id, ...npsOf({ promoters: Number(x.p), passives: Number(x.m), detractors: Number(x.d) }) }));
  const sum = (k: 'promoters' | 'passives' | 'detractors') => stores.reduce((a, s) => a + s[k], 0);
  return { total: npsOf({ promoters: sum('promoters'), passives: sum('passives'), detractors: sum('detractors') }), stores };
}
