import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger } from './ledger.ts';
import { DAY_MS } from './lots.ts';

// Gifts by date and by absence, given by the sweeper once per occasion.

let clock = Date.parse('2026-12-01T09:00:00+03:00');
let db: TestDatabase;
let ledger: Ledger;
let other: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, now: () => clock });
  other = await Ledger.open({ pool: db.pool, now: () => clock }); // a second gateway's sweeper
});
afterAll(async () => {
  await ledger?.close();
  await other?.close();
  await db?.drop();
});

describe('gift sweeps', () => {
  it('gives birthday, relative-birthday and inactivity gifts once per occasion, even with two sweepers', async () => {
    const t = (
      await ledger.createTenant('Салон', 'month', {
        levels: [{ code: 'a', name: 'A', threshold: 0, accrual: { type: 'percent', percent: 5 } }],
        gifts: {
          birthday: { points: 30_000, ttlDays: 7, daysBefore: 3 },
          relativeBirthday: { points: 5_000, ttlDays: 7, daysBefore: 0 },
          inactivity: { days: 66, points: 10_000, ttlDays: 7 },
        },
      })
    ).id;
    const ann = await ledger.registerCustomer(t, { phone: '+79160000001', birthDate: '1990-12-04' });
    const leap = await ledger.registerCustomer(t, { phone: '+79160000002', birthDate: '2000-02-29' });
    const mum = await ledger.registerCustomer(t, { phone: '+79160000003', relatives: [{ name: 'Дочь', birthDate: '2015-12-01' }] });
    expect(await Promise.all([ledger.sweepGifts(), other.sweepGifts()]).then(([a, b]) => a + b)).toBe(2);
    expect((await ledger.customer(t, { id: ann.id })).balance.available).toBe(30_000);
    expect((await ledger.customer(t, { id: mum.id })).balance.available).toBe(5_000);
    expect(await ledger.sweepGifts()).toBe(0); // the same day again: nothing twice

    clock = Date.parse('2027-02-25T09:00:00+03:00'); // 28 Feb 2027 is 3 days ahead; 2027 has no 29 Feb
    const given = await ledger.sweepGifts();
    // 86 days without a purchase: everyone also gets the inactivity gift, once.
    expect(given).toBe(4);
    expect((await ledger.customer(t, { id: leap.id })).balance.available).toBe(30_000 + 10_000);
    expect(await ledger.sweepGifts()).toBe(0);
    const kinds = (await ledger.transactions(t, ann.id)).map((p) => p.kind);
    expect(kinds.filter((k) => k === 'gift')).toHaveLength(2);

    // A purchase starts a new absence: another 66 days later, another gift.
    await ledger.commit(t, 'api', { externalId: 's1', occurredAt: new Date(clock).toISOString(), customer: { id: ann.id }, lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 1000, amount: 1000 }] });
    clock += 67 * DAY_MS;
    await ledger.sweep();
    expect(await ledger.sweepGifts()).toBeGreaterThanOrEqual(1);
    await expectLedgerInvariants(db.pool);
  });
});

describe('grants outside a sale', () => {
  it('grants by hand with a reason once per key, with the program\'s lifetime or its own; an unknown customer is refused', async () => {
    const t = (await ledger.createTenant('Кафе', 'month', { levels: [{ code: 'a', name: 'A', threshold: 0, accrual: { type: 'percent', percent: 5 } }], expiry: { mode: 'afterAccrual', days: 30 } })).id;
    const c = await ledger.registerCustomer(t, { phone: '+79160000101' });
    expect(await ledger.grant(t, c.id, { points: 15_000, key: 'complaint-17', reason: 'Извинение за долгое ожидание' })).toBe(true);
    // The same key again (a double click, a retried request): nothing more.
    expect(await ledger.grant(t, c.id, { points: 15_000, key: 'complaint-17', reason: 'Извинение за долгое ожидание' })).toBe(false);
    expect(await ledger.grant(t, c.id, { points: 2_000, kind: 'campaign', key: 'spring', ttlDays: 3, activationDays: 1 })).toBe(true);
    const s = await ledger.customer(t, { id: c.id });
    expect(s.balance).toEqual({ available: 15_000, pending: 2_000 });
    const reasons = await db.pool.query(`SELECT occasion, reason FROM gift_log WHERE tenant_id = $1 ORDER BY occasion`, [t]);
    expect(reasons.rows).toEqual([
      { occasion: 'campaign:spring', reason: null },
      { occasion: 'manual:complaint-17', reason: 'Извинение за долгое ожидание' },
    ]);
    await expect(ledger.grant(t, '999999999', { points: 1, key: 'x' })).rejects.toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
    await expect(ledger.grant(t, c.id, { points: 0, key: 'y' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(ledger.grant(t, c.id, { points: 10, key: 'z', kind: 'sale' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // The campaign's gift activates tomorrow and burns three days after.
    clock += 1 * DAY_MS + 1000;
    await ledger.sweep();
    expect((await ledger.customer(t, { id: c.id })).balance.available).toBe(17_000);
    clock += 3 * DAY_MS;
    await ledger.sweep();
    expect((await ledger.customer(t, { id: c.id })).balance.available).toBe(15_000);
    await expectLedgerInvariants(db.pool);
  });
});
