import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import type { BatchState } from './batch-state.ts';
import type { ParsedCheck } from './check.ts';
import { KopilkaError } from './errors.ts';
import type { LedgerOp } from './operations.ts';
import type { IssuedCoupon } from './rules/promotions.ts';
import { idText, isoDateText, parseInput } from './validation.ts';

// Coupons issued for a promotion (migrations/016_coupons.sql): codes generated in a batch, each
// with its uses, a limit per customer and an end. The rules only learn whether a code unlocks its
// promotion (rules/promotions.ts); spending a use is the ledger's: the coupon row is locked when
// the batch loads it, the use is written with the sale, and a full refund gives it back.
// Between a check's calculate and its commit the use is held for it (coupon_holds): uses held by
// other checks are not there to take, so the till that priced the last use is the one to spend it.

/** How long calculate keeps a limited coupon's use for its check. */
export const HOLD_MINUTES = 15;
const HELD_ELSEWHERE = `отложен для другого чека (не дольше ${HOLD_MINUTES} минут)`;

export interface CouponEntry {
  tenantId: string;
  code: string;
  promotionId: string;
  usesLeft: number | null;
  perCustomer: number | null;
  validTo: number | null;
  /** Uses not returned, per customer id, as loaded plus this batch's. */
  usedBy: Map<string, number>;
  /** Checks (external ids) holding a use now; a sale that spends its use drops its hold. */
  holds: string[];
  /** Holds this batch's sales spent (deleted with the batch). */
  released: string[];
  dirty: boolean;
}

export interface CouponUse {
  tenantId: string;
  checkId: string;
  code: string;
  customerId: string | null;
}

const key = (tenantId: string, code: string) => `${tenantId}\u0000${code}`;

/** Loads, and locks, the issued coupons the batch's sales name, and the coupon uses of the sales it refunds. */
export async function loadCoupons(client: pg.PoolClient, state: BatchState, ops: readonly LedgerOp[]): Promise<void> {
  const t: string[] = [], c: string[] = [];
  for (const op of ops) if (op.kind === 'sale' && op.check.coupon) (t.push(op.tenantId), c.push(op.check.coupon.toUpperCase()));
  if (t.length > 0) {
    const r = await client.query<{ tenant_id: string; code: string; promotion_id: string; uses_left: number | null; per_customer: number | null; valid_to: Date | null; used: { c: string; n: number }[]; holds: string[] }>(
      `SELECT k.tenant_id, k.code, k.promotion_id, k.uses_left, k.per_customer, k.valid_to,
              COALESCE((SELECT json_agg(json_build_object('c', u.customer_id::text, 'n', u.n)) FROM
                 (SELECT customer_id, count(*)::int AS n FROM coupon_uses u WHERE u.tenant_id = k.tenant_id AND u.code = k.code AND NOT u.returned AND u.customer_id IS NOT NULL GROUP BY customer_id) u), '[]') AS used,
              COALESCE((SELECT json_agg(h.external_id) FROM coupon_holds h WHERE h.tenant_id = k.tenant_id AND h.code = k.code AND h.expires_at > now()), '[]') AS holds
         FROM coupons k JOIN unnest($1::text[], $2::text[]) AS q(t, c) ON k.tenant_id = q.t AND k.code = q.c
        ORDER BY k.tenant_id, k.code
          FOR UPDATE OF k`,
      [t, c],
    );
    for (const x of r.rows) {
      state.coupons.set(key(x.tenant_id, x.code), {
        tenantId: x.tenant_id,
        code: x.code,
        promotionId: x.promotion_id,
        usesLeft: x.uses_left,
        perCustomer: x.per_customer,
        validTo: x.valid_to === null ? null : x.valid_to.getTime(),
        usedBy: new Map(x.used.map((u) => [u.c, u.n])),
        holds: x.holds,
        released: [],
        dirty: false,
      });
    }
  }
  await loadUsesOfRefundedSales(client, state, ops);
}

