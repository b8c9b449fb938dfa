import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger } from './ledger.ts';

// A promotion through the ledger: the committed answer says which promotion gave what on each
// line, a replay gives the same answer, and a refund returns the promotion's part of the line.

let db: TestDatabase;
let ledger: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, now: () => Date.parse('2026-11-22T12:00:00+03:00') });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

describe('promotions in the ledger', () => {
  it('records the per-line attribution, replays it, and a refund returns the discounted amount', async () => {
    const t = (
      await ledger.createTenant('Кофейня', 'month', {
        levels: [{ code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 }],
        promotions: [{ id: 'hh', name: 'Счастливые часы', when: { productIds: ['coffee'], hours: { from: 11, to: 13 } }, effect: { type: 'percent', percent: 20 } }],
      })
    ).id;
    const sale = {
      externalId: 's1',
      occurredAt: '2026-11-22T12:00:00+03:00',
      customer: { phone: '+79160000201' },
      lines: [
        { lineNo: 1, productId: 'coffee', quantity: 2000, price: 15_000, amount: 30_000 },
        { lineNo: 2, productId: 'cake', quantity: 1000, price: 20_000, amount: 20_000 },
      ],
    };
    const first = await ledger.commit(t, 'api', sale);
    expect(first.answer.lines[0]).toMatchObject({ discount: 6_000, promotions: [{ id: 'hh', discount: 6_000 }], accrued: 2_400 });
    expect(first.answer.lines[1]!.promotions).toBeUndefined();
    expect(first.answer.messages[0]).toBe('Акция «Счастливые часы»: скидка 60,00 ₽');
    const again = await ledger.commit(t, 'api', sale);
    expect([again.replay, again.answer.lines[0]!.promotions]).toEqual([true, [{ id: 'hh', discount: 6_000 }]]);
    // One coffee of two back: half the line, and half its promotion's discount.
    const r = await ledger.refund(t, 'api', 's1', { externalId: 'r1', lines: [{ lineNo: 1, quantity: 1000 }] });
    expect(r.answer.totals).toMatchObject({ amount: 15_000, discount: 3_000, accrued: 1_200 });
    await expectLedgerInvariants(db.pool);
  });
});
