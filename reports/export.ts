import ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import type { CheckExportRow, CustomerExportRow, Ledger } from '../ledger/index.ts';
import { csvField } from './csv.ts';

// Exports for people: the client base and the transactions as CSV (UTF-8 with a BOM and `;`, as
// Russian Excel opens it) or XLSX (exceljs's streaming writer: rows are committed to the zip as
// they come). Pages come from the ledger in keyset order; only one page is ever in memory, and the
// writer waits for the sink to drain, so memory stays flat at any size.

export type ExportFormat = 'csv' | 'xlsx';

interface Column<R> {
  title: string;
  width: number;
  value(r: R): string | number | Date | null;
}

const rub = (kopecks: number) => kopecks / 100;
const points = (hundredths: number) => hundredths / 100;
const GENDER: Record<string, string> = { male: 'М', female: 'Ж' };

export function customerColumns(levelNames: Map<string, string>): Column<CustomerExportRow>[] {
  return [
    { title: 'Телефон', width: 16, value: (r) => r.phone },
    { title: 'ФИО', width: 30, value: (r) => r.name },
    { title: 'Пол', width: 5, value: (r) => (r.gender === null ? null : (GENDER[r.gender] ?? r.gender)) },
    { title: 'Дата рождения', width: 12, value: (r) => r.birthDate },
    { title: 'E-mail', width: 24, value: (r) => r.email },
    { title: 'Комментарий', width: 30, value: (r) => r.comment },
    { title: 'Дата регистрации', width: 12, value: (r) => r.registeredAt.toISOString().slice(0, 10) },
    { title: 'Карта', width: 16, value: (r) => r.cardNumber },
    { title: 'Уровень', width: 14, value: (r) => levelNames.get(r.levelCode) ?? r.levelCode },
    { title: 'Баланс бонусов', width: 12, value: (r) => points(Math.max(0, r.available)) },
    { title: 'Ожидают начисления', width: 12, value: (r) => points(r.pending) },
    { title: 'Количество покупок', width: 10, value: (r) => r.purchases },
    // Rounded to the kopeck: the one division in the export, shown, never summed back.
    { title: 'Средний чек', width: 12, value: (r) => (r.purchases === 0 ? null : rub(Math.round(r.totalSpent / r.purchases))) },
    { title: 'Дата последней покупки', width: 12, value: (r) => r.lastPurchaseAt?.toISOString().slice(0, 10) ?? null },
    { title: 'Сумма покупок', width: 14, value: (r) => rub(r.totalSpent) },
  ];
}

export const CHECK_COLUMNS: Column<CheckExportRow>[] = [
  { title: 'Дата', width: 18, value: (r) => r.occurredAt.toISOString().replace('T', ' ').slice(0, 19) },
  { title: 'Тип', width: 9, value: (r) => (r.kind === 'sale' ? 'продажа' : 'возврат') },
  { title: 'Магазин', width: 12, value: (r) => r.storeId },
  { title: 'Телефон', width: 16, value: (r) => r.phone },
  { title: 'Карта', width: 16, value: (r) => r.cardNumber },
  { title: 'Сумма', width: 12, value: (r) => rub(r.amount) },
  { title: 'Скидка', width: 10, value: (r) => rub(r.discount) },
  { title: 'Списано бонусов', width: 10, value: (r) => points(r.redeemed) },
  { title: 'Начислено бонусов', width: 10, value: (r) => points(r.accrued) },
  { title: 'Уровень', width: 14, value: (r) => r.level },
];

/** Writes pages of rows to the sink as CSV or XLSX; returns how many rows. `onRows` hears progress. */
export async function writeExport<R>(
  sink: Writable,
  format: ExportFormat,
  sheet: string,
  columns: Column<R>[],
  pages: AsyncIterable<R[]>,
  onRows: (n: number) => void = () => {},
): Promise<number> {
  let n = 0;
  if (format === 'csv') {
    await write(sink, `\ufeff${columns.map((c) => csvField(c.title)).join(';')}\r\n`);
    for await (const page of pages) {
      let chunk = '';
      for (const r of page) chunk += `${columns.map((c) => csvCell(c.value(r))).join(';')}\r\n`;
      await write(sink, chunk);
      onRows((n += page.length));
    }
    await new Promise<void>((resolve, reject) => sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
    return n;
  }
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet(sheet);
  ws.columns = columns.map((c) => ({ header: c.title, width: c.width }));
  for await (const page of pages) {
    for (const r of page) ws.addRow(columns.map((c) => c.value(r))).commit();
    onRows((n += page.length));
    // The zip writes into the sink as rows are committed; a slow client must hold the next page back.
    if (sink.writableNeedDrain) await drained(sink);
  }
  ws.commit();
  await wb.commit();
  return n;
}

function csvCell(v: string | number | Date | null): string {
  if (v === null) return '';
  // Russian Excel reads «1234,5» as a number and «1234.5» as text.
  if (typeof v === 'number') return String(v).replace('.', ',');
  const s = v instanceof Date ? v.toISOString() : v;
  // A name a customer typed («=HYPERLINK(…)») must not become a formula in the owner's Excel.
  return csvField(/^[=@\t\r]|^[+-][^\d]/.test(s) ? `'${s}` : s);
}

function write(sink: Writable, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = sink.write(chunk, (e) => (e ? reject(e) : undefined));
    if (ok) resolve();
    else drained(sink).then(resolve, reject);
  });
}

/** The sink has room again — or is gone (the client left the download): then the export stops. */
function drained(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      sink.off('drain', done);
      sink.off('close', gone);
      resolve();
    };
    const gone = () => {
      sink.off('drain', done);
      reject(new Error('the download was closed before the export ended'));
    };
    sink.once('drain', done);
    sink.once('close', gone);
  });
}

export async function exportCustomers(ledger: Ledger, tenantId: string, sink: Writable, format: ExportFormat, onRows?: (n: number) => void): Promise<number> {
  const program = await ledger.program(tenantId);
  const names = new Map(program.levels.map((l) => [l.code, l.name]));
  return writeExport(sink, format, 'Клиенты', customerColumns(names), ledger.exportCustomers(tenantId), onRows);
}

export async function exportTransactions(ledger: Ledger, tenantId: string, sink: Writable, format: ExportFormat, period: { from?: Date; to?: Date } = {}, onRows?: (n: number) => void): Promise<number> {
  return writeExport(sink, format, 'Транзакции', CHECK_COLUMNS, ledger.exportChecks(tenantId, period), onRows);
}
