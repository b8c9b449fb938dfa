import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger } from './ledger.ts';

// Bonus lifetime and activation by rule: a modifier may give the bonuses of its lines their own
// activation delay and lifetime. A sale then keeps one lot per distinct terms; each activates and
// burns on its own schedule, and a return takes back from the sale's lots.

let db: TestDatabase;
let ledger: Ledger;
let now = Date.parse('2026-11-22T12:00:00+03:00');
const DAY = 86_400_000;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, now: () => now });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

const program = {
  levels: [{ code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 }],
  activationDays: 14,
  expiry: { mode: 'never' },
  // Bonuses for promotional goods: spendable at once, gone in a week; evening sales: wait 3 days.
  modifiers: [
    { when: { groupIds: ['promo'] }, activationDays: 0, lifetimeDays: 7 },
    { when: { hours: { from: 18, to: 23 } }, activationDays: 3 },
  ],
};

describe('lifetimes by rule', () => {
  it('one lot per terms; each activates and burns on its own; a return takes back its share', async () => {
    const t = (await ledger.createTenant('Аптека', 'month', program)).id;
    const bad = await ledger.setProgram(t, { ...program, modifiers: [{ when: {}, activationDays: 10, lifetimeDays: 5 }] }).catch((e) => e);
    expect([bad.code, bad.details.field]).toEqual(['INVALID_INPUT', 'modifiers.0.lifetimeDays']);
    const sale = {
      externalId: 's1', occurredAt: '2026-11-22T12:00:00+03:00', customer: { phone: '+79160000701' },
      lines: [
        { lineNo: 1, productId: 'vit', groupId: 'promo', quantity: 1000, price: 50_000, amount: 50_000 },
        { lineNo: 2, productId: 'tea', quantity: 1000, price: 30_000, amount: 30_000 },
      ],
    };
    const r = await ledger.commit(t, 'api', sale);
    expect(r.answer.totals.accrued).toBe(8_000);
    const lots = await db.pool.query(
      `SELECT amount::int, extract(epoch FROM activates_at - $2::timestamptz)::int / 86400 AS act, extract(epoch FROM expires_at - $2::timestamptz)::int / 86400 AS exp
         FROM lots WHERE tenant_id = $1 AND kind = 'accrual' ORDER BY amount`,
      [t, new Date(now)],
    );
    expect(lots.rows).toEqual([{ amount: 3_000, act: 14, exp: null }, { amount: 5_000, act: 0, exp: 7 }]);
    const customerId = r.answer.customer!.id;
    expect((await ledger.customer(t, { id: customerId })).balance).toEqual({ available: 5_000, pending: 3_000 });

    // A week later the promotional bonuses burn; the rest are still pending.
    now += 8 * DAY;
    await ledger.sweep();
    expect((await ledger.customer(t, { id: customerId })).balance).toEqual({ available: 0, pending: 3_000 });
    // The tea comes back: its 30 bonuses are taken from the sale's own lots.
    await ledger.refund(t, 'api', 's1', { externalId: 'r1', lines: [{ lineNo: 2, quantity: 1000 }] });
    expect((await ledger.customer(t, { id: customerId })).balance).toEqual({ available: 0, pending: 0 });
    await expectLedgerInvariants(db.pool);
  });
});
