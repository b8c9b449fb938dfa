import { cpus } from 'node:os';
import { Ledger } from '../ledger/ledger.ts';
import { createPool } from '../ledger/postgres.ts';
import { benchServer, type BenchServer } from './bench-db.ts';
import { OPERATOR, send, startGatewayProcess, type GatewayProcess } from './gateway-process.ts';
import { measured, processTree } from './process-cpu.ts';
import { connect, recordSales, replay, type Recording } from './same-rows.ts';
import { BENCH_PROGRAM, saleBody } from './scenarios.ts';
import { ensureWrk, wrk, type WrkResult } from './wrk-load.ts';
import { GcLog } from './gc-trace.ts';
import { dropSizeDatabase, sizeDatabase, sweeperPerMinute } from './size-bench.ts';
import { warmWorkingSet } from './working-set.ts';

// `npm run bench`: in one run, on this machine,
//   1. the same-rows ceiling: exactly the statements Kopilka's writer sends for these sales (its
//      reads, locks and one-statement writes of checks, lots, postings, spends, customers and
//      rollups), recorded from the real ledger and sent again bare, in the writer's batches;
//   2. the same rows, one transaction per check;
//   3. Kopilka over HTTP (a gateway process, load from wrk): commit at the most wrk gets answered,
//      at 16 connections and at a held rate (half of 50 % of the ceiling, the target's), then
//      calculate at the most wrk gets answered and at a few connections, with p50/p99/p99.9;
//   4. the ratios; 5. CPU per check of the gateway, Postgres and the load generator.
// Every phase starts from a copy of one seeded database (CUSTOMERS customers with a purchase each).
// Sizes: BENCH_SECONDS (15) per phase, CUSTOMERS (20000), CONNECTIONS (256), CALC_CONNECTIONS (64),
// CALC_LOW_CONNECTIONS (4), RETURNING_CUSTOMERS (5000), WRK_THREADS (2), CEILING_CHECKS (60000), BASELINE_CHECKS (10000),
// BASELINE_CONNECTIONS (32), HELD_CONNECTIONS (32) and COMMIT_RATE (a quarter of the ceiling: the
// held phase's rate, commits a second). BENCH_DATABASE_URL: a Postgres elsewhere (its CPU is then not measured).
// POS_PROCESSES, WORKERS, WRITER_MAX_BATCH, WRITER_CONCURRENCY, PG_POOL_SIZE reach the gateway as set.
// BENCH_SIZE=N (e.g. 10000000): at size, see atSize below. BENCH_PHASES=http runs phase 3 only, BENCH_PHASES=calculate its calculate part, BENCH_PHASES=commit its commit part (to profile the
// gateway: GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR", then loadtests/profile-summary.ts). BENCH_GC=1: each HTTP
// phase also prints what a request allocated and promoted in the gateway's heap (gc-trace.ts).

const env = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const SECONDS = env('BENCH_SECONDS', 15);
/** BENCH_SIZE=N: the HTTP phases and the sweeper on a database of N customers seeded by COPY (size-seed.ts). */
const AT_SIZE = process.env.BENCH_SIZE === undefined ? null : Number(process.env.BENCH_SIZE);
const CUSTOMERS = AT_SIZE ?? env('CUSTOMERS', 20_000);
const CONNECTIONS = env('CONNECTIONS', 256);
const CALC_CONNECTIONS = env('CALC_CONNECTIONS', 64);
const CALC_LOW_CONNECTIONS = env('CALC_LOW_CONNECTIONS', 4);
const COMMIT_LOW_CONNECTIONS = env('COMMIT_LOW_CONNECTIONS', 16);
/**
 * The target's latency is at half of 50 % of the ceiling: commits held at that rate (COMMIT_RATE
 * sets it where no ceiling is measured), from HELD_CONNECTIONS, each free most of its period.
 */
