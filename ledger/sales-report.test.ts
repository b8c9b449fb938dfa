import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger } from './ledger.ts';
import { salesReport } from './sales-report.ts';

// The sales report reads rollups written with the checks: it must say what the checks say,
// summed independently from the checks table, for any mix of stores, cashiers, days and refunds.

let db: TestDatabase;
let ledger: Ledger;
let clock = Date.parse('2026-11-23T10:00:00+03:00');

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, now: () => clock });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

describe('sales report from the daily rollups', () => {
  it('equals the checks table summed by day, store and cashier, refunds netted', async () => {
    const t = (await ledger.createTenant('Сеть', 'month', { levels: [{ code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 10 }, discount: { type: 'percent', percent: 3 } }] })).id;
    const sale = fc.record({ day: fc.integer({ min: 0, max: 2 }), store: fc.constantFrom('s1', 's2'), cashier: fc.constantFrom('anna', 'oleg'), amount: fc.integer({ min: 100, max: 500_000 }), anon: fc.boolean(), refund: fc.boolean() });
    const sales = fc.sample(fc.array(sale, { minLength: 20, maxLength: 40 }), { numRuns: 1, seed: 7 })[0]!;
    let i = 0;
    for (const s of sales) {
      const id = `c${i++}`;
      const at = new Date(Date.parse('2026-11-18T23:30:00+03:00') + s.day * 86_400_000).toISOString().replace('Z', '+00:00');
      await ledger.commit(t, 'api', {
        externalId: id,
        occurredAt: at,
        storeId: s.store,
        cashierId: s.cashier,
        customer: s.anon ? null : { phone: `+7916${String(1_000_000 + i).slice(-7)}` },
        lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: s.amount, amount: s.amount }],
      });
      if (s.refund) await ledger.refund(t, 'api', id, { externalId: `${id}-r` });
    }
    const report = await salesReport(db.pool, t, { from: '2026-11-01', to: '2026-11-30', period: 'day', by: 'store' });
    // Independently, from the checks: a sale on its day, a refund on the day it was made (the
    // shop's day in Moscow: 23:30 UTC+3 on the 18th is still the 18th).
    const expected = await db.pool.query(
      `SELECT to_char((occurred_at AT TIME ZONE 'Europe/Moscow')::date, 'YYYY-MM-DD') AS period, store_id AS key,
              count(*) FILTER (WHERE kind = 'sale')::int AS checks,
              sum(CASE kind WHEN 'sale' THEN amount - discount ELSE discount - amount END)::bigint AS revenue,
              sum(CASE kind WHEN 'sale' THEN accrued ELSE -accrued END)::bigint AS accrued,
              count(*) FILTER (WHERE kind = 'refund')::int AS refunds
         FROM checks WHERE tenant_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [t],
    );
    expect(report.map((r) => ({ period: r.period, key: r.key, checks: r.checks, revenue: r.revenue, accrued: r.accrued, refunds: r.refunds }))).toEqual(
      expected.rows.map((r) => ({ ...r, revenue: Number(r.revenue), accrued: Number(r.accrued) })),
    );
    expect(report.map((r) => r.period)).toContain('2026-11-18');
    // By cashier over the whole month, and one store only.
    const byCashier = await salesReport(db.pool, t, { from: '2026-11-01', to: '2026-11-30', period: 'all', by: 'cashier' });
    expect(byCashier.map((r) => r.key).sort()).toEqual(['anna', 'oleg'].filter((c) => sales.some((s) => s.cashier === c)));
    expect(byCashier.reduce((s, r) => s + r.checks, 0)).toBe(sales.length);
    const s1 = await salesReport(db.pool, t, { from: '2026-11-01', to: '2026-11-30', period: 'month', storeId: 's1' });
    expect(s1[0]?.checks ?? 0).toBe(sales.filter((s) => s.store === 's1').length);
    await expect(salesReport(db.pool, t, { from: '2026-12-01', to: '2026-11-01' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
