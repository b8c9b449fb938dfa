import type pg from 'pg';
import { z } from 'zod';
import { budgetLeft } from './budgets.ts';
import type { CompiledProgram } from './program.ts';
import { isoDateText, parseInput } from './validation.ts';

// The promotions' financial effect for a period, from the daily rollups (promotion-rollups.ts and
// rollups.ts), never from checks: per promotion the checks it discounted, the discount it gave
// and those checks' revenue, less refunds, and the average check with it against the average of
// the period's other checks. Money in kopecks.

export const promotionsQuerySchema = z
  .object({ from: isoDateText, to: isoDateText })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'начало периода позже конца', path: ['from'] })
  .meta({ title: 'отчёт по акциям' });

export interface PromotionRow {
  id: string;
  /** The name in the program in force; null for a promotion since removed from it. */
  name: string | null;
  /** Sales it discounted, and refunds of those sales. */
  checks: number;
  refunds: number;
  /** Its discount less what refunds took back. */
  discount: number;
  /** Those checks' revenue (amount − discount) less refunds. */
  revenue: number;
  /** revenue / checks; 0 without checks. */
  averageWith: number;
  /** The period's other checks: (all revenue − this revenue) / (all checks − these checks). */
  averageWithout: number;
  /** What is left of its budget now (null: no such limit). */
  budgetLeft: { discount: number | null; uses: number | null } | null;
}

export async function promotionsReport(pool: pg.Pool, tenantId: string, program: CompiledProgram, input: unknown): Promise<{ from: string; to: string; checks: number; revenue: number; promotions: PromotionRow[] }> {
  const q = parseInput(promotionsQuerySchema, input, 'отчёт по акциям');
  const [rows, all, spent] = await Promise.all([
    pool.query<{ promotion_id: string; checks: string; refunds: string; discount: string; revenue: string }>(
      `SELECT promotion_id, sum(checks) AS checks, sum(refunds) AS refunds, sum(discount - refund_discount) AS discount, sum(revenue - refund_revenue) AS revenue
         FROM promotions_daily WHERE tenant_id = $1 AND day BETWEEN $2 AND $3 GROUP BY promotion_id ORDER BY promotion_id`,
      [tenantId, q.from, q.to],
    ),
    pool.query<{ checks: string | null; revenue: string | null }>(
      `SELECT sum(sales) AS checks, sum(sale_amount - sale_discount - refund_amount + refund_discount) AS revenue
         FROM sales_daily WHERE tenant_id = $1 AND day BETWEEN $2 AND $3`,
      [tenantId, q.from, q.to],
    ),
    pool.query<{ promotion_id: string; discount_spent: string; uses_spent: number }>('SELECT promotion_id, discount_spent, uses_spent FROM promotion_budgets WHERE tenant_id = $1', [tenantId]),
  ]);
  const totalChecks = Number(all.rows[0]?.checks ?? 0);
  const totalRevenue = Number(all.rows[0]?.revenue ?? 0);
  const used = new Map(spent.rows.map((x) => [x.promotion_id, { discount: Number(x.discount_spent), uses: x.uses_spent }]));
  const byId = new Map(program.promotions.map((x) => [x.id, x]));
  const avg = (sum: number, n: number) => (n <= 0 ? 0 : Math.round(sum / n));
  const promotions = rows.rows.map((r): PromotionRow => {
    const checks = Number(r.checks);
    const revenue = Number(r.revenue);
    const x = byId.get(r.promotion_id);
    return {
      id: r.promotion_id,
      name: x?.name ?? null,
      checks,
      refunds: Number(r.refunds),
      discount: Number(r.discount),
      revenue,
      averageWith: avg(revenue, checks),
      averageWithout: avg(totalRevenue - revenue, totalChecks - checks),
      budgetLeft: x?.budget == null ? null : budgetLeft(x, used.get(x.id) ?? { discount: 0, uses: 0 }),
    };
  });
  return { from: q.from, to: q.to, checks: totalChecks, revenue: totalRevenue, promotions };
}