const COMMIT_RATE = process.env.COMMIT_RATE === undefined ? null : Number(process.env.COMMIT_RATE);
const HELD_CONNECTIONS = env('HELD_CONNECTIONS', 32);
/**
 * How long the rate is held: a minute at the defaults. A full collection of the gateway's heap
 * (one to six a minute at 1,100 commits a second) slows ~150 ms of answers; over 10 s one alone was
 * more than 1 % of them, over a minute they weigh what they do in a steady hour (README "The thirteenth pass").
 */
const HELD_SECONDS = env('HELD_SECONDS', 4 * SECONDS);
const RETURNING = env('RETURNING_CUSTOMERS', 5_000);
const WRK_THREADS = env('WRK_THREADS', 2);
const CEILING_CHECKS = env('CEILING_CHECKS', 60_000);
const BASELINE_CHECKS = env('BASELINE_CHECKS', 10_000);
const BASELINE_CONNECTIONS = env('BASELINE_CONNECTIONS', 32);
const WRITER = { maxBatch: env('WRITER_MAX_BATCH', 1000), concurrency: env('WRITER_CONCURRENCY', 2) };
const RECORD_SECONDS = env('RECORD_SECONDS', 2 * SECONDS);
const CHANNEL = 'cashier';
const COMMIT_LUA = 'loadtests/wrk/commit.lua';
const CALCULATE_LUA = 'loadtests/wrk/calculate.lua';

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const us = (seconds: number, n: number) => (Number.isFinite(seconds) && n > 0 ? fmt((seconds / n) * 1e6) : 'n/a');
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

interface Row {
  label: string;
  perSecond: number;
  n: number;
  gateway: number;
  postgres: number;
  postgresServer: number;
  load: number;
  loadName: string;
}
const cpuRows: Row[] = [];

/** A tenant with the bench program and a cashier key, made through the gateway's API. */
async function benchTenant(url: string): Promise<{ tenantId: string; key: string }> {
  const g = await startGatewayProcess({ DATABASE_URL: url, POS_PROCESSES: '1' });
  try {
    const t = await send(g.api, 'POST', '/v1/tenants', OPERATOR, JSON.stringify({ name: 'Бенчмарк', program: BENCH_PROGRAM }));
    if (t?.status !== 201) throw new Error(`tenant not created: ${JSON.stringify(t)}`);
    const { id, adminKey } = JSON.parse(t.text) as { id: string; adminKey: string };
    const k = await send(g.api, 'POST', '/v1/keys', adminKey, JSON.stringify({ channel: CHANNEL }));
    if (k?.status !== 201) throw new Error(`key not issued: ${JSON.stringify(k)}`);
    return { tenantId: id, key: (JSON.parse(k.text) as { key: string }).key };
  } finally {
    g.child.kill('SIGTERM');
    await g.exited;
  }
}

/** Each customer's first purchase, through the ledger in this process: the tills then see returning customers. */
async function seedCustomers(url: string, tenantId: string): Promise<number> {
  const pool = createPool({ connectionString: url, max: 6 });
  const ledger = await Ledger.open({ pool });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < CUSTOMERS) {
        const i = next++;
        await ledger.commit(tenantId, CHANNEL, saleBody(i, i, 'seed'));
      }
    }),
  );
  const rate = CUSTOMERS / ((performance.now() - started) / 1000);
  await ledger.close();
  // What autovacuum would have done by now on a live database. Every phase runs on a copy, and a
  // copy starts with no changes counted, so autovacuum would not analyze it for a long while:
  // without statistics Postgres plans the ledger's statements as if its tables were empty (a
  // customer lookup scanned the table: a single till's commit took 13 ms instead of 4).
  await pool.query('VACUUM ANALYZE');
  await pool.end();
  return rate;
}