async function loadUsesOfRefundedSales(client: pg.PoolClient, state: BatchState, ops: readonly LedgerOp[]): Promise<void> {
  const t: string[] = [], ids: string[] = [];
  for (const op of ops) {
    if (op.kind !== 'refund') continue;
    const sale = state.findSale(op.tenantId, op.channel, op.saleExternalId);
    if (sale !== undefined) (t.push(op.tenantId), ids.push(sale.id));
  }
  if (t.length === 0) return;
  const r = await client.query<{ tenant_id: string; check_id: string; code: string; customer_id: string | null }>(
    `SELECT u.tenant_id, u.check_id::text, u.code, u.customer_id::text FROM coupon_uses u
       JOIN unnest($1::text[], $2::bigint[]) AS q(t, id) ON u.tenant_id = q.t AND u.check_id = q.id
      WHERE NOT u.returned ORDER BY u.tenant_id, u.check_id FOR UPDATE OF u`,
    [t, ids],
  );
  for (const u of r.rows) state.couponUses.set(key(u.tenant_id, u.check_id), { tenantId: u.tenant_id, checkId: u.check_id, code: u.code, customerId: u.customer_id });
  // The coupons those uses would go back to.
  const k = r.rows.map((u) => [u.tenant_id, u.code] as const).filter(([tt, cc]) => !state.coupons.has(key(tt, cc)));
  if (k.length === 0) return;
  const c = await client.query<{ tenant_id: string; code: string; promotion_id: string; uses_left: number | null; per_customer: number | null; valid_to: Date | null }>(
    `SELECT k.tenant_id, k.code, k.promotion_id, k.uses_left, k.per_customer, k.valid_to FROM coupons k
       JOIN unnest($1::text[], $2::text[]) AS q(t, c) ON k.tenant_id = q.t AND k.code = q.c ORDER BY k.tenant_id, k.code FOR UPDATE OF k`,
    [k.map((x) => x[0]), k.map((x) => x[1])],
  );
  for (const x of c.rows) {
    state.coupons.set(key(x.tenant_id, x.code), { tenantId: x.tenant_id, code: x.code, promotionId: x.promotion_id, usesLeft: x.uses_left, perCustomer: x.per_customer, validTo: x.valid_to?.getTime() ?? null, usedBy: new Map(), holds: [], released: [], dirty: false });
  }
}

/** What the check's coupon is, if it is an issued one: the promotion it unlocks, or why not. */
export function issuedCoupon(state: BatchState, tenantId: string, check: ParsedCheck, customerId: string | null): IssuedCoupon | null {
  if (!check.coupon) return null;
  const c = state.coupons.get(key(tenantId, check.coupon.toUpperCase()));
  return c === undefined ? null : verdict(c, check.at, customerId, heldByOthers(c.holds, check.externalId));
}

function heldByOthers(holds: readonly string[], externalId: string): number {
  let n = 0;
  for (const h of holds) if (h !== externalId) n++;
  return n;
}

/**
 * The rules of a code, at a time, for a customer (null: anonymous; '': a new phone, registered
 * with the sale); `held`: uses other checks hold between their calculate and commit.
 */
export function verdict(c: Pick<CouponEntry, 'code' | 'promotionId' | 'usesLeft' | 'perCustomer' | 'validTo' | 'usedBy'>, at: number, customerId: string | null, held = 0): IssuedCoupon {
  if (c.validTo !== null && at > c.validTo) return { code: c.code, refusal: 'истёк' };
  if (c.usesLeft !== null && c.usesLeft <= 0) return { code: c.code, refusal: 'уже использован' };
  if (c.usesLeft !== null && c.usesLeft - held <= 0) return { code: c.code, refusal: HELD_ELSEWHERE };
  if (c.perCustomer !== null) {
    if (customerId === null) return { code: c.code, refusal: 'действует только с картой или телефоном клиента' };
    if ((c.usedBy.get(customerId) ?? 0) >= c.perCustomer) return { code: c.code, refusal: 'уже использован этим клиентом' };
  }
  return { code: c.code, promotionId: c.promotionId };
}

/** A recorded sale spent one use of its coupon (and the hold its calculate placed, if any). */
export function spendCoupon(state: BatchState, tenantId: string, code: string, checkId: string, customerId: string | null, externalId?: string): void {
  const c = state.coupons.get(key(tenantId, code))!;
  if (c.usesLeft !== null) c.usesLeft -= 1;
  if (externalId !== undefined && c.holds.includes(externalId)) {
    c.holds = c.holds.filter((h) => h !== externalId);
    c.released.push(externalId);
  }
  if (customerId !== null) c.usedBy.set(customerId, (c.usedBy.get(customerId) ?? 0) + 1);
  c.dirty = true;
  state.newCouponUses.push({ tenantId, checkId, code, customerId });
}

