import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { benchDatabase } from './bench-db.ts';
import { checkBody, type ScenarioOptions } from './scenarios.ts';

// `npm run bench`: in one run, on this machine,
//   1. the Postgres ceilings: check-sized rows written in batches of 1000, and one per transaction;
//   2. Kopilka end to end over HTTP (a gateway process, load from this one): commit throughput
//      with p50/p99, then calculate at a fixed rate with p50/p99;
// and the ratios between them, plus where the CPU went (gateway, Postgres, load generator).
// Sizes: BENCH_SECONDS (15), CUSTOMERS (20000), CONNECTIONS (256), CALC_RATE (10000).

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 20_000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 256);
const CALC_RATE = Number(process.env.CALC_RATE ?? 10_000);
const POS_PORT = 18_080;
const API_PORT = 18_081;
const OPERATOR = 'bench-operator-token-0123456789';
const TICK = 100; // clock ticks a second, for /proc CPU times

function cpuOf(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      t += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return t / TICK;
}

/** The gateway and the POS processes it forked (POS_PROCESSES > 1). */
function gatewayPids(root: number): number[] {
  const out = [root];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === root) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

function postgresPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

async function pgCeilings(url: string): Promise<{ batched: number; single: number }> {
  const pool = new pg.Pool({ connectionString: url, max: 32 });
  await pool.query(`CREATE TABLE ceiling (tenant_id text, id bigint, external_id text, payload json, amount bigint, at timestamptz DEFAULT now(), PRIMARY KEY (tenant_id, id))`);
  await pool.query('CREATE UNIQUE INDEX ON ceiling (tenant_id, external_id)');
  const payload = JSON.stringify({ lines: [1, 2, 3].map((n) => ({ lineNo: n, productId: `sku-${n}`, amount: 15000, accrued: 1500 })), messages: ['Начислено 150 бонусов'] });
  let id = 0;
  const batch = async (n: number) => {
    const ids = Array.from({ length: n }, () => ++id);
    await pool.query('INSERT INTO ceiling (tenant_id, id, external_id, payload, amount) SELECT $1, i, $1 || i, $2::json, 100 FROM unnest($3::bigint[]) i', ['t', payload, ids]);
  };
  const timed = async (seconds: number, workers: number, f: () => Promise<number>) => {
    const until = performance.now() + seconds * 1000;
    let rows = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: workers }, async () => {
      while (performance.now() < until) rows += await f();
    }));
    return rows / ((performance.now() - started) / 1000);
  };
  const batched = await timed(Math.min(SECONDS, 8), 2, async () => (await batch(1000), 1000));
  const single = await timed(Math.min(SECONDS, 8), 32, async () => (await batch(1), 1));
  await pool.end();
  return { batched, single };
}

async function startGateway(databaseUrl: string): Promise<ChildProcess> {
  const extra = (process.env.GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof to see where the gateway's time goes
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', 'gateway/main.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, POS_PORT: String(POS_PORT), API_PORT: String(API_PORT), HOST: '127.0.0.1', OPERATOR_TOKEN: OPERATOR, LOG_LEVEL: 'warn', RATE_LIMIT_PER_KEY: '1000000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`gateway exited with ${c}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Kopilka is running')) resolve();
    });
  });
  return child;
}

async function post(path: string, key: string, body: unknown, port = API_PORT): Promise<any> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return r.json();
}

