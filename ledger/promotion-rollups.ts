import type { LineResult } from './check.ts';
import type { RefundPlan, SaleLine } from './refunds.ts';
import { localIsoDate } from './time-zone.ts';

// The promotions' totals (migrations/019 promotions_daily): per tenant, the shop's local day and
// promotion, the sales it discounted — how many, its discount, the checks' revenue (amount −
// discount) — and what refunds of those sales took back. Collected by the transitions and added
// in the batch's own statement (persist.ts), like sales_daily: the report never scans checks.

export interface PromotionDay {
  tenantId: string;
  day: string;
  promotionId: string;
  checks: number;
  discount: number;
  revenue: number;
  refunds: number;
  refundDiscount: number;
  refundRevenue: number;
}

// Rows are made with Object.assign, not `{ ...zero, tenantId, … }`: V8 11 makes a new hidden class
// for every spread copy that gains a property (gateway/http/router.ts, issue #17).
const zero = { checks: 0, discount: 0, revenue: 0, refunds: 0, refundDiscount: 0, refundRevenue: 0 };

/** A sale's rows: each promotion on it counts the check, its own discount and the check's revenue. */
export function saleDays(tenantId: string, at: number, timeZone: string, lines: readonly LineResult[], revenue: number): PromotionDay[] {
  const given = new Map<string, number>();
  for (const l of lines) for (const g of l.promotions ?? []) given.set(g.id, (given.get(g.id) ?? 0) + g.discount);
  if (given.size === 0) return [];
  const day = localIsoDate(at, timeZone);
  return [...given].map(([promotionId, discount]) => Object.assign({}, zero, { tenantId, day, promotionId, checks: 1, discount, revenue }));
}

const part = (v: number, q: number, total: number): number => Number((BigInt(v) * BigInt(q)) / BigInt(total));

/**
 * A refund's rows: each promotion of the sale loses the refund's revenue and its share of the
 * refunded discount, line by line in the same telescoping parts as refunds.ts (partial refunds
 * add up to exactly the sale's whole).
 */
export function refundDays(
  tenantId: string,
  at: number,
  timeZone: string,
  sale: { lines: readonly SaleLine[]; results: readonly LineResult[]; refundedBefore: Readonly<Record<string, number>> },
  plan: Pick<RefundPlan, 'lines' | 'amount' | 'discount'>,
): PromotionDay[] {
  const back = new Map<string, number>();
  sale.results.forEach((r, i) => {
    const l = sale.lines[i]!;
    const q = plan.lines.find((x) => x.lineNo === l.lineNo)?.quantity ?? 0;
    const before = sale.refundedBefore[l.lineNo] ?? 0;
    for (const g of r.promotions ?? []) {
      const d = q === 0 ? 0 : part(g.discount, before + q, l.quantity) - part(g.discount, before, l.quantity);
      back.set(g.id, (back.get(g.id) ?? 0) + d);
    }
  });
  if (back.size === 0) return [];
  const day = localIsoDate(at, timeZone);
  const refundRevenue = plan.amount - plan.discount;
  return [...back].map(([promotionId, refundDiscount]) => Object.assign({}, zero, { tenantId, day, promotionId, refunds: 1, refundDiscount, refundRevenue }));
}

/** Summed per key, in key order (two writers lock rows in the same order). */
export function promotionDaily(rows: readonly PromotionDay[]): PromotionDay[] {
  const m = new Map<string, PromotionDay>();
  for (const r of rows) {
    const k = [r.tenantId, r.day, r.promotionId].join('\u0000');
    const s = m.get(k);
    if (s === undefined) m.set(k, { ...r });
    else {
      s.checks += r.checks;
      s.discount += r.discount;
      s.revenue += r.revenue;
      s.refunds += r.refunds;
      s.refundDiscount += r.refundDiscount;
      s.refundRevenue += r.refundRevenue;
    }
  }
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

interface Cols {
  col<T>(rows: readonly T[], f: (r: T) => unknown, type: string): string;
}

const COUNTS = ['checks', 'discount', 'revenue', 'refunds', 'refund_discount', 'refund_revenue'] as const;

export function promotionRollupCte(p: Cols, rows: readonly PromotionDay[]): string {
  const big = (f: (r: PromotionDay) => number) => p.col(rows, f, 'bigint');
  return `promotions_rollup AS (
    INSERT INTO promotions_daily (tenant_id, day, promotion_id, ${COUNTS.join(', ')})
    SELECT * FROM unnest(${p.col(rows, (r) => r.tenantId, 'text')}, ${p.col(rows, (r) => r.day, 'date')}, ${p.col(rows, (r) => r.promotionId, 'text')},
      ${p.col(rows, (r) => r.checks, 'int')}, ${big((r) => r.discount)}, ${big((r) => r.revenue)}, ${p.col(rows, (r) => r.refunds, 'int')},
      ${big((r) => r.refundDiscount)}, ${big((r) => r.refundRevenue)})
    ON CONFLICT (tenant_id, day, promotion_id) DO UPDATE SET
      ${COUNTS.map((k) => `${k} = promotions_daily.${k} + EXCLUDED.${k}`).join(', ')}
    RETURNING 1)`;
}
