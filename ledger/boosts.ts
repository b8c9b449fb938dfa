import type pg from 'pg';
import { z } from 'zod';
import { KopilkaError } from './errors.ts';
import { freeText, idText, isoTimeText, parseInput } from './validation.ts';

const BIGINT_ID = /^[1-9]\d{0,17}$/;

// Personal, temporary offers: an extra discount on what is left of a check after promotions and
// the level's discount, or a multiplier of the bonuses it earns, for one customer over a period.
// Granted once per key (a chain step, a cabinet action), so a retried call gives nothing twice;
// pricing reads them from the customer's row (rules/boosts.ts says how several combine).

const DAY = 86_400_000;
/** Boosts that ended this long ago are dropped from the row when another is granted. */
const KEEP_ENDED_MS = 90 * DAY;
/** A customer's row holds at most this many boosts (running, future and recently ended). */
export const MAX_BOOSTS = 50;

export const boostSchema = z
  .object({
    /** The caller's idempotency key: one boost per customer and key. */
    key: idText(64),
    kind: z.enum(['discount', 'accrual']),
    /** discount: percent of what is left to pay, 0.01–100. */
    percent: z.number().min(0.01).max(100).refine((x) => Math.round(x * 100) === x * 100, 'не больше двух знаков после запятой').optional(),
    /** accrual: multiplier of the bonuses, 1.001–100 (2 = twice the bonuses). */
    multiplier: z.number().gt(1).max(100).refine((x) => Math.round(x * 1000) === x * 1000, 'не больше трёх знаков после запятой').optional(),
    days: z.number().int().min(1, 'не меньше 1 дня').max(366, 'не больше 366 дней'),
    /** ISO time the boost starts; default now. */
    from: isoTimeText.optional(),
    reason: freeText(500, { trim: true }).nullish(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.kind === 'discount' && b.percent === undefined) ctx.addIssue({ code: 'custom', path: ['percent'], message: 'для персональной скидки нужен процент' });
    if (b.kind === 'accrual' && b.multiplier === undefined) ctx.addIssue({ code: 'custom', path: ['multiplier'], message: 'для повышенного начисления нужен множитель' });
    if (b.kind === 'discount' && b.multiplier !== undefined) ctx.addIssue({ code: 'custom', path: ['multiplier'], message: 'множитель — только для kind accrual' });
    if (b.kind === 'accrual' && b.percent !== undefined) ctx.addIssue({ code: 'custom', path: ['percent'], message: 'процент — только для kind discount' });
  })
  .meta({ title: 'персональное предложение: скидка или повышенное начисление на срок' });
export type BoostInput = z.input<typeof boostSchema>;

/** As stored on the customer's row and read by the rules; times in ms. */
export interface Boost {
  key: string;
  kind: 'discount' | 'accrual';
  /** discount: basis points (1000 = 10 %); accrual: 0. */
  bp: number;
  /** accrual: thousandths (2000 = ×2); discount: 1000. */
  multiplierMilli: number;
  from: number;
  to: number;
  reason: string | null;
}

/** A boost as the API shows it. */
export interface BoostView {
  key: string;
  kind: 'discount' | 'accrual';
  percent: number | null;
  multiplier: number | null;
  from: string;
  to: string;
  reason: string | null;
}

export function parseBoost(input: unknown, now: number): Boost {
  const b = parseInput(boostSchema, input, 'персональное предложение');
  const from = b.from === undefined ? now : Date.parse(b.from);
  return {
    key: b.key,
    kind: b.kind,
    bp: b.kind === 'discount' ? Math.round(b.percent! * 100) : 0,
    multiplierMilli: b.kind === 'accrual' ? Math.round(b.multiplier! * 1000) : 1000,
    from,
    to: from + b.days * DAY,
    reason: b.reason ?? null,
  };
}

