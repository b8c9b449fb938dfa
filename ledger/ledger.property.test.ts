import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { KopilkaError } from './errors.ts';
import { Ledger } from './ledger.ts';
import { DAY_MS } from './lots.ts';

// Property tests against real Postgres. Random histories of sales, bonus payments, refunds,
// replays and passing time; after each history the ledger's invariants hold. And two ledgers
// (two gateway processes) racing on one customer never spend the same point twice.

const T0 = Date.parse('2026-06-01T09:00:00Z');
let clock = T0;
let db: TestDatabase;
let a: Ledger;
let b: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await Ledger.open({ pool: db.pool, now: () => clock, writer: { maxBatch: 50 } });
  // The second writer evaluates batches in worker threads: both paths run every property.
  b = await Ledger.open({ pool: db.pool, now: () => clock, writer: { maxBatch: 50 }, workers: 2 });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const PROGRAM = {
  levels: [
    { code: 'std', name: 'Стандарт', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50, welcomeBonus: { points: 5_000, ttlDays: 20 } },
    { code: 'vip', name: 'VIP', threshold: 300_000, accrual: { type: 'percent', percent: 15 }, discount: { type: 'percent', percent: 5 }, maxRedeemPercent: 100 },
  ],
  activationDays: 3,
  expiry: { mode: 'afterAccrual', days: 40 },
  rounding: 'none',
  gifts: { firstPurchase: { points: 1_000 } },
  referral: { reward: { type: 'percent', percent: 5 }, scope: 'everyPurchase', periodDays: 60 },
};

const iso = (ms: number) => new Date(ms).toISOString();
let n = 0;

type Action =
  | { t: 'sale'; who: number; amounts: number[]; redeem: number; replay: boolean; via: 0 | 1 }
  | { t: 'refund'; pick: number; part: number }
  | { t: 'wait'; days: number }
  | { t: 'sweep' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('sale' as const), who: fc.nat(3), amounts: fc.array(fc.integer({ min: 1, max: 300_000 }), { minLength: 1, maxLength: 4 }), redeem: fc.double({ min: 0, max: 1.1, noNaN: true }), replay: fc.boolean(), via: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('refund' as const), pick: fc.nat(), part: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('wait' as const), days: fc.integer({ min: 0, max: 25 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('sweep' as const)}) },
);