async function load(o: { path: string; key: string; body: (i: number) => string; seconds: number; connections: number; rate?: number; amount?: number }) {
  let i = 0;
  const r = await autocannon({
    url: `http://127.0.0.1:${POS_PORT}`,
    connections: o.connections,
    duration: o.seconds,
    ...(o.amount === undefined ? {} : { amount: o.amount }),
    ...(o.rate === undefined ? {} : { overallRate: o.rate }),
    requests: [{ method: 'POST', path: o.path, headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' }, setupRequest: (req: any) => ({ ...req, body: o.body(i++) }) }],
  });
  return { rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

const db = await benchDatabase();
const gatewayDb = await benchDatabase();
let gateway: ChildProcess | null = null;
try {
  console.log(`Kopilka benchmark on ${(await import('node:os')).cpus().length} cores; Postgres: ${db.label}\n`);
  // BENCH_ONLY=commit skips the ceilings and calculate (for profiling the commit path alone).
  const only = process.env.BENCH_ONLY;
  const ceil = only === 'commit' ? { batched: NaN, single: NaN } : await pgCeilings(db.url);
  console.log(`Postgres ceiling, check-sized rows, 1000 per transaction:  ${ceil.batched.toFixed(0).padStart(7)} rows/s`);
  console.log(`Postgres baseline, one transaction per row (32 clients):   ${ceil.single.toFixed(0).padStart(7)} rows/s\n`);

  gateway = await startGateway(gatewayDb.url);
  const t = await post('/v1/tenants', OPERATOR, { name: 'Бенчмарк' });
  const key = (await post('/v1/keys', t.adminKey, { channel: 'cashier' })).key as string;
  const o: ScenarioOptions = { customers: CUSTOMERS, run: `warm-${Date.now()}` };
  // Customers exist before the clock starts: a till mostly sees returning customers.
  const warm = await load({ path: '/v1/checks', key, body: (i) => checkBody(i, o), seconds: 600, connections: Math.min(128, CUSTOMERS), amount: CUSTOMERS });
  console.log(`warm-up: ${warm.total} checks registering ${CUSTOMERS} customers (${warm.rps.toFixed(0)}/s)\n`);

  const pids = gatewayPids(gateway.pid!);
  const pg0 = postgresPids();
  const cpu0 = { gw: cpuOf(pids), pg: cpuOf(pg0), me: process.cpuUsage() };
  const c = await load({ path: '/v1/checks', key, body: (i) => checkBody(i, { customers: CUSTOMERS, run: `commit-${Date.now()}` }), seconds: SECONDS, connections: CONNECTIONS });
  const me = process.cpuUsage(cpu0.me);
  const cpu = { gw: cpuOf(pids) - cpu0.gw, pg: cpuOf(postgresPids()) - cpu0.pg, me: (me.user + me.system) / 1e6 };
  console.log(`Kopilka commit over HTTP (${CONNECTIONS} connections, ${SECONDS} s):  ${c.rps.toFixed(0).padStart(7)} checks/s   p50 ${c.p50} ms   p99 ${c.p99} ms   non-2xx ${c.non2xx}, errors ${c.errors}`);
  console.log(`  CPU seconds during the run: gateway ${cpu.gw.toFixed(1)}, Postgres ${cpu.pg.toFixed(1)}, load generator ${cpu.me.toFixed(1)} (of ${(SECONDS * 2).toFixed(0)} available)`);

  const calc = only === 'commit' ? null : await load({ path: '/v1/checks/calculate', key, body: (i) => checkBody(i, { customers: CUSTOMERS, run: 'calc' }), seconds: Math.min(SECONDS, 10), connections: 100, rate: CALC_RATE });
  if (calc === null) process.exitCode = 0;
  else {
  console.log(`Kopilka calculate at ${CALC_RATE} req/s offered (100 connections):      ${calc.rps.toFixed(0).padStart(7)} req/s      p50 ${calc.p50} ms   p99 ${calc.p99} ms   non-2xx ${calc.non2xx}`);

  console.log('\nRatios');
  console.log(`  commit ÷ Postgres batched ceiling:      ${(c.rps / ceil.batched).toFixed(2)}`);
  console.log(`  commit ÷ one-transaction-per-row base:  ${(c.rps / ceil.single).toFixed(1)}×`);
  console.log(`  commit vs target 15,000/s, p99 ≤ 25 ms: ${((c.rps / 15_000) * 100).toFixed(0)}% of the rate, p99 ${c.p99 <= 25 ? 'within' : 'over'}`);
  console.log(`  calculate p99 vs target 5 ms at ${CALC_RATE}/s: ${calc.p99} ms (${calc.p99 <= 5 ? 'within' : 'over'}), ${((calc.rps / CALC_RATE) * 100).toFixed(0)}% of the offered rate served`);
  }
} finally {
  gateway?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  await db.drop();
  await gatewayDb.drop();
}