/** A sale refunded in full gives its coupon's use back. */
export function giveCouponBack(state: BatchState, tenantId: string, saleId: string): void {
  const u = state.couponUses.get(key(tenantId, saleId));
  if (u === undefined) return;
  state.couponUses.delete(key(tenantId, saleId));
  const c = state.coupons.get(key(tenantId, u.code));
  if (c !== undefined) {
    if (c.usesLeft !== null) c.usesLeft += 1;
    if (u.customerId !== null) c.usedBy.set(u.customerId, Math.max(0, (c.usedBy.get(u.customerId) ?? 1) - 1));
    c.dirty = true;
  }
  state.returnedCouponUses.push(u);
}

// ── issuing and reading (outside the writer) ──

export const issueSchema = z
  .object({
    count: z.number().int().min(1).max(100_000),
    /** Uses per code; null: unlimited until it expires. */
    uses: z.number().int().min(1).max(1_000_000).nullable().default(1),
    perCustomer: z.number().int().min(1).max(1000).nullish(),
    validTo: isoDateText.nullish(),
    prefix: idText(12).regex(/^[A-Za-z0-9-]*$/, 'латинские буквы, цифры и дефис').optional(),
    batch: idText(64).optional(),
  })
  .strict()
  .meta({ title: 'выпуск купонов' });

// Unambiguous when read from a screen or a receipt: no 0/O, 1/I/L.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export async function issueCoupons(pool: pg.Pool, tenantId: string, promotionId: string, input: unknown, timeZone: string): Promise<{ batch: string; codes: string[] }> {
  const o = parseInput(issueSchema, input, 'выпуск купонов');
  const batch = o.batch ?? `${promotionId}-${Date.now()}`;
  const prefix = (o.prefix ?? '').toUpperCase();
  const codes = new Set<string>();
  while (codes.size < o.count) {
    let s = prefix;
    for (let i = 0; i < 10; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    codes.add(s);
  }
  // The end of the given local day in the program's zone.
  const validTo = o.validTo == null ? null : `${o.validTo} 23:59:59.999 ${timeZone}`;
  const r = await pool.query(
    `INSERT INTO coupons (tenant_id, code, promotion_id, uses_left, per_customer, valid_to, batch)
     SELECT $1, c, $2, $3, $4, ($5::timestamp AT TIME ZONE $6), $7 FROM unnest($8::text[]) AS c ON CONFLICT DO NOTHING RETURNING code`,
    [tenantId, promotionId, o.uses, o.perCustomer ?? null, validTo === null ? null : `${o.validTo} 23:59:59.999`, timeZone, batch, [...codes]],
  );
  if (r.rowCount !== codes.size) throw new KopilkaError('STORAGE_UNAVAILABLE', 'Не все коды купонов записаны (совпали с выпущенными раньше): выпустите ещё раз');
  return { batch, codes: r.rows.map((x: { code: string }) => x.code) };
}

/**
 * Calculate with a coupon: its verdict (uses other checks hold are not there to take), then, if the
 * priced check uses a limited code, a hold on one use for this check. Two tills pricing the last
 * use at once: the coupon row's lock lets one hold it; the other is priced again without it.
 */
export async function withCouponHold<E extends { couponUsed: string | null }>(pool: pg.Pool, tenantId: string, check: ParsedCheck, customerId: string | null, price: (c: IssuedCoupon | null) => E): Promise<E> {
  const coupon = await couponVerdict(pool, tenantId, check, customerId);
  const priced = price(coupon);
  if (priced.couponUsed === null || coupon === null || !('promotionId' in coupon)) return priced;
  if (await holdCoupon(pool, tenantId, priced.couponUsed, check.externalId)) return priced;
  return price({ code: coupon.code, refusal: HELD_ELSEWHERE });
}

