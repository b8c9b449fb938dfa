import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, SecretBox } from '../ledger/index.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { runReplay, type ReplayReport } from './replay-run.ts';

// The what-if replay against a real Postgres: a day of varied checks (levels, bonus payments,
// gifts, a referral, till-closed checks with a shortfall, full and partial refunds, a manual grant
// in between) replayed under the very program in force must give back the real figures exactly —
// the simulation's own proof — and under another program figures that differ as they must; and
// the replay writes nothing to the ledger's tables.

const PROGRAM = {
  levels: [
    { code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 },
    { code: 'silver', name: 'Серебряный', threshold: 400_000, accrual: { type: 'percent', percent: 7 }, discount: { type: 'percent', percent: 3 }, maxRedeemPercent: 30, welcomeBonus: { points: 5_000 } },
  ],
  activationDays: 0,
  expiry: { mode: 'afterAccrual', days: 90 },
  gifts: { firstPurchase: { points: 1_000 } },
  referral: { reward: { type: 'percent', percent: 5 }, scope: 'everyPurchase' },
  timezone: 'Europe/Moscow',
};

let db: TestDatabase;
let ledger: Ledger;
let tenantId: string;
const today = () => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow' }).format(new Date());

/** A small deterministic generator: the same checks every run. */
function prng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
}

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(Buffer.alloc(32, 1)) });
  tenantId = (await ledger.createTenant('Кофейня', 'month', PROGRAM)).id;
  const first = await ledger.registerCustomer(tenantId, { phone: '+79160000001' });
  for (let i = 2; i <= 12; i++) await ledger.registerCustomer(tenantId, { phone: `+791600000${String(i).padStart(2, '0')}`, ...(i <= 5 ? { referrerCode: first.referralCode } : {}) });
  // Forty at once: they share a transaction (one committed_at), ids crossing a digit boundary.
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      ledger.commit(tenantId, 'api', { externalId: `c${i}`, occurredAt: new Date().toISOString(), customer: { phone: `+791600000${String(1 + (i % 15)).padStart(2, '0')}` }, lines: [{ lineNo: 1, productId: 'tea', quantity: 1000, price: 9_000 + i * 100, amount: 9_000 + i * 100 }], redeem: i % 2 ? 'max' : 0 }),
    ),
  );
  const rnd = prng(7);
  const sales: string[] = [];
  for (let i = 0; i < 160; i++) {
    // Phones 1…15: 13–15 are new at the till, registered by their first sale.
    const phone = `+791600000${String(1 + Math.floor(rnd() * 15)).padStart(2, '0')}`;
    const amount = 5_000 + Math.floor(rnd() * 150) * 1_000;
    const till = i % 9 === 4;
    const redeem = till ? Math.floor(rnd() * 3) * 2_000 : rnd() < 0.4 ? 'max' : 0;
    const lines = [
      { lineNo: 1, productId: 'coffee', quantity: 2000, price: Math.floor(amount / 3), amount: Math.floor(amount / 3) * 2 },
      { lineNo: 2, productId: 'cake', quantity: 1000, price: amount - Math.floor(amount / 3) * 2, amount: amount - Math.floor(amount / 3) * 2 },
    ];
    const r = await ledger.commit(tenantId, 'api', { externalId: `s${i}`, occurredAt: new Date().toISOString(), customer: i % 13 === 0 ? null : { phone }, lines, redeem, ...(till ? { pricedBy: 'till' } : {}) });
    expect(r.status).toBe('recorded');
    sales.push(`s${i}`);
    if (i % 17 === 16) await ledger.refund(tenantId, 'api', sales[i - 3]!, { externalId: `r${i}` });
    if (i % 23 === 22) await ledger.refund(tenantId, 'api', sales[i - 1]!, { externalId: `p${i}`, lines: [{ lineNo: 1, quantity: 1000 }] });
    if (i === 80) await ledger.grant(tenantId, first.id, { points: 30_000, kind: 'manual', key: 'gift-80', reason: 'за отзыв' });
  }
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

/** Row counts and sums of every ledger table a replay could touch. */
async function ledgerFingerprint(): Promise<unknown> {
  const q = async (sql: string) => (await db.pool.query(sql)).rows[0];
  return {
    customers: await q('SELECT count(*), sum(total_spent), sum(purchases), sum(available), sum(pending), sum(debt), max(updated_at) FROM customers'),
    checks: await q('SELECT count(*), sum(amount), sum(discount), sum(redeemed), sum(accrued), max(committed_at) FROM checks'),
    lots: await q('SELECT count(*), sum(amount), sum(remaining), count(*) FILTER (WHERE state = \'closed\') FROM lots'),
    postings: await q('SELECT count(*), sum(amount), max(id) FROM postings'),
    spends: await q('SELECT count(*), sum(amount) FROM spends'),
    gifts: await q('SELECT count(*) FROM gift_log'),
    rollups: await q('SELECT count(*), sum(sales), sum(sale_amount), sum(sale_accrued) FROM sales_daily'),
    review: await q('SELECT count(*) FROM review_queue'),
  };
}