/** Records the sales through the real ledger on one copy, replays them bare on another, and measures the replay. */
async function sameRows(server: BenchServer, tenantId: string, o: { tag: string; label: string; short: string; n: number; recordSeconds: number; inFlight: number; writer: { maxBatch: number; concurrency: number }; connections: number }) {
  const recUrl = await server.create(`${o.tag}_rec`, 'seed');
  let rec: Recording | null = await recordSales({
    url: recUrl,
    tenantId,
    channel: CHANNEL,
    n: o.n,
    seconds: o.recordSeconds,
    inFlight: o.inFlight,
    writer: o.writer,
    body: (i) => saleBody(i, Math.floor(Math.random() * CUSTOMERS), `${o.tag}-${Date.now()}`),
  });
  await server.drop(`${o.tag}_rec`);
  const { txns, checks: recorded, meanBatch, largestBatch, failed, seconds: recSeconds } = rec;
  rec = null;
  const repName = `${o.tag}_rep`;
  const clients = await connect(await server.create(repName, 'seed'), o.connections);
  await flushEarlierWrites(server);
  const m = await measured({ adminUrl: server.url, database: server.databaseOf(repName), pids: () => [] }, () => replay(clients, txns, SECONDS));
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
  await server.drop(repName);
  const r = m.value;
  const rate = r.checks / r.seconds;
  console.log(`${o.label.padEnd(58)} ${fmt(rate).padStart(8)} checks/s`);
  console.log(
    `    ${fmt(r.checks)} checks in ${fmt(r.txns)} transactions over ${o.connections} connections in ${r.seconds.toFixed(1)} s; batches of ${meanBatch.toFixed(1)} on average, ${largestBatch} at most`,
  );
  console.log(`    recorded from the ledger in this process: ${fmt(recorded)} checks at ${fmt(recorded / recSeconds)}/s${failed > 0 ? `, ${failed} refused` : ''}`);
  if (r.exhausted) console.log(`    (all of the recording replayed before ${SECONDS} s; ${o.tag === 'ceiling' ? 'CEILING_CHECKS' : 'BASELINE_CHECKS'} and RECORD_SECONDS make it longer)`);
  if (r.mismatches > 0) console.log(`    WARNING: ${r.mismatches} replayed writes wrote other row counts than the recording`);
  cpuRows.push({ label: o.short, perSecond: rate, n: r.checks, gateway: NaN, postgres: m.postgres, postgresServer: m.postgresServer, load: m.self, loadName: 'replayer' });
  return rate;
}

/**
 * Before each measured phase, Postgres writes out what the phases before it left dirty (CHECKPOINT),
 * so a phase is timed on its own writes. Without it the kernel flushed the last copy's and phase's
 * pages (~200 MB) a few seconds into the next phase, and each COMMIT's fsync queued behind them
 * (README, "The thirteenth pass"). BENCH_CHECKPOINT=0 leaves it out; a user without the right to
 * CHECKPOINT (PG 15: superuser or pg_checkpoint) is told once, and the phases run without it.
 */
const CHECKPOINTS = process.env.BENCH_CHECKPOINT !== '0';
let checkpointRefused = false;
async function flushEarlierWrites(server: BenchServer): Promise<void> {
  if (!CHECKPOINTS || checkpointRefused) return;
  try {
    await server.admin((c) => c.query('CHECKPOINT'));
  } catch (e) {
    checkpointRefused = true;
    console.log(`    (no CHECKPOINT before the phases: ${(e as Error).message}; what earlier phases left to write may slow later ones)`);
  }
}

async function writerStats(g: GatewayProcess): Promise<{ batches: number; operations: number }> {
  const r = await fetch(`${g.api}/metrics`).then((x) => x.text(), () => '');
  const v = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(r)?.[1] ?? NaN);
  return { batches: v('kopilka_writer_batches_total'), operations: v('kopilka_writer_operations_total') };
}

