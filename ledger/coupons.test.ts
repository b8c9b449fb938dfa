import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { issueCoupons } from './coupons.ts';
import { Ledger } from './ledger.ts';

// Issued coupons: a use is spent exactly once by the sale that records it — even when two
// gateways commit with the last use at the same moment — refused with a reason after, given back
// by the sale's full refund, and checked (not spent) by calculate.

let db: TestDatabase;
let a: Ledger;
let b: Ledger;
const clock = () => Date.parse('2026-11-22T12:00:00+03:00');

beforeAll(async () => {
  db = await createTestDatabase();
  a = await Ledger.open({ pool: db.pool, now: clock });
  b = await Ledger.open({ pool: db.pool, now: clock }); // a second gateway
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const program = {
  levels: [{ code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 }],
  promotions: [{ id: 'welcome', name: 'Купон новичка', issuedCoupons: true, effect: { type: 'percent', percent: 20 } }],
};
let n = 0;
const sale = (coupon: string, phone = '+79160000301') => ({
  externalId: `s${++n}`,
  occurredAt: '2026-11-22T12:00:00+03:00',
  customer: { phone },
  coupon,
  lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 50_000, amount: 50_000 }],
});

describe('issued coupons', () => {
  it('spends a single-use code once, says why after, and a full refund gives it back', async () => {
    const t = (await a.createTenant('Кафе', 'month', program)).id;
    const { codes } = await issueCoupons(db.pool, t, 'welcome', { count: 3, uses: 1, validTo: '2026-12-31', prefix: 'W-' }, 'Europe/Moscow');
    expect(codes).toHaveLength(3);
    expect(codes[0]).toMatch(/^W-[A-HJ-NP-Z2-9]{10}$/);
    const code = codes[0]!;
    // calculate checks it (and holds it for this check) without spending it.
    const priced = sale(code);
    expect((await a.calculate(t, { ...priced, coupon: code.toLowerCase() })).lines[0]!.promotions).toEqual([{ id: 'welcome', discount: 10_000 }]);
    const first = await a.commit(t, 'api', priced);
    expect(first.answer.totals.discount).toBe(10_000);
    const second = await a.commit(t, 'api', sale(code));
    expect(second.answer.totals.discount).toBe(0);
    expect(second.answer.messages).toContain(`Купон «${code}» уже использован: чек проведён без него`);
    // The first sale comes back whole: its use too.
    await a.refund(t, 'api', first.answer.externalId, { externalId: 'r1' });
    expect((await a.commit(t, 'api', sale(code))).answer.totals.discount).toBe(10_000);
    // A code the program does not know is said as not found; an expired one as expired.
    expect((await a.commit(t, 'api', sale('NOPE'))).answer.messages).toContain('Купон «NOPE» не найден: чек проведён без него');
    await db.pool.query(`UPDATE coupons SET valid_to = '2026-11-01' WHERE tenant_id = $1 AND code = $2`, [t, codes[1]]);
    expect((await a.commit(t, 'api', sale(codes[1]!))).answer.messages).toContain(`Купон «${codes[1]}» истёк: чек проведён без него`);
    await expectLedgerInvariants(db.pool);
  });

  it('two gateways committing with the last use at once: exactly one gets the discount', async () => {
    const t = (await a.createTenant('Сеть', 'month', program)).id;
    for (let round = 0; round < 5; round++) {
      const { codes } = await issueCoupons(db.pool, t, 'welcome', { count: 1, uses: 1 }, 'Europe/Moscow');
      const [x, y] = await Promise.all([a.commit(t, 'api', sale(codes[0]!, '+79160000401')), b.commit(t, 'api', sale(codes[0]!, '+79160000402'))]);
      expect([x.answer.totals.discount, y.answer.totals.discount].sort((p, q) => p - q)).toEqual([0, 10_000]);
      const uses = await db.pool.query(`SELECT count(*)::int AS n FROM coupon_uses WHERE tenant_id = $1 AND code = $2`, [t, codes[0]]);
      expect(uses.rows[0].n).toBe(1);
    }
  });

  it('a limit per customer, and a code that needs a customer', async () => {
    const t = (await a.createTenant('Салон', 'month', program)).id;
    const { codes } = await issueCoupons(db.pool, t, 'welcome', { count: 1, uses: null, perCustomer: 1 }, 'Europe/Moscow');
    const code = codes[0]!;
    expect((await a.commit(t, 'api', sale(code, '+79160000501'))).answer.totals.discount).toBe(10_000);
    expect((await a.commit(t, 'api', sale(code, '+79160000501'))).answer.messages).toContain(`Купон «${code}» уже использован этим клиентом: чек проведён без него`);
    expect((await a.commit(t, 'api', sale(code, '+79160000502'))).answer.totals.discount).toBe(10_000);
    const anonymous = { ...sale(code), customer: null };
    expect((await a.commit(t, 'api', anonymous)).answer.messages).toContain(`Купон «${code}» действует только с картой или телефоном клиента: чек проведён без него`);
  });

  it('calculate holds the last use for its check until the commit; others see it held; an abandoned hold runs out', async () => {
    const t = (await a.createTenant('Пекарня', 'month', program)).id;
    const { codes } = await issueCoupons(db.pool, t, 'welcome', { count: 1, uses: 1 }, 'Europe/Moscow');
    const code = codes[0]!;
    const held = `Купон «${code}» отложен для другого чека (не дольше 15 минут): чек проведён без него`;
    const mine = { ...sale(code, '+79160000601'), externalId: 'hold-a' };
    const theirs = { ...sale(code, '+79160000602'), externalId: 'hold-b' };
    expect((await a.calculate(t, mine)).totals.discount).toBe(10_000);
    const other = await b.calculate(t, theirs);
    expect([other.totals.discount, other.messages]).toEqual([0, expect.arrayContaining([held])]);
    expect((await a.calculate(t, mine)).totals.discount).toBe(10_000); // its own hold, renewed
    expect((await b.commit(t, 'api', theirs)).answer.messages).toContain(held); // no calculate: still not its use
    expect((await a.commit(t, 'api', mine)).answer.totals.discount).toBe(10_000);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM coupon_holds WHERE tenant_id = $1', [t])).rows[0].n).toBe(0);

    const two = (await issueCoupons(db.pool, t, 'welcome', { count: 1, uses: 1 }, 'Europe/Moscow')).codes[0]!;
    // Two tills pricing the last use at once: one holds it.
    const [x, y] = await Promise.all([a.calculate(t, { ...sale(two, '+79160000603'), externalId: 'race-x' }), b.calculate(t, { ...sale(two, '+79160000604'), externalId: 'race-y' })]);
    expect([x.totals.discount, y.totals.discount].sort((p, q) => p - q)).toEqual([0, 10_000]);
    // The holder walks away: after the hold runs out the code is free again.
    await db.pool.query(`UPDATE coupon_holds SET expires_at = now() - interval '1 second' WHERE tenant_id = $1`, [t]);
    expect((await a.commit(t, 'api', { ...sale(two, '+79160000605'), externalId: 'late' })).answer.totals.discount).toBe(10_000);
    await expectLedgerInvariants(db.pool);
  });
});