describe('ledger properties (real Postgres)', () => {
  it('random histories keep balances equal to postings, explained by lots; replays never double-accrue', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
        clock = T0;
        const tenant = (await a.createTenant('prop', 'month', PROGRAM)).id;
        const phones = ['+79990001001', '+79990001002', '+79990001003', '+79990001004'];
        const referrer = await a.registerCustomer(tenant, { phone: '+79990001999' });
        await a.registerCustomer(tenant, { phone: phones[0], referrerCode: referrer.referralCode });
        const sales: { id: string; lines: { lineNo: number; quantity: number }[] }[] = [];
        for (const act of actions) {
          if (act.t === 'sale') {
            const ledger = act.via === 0 ? a : b;
            const phone = phones[act.who]!;
            const body = (redeem: number) => ({
              externalId: `s-${++n}`,
              occurredAt: iso(clock),
              customer: { phone },
              lines: act.amounts.map((amount, i) => ({ lineNo: i + 1, productId: `p${i}`, quantity: 2000, price: Math.ceil(amount / 2), amount })),
              payments: [{ type: 'card', amount: act.amounts.reduce((s, x) => s + x, 0) }],
              redeem,
            });
            const probe = await ledger.calculate(tenant, body(0));
            const want = Math.floor(probe.totals.maxRedeem * act.redeem);
            const payload = body(want);
            try {
              const r = await ledger.commit(tenant, 'api', payload);
              sales.push({ id: payload.externalId, lines: payload.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })) });
              if (act.replay) {
                const again = await (act.via === 0 ? b : a).commit(tenant, 'api', payload);
                expect(again.replay).toBe(true);
                expect(again.json).toBe(r.json);
              }
            } catch (e) {
              // Asking for more than the cap (redeem factor > 1) must be refused, nothing else.
              expect(e).toBeInstanceOf(KopilkaError);
              expect(['REDEEM_EXCEEDS_LIMIT', 'NOT_ENOUGH_BONUSES']).toContain((e as KopilkaError).code);
              expect(act.redeem).toBeGreaterThan(1);
            }
          } else if (act.t === 'refund' && sales.length > 0) {
            const s = sales[act.pick % sales.length]!;
            const lines = s.lines.map((l) => ({ lineNo: l.lineNo, quantity: Math.max(1, Math.floor(l.quantity * act.part)) }));
            try {
              await a.refund(tenant, 'api', s.id, { externalId: `r-${++n}`, lines });
            } catch (e) {
              expect((e as KopilkaError).code).toBe('REFUND_EXCEEDS_SALE');
            }
          } else if (act.t === 'wait') {
            clock += act.days * DAY_MS;
          } else if (act.t === 'sweep') {
            await a.sweep();
          }
        }
        await expectLedgerInvariants(db.pool);
        // Every committed sale is there exactly once.
        const dup = await db.pool.query('SELECT external_id FROM checks WHERE tenant_id = $1 GROUP BY channel, kind, external_id HAVING count(*) > 1', [tenant]);
        expect(dup.rowCount).toBe(0);
        // What the read path shows equals the settled ledger.
        for (const phone of phones) {
          const seen = await a.customer(tenant, { phone }).catch(() => null);
          if (seen === null) continue;
          await a.sweep();
          const r = await db.pool.query('SELECT available, pending FROM customers WHERE tenant_id = $1 AND phone = $2', [tenant, phone]);
          expect(seen.balance).toEqual({ available: Math.max(0, Number(r.rows[0].available)), pending: Number(r.rows[0].pending) });
        }
      }),
      { numRuns: 25 },
    );
  });

  it('no concurrent pair of checks spends the same point, across two writers', async () => {
    clock = T0;
    const tenant = (await a.createTenant('race', 'month', { ...PROGRAM, levels: [{ ...PROGRAM.levels[0], maxRedeemPercent: 100, welcomeBonus: null }], gifts: {} })).id;
    const phone = '+79990002000';
    await a.commit(tenant, 'api', { externalId: 'fund', occurredAt: iso(clock), customer: { phone }, lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 1_000_000, amount: 1_000_000 }] });
    clock += 4 * DAY_MS;
    const balance = (await a.customer(tenant, { phone })).balance.available;
    expect(balance).toBe(100_000);
    // 60 checks each paying 4,000 bonus-hundredths: only 25 fit into 100,000.
    const attempts = Array.from({ length: 60 }, (_, i) =>
      (i % 2 === 0 ? a : b)
        .commit(tenant, 'api', { externalId: `spend-${i}`, occurredAt: iso(clock), customer: { phone }, lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 4_000, amount: 4_000 }], redeem: 4_000 })
        .then((r) => JSON.parse(r.json).totals.redeemed as number, (e: KopilkaError) => (expect(e.code).toBe('NOT_ENOUGH_BONUSES'), 0)),
    );
    const spent = (await Promise.all(attempts)).reduce((s, x) => s + x, 0);
    expect(spent).toBe(100_000);
    const after = await a.customer(tenant, { phone });
    expect(after.balance.available).toBe(0);
    await expectLedgerInvariants(db.pool);
  });

  it('worker-thread evaluation gives the same answers as inline evaluation', async () => {
    clock = T0;
    const [t1, t2] = [(await a.createTenant('inline', 'month', PROGRAM)).id, (await b.createTenant('workers', 'month', PROGRAM)).id];
    const bodies = Array.from({ length: 300 }, (_, i) => ({
      externalId: `w-${i}`,
      occurredAt: iso(clock),
      customer: { phone: `+7999300${String(i % 120).padStart(4, '0')}` },
      lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 1_000 + i * 37, amount: 1_000 + i * 37 }],
      redeem: i % 3 === 0 ? 'max' : 0,
    }));
    for (const round of [0, 1]) {
      const strip = (json: string) => ({ ...JSON.parse(json), customer: null });
      const ra = await Promise.all(bodies.map((x) => a.commit(t1, 'api', { ...x, externalId: `${x.externalId}-${round}` })));
      const rb = await Promise.all(bodies.map((x) => b.commit(t2, 'api', { ...x, externalId: `${x.externalId}-${round}` })));
      expect(rb.map((r) => strip(r.json))).toEqual(ra.map((r) => strip(r.json)));
      clock += 4 * DAY_MS;
    }
    expect(b.writer.stats.largestBatch).toBeGreaterThan(10);
    await expectLedgerInvariants(db.pool);
  });
});