describe('what-if replay', () => {
  it('reads every check once, in the order the ledger applied them, whatever the page size', async () => {
    const from = new Date(Date.now() - 86_400_000);
    const to = new Date(Date.now() + 86_400_000);
    const all: string[] = [];
    for await (const page of ledger.replayChecks(tenantId, from, to, 3)) all.push(...page.map((r) => r.id));
    const recorded = (await db.pool.query('SELECT id::text FROM checks WHERE tenant_id = $1 ORDER BY checks.committed_at, checks.id', [tenantId])).rows.map((r) => r.id);
    expect(all).toEqual(recorded);
    expect(new Set(all).size).toBe(all.length);
  });

  let same: ReplayReport;

  it('under the program in force gives back the real figures exactly, liability included', async () => {
    const before = await ledgerFingerprint();
    // Pages of 7: customers first met in every page, a refund's sale pages before it.
    same = await runReplay(ledger, tenantId, { program: PROGRAM, from: today(), to: today() }, () => {}, 7);
    expect(same.checks).toBe(await ledger.countChecks(tenantId));
    expect(same.checks).toBeGreaterThan(160);
    expect(same.failed).toBe(0);
    const [m] = same.months;
    expect(m!.real.checks).toBe(200);
    expect(m!.real.redeemed).toBeGreaterThan(0);
    expect(m!.real.discount).toBeGreaterThan(0);
    expect(m!.real.liability).toBeGreaterThan(0);
    expect(m!.proposed).toEqual(m!.real);
    expect(m!.change).toEqual({ checks: 0, revenue: 0, discount: 0, accrued: 0, redeemed: 0, liability: 0 });
    // The liability the ledger holds now, read independently of the replay.
    const held = (await db.pool.query('SELECT sum(available + pending)::bigint AS h FROM customers WHERE tenant_id = $1', [tenantId])).rows[0].h;
    expect(m!.real.liability).toBe(Number(held));
    expect(await ledgerFingerprint()).toEqual(before);
  });

  it('under a leaner program accrues less, lets less be paid with bonuses, and owes less at the end', async () => {
    const before = await ledgerFingerprint();
    const lean = { ...PROGRAM, levels: [{ ...PROGRAM.levels[0]!, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 20 }, PROGRAM.levels[1]!] };
    const r = await runReplay(ledger, tenantId, { program: lean, from: today(), to: today() });
    const [m] = r.months;
    expect(m!.real).toEqual(same.months[0]!.real);
    expect(m!.proposed.checks).toBe(m!.real.checks);
    expect(m!.proposed.accrued).toBeLessThan(m!.real.accrued);
    expect(m!.proposed.redeemed).toBeLessThan(m!.real.redeemed);
    expect(m!.proposed.liability).toBeLessThan(m!.real.liability);
    expect(m!.change.accrued).toBe(m!.proposed.accrued - m!.real.accrued);
    expect(r.totals.change.redeemed).toBe(m!.change.redeemed);
    expect(await ledgerFingerprint()).toEqual(before);
  });

  it('a richer silver level changes discounts only for those who reach it', async () => {
    const rich = { ...PROGRAM, levels: [PROGRAM.levels[0]!, { ...PROGRAM.levels[1]!, discount: { type: 'percent', percent: 10 } }] };
    const r = await runReplay(ledger, tenantId, { program: rich, from: today(), to: today() });
    const [m] = r.months;
    expect(m!.proposed.discount).toBeGreaterThan(m!.real.discount);
    expect(m!.proposed.revenue).toBeLessThan(m!.real.revenue);
    expect(m!.proposed.revenue + m!.proposed.discount).toBe(m!.real.revenue + m!.real.discount);
  });

  it('a period with no checks gives zeros, the liability as it stood', async () => {
    const r = await runReplay(ledger, tenantId, { program: PROGRAM, from: '2026-01-01', to: '2026-02-15' });
    expect(r.months.map((x) => x.month)).toEqual(['2026-01', '2026-02']);
    expect(r.checks).toBe(0);
    expect(r.months[1]!.change.liability).toBe(0);
  });
});
