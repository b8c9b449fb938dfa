import ExcelJS from 'exceljs';
import type { TenantUsage } from '../billing/invoice.ts';
import type { InvoiceLine } from './invoice-api.ts';

// The invoice as an Excel sheet for the owner's accountant: money in roubles with two decimals,
// the lines and the total as the page shows them.

export async function invoiceXlsx(u: TenantUsage, lines: InvoiceLine[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Kopilka';
  const ws = wb.addWorksheet(`Счёт ${u.month}`);
  ws.addRow([`Счёт за ${u.month}: ${u.name}`]).font = { bold: true, size: 13 };
  ws.addRow([`Каналы продаж: ${u.channelNames.join(', ') || '—'}`]);
  ws.addRow([]);
  const head = ws.addRow(['Услуга', 'Количество', 'Ед.', 'Цена, ₽', 'Сумма, ₽']);
  head.font = { bold: true };
  for (const l of lines) ws.addRow([l.name, l.quantity, l.unit, l.price / 100, l.sum / 100]);
  const total = ws.addRow(['Итого', null, null, null, u.total / 100]);
  total.font = { bold: true };
  ws.getColumn(1).width = 48;
  ws.getColumn(2).width = 12;
  ws.getColumn(3).width = 8;
  ws.getColumn(4).numFmt = '#,##0.00';
  ws.getColumn(4).width = 12;
  ws.getColumn(5).numFmt = '#,##0.00';
  ws.getColumn(5).width = 14;
  return Buffer.from(await wb.xlsx.writeBuffer());
}
