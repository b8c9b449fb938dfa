import ExcelJS from 'exceljs';
import type { MessageCostRow } from '../ledger/index.ts';
import { csvField } from './csv.ts';

// What messages cost, as people read it: a workbook or a CSV for Excel of the ledger's rows
// (ledger/message-costs.ts). Money in roubles.

const BY = { topic: 'Тема', channel: 'Канал', month: 'Месяц' } as const;
const HEAD = ['Отправлено', 'Не доставлено', 'Стоимость, ₽', 'SMS без стоимости (учтены по старому способу)'];

const cells = (r: MessageCostRow) => [r.key, r.sent, r.failed, r.cost / 100, r.uncosted];
const total = (rows: readonly MessageCostRow[]): MessageCostRow =>
  rows.reduce((t, r) => ({ key: 'Итого', sent: t.sent + r.sent, failed: t.failed + r.failed, cost: t.cost + r.cost, uncosted: t.uncosted + r.uncosted }), { key: 'Итого', sent: 0, failed: 0, cost: 0, uncosted: 0 });

export function messagesTotal(rows: readonly MessageCostRow[]): MessageCostRow {
  return total(rows);
}

export async function messagesXlsx(by: keyof typeof BY, rows: readonly MessageCostRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Сообщения');
  ws.addRow([BY[by], ...HEAD]).font = { bold: true };
  for (const r of rows) ws.addRow(cells(r));
  ws.addRow(cells(total(rows))).font = { bold: true };
  ws.columns.forEach((c, i) => (c.width = i === 0 ? 24 : 16));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function messagesCsv(by: keyof typeof BY, rows: readonly MessageCostRow[]): string {
  const field = (v: string | number) => (typeof v === 'number' ? String(v).replace('.', ',') : csvField(v));
  return `\ufeff${[[BY[by], ...HEAD], ...[...rows, total(rows)].map(cells)].map((row) => row.map(field).join(';')).join('\r\n')}\r\n`;
}