async function overHttp(server: BenchServer, g: GatewayProcess, o: { label: string; short: string; script: string; args: string[]; connections: number; seconds: number; database: string; gc: GcLog | null; rate?: number }) {
  await flushEarlierWrites(server);
  const before = await writerStats(g);
  const from = performance.now();
  const m = await measured({ adminUrl: server.url, database: o.database, pids: () => processTree(g.child.pid!) }, () =>
    wrk({ url: g.pos, script: o.script, args: o.args, seconds: o.seconds, connections: o.connections, threads: WRK_THREADS, rate: o.rate }),
  );
  const to = performance.now();
  const after = await writerStats(g);
  const w: WrkResult = m.value;
  const batches = after.batches - before.batches;
  console.log(
    `${o.label.padEnd(58)} ${fmt(w.rps).padStart(8)} req/s    p50 ${ms(w.p50)} ms   p99 ${ms(w.p99)} ms   p99.9 ${ms(w.p999)} ms   max ${ms(w.max)} ms` +
      (w.non2xx + w.errors > 0 ? `   non-2xx ${w.non2xx}, socket errors ${w.errors}` : ''),
  );
  if (batches > 0) console.log(`    writer (main process): ${fmt(after.operations - before.operations)} checks in ${fmt(batches)} transactions, ${((after.operations - before.operations) / batches).toFixed(1)} a batch`);
  if (o.gc !== null) console.log(`    gateway's heap, ${o.gc.perRequest(from, to, w.requests)}`);
  cpuRows.push({ label: o.short, perSecond: w.rps, n: w.requests, gateway: m.pids, postgres: m.postgres, postgresServer: m.postgresServer, load: w.cpu, loadName: 'wrk' });
  return w;
}

/** Commit, then calculate at many and at few connections, through a gateway process on its own copy. */
/** The phases run on a fresh copy of the seed, or (at size, where a copy would not fit) on `db` itself. */
interface HttpFigures {
  commit: WrkResult;
  commitLow: WrkResult | null;
  /** Commits at a held rate, with the rate asked for. */
  commitHeld: { asked: number; w: WrkResult } | null;
  calc: WrkResult;
  calcLow: WrkResult;
}

