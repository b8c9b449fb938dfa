import { Ledger } from '../ledger/ledger.ts';
import { createPool } from '../ledger/postgres.ts';
import { benchDatabase } from './bench-db.ts';

// Ledger micro-benchmark: the same commits through the group-commit writer, first one check per
// transaction (maxBatch 1), then batches of up to 1000. Prints checks/s and the ratio.
//   npm run bench:ledger            (CHECKS=20000 CUSTOMERS=5000 to change the size)

const CHECKS = Number(process.env.CHECKS ?? 20_000);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 5_000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 2_000);

function check(i: number, run: string) {
  const amount = 10_000 + (i % 50) * 1_000;
  return {
    externalId: `${run}-${i}`,
    occurredAt: new Date().toISOString(),
    customer: { phone: `+7999${String(i % CUSTOMERS).padStart(7, '0')}` },
    lines: [
      { lineNo: 1, productId: 'sku-1', groupId: 'coffee', quantity: 1000, price: amount, amount },
      { lineNo: 2, productId: 'sku-2', groupId: 'bakery', quantity: 2000, price: 7_500, amount: 15_000 },
    ],
    payments: [{ type: 'card', amount: amount + 15_000 }],
  };
}

async function run(label: string, url: string, maxBatch: number, concurrency: number, n: number, inFlight: number): Promise<number> {
  const pool = createPool({ connectionString: url, max: 8 });
  const ledger = await Ledger.open({ pool, writer: { maxBatch, concurrency }, workers: Number(process.env.WORKERS ?? 0) });
  const tenant = (await ledger.createTenant(`bench-${label}`)).id;
  // Customers exist before the clock starts, so both runs measure the same work.
  await Promise.all(Array.from({ length: Math.min(CUSTOMERS, n) }, (_, i) => ledger.commit(tenant, 'api', check(i, `${label}-warm`))));
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await ledger.commit(tenant, 'api', check(i, label));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const rate = n / seconds;
  console.log(
    `${label.padEnd(26)} ${String(n).padStart(7)} checks in ${seconds.toFixed(2).padStart(6)} s = ${rate.toFixed(0).padStart(6)} checks/s` +
      `   (transactions: ${ledger.writer.stats.batches}, largest batch: ${ledger.writer.stats.largestBatch})`,
  );
  await ledger.close();
  await pool.end();
  return rate;
}

const db = await benchDatabase();
try {
  console.log(`Postgres: ${db.label}; ${CUSTOMERS} customers; checks of 2 lines with accrual\n`);
  const single = await run('batch 1 (one tx per check)', db.url, 1, 1, Math.min(CHECKS, 3_000), 64);
  const grouped = await run('batch ≤1000, 2 writers', db.url, 1000, 2, CHECKS, IN_FLIGHT);
  console.log(`\ngroup commit: ×${(grouped / single).toFixed(1)} the checks/s of one transaction per check`);
} finally {
  await db.drop();
}
