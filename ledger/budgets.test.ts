import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger, SecretBox, type CheckResult, type SaleOutcome } from './index.ts';

// Promotion budgets and the promotions' report through the ledger's face, against real
// Postgres: a promotion stops once its budget is spent (calculate shows it, commit enforces it
// even when two gateways race), and the report sums checks, discount and revenue per promotion,
// refunds taken off, from the rollups written with each batch.

const T0 = Date.parse('2026-11-22T12:00:00+03:00');
let db: TestDatabase;
let a: Ledger;
let b: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  const secrets = new SecretBox(randomBytes(32));
  a = await Ledger.open({ pool: db.pool, secrets, now: () => T0 });
  // The second gateway runs its batches unnamed (PG_PREPARED_STATEMENTS=0): both ways write alike.
  b = await Ledger.open({ pool: db.pool, secrets, now: () => T0, writer: { preparedStatements: false } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const level = { code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 };
let n = 0;
const sale = (amount: number, productId = 'p', at = '2026-11-22T12:00:00+03:00') => ({
  externalId: `b${++n}`,
  occurredAt: at,
  lines: [{ lineNo: 1, productId, quantity: 2000, price: amount / 2, amount }],
});
const answer = (r: SaleOutcome): CheckResult => {
  if (r.status !== 'recorded') throw new Error('queued');
  return r.answer;
};

describe('promotion budgets', () => {
  it('a budget of uses: the promotion stops after that many checks, calculate shows it first', async () => {
    const t = (await a.createTenant('Кафе', 'month', { levels: [level], promotions: [{ id: 'p2', name: 'Два чека', effect: { type: 'percent', percent: 10 }, budget: { uses: 2 } }] })).id;
    expect(answer(await a.commit(t, 'api', sale(10_000))).totals.discount).toBe(1_000);
    expect((await a.calculate(t, sale(10_000))).totals.discount).toBe(1_000); // one left: calculate spends nothing
    expect(answer(await a.commit(t, 'api', sale(10_000))).totals.discount).toBe(1_000);
    const calc = await a.calculate(t, sale(10_000));
    expect(calc.totals.discount).toBe(0);
    expect(calc.messages).toContain('Бюджет акции «Два чека» исчерпан: чек проведён без неё');
    const third = answer(await a.commit(t, 'api', sale(10_000)));
    expect([third.totals.discount, third.lines[0]!.promotions]).toEqual([0, undefined]);
  });

  it('a budget of discount: a check that would overrun gets none, a smaller one later may still fit', async () => {
    const t = (await a.createTenant('Пекарня', 'month', { levels: [level], promotions: [{ id: 'm', name: 'Минус 10', effect: { type: 'percent', percent: 10 }, budget: { discount: 15_000 } }] })).id;
    expect(answer(await a.commit(t, 'api', sale(100_000))).totals.discount).toBe(10_000);
    expect(answer(await a.commit(t, 'api', sale(100_000))).totals.discount).toBe(0); // 100 ₽ > 50 ₽ left
    expect(answer(await a.commit(t, 'api', sale(40_000))).totals.discount).toBe(4_000);
    const left = await db.pool.query('SELECT discount_spent::int AS d, uses_spent AS u FROM promotion_budgets WHERE tenant_id = $1', [t]);
    expect(left.rows).toEqual([{ d: 14_000, u: 2 }]);
  });

  it('a spent promotion gives way: the next best one applies instead', async () => {
    const t = (
      await a.createTenant('Цветы', 'month', {
        levels: [level],
        promotions: [
          { id: 'big', name: 'Минус 20', effect: { type: 'percent', percent: 20 }, stacking: 'best', budget: { uses: 1 } },
          { id: 'small', name: 'Минус 5', effect: { type: 'percent', percent: 5 }, stacking: 'best' },
        ],
      })
    ).id;
    expect(answer(await a.commit(t, 'api', sale(10_000))).lines[0]!.promotions).toEqual([{ id: 'big', discount: 2_000 }]);
    expect(answer(await a.commit(t, 'api', sale(10_000))).lines[0]!.promotions).toEqual([{ id: 'small', discount: 500 }]);
  });

  it('two gateways with the last use at once: exactly one check gets the discount', async () => {
    const t = (await a.createTenant('Сеть', 'month', { levels: [level], promotions: [{ id: 'one', name: 'Один', effect: { type: 'percent', percent: 10 }, budget: { uses: 5 } }] })).id;
    for (let round = 0; round < 5; round++) {
      const [x, y] = await Promise.all([a.commit(t, 'api', sale(10_000)), b.commit(t, 'api', sale(10_000))]);
      const given = [answer(x).totals.discount, answer(y).totals.discount].filter((d) => d > 0).length;
      expect(given).toBe(round < 2 ? 2 : round === 2 ? 1 : 0);
    }
    expect((await db.pool.query('SELECT uses_spent FROM promotion_budgets WHERE tenant_id = $1', [t])).rows[0].uses_spent).toBe(5);
  });
});

describe('promotion budgets: bonus and gift promotions', () => {
  const withPhone = (amount: number, phone: string | null, productId = 'p') => ({ ...sale(amount, productId), customer: phone === null ? null : { phone } });
  const bonusOf = (r: CheckResult, id: string) => r.lines.flatMap((l) => l.promotions ?? []).filter((g) => g.id === id).reduce((s, g) => s + (g.bonus ?? 0), 0);

  it('a bonus promotion counts a use per check it gave points to, and stops at the limit', async () => {
    const t = (await a.createTenant('Кофейня', 'month', { levels: [level], promotions: [{ id: 'plus', name: 'Плюс 50', effect: { type: 'bonus', points: 5_000 }, budget: { uses: 2 } }] })).id;
    const plain = 500; // 5 % of 100 ₽
    // No customer: no points given, no use spent.
    answer(await a.commit(t, 'api', withPhone(10_000, null)));
    expect((await db.pool.query('SELECT uses_spent FROM promotion_budgets WHERE tenant_id = $1', [t])).rows[0].uses_spent).toBe(0);
    const first = answer(await a.commit(t, 'api', withPhone(10_000, '+79160000901')));
    expect([first.totals.accrued, bonusOf(first, 'plus')]).toEqual([plain + 5_000, 5_000]);
    expect(answer(await a.commit(t, 'api', withPhone(10_000, '+79160000902'))).totals.accrued).toBe(plain + 5_000);
    const calc = await a.calculate(t, withPhone(10_000, '+79160000903'));
    expect(calc.totals.accrued).toBe(plain);
    expect(calc.messages).toContain('Бюджет акции «Плюс 50» исчерпан: чек проведён без неё');
    const third = answer(await a.commit(t, 'api', withPhone(10_000, '+79160000903')));
    expect([third.totals.accrued, bonusOf(third, 'plus')]).toEqual([plain, 0]);
    const spent = await db.pool.query('SELECT discount_spent::int AS d, uses_spent AS u FROM promotion_budgets WHERE tenant_id = $1', [t]);
    expect(spent.rows).toEqual([{ d: 10_000, u: 2 }]);
    // The report says none is left.
    expect((await a.promotionsReport(t, { from: '2026-11-22', to: '2026-11-22' })).promotions[0]).toMatchObject({ id: 'plus', checks: 2, discount: 0, budgetLeft: { uses: 0, discount: null } });
  });

  it('budget.discount of a bonus promotion counts the points it gave: a check that would overrun gets none', async () => {
    const t = (await a.createTenant('Чайная', 'month', { levels: [level], promotions: [{ id: 'pts', name: 'Плюс 40', effect: { type: 'bonus', points: 4_000 }, budget: { discount: 10_000 } }] })).id;
    expect(answer(await a.commit(t, 'api', withPhone(10_000, '+79160000911'))).totals.accrued).toBe(500 + 4_000);
    expect(answer(await a.commit(t, 'api', withPhone(10_000, '+79160000912'))).totals.accrued).toBe(500 + 4_000);
    const third = answer(await a.commit(t, 'api', withPhone(10_000, '+79160000913'))); // 40 + 80 > 100 points
    expect(third.totals.accrued).toBe(500);
    expect(third.messages).toContain('Бюджет акции «Плюс 40» исчерпан: чек проведён без неё');
    const spent = await db.pool.query('SELECT discount_spent::int AS d, uses_spent AS u FROM promotion_budgets WHERE tenant_id = $1', [t]);
    expect(spent.rows).toEqual([{ d: 8_000, u: 2 }]);
  });

  it('a gift promotion counts a use per check that got the free product', async () => {
    const t = (await a.createTenant('Булочная', 'month', { levels: [level], promotions: [{ id: 'bun', name: 'Булка в подарок', effect: { type: 'gift', productId: 'bun' }, budget: { uses: 1 } }] })).id;
    answer(await a.commit(t, 'api', sale(10_000, 'bread'))); // no bun on the check: not a use
    const got = answer(await a.commit(t, 'api', sale(6_000, 'bun')));
    expect(got.lines[0]!.promotions).toEqual([{ id: 'bun', discount: 3_000 }]);
    const next = answer(await a.commit(t, 'api', sale(6_000, 'bun')));
    expect([next.totals.discount, next.lines[0]!.promotions]).toEqual([0, undefined]);
    expect((await db.pool.query('SELECT uses_spent FROM promotion_budgets WHERE tenant_id = $1', [t])).rows[0].uses_spent).toBe(1);
  });
});

describe('promotions report', () => {
  it('per promotion: checks, discount, revenue less refunds, average check with and without', async () => {
    const t = (
      await a.createTenant('Магазин', 'month', {
        levels: [level],
        promotions: [{ id: 'coffee', name: 'Кофе −10%', when: { productIds: ['coffee'] }, effect: { type: 'percent', percent: 10 }, budget: { discount: 100_000 } }],
      })
    ).id;
    const s1 = answer(await a.commit(t, 'api', sale(20_000, 'coffee'))); // 2000 off, revenue 18000
    answer(await a.commit(t, 'api', sale(40_000, 'coffee', '2026-11-21T12:00:00+03:00'))); // 4000 off, revenue 36000
    answer(await a.commit(t, 'api', sale(10_000, 'tea'))); // no promotion: revenue 10000
    answer(await a.commit(t, 'api', sale(30_000, 'tea'))); // revenue 30000
    // Half of the first sale comes back: 1000 of discount, 9000 of revenue.
    await a.refund(t, 'api', s1.externalId, { externalId: 'r1', lines: [{ lineNo: 1, quantity: 1000 }] });
    const r = await a.promotionsReport(t, { from: '2026-11-21', to: '2026-11-22' });
    expect(r.checks).toBe(4);
    expect(r.revenue).toBe(18_000 + 36_000 + 10_000 + 30_000 - 9_000);
    expect(r.promotions).toEqual([
      {
        id: 'coffee',
        name: 'Кофе −10%',
        checks: 2,
        refunds: 1,
        discount: 5_000,
        revenue: 45_000,
        averageWith: 22_500,
        averageWithout: 20_000,
        budgetLeft: { discount: 94_000, uses: null },
      },
    ]);
    // One day only.
    expect((await a.promotionsReport(t, { from: '2026-11-21', to: '2026-11-21' })).promotions[0]).toMatchObject({ checks: 1, discount: 4_000, revenue: 36_000 });
  });
});
