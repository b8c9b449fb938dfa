import ExcelJS from 'exceljs';
import type { Compared, ReplayReport } from './replay-run.ts';

// The replay as an owner reads it: per month the real figures, the proposed program's and the
// change, then the totals. Money in roubles, bonuses in points.

const HEAD = ['Месяц', '', 'Чеков', 'Выручка, ₽', 'Скидки, ₽', 'Начислено бонусов', 'Списано бонусов', 'Обязательства на конец, баллов'];
const LABEL = { real: 'было', proposed: 'по новой программе', change: 'разница' } as const;

const cells = (f: Omit<Compared, 'liability'> & { liability?: number }) => [f.checks, f.revenue / 100, f.discount / 100, f.accrued / 100, f.redeemed / 100, f.liability === undefined ? null : f.liability / 100];

export async function replayXlsx(r: ReplayReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Что было бы');
  ws.addRow([`Проигрывание чеков с ${r.from} по ${r.to}: ${r.checks} чеков, ${r.customers} клиентов`]).font = { bold: true };
  ws.addRow(HEAD).font = { bold: true };
  for (const m of r.months) for (const k of ['real', 'proposed', 'change'] as const) ws.addRow([m.month, LABEL[k], ...cells(m[k])]);
  for (const k of ['real', 'proposed', 'change'] as const) ws.addRow(['Итого', LABEL[k], ...cells(r.totals[k])]).font = { bold: true };
  if (r.failed > 0) ws.addRow([`${r.failed} чеков новая программа не смогла бы провести: они учтены как были`]);
  ws.columns.forEach((c, i) => (c.width = i < 2 ? 18 : 16));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
