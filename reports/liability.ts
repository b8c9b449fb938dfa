import ExcelJS from 'exceljs';
import type { Ledger } from '../ledger/index.ts';

// The accountant's view of bonuses: what the business owes its customers (open bonuses, spendable
// now and not yet active) by store and the month they were accrued, when they are due to burn, and
// how much of that is expected to burn going by the tenant's own last year (the share of bonuses
// that burnt rather than being spent). Points in hundredths in JSON; in points in the workbook.

export interface LiabilityReport {
  asOf: string;
  rows: { store: string | null; month: string; available: number; pending: number; total: number; lots: number }[];
  totals: { available: number; pending: number; total: number };
  /** Share of bonuses that burnt rather than being spent over the last 12 months, 0…1 (null: no history). */
  burnRate: number | null;
  /** By month of expiry: due to burn as the lots stand, and expected to, at burnRate. */
  burn: { month: string; scheduled: number; expected: number | null }[];
}

export async function liabilityReport(ledger: Ledger, tenantId: string, at = new Date()): Promise<LiabilityReport> {
  const l = await ledger.liability(tenantId, at);
  const rows = l.rows.map((r) => ({ store: r.storeId, month: r.month, available: r.available, pending: r.pending, total: r.available + r.pending, lots: r.lots }));
  const totals = rows.reduce((t, r) => ({ available: t.available + r.available, pending: t.pending + r.pending, total: t.total + r.total }), { available: 0, pending: 0, total: 0 });
  const closed = l.history.expired + l.history.redeemed;
  const burnRate = closed === 0 ? null : l.history.expired / closed;
  return {
    asOf: at.toISOString(),
    rows,
    totals,
    burnRate,
    // Rounded to whole hundredths: an estimate, never posted as it is.
    burn: l.burn.map((b) => ({ month: b.month, scheduled: b.amount, expected: burnRate === null ? null : Math.round(b.amount * burnRate) })),
  };
}

export async function liabilityXlsx(r: LiabilityReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const points = (h: number | null) => (h === null ? null : h / 100);
  const ws = wb.addWorksheet('Обязательства');
  ws.columns = [
    { header: 'Магазин', width: 16 },
    { header: 'Месяц начисления', width: 14 },
    { header: 'Доступно, баллов', width: 16 },
    { header: 'Ожидают активации, баллов', width: 16 },
    { header: 'Всего, баллов', width: 16 },
  ];
  for (const x of r.rows) ws.addRow([x.store ?? 'без магазина (подарки, импорт)', x.month, points(x.available), points(x.pending), points(x.total)]);
  ws.addRow(['Итого', '', points(r.totals.available), points(r.totals.pending), points(r.totals.total)]).font = { bold: true };
  ws.addRow([]);
  ws.addRow([`На ${r.asOf.slice(0, 10)}; 1 балл = 1 ₽ обязательства при оплате баллами`]);
  const burn = wb.addWorksheet('Сгорание');
  burn.columns = [
    { header: 'Месяц сгорания', width: 14 },
    { header: 'По срокам, баллов', width: 16 },
    { header: 'Ожидается сгорит, баллов', width: 18 },
  ];
  for (const b of r.burn) burn.addRow([b.month, points(b.scheduled), points(b.expected)]);
  burn.addRow([]);
  burn.addRow([r.burnRate === null ? 'Истории за 12 месяцев нет: ожидаемое сгорание не оценить' : `Сгорает ${(r.burnRate * 100).toFixed(1)}% бонусов (за последние 12 месяцев)`]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
