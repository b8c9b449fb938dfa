import { describe, expect, it } from 'vitest';
import { ledgerOnClock } from '../test/ledger-fixture.ts';
import type { TestDatabase } from '../test/postgres.ts';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { Ledger } from './ledger.ts';
import { DAY_MS } from './lots.ts';
import { DEFAULT_PROGRAM_INPUT } from './program.ts';
import { expectError } from '../test/expect-error.ts';

// The seeds' worked examples and the ledger's promises, end to end against real Postgres,
// with a clock the test moves.

const T0 = Date.parse('2026-11-22T12:00:00+03:00');
let clock = T0;
let db: TestDatabase;
let ledger: Ledger;

ledgerOnClock(() => clock, (l, d) => ((ledger = l), (db = d)));

let seq = 0;
function sale(amount: number, o: { phone?: string; redeem?: number | 'max'; at?: number; externalId?: string; lines?: unknown[] } = {}) {
  const at = o.at ?? clock;
  return {
    externalId: o.externalId ?? `sale-${++seq}`,
    occurredAt: new Date(at + 3 * 3600_000).toISOString().replace('Z', '+03:00'),
    storeId: 'shop-1',
    cashierId: 'ivanova',
    ...(o.phone === undefined ? {} : { customer: { phone: o.phone } }),
    lines: o.lines ?? [{ lineNo: 1, productId: 'sku-1', groupId: 'coffee', name: 'Капучино', quantity: 1000, price: amount, amount }],
    // Checks with their own lines state no payments: payments must add up to the lines (check.ts).
    payments: o.lines === undefined ? [{ type: 'card', amount }] : [],
    redeem: o.redeem ?? 0,
  };
}

async function newTenant() {
  clock = T0;
  const t = await ledger.createTenant('Кофейня');
  return t.id;
}

describe('worked examples', () => {
  it('10% of 550 ₽ = 55 bonuses, available 14 days later, burnt 30 days after accrual', async () => {
    const t = await newTenant();
    const r = JSON.parse((await ledger.commit(t, 'api', sale(55000, { phone: '+79990000001' }))).json);
    expect(r.totals).toMatchObject({ amount: 55000, accrued: 5500, redeemed: 0, toPay: 55000 });
    expect(r.customer.balance).toEqual({ available: 0, pending: 5500 });
    expect(r.messages.join(' ')).toContain('Начислено 55 бонусов, станут доступны 06.12.2026');

    clock = T0 + 14 * DAY_MS - 1;
    expect((await ledger.customer(t, { phone: '+79990000001' })).balance).toEqual({ available: 0, pending: 5500 });
    clock = T0 + 14 * DAY_MS;
    expect((await ledger.customer(t, { phone: '+79990000001' })).balance).toEqual({ available: 5500, pending: 0 });
    await ledger.sweep();
    await expectLedgerInvariants(db.pool);

    clock = T0 + 30 * DAY_MS - 1;
    expect((await ledger.customer(t, { phone: '+79990000001' })).balance.available).toBe(5500);
    clock = T0 + 30 * DAY_MS;
    expect((await ledger.customer(t, { phone: '+79990000001' })).balance.available).toBe(0);
    expect(await ledger.sweep()).toBeGreaterThanOrEqual(1);
    await expectLedgerInvariants(db.pool);
    const c = await ledger.customer(t, { phone: '+79990000001' });
    const kinds = (await ledger.transactions(t, c.id)).map((p) => p.kind);
    expect(kinds).toEqual(['expiry', 'activation', 'accrual']);
  });

  it('30% cap on a 10,000 ₽ check = 3,000 bonuses', async () => {
    clock = T0;
    // One level only, so the large first purchase does not lift the customer to silver's 50%.
    const t = (await ledger.createTenant('Кофейня', 'month', { ...DEFAULT_PROGRAM_INPUT, levels: DEFAULT_PROGRAM_INPUT.levels.slice(0, 1) })).id;
    await ledger.commit(t, 'api', sale(5_000_000, { phone: '+79990000002' })); // 5,000 bonuses
    clock += 14 * DAY_MS;
    const calc = await ledger.calculate(t, sale(1_000_000, { phone: '+79990000002' }));
    expect(calc.totals.maxRedeem).toBe(300_000);
    const e = await expectError(ledger.commit(t, 'api', sale(1_000_000, { phone: '+79990000002', redeem: 300_001 })), 'REDEEM_EXCEEDS_LIMIT');
    expect(e.status).toBe(422);
    const r = JSON.parse((await ledger.commit(t, 'api', sale(1_000_000, { phone: '+79990000002', redeem: 'max' }))).json);
    expect(r.totals).toMatchObject({ redeemed: 300_000, toPay: 700_000 });
    expect(r.lines[0].redeemed).toBe(300_000);
    await expectLedgerInvariants(db.pool);
  });

  it('a level is reached right after the check that crosses its threshold', async () => {
    const t = await newTenant();
    const phone = '+79990000003';
    await ledger.commit(t, 'api', sale(990_000, { phone }));
    const crossing = JSON.parse((await ledger.commit(t, 'api', sale(20_000, { phone }))).json);
    expect(crossing.totals.discount).toBe(0); // priced at the old level
    expect(crossing.customer.level.code).toBe('silver');
    const next = JSON.parse((await ledger.commit(t, 'api', sale(100_000, { phone }))).json);
    expect(next.totals.discount).toBe(3_000); // silver's 3%
    expect((await ledger.customer(t, { phone })).level.code).toBe('silver');
  });

  it('honours a backdated check by its occurredAt, up to maxBackdateDays', async () => {
    const t = await newTenant();
    const phone = '+79990000004';
    await ledger.commit(t, 'api', sale(10_000, { phone, at: T0 - 10 * DAY_MS }));
    clock = T0 + 4 * DAY_MS;
    expect((await ledger.customer(t, { phone })).balance).toEqual({ available: 1000, pending: 0 });
    await expectError(ledger.commit(t, 'api', sale(10_000, { phone, at: clock - 91 * DAY_MS })), 'CHECK_TOO_OLD');
    await expectError(ledger.commit(t, 'api', sale(10_000, { phone, at: clock + 2 * 3600_000 })), 'CHECK_IN_FUTURE');
  });
});