export function boostView(b: Boost): BoostView {
  return {
    key: b.key,
    kind: b.kind,
    percent: b.kind === 'discount' ? b.bp / 100 : null,
    multiplier: b.kind === 'accrual' ? b.multiplierMilli / 1000 : null,
    from: new Date(b.from).toISOString(),
    to: new Date(b.to).toISOString(),
    reason: b.reason,
  };
}

export function boostFromView(v: BoostView): Boost {
  return { key: v.key, kind: v.kind, bp: Math.round((v.percent ?? 0) * 100), multiplierMilli: Math.round((v.multiplier ?? 1) * 1000), from: Date.parse(v.from), to: Date.parse(v.to), reason: v.reason };
}

/** Boosts that have not ended by `now` (running or yet to start). */
export function currentBoosts(boosts: readonly Boost[] | undefined, now: number): Boost[] {
  return (boosts ?? []).filter((b) => b.to > now);
}

export type BoostOutcome = { given: boolean; boost: Boost };

/**
 * Gives a boost once per (customer, key): `given` false and the first boost back when the key was
 * used before. Errors: INVALID_INPUT, CUSTOMER_NOT_FOUND, BOOST_LIMIT.
 */
export async function grantBoost(pool: pg.Pool, tenantId: string, customerId: string, input: unknown, now: number): Promise<BoostOutcome> {
  const boost = parseBoost(input, now);
  if (!BIGINT_ID.test(customerId)) throw notFound(customerId);
  const r = await pool.query<{ given: boolean; boosts: Boost[] }>(
    `WITH cur AS (SELECT boosts FROM customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE),
          upd AS (
            UPDATE customers c
               SET boosts = (SELECT coalesce(jsonb_agg(b), '[]') FROM jsonb_array_elements(c.boosts) b WHERE (b->>'to')::bigint > $4) || $3::jsonb
             WHERE c.tenant_id = $1 AND c.id = $2
               AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(c.boosts) b WHERE b->>'key' = $5)
               AND jsonb_array_length(c.boosts) < $6
            RETURNING c.boosts)
     SELECT EXISTS (SELECT 1 FROM upd) AS given, (SELECT boosts FROM cur) AS boosts FROM cur`,
    [tenantId, customerId, JSON.stringify([boost]), now - KEEP_ENDED_MS, boost.key, MAX_BOOSTS],
  );
  const row = r.rows[0];
  if (row === undefined) throw notFound(customerId);
  if (row.given) return { given: true, boost };
  const earlier = row.boosts.find((b) => b.key === boost.key);
  if (earlier !== undefined) return { given: false, boost: earlier };
  throw new KopilkaError('BOOST_LIMIT', `У клиента уже ${MAX_BOOSTS} персональных предложений: отмените ненужные`, { limit: MAX_BOOSTS });
}

/** Ends a boost now (its history stays on the row until it ages out). False when there is none running under that key. */
export async function endBoost(pool: pg.Pool, tenantId: string, customerId: string, key: string, now: number): Promise<boolean> {
  if (!BIGINT_ID.test(customerId)) throw notFound(customerId);
  const r = await pool.query(
    `UPDATE customers c
        SET boosts = (SELECT jsonb_agg(CASE WHEN b->>'key' = $3 THEN jsonb_set(b, '{to}', to_jsonb(greatest(least((b->>'to')::bigint, $4::bigint), (b->>'from')::bigint))) ELSE b END)
                        FROM jsonb_array_elements(c.boosts) b)
      WHERE c.tenant_id = $1 AND c.id = $2
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(c.boosts) b WHERE b->>'key' = $3 AND (b->>'to')::bigint > $4)`,
    [tenantId, customerId, key, now],
  );
  if (r.rowCount === 1) return true;
  const exists = await pool.query('SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2', [tenantId, customerId]);
  if (exists.rowCount === 0) throw notFound(customerId);
  return false;
}

function notFound(customerId: string): KopilkaError {
  return new KopilkaError('CUSTOMER_NOT_FOUND', `Клиент ${customerId} не найден`, { customerId });
}