/** The verdict on a check's coupon for calculate (no lock: the hold, then the sale's own batch decides). */
async function couponVerdict(pool: pg.Pool, tenantId: string, check: ParsedCheck, customerId: string | null): Promise<IssuedCoupon | null> {
  if (!check.coupon) return null;
  const r = await pool.query<{ code: string; promotion_id: string; uses_left: number | null; per_customer: number | null; valid_to: Date | null; n: number; held: number }>(
    `SELECT k.code, k.promotion_id, k.uses_left, k.per_customer, k.valid_to,
            (SELECT count(*)::int FROM coupon_uses u WHERE u.tenant_id = k.tenant_id AND u.code = k.code AND u.customer_id = $3 AND NOT u.returned) AS n,
            (SELECT count(*)::int FROM coupon_holds h WHERE h.tenant_id = k.tenant_id AND h.code = k.code AND h.external_id <> $4 AND h.expires_at > now()) AS held
       FROM coupons k WHERE k.tenant_id = $1 AND k.code = $2`,
    [tenantId, check.coupon.toUpperCase(), customerId !== null && /^\d+$/.test(customerId) ? customerId : null, check.externalId],
  );
  const x = r.rows[0];
  if (x === undefined) return null;
  const usedBy = new Map(customerId === null ? [] : [[customerId, x.n]]);
  return verdict({ code: x.code, promotionId: x.promotion_id, usesLeft: x.uses_left, perCustomer: x.per_customer, validTo: x.valid_to?.getTime() ?? null, usedBy }, check.at, customerId, x.held);
}

/** Holds one use of a limited code for the check (renewing its own hold); false when none is free. */
async function holdCoupon(pool: pg.Pool, tenantId: string, code: string, externalId: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const k = await client.query<{ uses_left: number | null }>('SELECT uses_left FROM coupons WHERE tenant_id = $1 AND code = $2 FOR UPDATE', [tenantId, code]);
    const usesLeft = k.rows[0]?.uses_left;
    if (usesLeft === undefined || usesLeft === null) return (await client.query('COMMIT'), true); // unlimited: nothing to hold
    const h = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM coupon_holds WHERE tenant_id = $1 AND code = $2 AND external_id <> $3 AND expires_at > now()',
      [tenantId, code, externalId],
    );
    if (usesLeft - h.rows[0]!.n <= 0) return (await client.query('ROLLBACK'), false);
    await client.query(
      `INSERT INTO coupon_holds (tenant_id, code, external_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(mins => $4))
       ON CONFLICT (tenant_id, code, external_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      [tenantId, code, externalId, HOLD_MINUTES],
    );
    await client.query('COMMIT');
    return true;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

// ── persisting a batch's coupon changes (persist.ts) ──

interface Cols {
  col<T>(rows: readonly T[], f: (r: T) => unknown, type: string): string;
}

export function couponCtes(p: Cols, state: BatchState): string {
  const changed = [...state.coupons.values()].filter((c) => c.dirty);
  const uses = state.newCouponUses;
  const back = state.returnedCouponUses;
  const released = changed.flatMap((c) => c.released.map((externalId) => ({ tenantId: c.tenantId, code: c.code, externalId })));
  return `coupon_left AS (
    UPDATE coupons k SET uses_left = u.uses
      FROM unnest(${p.col(changed, (c) => c.tenantId, 'text')}, ${p.col(changed, (c) => c.code, 'text')}, ${p.col(changed, (c) => c.usesLeft, 'int')}) AS u(t, c, uses)
     WHERE k.tenant_id = u.t AND k.code = u.c
    RETURNING 1),
  coupon_uses_new AS (
    INSERT INTO coupon_uses (tenant_id, check_id, code, customer_id)
    SELECT * FROM unnest(${p.col(uses, (u) => u.tenantId, 'text')}, ${p.col(uses, (u) => u.checkId, 'bigint')}, ${p.col(uses, (u) => u.code, 'text')}, ${p.col(uses, (u) => u.customerId, 'bigint')})
    RETURNING 1),
  coupon_holds_spent AS (
    DELETE FROM coupon_holds h
     USING unnest(${p.col(released, (r) => r.tenantId, 'text')}, ${p.col(released, (r) => r.code, 'text')}, ${p.col(released, (r) => r.externalId, 'text')}) AS r(t, c, e)
     WHERE h.tenant_id = r.t AND h.code = r.c AND h.external_id = r.e
    RETURNING 1),
  coupon_uses_back AS (
    UPDATE coupon_uses x SET returned = true
      FROM unnest(${p.col(back, (u) => u.tenantId, 'text')}, ${p.col(back, (u) => u.checkId, 'bigint')}) AS b(t, id)
     WHERE x.tenant_id = b.t AND x.check_id = b.id
    RETURNING 1)`;
}