describe('exactly once', () => {
  it('a replay returns the first answer and accrues nothing more; another body under the same id is 409', async () => {
    const t = await newTenant();
    const body = sale(55000, { phone: '+79990000010', externalId: 'dup-1' });
    const first = await ledger.commit(t, 'api', body);
    const again = await ledger.commit(t, 'api', structuredClone(body));
    expect(again.replay).toBe(true);
    expect(again.json).toBe(first.json);
    await expectError(ledger.commit(t, 'api', { ...body, lines: [{ ...(body.lines[0] as object), amount: 1 }] }), 'IDEMPOTENCY_CONFLICT');
    // The same id from another channel is another check.
    expect((await ledger.commit(t, 'onec', body)).replay).toBe(false);
    expect((await ledger.customer(t, { phone: '+79990000010' })).balance.pending).toBe(11000);
  });

  it('concurrent duplicates of one check are recorded once', async () => {
    const t = await newTenant();
    const body = sale(10000, { phone: '+79990000011', externalId: 'race-1' });
    const results = await Promise.all(Array.from({ length: 20 }, () => ledger.commit(t, 'api', body)));
    expect(results.filter((r) => !r.replay)).toHaveLength(1);
    expect(new Set(results.map((r) => r.json)).size).toBe(1);
    const n = await db.pool.query("SELECT count(*)::int AS n FROM checks WHERE tenant_id = $1 AND external_id = 'race-1'", [t]);
    expect(n.rows[0].n).toBe(1);
    expect((await ledger.customer(t, { phone: '+79990000011' })).balance.pending).toBe(1000);
  });
});