async function httpPhases(server: BenchServer, key: string, db?: { url: string; name: string }, ceiling?: number): Promise<HttpFigures> {
  const gwName = 'gateway';
  const gwUrl = db?.url ?? (await server.create(gwName, 'seed'));
  const nodeArgs = process.env.GATEWAY_NODE_ARGS; // e.g. --cpu-prof, to see where the gateway's time goes
  // At size, billing's recount of the month's checks (a scan of millions, right after start) would
  // run through the first phases: it is switched off there and measured apart (README).
  const env: Record<string, string> = { DATABASE_URL: gwUrl, LOG_LEVEL: 'warn', ...(db !== undefined ? { USAGE_RECONCILE_MINUTES: '0' } : {}) };
  // BENCH_GC=1: V8's line per collection (gc-trace.ts), summed per phase as bytes a request allocates and promotes.
  const gc = process.env.BENCH_GC === '1' ? new GcLog() : null;
  const flags = [...(nodeArgs ? nodeArgs.split(/\s+/).filter(Boolean) : []), ...(gc !== null ? ['--trace-gc-nvp'] : [])];
  const gateway = await startGatewayProcess(env, undefined, flags, gc === null ? undefined : (text) => gc.feed(text));
  try {
    const run = `${Date.now()}`;
    const args = (tag: string) => [key, String(CUSTOMERS), `${tag}-${run}`];
    // A fresh process is cold (JIT, program cache, pools): a few seconds of both kinds first, not measured.
    const warm = { url: gateway.pos, seconds: Math.min(3, SECONDS), threads: WRK_THREADS };
    const w1 = await wrk({ ...warm, script: COMMIT_LUA, args: args('warm'), connections: CONNECTIONS });
    const w2 = await wrk({ ...warm, script: CALCULATE_LUA, args: args('warmcalc'), connections: CALC_CONNECTIONS });
    console.log(`gateway warm-up (not measured): ${fmt(w1.requests)} commits, ${fmt(w2.requests)} calculations\n`);
    const database = db?.name ?? server.databaseOf(gwName);
    const phase = (label: string, short: string, script: string, a: string[], connections: number, seconds = SECONDS, rate?: number) =>
      overHttp(server, gateway, { database, seconds, label, short, script, args: a, connections, gc, rate });
    const short = Math.min(SECONDS, 10);
    // BENCH_PHASES=calculate: the warm-up's commits only (to profile calculate alone).
    const commitsToo = process.env.BENCH_PHASES !== 'calculate';
    const commit = commitsToo ? await phase(`3. Kopilka commit over HTTP: ${CONNECTIONS} connections`, `commit, ${CONNECTIONS} connections`, COMMIT_LUA, args('commit'), CONNECTIONS) : w1;
    // The latency of commits at a fraction of the most: wrk cannot hold a rate, fewer connections can.
    const commitLow = commitsToo
      ? await phase(`   Kopilka commit over HTTP: ${COMMIT_LOW_CONNECTIONS} connections`, `commit, ${COMMIT_LOW_CONNECTIONS} connections`, COMMIT_LUA, args('commitlow'), COMMIT_LOW_CONNECTIONS, short)
      : null;
    const rate = COMMIT_RATE ?? (ceiling === undefined ? null : ceiling / 4);
    const commitHeld =
      commitsToo && rate !== null
        ? { asked: rate, w: await phase(`   Kopilka commit over HTTP: held at ${fmt(rate)}/s`, `commit, held at ${fmt(rate)}/s`, COMMIT_LUA, args('commitheld'), HELD_CONNECTIONS, HELD_SECONDS, rate) }
        : null;
    // One till alone: its commit waits for no one else's batch, only for its own transaction.
    if (commitsToo) await phase('   Kopilka commit over HTTP: 1 connection (one till)', 'commit, 1 connection', COMMIT_LUA, args('commitone'), 1, short);
    // BENCH_PHASES=commit: the commit phases only (to profile commits alone).
    if (process.env.BENCH_PHASES === 'commit') return { commit, commitLow, commitHeld, calc: w2, calcLow: w2 };
    // Returning customers: each of RETURNING buys once first (not measured), so the writer has
    // cached their records, as a till prices the next check of someone who bought before.
    // Long enough at the commit rate just measured for every one of them to buy once.
    const visitSeconds = Math.min(120, Math.ceil((1.5 * RETURNING) / Math.max(commit.rps, 100)) + 1);
    const visit = await wrk({ ...warm, seconds: visitSeconds, script: COMMIT_LUA, args: [key, String(RETURNING), `visit-${run}`, `seq:${WRK_THREADS}`], connections: 64 });
    const everyone = visit.requests - visit.non2xx - visit.errors >= RETURNING;
    console.log(`    (then ${fmt(visit.requests)} purchases by ${fmt(RETURNING)} returning customers${everyone ? ', each of them at least once' : ': NOT all of them, the run was too short'}; not measured)`);
    const returning = [key, String(RETURNING), `calc-${run}`];
    const calc = await phase(`   calculate, returning customers: ${CALC_CONNECTIONS} connections`, `calculate, ${CALC_CONNECTIONS} connections`, CALCULATE_LUA, returning, CALC_CONNECTIONS);
    const calcLow = await phase(`   calculate, returning customers: ${CALC_LOW_CONNECTIONS} connections`, `calculate, ${CALC_LOW_CONNECTIONS} connections`, CALCULATE_LUA, returning, CALC_LOW_CONNECTIONS, short);
    await phase(`   calculate, any of ${fmt(CUSTOMERS)} (mostly read from Postgres): ${CALC_CONNECTIONS} conn.`, 'calculate, any customer', CALCULATE_LUA, args('calcany'), CALC_CONNECTIONS, short);
    console.log(`    (wrk is closed-loop: Debian's wrk has no fixed-rate -R, wrk2 is not packaged; so calculate is measured at the most it answers and at a few connections, not at a set rate)`);
    return { commit, commitLow, commitHeld, calc, calcLow };
  } finally {
    gateway.child.kill('SIGTERM');
    await Promise.race([gateway.exited, new Promise((r) => setTimeout(r, 5000))]);
  }
}

function printSummary(ceiling: number, single: number, h: HttpFigures): void {
  const { commit, calc, calcLow } = h;
  console.log('\n4. Ratios');
  console.log(`  commit over HTTP ÷ same-rows ceiling:            ${(commit.rps / ceiling).toFixed(2)}`);
  console.log(`  same-rows ceiling ÷ one transaction per check:   ${(ceiling / single).toFixed(1)}×`);
  console.log(`  commit over HTTP ÷ one transaction per check:    ${(commit.rps / single).toFixed(1)}×`);
  printTargets(h, ceiling);
  printCpu();
}

