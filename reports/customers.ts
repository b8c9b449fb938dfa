import ExcelJS from 'exceljs';
import type { CustomerReport, LostCustomer } from '../ledger/index.ts';

// The customer reports as people read them: one workbook with the totals, the attraction by
// registration source and (when asked) a page of lost customers. Money in roubles.

const rub = (k: number) => k / 100;

export async function customersXlsx(r: CustomerReport, lost: readonly LostCustomer[] = []): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const summary = wb.addWorksheet('Клиенты');
  const rows: [string, number][] = [
    ['Клиентов всего', r.total],
    ['Без покупок', r.segments.none],
    ['1 покупка', r.segments.one],
    ['2 покупки', r.segments.two],
    ['3 и более покупок', r.segments.threePlus],
    [`Потерянные (нет покупок ${r.lostDays} дн.)`, r.lost],
    ['Выручка от клиентов, ₽', rub(r.revenue)],
    ['Средняя выручка на покупателя, ₽', rub(r.revenuePerBuyer)],
    ['Средняя выручка на клиента, ₽', rub(r.revenuePerCustomer)],
  ];
  summary.addRow(['Показатель', 'Значение']).font = { bold: true };
  for (const row of rows) summary.addRow(row);
  summary.columns.forEach((c, i) => (c.width = i === 0 ? 40 : 16));

  const src = wb.addWorksheet('Источники');
  src.addRow(['Источник', 'Клиентов', 'Купили', 'Купили повторно', 'Покупок', 'Средний чек, ₽', 'Средняя выручка, ₽', 'Дней между покупками']).font = { bold: true };
  for (const s of r.sources) src.addRow([s.source || '(не указан)', s.customers, s.buyers, s.repeatBuyers, s.purchases, rub(s.averageCheck), rub(s.averageRevenue), s.averageDaysBetween ?? '']);
  src.columns.forEach((c, i) => (c.width = i === 0 ? 24 : 16));

  if (lost.length > 0) {
    const ws = wb.addWorksheet('Потерянные');
    ws.addRow(['Телефон', 'Имя', 'Покупок', 'Сумма покупок, ₽', 'Последняя покупка']).font = { bold: true };
    for (const c of lost) ws.addRow([c.phone ?? '', c.name ?? '', c.purchases, rub(c.totalSpent), new Date(c.lastPurchaseAt)]);
    ws.columns.forEach((c) => (c.width = 20));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
