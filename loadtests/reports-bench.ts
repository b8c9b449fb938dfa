import { createPool } from '../ledger/postgres.ts';
import { Ledger, SecretBox } from '../ledger/index.ts';
import { benchDatabase } from './bench-db.ts';

// Report speed at size: a tenant with 1,000,000 customers (a realistic spread of purchases,
// sources and dates) and a year of daily sales rollups across 10 stores × 10 cashiers, seeded by
// generate_series in Postgres itself (no rows through Node), then each report timed through the
// ledger's face: the first (cold) run and the median of the next RUNS. Reports never read
// checks, so no checks are written: the rollups stand for ~20,000,000 of them.
//   node --import tsx loadtests/reports-bench.ts        (CUSTOMERS=1000000 RUNS=5)

const CUSTOMERS = Number(process.env.CUSTOMERS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 5);
const CHUNK = 100_000;
const CHECKS_PER_ROW = 548; // 365 days × 100 (store, cashier) rows × 548 ≈ 20,000,000 checks

const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

async function seed(pool: ReturnType<typeof createPool>, tenantId: string): Promise<void> {
  let t = performance.now();
  // Purchases 0–12 skewed low; a third never came back within 90 days; sources of a real shop.
  // In chunks: the statement trigger that keeps the report totals (migration 015) sums each one.
  for (let from = 1; from <= CUSTOMERS; from += CHUNK) {
    await pool.query(
    `INSERT INTO customers (tenant_id, id, phone, referral_code, level_code, source, purchases, total_spent, registered_at, last_purchase_at)
     SELECT $1, g, '+79' || lpad(g::text, 9, '0'), 'r' || g, 'base',
            (ARRAY['till', 'site', 'vk', 'telegram', 'import', NULL])[1 + g % 6],
            p, p * (30000 + (g::bigint * 7919) % 170000),
            now() - make_interval(days => 30 + g % 700),
            CASE WHEN p = 0 THEN NULL ELSE now() - make_interval(days => (g * 31) % 400, secs => g % 86400) END
       FROM (SELECT g, (CASE WHEN g % 10 < 2 THEN 0 WHEN g % 10 < 5 THEN 1 WHEN g % 10 < 7 THEN 2 ELSE 3 + g % 10 END) AS p
               FROM generate_series($2::int, $3::int) g) s`,
      [tenantId, from, Math.min(from + CHUNK - 1, CUSTOMERS)],
  );
  }
  console.log(`customers ${CUSTOMERS}: ${secs(t)} s`);
  t = performance.now();
  const r = await pool.query(
    `INSERT INTO sales_daily (tenant_id, day, store_id, cashier_id, channel, sales, identified, sale_amount, sale_discount, sale_redeemed, sale_accrued, refunds, refund_amount)
     SELECT $1, d::date, 'store-' || s, 'cashier-' || s || '-' || c, 'api', $2 + (s * c) % 40, ($2 + (s * c) % 40) * 7 / 10,
            ($2 + (s * c) % 40) * 85000::bigint, ($2 + (s * c) % 40) * 3000::bigint, ($2 + (s * c) % 40) * 1500::bigint, ($2 + (s * c) % 40) * 4000::bigint, 3, 3 * 85000
       FROM generate_series(current_date - 364, current_date, interval '1 day') d, generate_series(1, 10) s, generate_series(1, 10) c`,
    [tenantId, CHECKS_PER_ROW - 20],
  );
  console.log(`sales_daily rows ${r.rowCount}: ${secs(t)} s`);
  t = performance.now();
  await pool.query('VACUUM ANALYZE customers');
  await pool.query('VACUUM ANALYZE last_purchase_log');
  await pool.query('VACUUM ANALYZE sales_daily');
  console.log(`vacuum analyze: ${secs(t)} s`);
}

async function time(label: string, f: () => Promise<unknown>): Promise<string[]> {
  let t = performance.now();
  await f();
  const cold = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    await f();
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  return [label, cold.toFixed(0), warm[Math.floor(warm.length / 2)]!.toFixed(0), warm.at(-1)!.toFixed(0)];
}

/**
 * The lost list steps over log entries its customers superseded by buying again (migration 028) until
 * the sweeper deletes them: every customer who bought twice or more gets one such entry from
 * 1–300 days before the last purchase, and the list is timed before the sweeper's pass and after it.
 */
