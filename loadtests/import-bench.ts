import { Writable } from 'node:stream';
import { createPool } from '../ledger/postgres.ts';
import { Ledger, SecretBox } from '../ledger/index.ts';
import { benchDatabase } from './bench-db.ts';
import { exportCustomers } from '../reports/export.ts';
import { dryRunCounts, newImportId, plan, preview, runImport } from '../reports/import.ts';

// The client-base import against a real Postgres: a CSV of N clients (with balances, levels and
// purchase totals) previewed, planned and imported through the ledger's face; prints each step's
// time. EXPORT=200000 then seeds that many customers and exports them, printing RSS before, the
// peak during, and after: memory stays flat.
//   node --import tsx loadtests/import-bench.ts           (ROWS=10000, IN_FLIGHT=512, EXPORT=0)

const ROWS = Number(process.env.ROWS ?? 10_000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 512);
const EXPORT = Number(process.env.EXPORT ?? 0);

const PROGRAM = {
  levels: [
    { code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 },
    { code: 'silver', name: 'Серебряный', threshold: 1_000_000, accrual: { type: 'percent', percent: 7 }, maxRedeemPercent: 50 },
  ],
  activationDays: 0,
  timezone: 'Europe/Moscow',
};

function clientBase(n: number): Buffer {
  const lines = ['ФИО;Телефон;Пол;Дата рождения;Баланс бонусов;Уровень;Сумма покупок;Количество покупок'];
  for (let i = 0; i < n; i++) {
    const phone = `8 (916) ${String(i).padStart(7, '0').replace(/(\d{3})(\d{2})(\d{2})/, '$1-$2-$3')}`;
    lines.push(`Клиент ${i};${phone};${i % 2 ? 'Ж' : 'М'};${String((i % 28) + 1).padStart(2, '0')}.0${(i % 9) + 1}.19${60 + (i % 40)};${i % 3 === 0 ? '0' : `${i % 1000},50`};${i % 10 === 0 ? 'Серебряный' : ''};${(i % 500) * 100},00;${i % 50}`);
  }
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(2);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const db = await benchDatabase();
  const pool = createPool({ connectionString: db.url, max: 12 });
  const ledger = await Ledger.open({ pool, secrets: new SecretBox(Buffer.alloc(32, 7)) });
  try {
    const tenantId = (await ledger.createTenant('bench-import', 'month', PROGRAM)).id;
    const file = clientBase(ROWS);
    let t = performance.now();
    const pv = await preview(ledger, tenantId, file, 'text/csv', 'bench.csv');
    console.log(`preview   ${ROWS} rows (${mb(file.length)}): ${secs(t)} s`);
    t = performance.now();
    const p = await plan(ledger, tenantId, pv.fileId, undefined);
    console.log(`dry run   ${ROWS} rows: ${secs(t)} s  ${JSON.stringify(dryRunCounts(p))}`);
    const id = newImportId();
    await ledger.startImport(tenantId, { id, fileId: p.fileId, dryRun: false, mapping: p.mapping, total: p.total });
    t = performance.now();
    const c = await runImport(ledger, tenantId, id, p, IN_FLIGHT);
    const s = (performance.now() - t) / 1000;
    console.log(`import    ${ROWS} clients, ${IN_FLIGHT} in flight: ${s.toFixed(2)} s = ${(ROWS / s).toFixed(0)} clients/s  ${JSON.stringify(c)}`);
    console.log(`          writer: ${ledger.stats().batches} transactions, largest batch ${ledger.stats().largestBatch}`);
    if (EXPORT > 0) await exportMemory(ledger, pool, tenantId);
  } finally {
    await ledger.close();
    await pool.end();
    await db.drop();
  }
}

/** Seeds EXPORT customers with SQL (the import is measured above) and exports them to a sink that drops the bytes. */
async function exportMemory(ledger: Ledger, pool: ReturnType<typeof createPool>, tenantId: string): Promise<void> {
  await pool.query(
    `INSERT INTO customers (tenant_id, id, phone, name, referral_code, level_code, total_spent, purchases, available, last_purchase_at)
     SELECT $1, 10000000 + g, '+7903' || lpad(g::text, 7, '0'), 'Покупатель ' || g, 'R' || g, 'base', g * 100, g % 40, g % 5000, now()
       FROM generate_series(1, $2::int) g`,
    [tenantId, EXPORT],
  );
  for (const format of ['csv', 'xlsx'] as const) {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let bytes = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((bytes += chunk.length), done()) });
    const t = performance.now();
    const n = await exportCustomers(ledger, tenantId, sink, format);
    clearInterval(sampler);
    console.log(`export    ${n} customers as ${format} (${mb(bytes)}): ${secs(t)} s; RSS before ${mb(before)}, peak ${mb(peak)}, after ${mb(process.memoryUsage().rss)}`);
  }
}

await main();
