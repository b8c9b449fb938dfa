import ExcelJS from 'exceljs';
import { csvField } from './csv.ts';

// Feedback with NPS, and reactivation chains' results, as workbooks and CSV for the owner. The
// figures are communications/'s own reads (feedback.ts npsReport and listReviews, chains.ts
// chainResults); these types say only what the workbooks need of them, so reports/ stays on
// the ledger's face. Routes that call those reads are the lead's to place (see the report:
// reports/ may not import communications/ under test/imports.test.ts rule (g)).

export interface NpsCounts {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
}

export interface ReviewRow {
  storeId: string | null;
  cashierId: string | null;
  externalId: string | null;
  amount: number;
  purchasedAt: string;
  rating: number | null;
  nps: number | null;
  text: string | null;
  createdAt: string | null;
  answer: string | null;
}

export interface ChainResultRow {
  chain: { id: string; name: string; windowDays: number };
  participants: number;
  active: number;
  finished: number;
  messages: Record<string, number>;
  /** Kopecks. */
  smsCost: number;
  gifts: { count: number; points: number };
  returned: { customers: number; revenue: number };
}

const XLSX_OF = async (wb: ExcelJS.Workbook) => Buffer.from(await wb.xlsx.writeBuffer());
const npsCells = (x: NpsCounts) => [x.responses, x.promoters, x.passives, x.detractors, x.nps ?? ''];

export async function feedbackXlsx(nps: { total: NpsCounts; stores: (NpsCounts & { storeId: string | null })[] }, reviews: readonly ReviewRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('NPS');
  ws.addRow(['Магазин', 'Ответов', 'Промоутеры (9–10)', 'Нейтральные (7–8)', 'Критики (0–6)', 'NPS']).font = { bold: true };
  for (const s of nps.stores) ws.addRow([s.storeId ?? '(без магазина)', ...npsCells(s)]);
  ws.addRow(['Итого', ...npsCells(nps.total)]).font = { bold: true };
  ws.columns.forEach((c, i) => (c.width = i === 0 ? 20 : 14));
  const rs = wb.addWorksheet('Отзывы');
  rs.addRow(['Дата отзыва', 'Магазин', 'Кассир', 'Чек', 'Сумма, ₽', 'Дата покупки', 'Оценка', 'NPS', 'Отзыв', 'Ответ']).font = { bold: true };
  for (const r of reviews) rs.addRow([r.createdAt?.slice(0, 10) ?? '', r.storeId ?? '', r.cashierId ?? '', r.externalId ?? '', r.amount / 100, r.purchasedAt.slice(0, 10), r.rating ?? '', r.nps ?? '', r.text ?? '', r.answer ?? '']);
  rs.columns.forEach((c, i) => (c.width = i >= 8 ? 50 : 14));
  return XLSX_OF(wb);
}

const CHAIN_HEAD = ['Цепочка', 'Участников', 'В цепочке сейчас', 'Прошли до конца', 'Сообщений отправлено', 'Стоимость SMS, ₽', 'Подарков', 'Подарено баллов', 'Вернулись (клиентов)', 'Выручка вернувшихся, ₽', 'Окно возврата, дней'];
const chainCells = (r: ChainResultRow) => [r.chain.name, r.participants, r.active, r.finished, r.messages.sent ?? 0, r.smsCost / 100, r.gifts.count, r.gifts.points / 100, r.returned.customers, r.returned.revenue / 100, r.chain.windowDays];

export async function chainsXlsx(rows: readonly ChainResultRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Цепочки');
  ws.addRow(CHAIN_HEAD).font = { bold: true };
  for (const r of rows) ws.addRow(chainCells(r));
  ws.columns.forEach((c, i) => (c.width = i === 0 ? 30 : 14));
  return XLSX_OF(wb);
}

export function chainsCsv(rows: readonly ChainResultRow[]): string {
  const field = (v: string | number) => (typeof v === 'number' ? String(v).replace('.', ',') : csvField(v));
  return `\ufeff${[CHAIN_HEAD, ...rows.map(chainCells)].map((row) => row.map(field).join(';')).join('\r\n')}\r\n`;
}
