import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../ledger/check.ts';
import { Ledger } from '../ledger/ledger.ts';
import type { RefundResult } from '../ledger/operations.ts';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { call, startTestService } from '../test/service.ts';
import { phoneOf, saleBody } from './scenarios.ts';
import { lotKinds, planCustomer, seedAtSize, type SizeSeedResult } from './size-seed.ts';
import { warmWorkingSet } from './working-set.ts';

// The size seeder writes rows with COPY, past the ledger: they must be rows the ledger could have
// written (its invariants hold), and the ledger must go on working on them — a sale by a seeded
// customer, a new customer (ids past the seeded ones), the sweeper settling what falls due.

const CUSTOMERS = 2_000;
const DAY = 86_400_000;
const NOW = Date.now();
let db: TestDatabase;
let seeded: SizeSeedResult;
let clock = NOW;
let ledger: Ledger;

beforeAll(async () => {
  db = await createTestDatabase('kpsizeseed');
  seeded = await seedAtSize(db.url, { customers: CUSTOMERS, now: NOW, log: () => {} });
  ledger = await Ledger.open({ pool: db.pool, now: () => clock });
}, 120_000);

afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

describe('size seed', () => {
  it('gives every customer exactly the postings asked for, whatever the count', () => {
    for (const p of [1, 2, 3, 4, 5, 6, 9]) {
      for (const i of [0, 1, 2, 3]) expect(planCustomer(i, p, NOW).postings.length, `p=${p} i=${i}`).toBe(p);
    }
    expect(lotKinds(0, 5)).toEqual(['cycle', 'final']);
    expect(lotKinds(1, 5)).toEqual(['full', 'active', 'final']);
  });

  it('keeps the invariants at other posting counts too', async () => {
    for (const p of [1, 2, 3, 9]) {
      const other = await createTestDatabase('kpsizeseed');
      try {
        const s = await seedAtSize(other.url, { customers: 40, postingsPerCustomer: p, now: NOW, log: () => {} });
        expect(s.rows.postings).toBe(40 * p);
        await expectLedgerInvariants(other.pool);
      } finally {
        await other.drop();
      }
    }
  }, 60_000);

  it('writes rows that keep the ledger invariants, and fills the derived tables', async () => {
    expect(seeded.rows.customers).toBe(CUSTOMERS);
    expect(seeded.rows.postings).toBe(CUSTOMERS * 5);
    await expectLedgerInvariants(db.pool);
    const stats = await db.pool.query(`SELECT sum(customers)::int AS n, sum(revenue)::bigint AS revenue FROM customer_activity_stats`);
    const totals = await db.pool.query(`SELECT count(*)::int AS n, sum(total_spent)::bigint AS revenue, sum(purchases)::int AS purchases FROM customers`);
    expect(stats.rows[0]).toEqual({ n: CUSTOMERS, revenue: totals.rows[0].revenue });
    const daily = await db.pool.query(`SELECT sum(sales)::int AS n FROM sales_daily`);
    expect(daily.rows[0].n).toBe(totals.rows[0].purchases);
    const usage = await db.pool.query(`SELECT sum(checks)::int AS n, sum(refunds)::int AS refunds FROM usage_months`);
    expect(usage.rows[0]).toEqual({ n: totals.rows[0].purchases, refunds: 0 });
    const src = await db.pool.query(`SELECT sum(customers)::int AS n, sum(buyers)::int AS buyers FROM customer_source_stats`);
    expect(src.rows[0]).toEqual({ n: CUSTOMERS, buyers: CUSTOMERS });
    // The lost-customer list's log: each buyer's last purchase, once.
    const log = await db.pool.query(`SELECT count(*)::int AS n FROM last_purchase_log l JOIN customers c ON c.tenant_id = l.tenant_id AND c.id = l.customer_id AND c.last_purchase_at = l.at`);
    expect(log.rows[0].n).toBe(CUSTOMERS);
  });

  it('lets the ledger price and record a sale for a seeded customer, and register new ones past the seeded ids', async () => {
    const phone = phoneOf(17);
    const before = await ledger.customer(seeded.tenantId, { phone });
    expect(before.id).toBe('18');
    const body = { ...saleBody(5, 17, 'after-seed'), redeem: 'max' as const };
    const priced: CheckResult = await ledger.calculate(seeded.tenantId, body);
    expect(priced.customer?.id).toBe('18');
    expect(priced.totals.redeemed).toBeGreaterThan(0); // paid from a seeded active lot
    const done = await ledger.commit(seeded.tenantId, 'cashier', body);
    const r = done.answer as CheckResult;
    expect(r.totals.redeemed).toBe(priced.totals.redeemed);
    expect(r.customer?.id).toBe('18');
    const fresh = await ledger.commit(seeded.tenantId, 'cashier', saleBody(6, CUSTOMERS + 5, 'after-seed'));
    expect(Number((fresh.answer as CheckResult).customer?.id)).toBeGreaterThan(CUSTOMERS);
    await expectLedgerInvariants(db.pool);
  });

  it('lets the ledger refund a seeded sale', async () => {
    // Customer 17 (odd): lots full, active, final; the middle purchase (check 17·3 + 2) was paid with the whole first lot.
    const sale = `size-17-${17 * 3 + 2}`;
    const sold = await db.pool.query(`SELECT amount::int, redeemed::int, accrued::int FROM checks WHERE tenant_id = $1 AND external_id = $2`, [seeded.tenantId, sale]);
    const r = await ledger.refund(seeded.tenantId, 'cashier', sale, { externalId: 'refund-after-seed' });
    const totals = (r.answer as RefundResult).totals;
    expect({ amount: totals.amount, redeemed: totals.redeemed, accrued: totals.accrued }).toEqual(sold.rows[0]);
    await expectLedgerInvariants(db.pool);
  });

  it('lets the sweeper settle the lots that fall due', async () => {
    clock = NOW + 2 * DAY;
    const dueSql = `SELECT count(DISTINCT customer_id)::int AS n FROM lots
                     WHERE (state = 'pending' AND activates_at <= $1) OR (state = 'active' AND expires_at <= $1)`;
    const due = (await db.pool.query(dueSql, [new Date(clock)])).rows[0].n as number;
    expect(due).toBeGreaterThan(50); // ~1/7 of pending and ~1/14 of active lots in two days
    let settled = 0;
    for (let n = await ledger.sweep(); n > 0; n = await ledger.sweep()) settled += n;
    expect(settled).toBeGreaterThanOrEqual(due);
    expect((await db.pool.query(dueSql, [new Date(clock)])).rows[0].n).toBe(0);
    await expectLedgerInvariants(db.pool);
  });

  it('reads what a check touches into memory before the phases, naming relations the schema has', async () => {
    // The size query casts every name to regclass: an index renamed by a migration fails here.
    const line = await warmWorkingSet(db.url);
    expect(line).toMatch(/^warmed what a check touches .* — \d+\.\d GB in \d+\.\d s\.|^not warmed: Postgres has no pg_prewarm/);
  });

  it('serves the wrk scripts\' requests through the gateway with the cashier key it returns', async () => {
    const service = await startTestService({ redis: false });
    try {
      const s = await seedAtSize(service.db.url, { customers: 50, log: () => {} });
      const priced = await call(service.pos, 'POST', '/v1/checks/calculate', s.cashierKey, saleBody(1, 7, 'gw'));
      expect(priced.status).toBe(200);
      expect(priced.body.customer.id).toBe('8');
      const sold = await call(service.pos, 'POST', '/v1/checks', s.cashierKey, saleBody(2, 7, 'gw'));
      expect(sold.status).toBe(201);
      await expectLedgerInvariants(service.db.pool);
    } finally {
      await service.stop();
    }
  });
});