describe('refunds', () => {
  it('partial refunds add up to the full one: accrual taken back, bonus payment given back, totals and level recomputed', async () => {
    const t = await newTenant();
    const phone = '+79990000020';
    await ledger.commit(t, 'api', sale(1_000_000, { phone })); // 1,000 bonuses, reaches silver
    clock += 14 * DAY_MS;
    const lines = [
      { lineNo: 1, productId: 'a', quantity: 3000, price: 10_001, amount: 30_003 },
      { lineNo: 2, productId: 'b', quantity: 1000, price: 70_000, amount: 70_000 },
    ];
    const s = JSON.parse((await ledger.commit(t, 'api', sale(0, { phone, redeem: 20_000, lines, externalId: 'r-sale' }))).json);
    expect(s.totals.redeemed).toBe(20_000);
    const before = await ledger.customer(t, { phone });

    const r1 = JSON.parse((await ledger.refund(t, 'api', 'r-sale', { externalId: 'ret-1', lines: [{ lineNo: 1, quantity: 1000 }] })).json);
    const r2 = JSON.parse((await ledger.refund(t, 'api', 'r-sale', { externalId: 'ret-2', lines: [{ lineNo: 1, quantity: 2000 }] })).json);
    const r3 = JSON.parse((await ledger.refund(t, 'api', 'r-sale', { externalId: 'ret-3' })).json);
    const sum = (k: string) => r1.totals[k] + r2.totals[k] + r3.totals[k];
    expect(sum('amount')).toBe(s.totals.amount);
    expect(sum('discount')).toBe(s.totals.discount);
    expect(sum('redeemed')).toBe(s.totals.redeemed);
    expect(sum('accrued')).toBe(s.totals.accrued);
    await expectError(ledger.refund(t, 'api', 'r-sale', { externalId: 'ret-4' }), 'REFUND_EXCEEDS_SALE');
    await expectError(ledger.refund(t, 'api', 'nope', { externalId: 'ret-5' }), 'CHECK_NOT_FOUND');

    const after = await ledger.customer(t, { phone });
    expect(after.totalSpent).toBe(before.totalSpent - (s.totals.amount - s.totals.discount));
    expect(after.purchases).toBe(before.purchases - 1);
    expect(after.balance.available).toBe(before.balance.available + s.totals.redeemed);
    expect(after.balance.pending).toBe(before.balance.pending - s.totals.accrued);
    // A replayed refund is answered again, not applied again.
    expect((await ledger.refund(t, 'api', 'r-sale', { externalId: 'ret-1', lines: [{ lineNo: 1, quantity: 1000 }] })).replay).toBe(true);
    await expectLedgerInvariants(db.pool);
  });

  it('refunding a check whose bonuses were spent leaves a debt that the next accrual repays', async () => {
    const t = await newTenant();
    const phone = '+79990000021';
    await ledger.commit(t, 'api', sale(100_000, { phone, externalId: 'd-1' })); // 100 bonuses
    clock += 14 * DAY_MS;
    await ledger.commit(t, 'api', sale(40_000, { phone, redeem: 10_000 })); // spends 100 (cap 30% = 120)
    const r = JSON.parse((await ledger.refund(t, 'api', 'd-1', { externalId: 'd-ret' })).json);
    expect(r.totals.debt).toBeGreaterThan(0);
    expect((await ledger.customer(t, { phone })).balance.available).toBe(0);
    await expectLedgerInvariants(db.pool);
    await ledger.commit(t, 'api', sale(1_000_000, { phone, at: clock - 20 * DAY_MS }));
    await expectLedgerInvariants(db.pool);
    const c = await ledger.customer(t, { phone });
    expect(c.balance.available).toBe(100_000 - r.totals.debt);
  });
});

describe('typed answers', () => {
  it('a commit and a refund answer with the object whose text is stored; a replay with the same object and text', async () => {
    const t = await newTenant();
    const phone = '+79990000031';
    const first = await ledger.commit(t, 'api', sale(100_000, { phone, externalId: 'typed-1' }));
    expect(first.answer).toEqual(JSON.parse(first.json));
    expect(first.answer.status).toBe('committed');
    const again = await ledger.commit(t, 'api', sale(100_000, { phone, externalId: 'typed-1' }));
    expect(again.replay).toBe(true);
    expect(again.json).toBe(first.json);
    expect(again.answer).toEqual(first.answer);
    const r = await ledger.refund(t, 'api', 'typed-1', { externalId: 'typed-ret' });
    expect(r.answer).toEqual(JSON.parse(r.json));
    expect(r.answer.saleExternalId).toBe('typed-1');
    const r2 = await ledger.refund(t, 'api', 'typed-1', { externalId: 'typed-ret' });
    expect(r2.replay).toBe(true);
    expect(r2.answer).toEqual(r.answer);
  });
});

describe('two writers racing', () => {
  // Another gateway's writer commits the same check for the same new customer at the same moment.
  // One insert wins; the other batch's write finds its rows already there (the counts persist.ts
  // reads back), rolls back and runs again, and is answered as the replay it then is.
  it('the same new check on two writers at once: one check, one customer, both answered alike', async () => {
    const t = await newTenant();
    const other = await Ledger.open({ pool: db.pool, now: () => clock });
    try {
      for (let i = 0; i < 12; i++) {
        const s = sale(20_000 + i, { phone: `+7999100${String(i).padStart(4, '0')}`, externalId: `race-${i}` });
        const [a, b] = await Promise.all([ledger.commit(t, 'api', s), other.commit(t, 'api', s)]);
        expect(a.json).toBe(b.json);
        expect([a.replay, b.replay].sort()).toEqual([false, true]);
      }
      const n = await db.pool.query(`SELECT count(*)::int AS checks, count(DISTINCT customer_id)::int AS customers FROM checks WHERE tenant_id = $1 AND external_id LIKE 'race-%'`, [t]);
      expect(n.rows[0]).toEqual({ checks: 12, customers: 12 });
      expect(ledger.writer.stats.retries + other.writer.stats.retries).toBeGreaterThan(0);
      await expectLedgerInvariants(db.pool);
    } finally {
      await other.close();
    }
  });
});
