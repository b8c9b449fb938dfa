import ExcelJS from 'exceljs';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type RouteSpec } from '../connectors/kit/route.ts';
import { KopilkaError, type PromotionRow } from '../ledger/index.ts';

// The promotions' financial effect as people read it (admin key): per promotion the checks it
// discounted, the discount it gave, those checks' revenue less refunds, the average check with it
// and without it, what is left of its budget — as JSON or a workbook. The figures are the
// ledger's daily rollups (ledger/promotions-report.ts). Money in roubles in the workbook.

const HEAD = ['Акция', 'Код', 'Чеков', 'Возвратов', 'Скидка, ₽', 'Выручка, ₽', 'Средний чек с акцией, ₽', 'Средний чек без неё, ₽', 'Остаток бюджета, ₽', 'Остаток бюджета, чеков'];

const cells = (r: PromotionRow) => [
  r.name ?? '(удалена из программы)',
  r.id,
  r.checks,
  r.refunds,
  r.discount / 100,
  r.revenue / 100,
  r.averageWith / 100,
  r.averageWithout / 100,
  r.budgetLeft?.discount == null ? '' : r.budgetLeft.discount / 100,
  r.budgetLeft?.uses ?? '',
];

export async function promotionsXlsx(rows: readonly PromotionRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Акции');
  ws.addRow(HEAD).font = { bold: true };
  for (const r of rows) ws.addRow(cells(r));
  ws.columns.forEach((c, i) => (c.width = i === 0 ? 32 : 16));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function promotionsReportRoute(ctx: ConnectorContext): RouteSpec<any> {
  return route({
    method: 'GET',
    path: '/v1/reports/promotions',
    summary: 'Акции за период: чеки, скидка, выручка, средний чек с акцией и без неё, остаток бюджета (?from=&to=&format=json|xlsx)',
    auth: 'admin',
    handler: async ({ req, tenantId }) => {
      const { format: f, ...query } = req.query;
      const r = await ctx.ledger.promotionsReport(tenantId, query);
      if (f === undefined || f === 'json') return { status: 200, body: r };
      if (f !== 'xlsx') throw new KopilkaError('INVALID_INPUT', 'format — json или xlsx', { field: 'format' });
      return {
        status: 200,
        body: null,
        raw: await promotionsXlsx(r.promotions),
        headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'content-disposition': `attachment; filename="kopilka-promotions-${r.from}-${r.to}.xlsx"` },
      };
    },
  });
}