function printTargets({ commit, commitLow, commitHeld, calc, calcLow }: HttpFigures, ceiling?: number): void {
  console.log(`  commit vs target 15,000/s with p99 ≤ 25 ms:      ${((commit.rps / 15_000) * 100).toFixed(0)}% of the rate, p99 ${ms(commit.p99)} ms (${commit.p99 <= 25 ? 'within' : 'over'})`);
  if (commitLow !== null) {
    const share = ceiling === undefined ? '' : ` = ${((commitLow.rps / ceiling) * 100).toFixed(0)}% of the ceiling`;
    console.log(`  ${`commit at ${COMMIT_LOW_CONNECTIONS} connections:`.padEnd(48)} ${fmt(commitLow.rps)}/s${share}, p99 ${ms(commitLow.p99)} ms (as many as ${COMMIT_LOW_CONNECTIONS} tills get answered)`);
  }
  if (commitHeld !== null) {
    const { asked, w } = commitHeld;
    const of = ceiling === undefined ? '' : ` = ${((w.rps / ceiling) * 100).toFixed(0)}% of the ceiling`;
    const verdict = w.rps < asked * 0.95 ? 'the rate was NOT held' : w.p99 <= 25 ? 'within' : 'over';
    console.log(`  ${`commit held at ${fmt(asked)}/s:`.padEnd(48)} ${fmt(w.rps)}/s${of}, p99 ${ms(w.p99)} ms (target at half of 50 % of the ceiling: p99 ≤ 25 ms; ${verdict})`);
  }
  console.log(`  calculate vs target 10,000/s with p99 ≤ 5 ms:    ${((calc.rps / 10_000) * 100).toFixed(0)}% of the rate at most; p99 ${ms(calc.p99)} ms at ${CALC_CONNECTIONS} connections, ${ms(calcLow.p99)} ms at ${CALC_LOW_CONNECTIONS} (${fmt(calcLow.rps)}/s)`);
}

function printCpu(): void {
  console.log('\n5. CPU per check, µs (user + system, from /proc)');
  console.log(`  ${'per check or request'.padEnd(32)} ${'gateway'.padStart(8)} ${'Postgres'.padStart(9)} ${'PG server'.padStart(10)} ${'load'.padStart(8)}`);
  for (const r of cpuRows) {
    console.log(`  ${r.label.padEnd(32)} ${us(r.gateway, r.n).padStart(8)} ${us(r.postgres, r.n).padStart(9)} ${us(r.postgresServer, r.n).padStart(10)} ${us(r.load, r.n).padStart(8)}  (${r.loadName})`);
  }
  console.log(`  (Postgres: the sessions of the phase's database; PG server: WAL writer, checkpointer, background writer, whoever made them busy)`);
  const c = cpuRows.find((r) => r.loadName === 'wrk')!;
  if (Number.isFinite(c.load) && c.n > 0) {
    const cores = (x: number) => (Number.isFinite(x) ? ((x / c.n) * 15_000).toFixed(2) : 'n/a');
    console.log(`  at 15,000 checks/s wrk alone would take ${cores(c.load)} cores, the gateway ${cores(c.gateway)}, Postgres ${cores(c.postgres + c.postgresServer)}`);
  }
  if (cpuRows.some((r) => Number.isNaN(r.postgres))) console.log('  (Postgres is not on this machine, or its processes are not visible: its CPU is not measured)');
}

ensureWrk();
const server = await benchServer();
try {
  console.log(`Kopilka benchmark: ${cpus().length} cores, Node ${process.version}, ${SECONDS} s a phase, ${fmt(CUSTOMERS)} customers`);
  console.log(`  Postgres: ${server.label}; ${await postgresSettings(server)}`);
  console.log(
    `  gateway: POS_PROCESSES=${process.env.POS_PROCESSES ?? '1'} WORKERS=${process.env.WORKERS ?? '0'} PG_POOL_SIZE=${process.env.PG_POOL_SIZE ?? '12'} writer maxBatch ${WRITER.maxBatch}, ${WRITER.concurrency} writers` +
      `; load: wrk, ${WRK_THREADS} threads\n`,
  );
  if (AT_SIZE !== null) await atSize(server, AT_SIZE);
  else await atSeedSize(server);
} finally {
  await server.close();
}

