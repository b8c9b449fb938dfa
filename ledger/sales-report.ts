import type pg from 'pg';
import { z } from 'zod';
import { idText, isoDateText, parseInput } from './validation.ts';

// Sales figures for a period, read from the daily rollups (rollups.ts), never from checks or
// postings: a year of a big tenant is a few thousand rows. Money in kopecks, bonuses in hundredths.

export const salesQuerySchema = z
  .object({
    from: isoDateText,
    to: isoDateText,
    period: z.enum(['day', 'week', 'month', 'all']).default('day'),
    by: z.enum(['store', 'cashier', 'channel']).nullish(),
    storeId: idText(64).nullish(),
    cashierId: idText(64).nullish(),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'начало периода позже конца', path: ['from'] })
  .meta({ title: 'отчёт о продажах' });

export interface SalesRow {
  /** First day of the period (a week starts on Monday); the `from` date for period `all`. */
  period: string;
  /** The store, cashier or channel when grouped `by` one; '' for a check without one. */
  key: string | null;
  checks: number;
  /** Checks with an identified customer. */
  identified: number;
  refunds: number;
  /** What customers paid for goods, less refunds (amount − discount), kopecks. */
  revenue: number;
  averageCheck: number;
  averageDiscount: number;
  discount: number;
  accrued: number;
  redeemed: number;
}

interface Db {
  period: string;
  key: string | null;
  sales: string;
  identified: string;
  refunds: string;
  sale_amount: string;
  sale_discount: string;
  sale_redeemed: string;
  sale_accrued: string;
  refund_amount: string;
  refund_discount: string;
  refund_redeemed: string;
  refund_accrued: string;
}

const KEY_COLUMN = { store: 'store_id', cashier: 'cashier_id', channel: 'channel' } as const;

export async function salesReport(pool: pg.Pool, tenantId: string, input: unknown): Promise<SalesRow[]> {
  const q = parseInput(salesQuerySchema, input, 'отчёт о продажах');
  const period = q.period === 'all' ? `$2::date` : `date_trunc('${q.period}', day)::date`;
  const key = q.by == null ? 'NULL::text' : KEY_COLUMN[q.by];
  const params: unknown[] = [tenantId, q.from, q.to];
  const filters = [
    q.storeId == null ? '' : ` AND store_id = $${params.push(q.storeId)}`,
    q.cashierId == null ? '' : ` AND cashier_id = $${params.push(q.cashierId)}`,
  ].join('');
  const r = await pool.query<Db>(
    `SELECT to_char(${period}, 'YYYY-MM-DD') AS period, ${key} AS key,
            sum(sales) AS sales, sum(identified) AS identified, sum(refunds) AS refunds,
            sum(sale_amount) AS sale_amount, sum(sale_discount) AS sale_discount, sum(sale_redeemed) AS sale_redeemed, sum(sale_accrued) AS sale_accrued,
            sum(refund_amount) AS refund_amount, sum(refund_discount) AS refund_discount, sum(refund_redeemed) AS refund_redeemed, sum(refund_accrued) AS refund_accrued
       FROM sales_daily
      WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date${filters}
      GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  return r.rows.map(toRow);
}

function toRow(r: Db): SalesRow {
  const n = (x: string) => Number(x);
  const checks = n(r.sales);
  const paid = n(r.sale_amount) - n(r.sale_discount);
  return {
    period: r.period,
    key: r.key,
    checks,
    identified: n(r.identified),
    refunds: n(r.refunds),
    revenue: paid - (n(r.refund_amount) - n(r.refund_discount)),
    averageCheck: checks === 0 ? 0 : Math.floor(paid / checks),
    averageDiscount: checks === 0 ? 0 : Math.floor(n(r.sale_discount) / checks),
    discount: n(r.sale_discount) - n(r.refund_discount),
    accrued: n(r.sale_accrued) - n(r.refund_accrued),
    redeemed: n(r.sale_redeemed) - n(r.refund_redeemed),
  };
}
