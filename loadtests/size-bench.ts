import { Ledger } from '../ledger/ledger.ts';
import { createPool } from '../ledger/postgres.ts';
import type { BenchServer } from './bench-db.ts';
import { newCashierKey, seedAtSize } from './size-seed.ts';

// `BENCH_SIZE=N npm run bench`: the database of N customers (size-seed.ts, by COPY) the HTTP
// phases run on, and the sweeper's work per minute on it.

export interface SizeDatabase {
  url: string;
  name: string;
  cashierKey: string;
  summary: string;
}

const mb = (b: number) => `${(b / 1048576).toLocaleString('en-US', { maximumFractionDigits: 0 })} MB`;

/** `kopilka_size_<n>`: seeded once and kept, since seeding 10M customers takes most of an hour; reused when it is complete. */
export async function sizeDatabase(server: BenchServer, n: number): Promise<SizeDatabase> {
  const name = `kopilka_size_${n}`;
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  const url = u.toString();
  const exists = await server.admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  const reused = exists ? await reuse(url, n) : null;
  if (reused !== null) return { url, name, ...reused };
  if (exists) await dropSizeDatabase(server, name); // an interrupted seed: start again
  await server.admin((c) => c.query(`CREATE DATABASE ${name}`));
  console.log(`seeding ${n.toLocaleString('en-US')} customers by COPY into ${name} (kept for later runs; BENCH_DROP=1 drops it)…`);
  const r = await seedAtSize(url, { customers: n, log: (l) => console.log(l) });
  const rows = Object.values(r.rows).reduce((a, b) => a + b, 0);
  return { url, name, cashierKey: r.cashierKey, summary: `seeded now: ${rows.toLocaleString('en-US')} rows in ${(r.seconds.total / 60).toFixed(1)} min, ${mb(r.databaseBytes)}` };
}

/** A complete seed of n customers: a new cashier key for its tenant (keys are stored hashed, so the old one is not known). */
async function reuse(url: string, n: number): Promise<{ cashierKey: string; summary: string } | null> {
  const pool = createPool({ connectionString: url, max: 2 });
  try {
    const t = await pool.query<{ id: string }>('SELECT id FROM tenants ORDER BY created_at LIMIT 1').catch(() => ({ rows: [] as { id: string }[] }));
    const tenantId = t.rows[0]?.id;
    if (tenantId === undefined) return null;
    // Complete: the sequences moved past the seeded ids and the derived tables filled (the seed's last steps).
    const counts = await pool.query<{ customers: string; postings: string; bytes: string; complete: boolean }>(
      `SELECT (SELECT count(*) FROM customers WHERE tenant_id = $1) AS customers,
              (SELECT last_value FROM customers_id_seq) >= $2 AND EXISTS (SELECT 1 FROM sales_daily WHERE tenant_id = $1) AS complete,
              (SELECT reltuples::bigint FROM pg_class WHERE relname = 'postings') AS postings,
              pg_database_size(current_database()) AS bytes`,
      [tenantId, n],
    );
    const c = counts.rows[0]!;
    if (Number(c.customers) < n || !c.complete) return null;
    const cashierKey = await newCashierKey(pool, tenantId);
    return { cashierKey, summary: `seeded before and reused: ${Number(c.customers).toLocaleString('en-US')} customers, about ${Number(c.postings).toLocaleString('en-US')} postings, ${mb(Number(c.bytes))}` };
  } finally {
    await pool.end();
  }
}

export async function dropSizeDatabase(server: BenchServer, name: string): Promise<void> {
  await server.admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/**
 * The sweeper on the seeded database: first the backlog due by now (the seed spreads activations
 * and expiries from a minute after it ran), then minute by minute on a clock moved ahead, what one
 * minute of activations and expiries costs to find and write (the ledger's sweep, through its writer),
 * and what a minute's slice of the last-purchase log costs to tidy.
 */
/** The sweeper's other task each minute: two seconds of the last-purchase log checked, its superseded entries deleted. */
async function logSlices(ledger: Ledger, slices: number): Promise<string> {
  const per: { read: number; deleted: number; ms: number }[] = [];
  for (let i = 0; i < slices; i++) {
    const started = performance.now();
    const r = await ledger.pruneLastPurchases();
    per.push({ read: r.read, deleted: r.deleted, ms: performance.now() - started });
  }
  const ms = per.reduce((a, x) => a + x.ms, 0) / slices;
  return `the last-purchase log, one minute's share (average of ${slices}): ${Math.round(per.reduce((a, x) => a + x.read, 0) / slices).toLocaleString('en-US')} entries checked in ${ms.toFixed(0)} ms (${((ms / 60_000) * 100).toFixed(2)} %); deleted ${per.map((x) => x.deleted).join(', ')}`;
}

export async function sweeperPerMinute(url: string, minutes = 5): Promise<string[]> {
  const pool = createPool({ connectionString: url, max: 4 });
  let clock = Date.now();
  const ledger = await Ledger.open({ pool, now: () => clock });
  const drain = async () => {
    const started = performance.now();
    let settled = 0;
    for (let n = await ledger.sweep(1000); n > 0; n = await ledger.sweep(1000)) settled += n;
    return { settled, ms: performance.now() - started };
  };
  try {
    const lines: string[] = [];
    const backlog = await drain();
    lines.push(`backlog due now: ${backlog.settled.toLocaleString('en-US')} customers settled in ${(backlog.ms / 1000).toFixed(1)} s`);
    const per: { settled: number; ms: number }[] = [];
    for (let m = 1; m <= minutes; m++) {
      clock += 60_000;
      per.push(await drain());
    }
    const settled = per.reduce((a, x) => a + x.settled, 0) / minutes;
    const ms = per.reduce((a, x) => a + x.ms, 0) / minutes;
    lines.push(`one minute's work (average of ${minutes}): ${settled.toFixed(0)} customers settled in ${ms.toFixed(0)} ms of the minute (${((ms / 60_000) * 100).toFixed(2)} %)`);
    lines.push(`  per minute: ${per.map((x) => `${x.settled} in ${x.ms.toFixed(0)} ms`).join(', ')}`);
    lines.push(await logSlices(ledger, minutes));
    return lines;
  } finally {
    await ledger.close();
    await pool.end();
  }
}
