import ExcelJS from 'exceljs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, SecretBox } from '../ledger/index.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { decodeCsv, parseCsv } from './csv.ts';
import { exportCustomers, exportTransactions, type ExportFormat } from './export.ts';
import { LEVELS_PROGRAM } from './fixtures/programs.ts';
import { liabilityReport, liabilityXlsx } from './liability.ts';

// Exports and the liability report against a real Postgres, through the ledger's face.

let db: TestDatabase;
let ledger: Ledger;
let tenantId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(Buffer.alloc(32, 1)) });
  tenantId = (await ledger.createTenant('Пекарня', 'month', LEVELS_PROGRAM)).id;
  // Twelve customers: ids 1…12 cross a digit boundary inside a page (text order would lose some).
  for (let i = 1; i <= 12; i++) await ledger.registerCustomer(tenantId, { phone: `+7916000${String(i).padStart(4, '0')}`, name: `Клиент ${i}`, gender: i % 2 ? 'male' : 'female' });
  await ledger.commit(tenantId, 'api', sale('s1', '+79160000001', 150_000, 'store-1'));
  await ledger.commit(tenantId, 'api', sale('s2', '+79160000002', 20_000, 'store-2'));
  await ledger.grant(tenantId, (await ledger.customer(tenantId, { phone: '+79160000003' })).id, { points: 5_000, kind: 'import', key: 'x:1' });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

function sale(externalId: string, phone: string, amount: number, storeId: string) {
  return {
    externalId,
    occurredAt: new Date().toISOString(),
    storeId,
    customer: { phone },
    lines: [{ lineNo: 1, productId: 'bread', quantity: 1000, price: amount, amount }],
    payments: [{ type: 'card', amount }],
  };
}

async function exported(write: (sink: Writable, f: ExportFormat) => Promise<number>, f: ExportFormat): Promise<{ n: number; bytes: Buffer }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) });
  const n = await write(sink, f);
  return { n, bytes: Buffer.concat(chunks) };
}

describe('exports', () => {
  it('pages the whole client base in id order, whatever the page size', async () => {
    const ids: string[] = [];
    for await (const page of ledger.exportCustomers(tenantId, { pageSize: 5 })) ids.push(...page.map((r) => r.id));
    expect(ids.map(Number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('writes the client base as CSV for Russian Excel: BOM, `;`, comma decimals, level names', async () => {
    const { n, bytes } = await exported((s, f) => exportCustomers(ledger, tenantId, s, f), 'csv');
    expect(n).toBe(12);
    expect(bytes.subarray(0, 3).toString('hex')).toBe('efbbbf');
    const recs = parseCsv(decodeCsv(bytes).text, ';');
    expect(recs[0]!.cells).toEqual(['Телефон', 'ФИО', 'Пол', 'Дата рождения', 'E-mail', 'Комментарий', 'Дата регистрации', 'Карта', 'Уровень', 'Баланс бонусов', 'Ожидают начисления', 'Количество покупок', 'Средний чек', 'Дата последней покупки', 'Сумма покупок']);
    const first = recs.find((r) => r.cells[0] === '+79160000001')!.cells;
    // 1,500 ₽ at 5 %: 75 points.
    expect([first[1], first[2], first[8], first[9], first[11], first[12], first[14]]).toEqual(['Клиент 1', 'М', 'Базовый', '75', '1', '1500', '1500']);
  });

  it('writes the transactions as XLSX, and only those of the period asked', async () => {
    const { n, bytes } = await exported((s, f) => exportTransactions(ledger, tenantId, s, f), 'xlsx');
    expect(n).toBe(2);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    const row = wb.worksheets[0]!.getRow(2).values as unknown[];
    expect(row.slice(2)).toEqual(['продажа', 'store-1', '+79160000001', undefined, 1500, 0, 0, 75, 'Базовый']);
    const none = await exported((s, f) => exportTransactions(ledger, tenantId, s, f, { to: new Date('2020-01-01') }), 'csv');
    expect(none.n).toBe(0);
  });
});

describe('bonus liability', () => {
  it('owes the open bonuses by store and accrual month, grants and imports without a store', async () => {
    const r = await liabilityReport(ledger, tenantId);
    const month = r.asOf.slice(0, 7);
    expect(r.rows).toEqual([
      { store: null, month, available: 5_000, pending: 0, total: 5_000, lots: 1 },
      { store: 'store-1', month, available: 7_500, pending: 0, total: 7_500, lots: 1 },
      { store: 'store-2', month, available: 1_000, pending: 0, total: 1_000, lots: 1 },
    ]);
    expect(r.totals).toEqual({ available: 13_500, pending: 0, total: 13_500 });
    expect(r.burnRate).toBeNull();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await liabilityXlsx(r)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Обязательства', 'Сгорание']);
    expect(wb.worksheets[0]!.getRow(5).values).toEqual([undefined, 'Итого', '', 135, 0, 135]);
  });
});
