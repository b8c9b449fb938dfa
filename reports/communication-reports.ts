import { z } from 'zod';
import { parseInput } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { chainResults, listChains } from '../communications/chains.ts';
import { instants, listReviews, npsReport } from '../communications/feedback.ts';
import { chainsCsv, chainsXlsx, feedbackXlsx } from './communication-workbooks.ts';
import { communicationsOf as comms } from '../communications/running.ts';

// The reports of what talking to customers gave: feedback with NPS by store, and the
// reactivation chains' results — communications/'s own reads, as JSON or a workbook.

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const day = z.iso.date({ message: 'дата ГГГГ-ММ-ДД' });
const feedbackQuery = z.object({ from: day.optional(), to: day.optional(), format: z.enum(['json', 'xlsx']).default('json') });
const chainsQuery = z.object({ format: z.enum(['json', 'csv', 'xlsx']).default('json') });


const file = (raw: Buffer | string, type: string, name: string): ApiResponse => ({ status: 200, body: null, raw, headers: { 'content-type': type, 'content-disposition': `attachment; filename="${name}"` } });

export function communicationReportRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'GET',
      path: '/v1/reports/feedback',
      summary: 'Отзывы и NPS за период по магазинам, со списком отзывов (?from=&to=&format=json|xlsx)',
      auth: 'admin',
      handler: async ({ tenantId, req }) => {
        const q = parseInput(feedbackQuery, req.query, 'отчёт по отзывам');
        const c = comms(ctx);
        const period = await instants(ctx.ledger, tenantId, q);
        const [nps, reviews] = await Promise.all([npsReport(c.o.sql, tenantId, period), listReviews(c.o.sql, tenantId, { ...period, limit: 10_000 })]);
        if (q.format === 'json') return { status: 200, body: { nps, reviews } };
        return file(await feedbackXlsx(nps, reviews), XLSX, 'kopilka-feedback.xlsx');
      },
    }),
    route({
      method: 'GET',
      path: '/v1/reports/chains',
      summary: 'Цепочки возврата: участники, сообщения, стоимость SMS, подарки, вернувшиеся и их выручка (?format=json|csv|xlsx)',
      auth: 'admin',
      handler: async ({ tenantId, req }) => {
        const q = parseInput(chainsQuery, req.query, 'отчёт по цепочкам');
        const c = comms(ctx);
        const rows = await Promise.all((await listChains(c, tenantId)).map((x) => chainResults(c, tenantId, x.id)));
        if (q.format === 'json') return { status: 200, body: { chains: rows } };
        if (q.format === 'csv') return file(chainsCsv(rows), 'text/csv; charset=utf-8', 'kopilka-chains.csv');
        return file(await chainsXlsx(rows), XLSX, 'kopilka-chains.xlsx');
      },
    }),
  ];
}
