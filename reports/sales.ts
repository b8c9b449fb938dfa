import ExcelJS from 'exceljs';
import type { SalesRow } from '../ledger/index.ts';

// The sales report as people read it: a workbook or a CSV for Excel of the rows the ledger sums
// from its daily rollups (ledger/sales-report.ts). Money in roubles, bonuses in points.

const HEAD = ['Период', 'Разрез', 'Чеков', 'С клиентом', 'Возвратов', 'Выручка, ₽', 'Средний чек, ₽', 'Средняя скидка, ₽', 'Скидки, ₽', 'Начислено бонусов', 'Списано бонусов'];

const cells = (r: SalesRow) => [r.period, r.key ?? '', r.checks, r.identified, r.refunds, r.revenue / 100, r.averageCheck / 100, r.averageDiscount / 100, r.discount / 100, r.accrued / 100, r.redeemed / 100];

export async function salesXlsx(rows: readonly SalesRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Продажи');
  ws.addRow(HEAD).font = { bold: true };
  for (const r of rows) ws.addRow(cells(r));
  ws.columns.forEach((c, i) => (c.width = i < 2 ? 14 : 16));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** UTF-8 with a BOM and `;`, decimal commas: what Excel in a Russian locale opens as is. */
export function salesCsv(rows: readonly SalesRow[]): string {
  const field = (v: string | number) => (typeof v === 'number' ? String(v).replace('.', ',') : /[;"\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return `\ufeff${[HEAD, ...rows.map(cells)].map((row) => row.map(field).join(';')).join('\r\n')}\r\n`;
}
