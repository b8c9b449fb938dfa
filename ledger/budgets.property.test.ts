import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger } from './ledger.ts';

// Property test against real Postgres: random batches of sales, some of them on the promotion's
// goods, some with a customer, committed at once through two ledgers (two gateway processes,
// one of them evaluating in worker threads). Whatever the order, a promotion's budget is never
// overrun, its counters are exactly what the recorded checks say it gave, and the promotions'
// daily rollup agrees with them.

const T0 = Date.parse('2026-11-22T09:00:00Z');
let db: TestDatabase;
let a: Ledger;
let b: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await Ledger.open({ pool: db.pool, now: () => T0, writer: { maxBatch: 20 } });
  b = await Ledger.open({ pool: db.pool, now: () => T0, writer: { maxBatch: 20 }, workers: 2 });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const saleArb = fc.record({
  amount: fc.integer({ min: 1, max: 500 }).map((x) => x * 200),
  onPromo: fc.boolean(),
  customer: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
  gateway: fc.boolean(),
});

let run = 0;

describe('promotion budgets (property)', () => {
  it('are never overrun, and their counters and rollups match the recorded checks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          discount: fc.option(fc.integer({ min: 1, max: 30 }).map((x) => x * 1_000), { nil: undefined }),
          uses: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
          batches: fc.array(fc.array(saleArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        }),
        async ({ discount, uses, batches }) => {
          const budget = discount === undefined && uses === undefined ? { uses: 3 } : { discount, uses };
          const t = (
            await a.createTenant(`prop-${++run}`, 'month', {
              levels: [{ code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 }],
              promotions: [
                { id: 'limited', name: 'С бюджетом', when: { productIds: ['promo'] }, effect: { type: 'percent', percent: 15 }, stacking: 'best', budget },
                { id: 'always', name: 'Всегда', when: { productIds: ['promo'] }, effect: { type: 'percent', percent: 3 }, stacking: 'best' },
              ],
            })
          ).id;
          let k = 0;
          for (const batch of batches) {
            await Promise.all(
              batch.map((s) =>
                (s.gateway ? a : b).commit(t, 'api', {
                  externalId: `${run}-${++k}`,
                  occurredAt: '2026-11-22T12:00:00+03:00',
                  customer: s.customer === null ? null : { phone: `+7916000${String(s.customer).padStart(4, '0')}` },
                  lines: [{ lineNo: 1, productId: s.onPromo ? 'promo' : 'other', quantity: 1000, price: s.amount, amount: s.amount }],
                }),
              ),
            );
          }
          const given = await db.pool.query<{ d: string | null; n: number }>(
            `SELECT sum((p->>'discount')::bigint) AS d, count(DISTINCT c.id)::int AS n
               FROM checks c, json_array_elements(c.result->'lines') l, json_array_elements(COALESCE(l->'promotions', '[]'::json)) p
              WHERE c.tenant_id = $1 AND c.kind = 'sale' AND p->>'id' = 'limited'`,
            [t],
          );
          const spent = await db.pool.query<{ d: string; u: number }>('SELECT discount_spent AS d, uses_spent AS u FROM promotion_budgets WHERE tenant_id = $1 AND promotion_id = $2', [t, 'limited']);
          const d = Number(given.rows[0]!.d ?? 0);
          const u = given.rows[0]!.n;
          expect({ d: Number(spent.rows[0]?.d ?? 0), u: spent.rows[0]?.u ?? 0 }).toEqual({ d, u });
          if (budget.discount !== undefined) expect(d).toBeLessThanOrEqual(budget.discount);
          if (budget.uses !== undefined) expect(u).toBeLessThanOrEqual(budget.uses);
          const rollup = await db.pool.query<{ d: string | null; n: string | null }>(`SELECT sum(discount) AS d, sum(checks) AS n FROM promotions_daily WHERE tenant_id = $1 AND promotion_id = 'limited'`, [t]);
          expect({ d: Number(rollup.rows[0]!.d ?? 0), u: Number(rollup.rows[0]!.n ?? 0) }).toEqual({ d, u });
        },
      ),
      { numRuns: 12 },
    );
  }, 240_000);
});
