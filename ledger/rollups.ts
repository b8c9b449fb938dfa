import type { BatchState, CheckEntry } from './batch-state.ts';
import { localIsoDate } from './time-zone.ts';

// The totals reports read (migrations/013_sales_rollups.sql): a batch's new checks summed per
// tenant, the shop's local day, store, cashier and channel, and added in the batch's own statement
// (persist.ts), so a report never scans checks or postings and never disagrees with them.

export interface DailyRow {
  tenantId: string;
  day: string;
  storeId: string;
  cashierId: string;
  channel: string;
  sales: number;
  identified: number;
  saleAmount: number;
  saleDiscount: number;
  saleRedeemed: number;
  saleAccrued: number;
  refunds: number;
  refundAmount: number;
  refundDiscount: number;
  refundRedeemed: number;
  refundAccrued: number;
}

/** The batch's new checks as rollup rows, one per key, in key order (two writers lock rows in the same order). */
export function salesDaily(state: BatchState, checks: readonly CheckEntry[]): DailyRow[] {
  const rows = new Map<string, DailyRow>();
  for (const c of checks) {
    const day = localIsoDate(c.occurredAt, state.program(c.tenantId).source.timezone);
    const key = [c.tenantId, day, c.storeId ?? '', c.cashierId ?? '', c.channel].join('\u0000');
    let r = rows.get(key);
    if (r === undefined) {
      r = { tenantId: c.tenantId, day, storeId: c.storeId ?? '', cashierId: c.cashierId ?? '', channel: c.channel, sales: 0, identified: 0, saleAmount: 0, saleDiscount: 0, saleRedeemed: 0, saleAccrued: 0, refunds: 0, refundAmount: 0, refundDiscount: 0, refundRedeemed: 0, refundAccrued: 0 };
      rows.set(key, r);
    }
    if (c.kind === 'sale') {
      r.sales++;
      if (c.customerId !== null) r.identified++;
      r.saleAmount += c.amount;
      r.saleDiscount += c.discount;
      r.saleRedeemed += c.redeemed;
      r.saleAccrued += c.accrued;
    } else {
      r.refunds++;
      r.refundAmount += c.amount;
      r.refundDiscount += c.discount;
      r.refundRedeemed += c.redeemed;
      r.refundAccrued += c.accrued;
    }
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

interface Cols {
  col<T>(rows: readonly T[], f: (r: T) => unknown, type: string): string;
}

const COUNTS = ['sales', 'identified', 'sale_amount', 'sale_discount', 'sale_redeemed', 'sale_accrued', 'refunds', 'refund_amount', 'refund_discount', 'refund_redeemed', 'refund_accrued'] as const;

export function rollupCte(p: Cols, rows: readonly DailyRow[]): string {
  const big = (f: (r: DailyRow) => number) => p.col(rows, f, 'bigint');
  return `sales_rollup AS (
    INSERT INTO sales_daily (tenant_id, day, store_id, cashier_id, channel, ${COUNTS.join(', ')})
    SELECT * FROM unnest(${p.col(rows, (r) => r.tenantId, 'text')}, ${p.col(rows, (r) => r.day, 'date')}, ${p.col(rows, (r) => r.storeId, 'text')},
      ${p.col(rows, (r) => r.cashierId, 'text')}, ${p.col(rows, (r) => r.channel, 'text')}, ${p.col(rows, (r) => r.sales, 'int')},
      ${p.col(rows, (r) => r.identified, 'int')}, ${big((r) => r.saleAmount)}, ${big((r) => r.saleDiscount)}, ${big((r) => r.saleRedeemed)},
      ${big((r) => r.saleAccrued)}, ${p.col(rows, (r) => r.refunds, 'int')}, ${big((r) => r.refundAmount)}, ${big((r) => r.refundDiscount)},
      ${big((r) => r.refundRedeemed)}, ${big((r) => r.refundAccrued)})
    ON CONFLICT (tenant_id, day, store_id, cashier_id, channel) DO UPDATE SET
      ${COUNTS.map((k) => `${k} = sales_daily.${k} + EXCLUDED.${k}`).join(', ')}
    RETURNING 1)`;
}