/** The server settings that move the figures at size (README "The tenth pass"), printed so a run can be repeated. */
async function postgresSettings(server: BenchServer): Promise<string> {
  const names = ['server_version', 'shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression'];
  const r = await server.admin((c) => c.query<{ name: string; setting: string }>('SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name', [names]));
  return r.rows.map((x) => `${x.name} ${x.setting}`).join(', ');
}

async function atSeedSize(server: BenchServer): Promise<void> {
  const seedUrl = await server.create('seed');
  const { tenantId, key } = await benchTenant(seedUrl);
  const seedRate = await seedCustomers(seedUrl, tenantId);
  console.log(`seeded ${fmt(CUSTOMERS)} customers with a purchase each (${fmt(seedRate)}/s through the ledger); analyzed (VACUUM ANALYZE); every phase starts from a copy${CHECKPOINTS ? ', after a CHECKPOINT' : ''}\n`);

  if (['http', 'calculate', 'commit'].includes(process.env.BENCH_PHASES ?? '')) {
    await httpPhases(server, key);
    printCpu();
  } else await allPhases(server, tenantId, key);
}

/**
 * At size: a database of `n` customers seeded by COPY (kept between runs: seeding 10M takes most of
 * an hour; BENCH_DROP=1 drops it after), the HTTP phases on it, then the sweeper's work per minute.
 * The same-rows phases are left out: each needs two copies of the database, which at 10M do not fit
 * on a disk that holds one.
 */
async function atSize(server: BenchServer, n: number): Promise<void> {
  const db = await sizeDatabase(server, n);
  console.log(`database of ${fmt(n)} customers: ${db.summary}; the gateway runs with USAGE_RECONCILE_MINUTES=0`);
  console.log(`${process.env.BENCH_COLD === '1' ? 'not warmed (BENCH_COLD=1): the phases read what a check touches from disk as they go' : await warmWorkingSet(db.url)}\n`);
  const h = await httpPhases(server, db.cashierKey, db);
  console.log('\n4. Against the targets');
  printTargets(h);
  printCpu();
  // BENCH_PHASES picks HTTP phases to look at one by one: the sweeper's five minutes are left out then.
  if (process.env.BENCH_PHASES === undefined) {
    console.log('\n6. The sweeper at this size');
    for (const line of await sweeperPerMinute(db.url)) console.log(`  ${line}`);
  }
  if (process.env.BENCH_DROP === '1') await dropSizeDatabase(server, db.name);
}

async function allPhases(server: BenchServer, tenantId: string, key: string): Promise<void> {
  const ceiling = await sameRows(server, tenantId, {
    tag: 'ceiling',
    label: `1. Same-rows ceiling: Kopilka's statements, bare SQL`,
    short: 'same-rows ceiling (batches)',
    n: CEILING_CHECKS,
    recordSeconds: RECORD_SECONDS,
    inFlight: CONNECTIONS,
    writer: WRITER,
    connections: WRITER.concurrency,
  });
  const single = await sameRows(server, tenantId, {
    tag: 'single',
    label: `2. Same rows, one transaction per check`,
    short: 'same rows, one tx per check',
    n: BASELINE_CHECKS,
    // One check per transaction records about as fast as it replays.
    recordSeconds: Math.min(RECORD_SECONDS, SECONDS),
    inFlight: BASELINE_CONNECTIONS,
    writer: { maxBatch: 1, concurrency: BASELINE_CONNECTIONS },
    connections: BASELINE_CONNECTIONS,
  });
  console.log('');
  printSummary(ceiling, single, await httpPhases(server, key, undefined, ceiling));
}
