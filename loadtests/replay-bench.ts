import { Ledger, SecretBox } from '../ledger/index.ts';
import { createPool } from '../ledger/postgres.ts';
import { runReplay } from '../reports/replay-run.ts';
import { benchDatabase } from './bench-db.ts';

// What-if replay speed: CHECKS checks (default 200,000) of CUSTOMERS customers recorded through the
// ledger's writer (group commit, as tills would send them), then replayed for the day under the
// program in force (the change must be zero everywhere) and under a proposed one. Prints checks/s
// and the process's memory.
//   node --import tsx loadtests/replay-bench.ts          (CHECKS=200000 CUSTOMERS=20000 IN_FLIGHT=2000)

const CHECKS = Number(process.env.CHECKS ?? 200_000);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 20_000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 2_000);

const PROGRAM = {
  levels: [
    { code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 30 },
    { code: 'silver', name: 'Серебряный', threshold: 500_000, accrual: { type: 'percent', percent: 7 }, discount: { type: 'percent', percent: 3 }, maxRedeemPercent: 50 },
  ],
  activationDays: 0,
  expiry: { mode: 'afterAccrual', days: 180 },
  timezone: 'Europe/Moscow',
};
const PROPOSED = { ...PROGRAM, levels: [{ ...PROGRAM.levels[0]!, accrual: { type: 'percent', percent: 7 } }, { ...PROGRAM.levels[1]!, threshold: 300_000 }] };

function check(i: number) {
  const amount = 10_000 + (i % 50) * 1_000;
  return {
    externalId: `b${i}`,
    occurredAt: new Date().toISOString(),
    customer: i % 10 === 9 ? null : { phone: `+7999${String(i % CUSTOMERS).padStart(7, '0')}` },
    lines: [
      { lineNo: 1, productId: 'sku-1', groupId: 'coffee', quantity: 1000, price: amount, amount },
      { lineNo: 2, productId: 'sku-2', groupId: 'bakery', quantity: 2000, price: 7_500, amount: 15_000 },
    ],
    redeem: i % 10 === 9 ? 0 : i % 4 === 0 ? 'max' : 0,
  };
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const db = await benchDatabase();
const pool = createPool({ connectionString: db.url, max: 8 });
const ledger = await Ledger.open({ pool, secrets: new SecretBox(Buffer.alloc(32, 7)) });
try {
  const tenantId = (await ledger.createTenant('bench-replay', 'month', PROGRAM)).id;
  let t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < CHECKS) await ledger.commit(tenantId, 'api', check(next++));
    }),
  );
  console.log(`Postgres: ${db.label}; seeded ${CHECKS} checks of ${CUSTOMERS} customers in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  // Where a replay's time goes: the ledger's reads, timed as they are awaited.
  const waited: Record<string, number> = {};
  for (const name of ['replayStarts', 'holdingsAt', 'replayOutsideLots'] as const) {
    const f = ledger[name].bind(ledger) as (...a: unknown[]) => Promise<unknown>;
    (ledger as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
      const t0 = performance.now();
      try {
        return await f(...a);
      } finally {
        waited[name] = (waited[name] ?? 0) + performance.now() - t0;
      }
    };
  }
  const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow' }).format(new Date());
  for (const [label, program] of [['same program', PROGRAM], ['proposed program', PROPOSED]] as const) {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    for (const k of Object.keys(waited)) waited[k] = 0;
    t = performance.now();
    const r = await runReplay(ledger, tenantId, { program, from: today, to: today });
    clearInterval(sampler);
    const s = (performance.now() - t) / 1000;
    console.log(
      `replay, ${label.padEnd(16)} ${r.checks} checks, ${r.customers} customers in ${s.toFixed(2)} s = ${Math.round(r.checks / s)} checks/s; RSS ${mb(before)} → peak ${mb(peak)}`,
    );
    console.log(`  reads (ms): ${Object.entries(waited).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
    console.log(`  real: ${JSON.stringify(r.months[0]!.real)}; change: ${JSON.stringify(r.months[0]!.change)}; recorded checks ${await ledger.countChecks(tenantId)}`);
  }
} finally {
  await ledger.close();
  await pool.end();
  await db.drop();
}