async function lostWithSuperseded(pool: ReturnType<typeof createPool>, ledger: Ledger, tenantId: string, deep: string | null): Promise<string[][]> {
  const added = await pool.query(
    `INSERT INTO last_purchase_log (tenant_id, at, customer_id)
     SELECT tenant_id, last_purchase_at - make_interval(days => 1 + (id * 13 % 300)::int), id FROM customers WHERE tenant_id = $1 AND purchases >= 2`,
    [tenantId],
  );
  await pool.query('VACUUM ANALYZE last_purchase_log');
  const label = `${(added.rowCount ?? 0).toLocaleString('en')} superseded`;
  const before = [
    await time(`lost, first page, ${label}`, () => ledger.lostCustomers(tenantId, { days: 90 })),
    await time(`lost, 51st page, ${label}`, () => ledger.lostCustomers(tenantId, { days: 90, after: deep })),
  ];
  const t = performance.now();
  const { read, deleted } = await ledger.pruneLastPurchases(Infinity); // the whole pass, as the sweeper makes it minute by minute
  const s = (performance.now() - t) / 1000;
  console.log(`the sweeper's pass over the last-purchase log: ${read.toLocaleString('en')} entries read, ${deleted.toLocaleString('en')} deleted in ${s.toFixed(1)} s (${Math.round(read / s).toLocaleString('en')} entries/s)`);
  return [
    ...before,
    await time('lost, first page, after the pass', () => ledger.lostCustomers(tenantId, { days: 90 })),
    await time('lost, 51st page, after the pass', () => ledger.lostCustomers(tenantId, { days: 90, after: deep })),
  ];
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const pool = createPool({ connectionString: db.url, max: 4 });
  const ledger = await Ledger.open({ pool, secrets: new SecretBox(Buffer.alloc(32, 7)) });
  try {
    const tenantId = (await ledger.createTenant('bench-reports')).id;
    await seed(pool, tenantId);
    if (process.env.SEED_ONLY) return;
    const checks = (await pool.query<{ n: string }>('SELECT sum(sales + refunds) AS n FROM sales_daily WHERE tenant_id = $1', [tenantId])).rows[0]!.n;
    console.log(`checks the rollups stand for: ${Number(checks).toLocaleString('en')}`);
    const today = new Date().toISOString().slice(0, 10);
    const yearAgo = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
    const year = { from: yearAgo, to: today };
    const quarterAgo = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
    // A cursor 5,000 lost customers in, as the 50th page's `next` would be.
    const d = await pool.query<{ m: string; id: string }>(
      `SELECT (extract(epoch FROM last_purchase_at) * 1000000)::bigint::text AS m, id::text FROM customers WHERE tenant_id = $1 AND purchases > 0
         AND last_purchase_at < now() - interval '90 days' ORDER BY last_purchase_at DESC, id DESC OFFSET 4999 LIMIT 1`,
      [tenantId],
    );
    const deep = d.rows[0] === undefined ? null : `${d.rows[0].m}~${d.rows[0].id}`;
    const rows = [
      await time('sales, year by day', () => ledger.salesReport(tenantId, { ...year, period: 'day' })),
      await time('sales, year by week', () => ledger.salesReport(tenantId, { ...year, period: 'week' })),
      await time('sales, year by month', () => ledger.salesReport(tenantId, { ...year, period: 'month' })),
      await time('sales, year by store', () => ledger.salesReport(tenantId, { ...year, period: 'all', by: 'store' })),
      await time('sales, year by cashier', () => ledger.salesReport(tenantId, { ...year, period: 'all', by: 'cashier' })),
      await time('sales, month by day × cashier', () => ledger.salesReport(tenantId, { from: today.slice(0, 8) + '01', to: today, period: 'day', by: 'cashier' })),
      await time('customers (totals, segments, lost 90, sources)', () => ledger.customerReport(tenantId, {})),
      await time('customers, sources registered in 90 days', () => ledger.customerReport(tenantId, { from: quarterAgo, to: today })),
      await time('lost customers, first page of 100', () => ledger.lostCustomers(tenantId, { days: 90 })),
      await time('lost customers, 51st page (cursor)', () => ledger.lostCustomers(tenantId, { days: 90, after: deep })),
      ...(await lostWithSuperseded(pool, ledger, tenantId, deep)),
    ];
    // The totals the triggers kept against a scan of the customers table (what the report avoids).
    const t = performance.now();
    const scan = (await pool.query<{ total: string; three: string; revenue: string }>(
      'SELECT count(*) AS total, count(*) FILTER (WHERE purchases >= 3) AS three, sum(total_spent) AS revenue FROM customers WHERE tenant_id = $1', [tenantId])).rows[0]!;
    const scanMs = (performance.now() - t).toFixed(0);
    const kept = await ledger.customerReport(tenantId, {});
    const same = Number(scan.total) === kept.total && Number(scan.three) === kept.segments.threePlus && Number(scan.revenue) === kept.revenue;
    console.log(`kept totals equal a scan of customers: ${same ? 'yes' : 'NO'} (the scan took ${scanMs} ms)`);
    const head = ['report', 'cold ms', 'median ms', 'max ms'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
  } finally {
    await ledger.close();
    if (process.env.KEEP) console.log(`kept: ${db.url}`);
    else await db.drop();
  }
}

await main();
