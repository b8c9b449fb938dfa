import { PassThrough } from 'node:stream';
import { z } from 'zod';
import type { Connector, ConnectorContext } from '../connectors/kit/context.ts';
import { route } from '../connectors/kit/route.ts';
import { KopilkaError, zonedMidnight } from '../ledger/index.ts';
import { exportCustomers, exportTransactions, type ExportFormat } from './export.ts';
import { checkRows, dryRun, newImportId, openImport, preview, runImport, type Opened } from './import.ts';
import { liabilityReport, liabilityXlsx } from './liability.ts';
import { salesCsv, salesXlsx } from './sales.ts';
import { customersXlsx } from './customers.ts';
import { mappingSchema } from './mapping.ts';
import { promotionsReportRoute } from './promotions-report.ts';
import { replayRoutes } from './replay-routes.ts';
import { communicationReportRoutes } from './communication-reports.ts';
import { messagesCsv, messagesTotal, messagesXlsx } from './messages.ts';

// The HTTP face of imports and exports (admin key). An import is uploaded once (preview), checked
// (dry run), then run in the background: its job is read while it runs.

/** A client base of 100,000 rows with every column is ~15 MB as CSV; room for twice that. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

const importRequestSchema = z
  .object({
    fileId: z.string().regex(/^f[0-9a-f]{24}$/, 'идентификатор файла из ответа /v1/imports/preview'),
    /** Field → header name or column number; omitted: the suggested mapping. */
    mapping: mappingSchema.optional(),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .meta({ title: 'импорт клиентской базы' });

const FORMATS = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;

export const reportsConnector: Connector = {
  name: 'reports',
  routes: (ctx) => [
    promotionsReportRoute(ctx),
    ...replayRoutes(ctx),
    ...communicationReportRoutes(ctx),
    route({
      method: 'POST',
      path: '/v1/imports/preview',
      summary: 'Загрузка клиентской базы (CSV или XLSX): первые строки и предлагаемое сопоставление столбцов',
      auth: 'admin',
      bodyLimit: IMPORT_BODY_LIMIT,
      handler: async ({ req, tenantId }) => ({
        status: 200,
        body: await preview(ctx.ledger, tenantId, req.body, req.headers['content-type'], req.query.name ?? null),
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/imports',
      summary: 'Проверка (dryRun) или импорт загруженной клиентской базы',
      auth: 'admin',
      input: importRequestSchema,
      handler: async ({ input, tenantId }) => {
        const opened = await openImport(ctx.ledger, tenantId, input.fileId, input.mapping);
        if (input.dryRun) return { status: 200, body: await dryRun(ctx.ledger, tenantId, await checkRows(ctx.ledger, tenantId, opened)) };
        const id = newImportId();
        await ctx.ledger.startImport(tenantId, { id, fileId: opened.fileId, dryRun: false, mapping: opened.mapping, total: opened.table.rows.length });
        // Runs past the answer (checking 100,000 rows alone takes seconds); the job row says how far it got.
        void importInBackground(ctx, tenantId, id, opened);
        return { status: 202, body: await ctx.ledger.importJob(tenantId, id) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/imports/:id',
      summary: 'Ход импорта: счётчики и ошибочные строки',
      auth: 'admin',
      handler: async ({ req, tenantId }) => {
        const job = await ctx.ledger.importJob(tenantId, req.params.id ?? '');
        if (job === null) throw new KopilkaError('NOT_FOUND', 'Импорт не найден');
        return { status: 200, body: job };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/exports/customers',
      summary: 'Выгрузка клиентской базы (CSV для Excel или XLSX)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => {
        const f = format(req.query.format);
        return download(ctx, f, 'clients', await ctx.ledger.countCustomers(tenantId), (sink) => exportCustomers(ctx.ledger, tenantId, sink, f));
      },
    }),
    route({
      method: 'GET',
      path: '/v1/exports/transactions',
      summary: 'Выгрузка транзакций за период (CSV для Excel или XLSX)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => {
        const f = format(req.query.format);
        // Days in the shop's own zone: «today» at 00:30 in Moscow is not yesterday.
        const zone = await ctx.ledger.timeZone(tenantId);
        const period = { from: day(req.query.from, 'from', zone), to: day(req.query.to, 'to', zone) };
        const total = await ctx.ledger.countChecks(tenantId, period.from, period.to);
        return download(ctx, f, 'transactions', total, (sink) => exportTransactions(ctx.ledger, tenantId, sink, f, period));
      },
    }),
    route({
      method: 'GET',
      path: '/v1/reports/sales',
      summary: 'Продажи за период по дням, неделям или месяцам, по магазинам, кассирам или каналам (?from=&to=&period=&by=&storeId=&cashierId=&format=json|csv|xlsx)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => {
        const { format: f, ...query } = req.query;
        const rows = await ctx.ledger.salesReport(tenantId, query);
        if (f === undefined || f === 'json') return { status: 200, body: { rows } };
        const name = `kopilka-sales-${query.from}-${query.to}`;
        if (f === 'csv') return { status: 200, body: null, raw: salesCsv(rows), headers: { 'content-type': FORMATS.csv, 'content-disposition': `attachment; filename="${name}.csv"` } };
        if (f === 'xlsx') return { status: 200, body: null, raw: await salesXlsx(rows), headers: { 'content-type': FORMATS.xlsx, 'content-disposition': `attachment; filename="${name}.xlsx"` } };
        throw new KopilkaError('INVALID_INPUT', 'format — json, csv или xlsx', { field: 'format' });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/reports/customers',
      summary: 'Клиенты: всего, по числу покупок, потерянные, выручка на клиента, привлечение по источникам (?lostDays=90&from=&to=&format=json|xlsx)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => {
        const { format: f, ...query } = req.query;
        const r = await ctx.ledger.customerReport(tenantId, query);
        if (f === undefined || f === 'json') return { status: 200, body: r };
        if (f !== 'xlsx') throw new KopilkaError('INVALID_INPUT', 'format — json или xlsx', { field: 'format' });
        const lost = await ctx.ledger.lostCustomers(tenantId, { days: r.lostDays, limit: 1000 });
        return { status: 200, body: null, raw: await customersXlsx(r, lost.items), headers: { 'content-type': FORMATS.xlsx, 'content-disposition': 'attachment; filename="kopilka-customers.xlsx"' } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/reports/customers/lost',
      summary: 'Потерянные клиенты: нет покупок N дней, страницами (?days=90&limit=100&after=<next>)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => ({ status: 200, body: await ctx.ledger.lostCustomers(tenantId, req.query) }),
    }),
    route({
      method: 'GET',
      path: '/v1/reports/messages',
      summary: 'Сообщения за период: отправлено, не доставлено, стоимость — по темам, каналам или месяцам (?from=&to=&by=topic|channel|month&format=json|csv|xlsx)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => {
        const { format: f, ...query } = req.query;
        const r = await ctx.ledger.messageCosts(tenantId, query);
        const by = r.by as 'topic' | 'channel' | 'month';
        if (f === undefined || f === 'json') return { status: 200, body: { by, rows: r.rows, total: messagesTotal(r.rows) } };
        const name = `kopilka-messages-${query.from}-${query.to}`;
        if (f === 'csv') return { status: 200, body: null, raw: messagesCsv(by, r.rows), headers: { 'content-type': FORMATS.csv, 'content-disposition': `attachment; filename="${name}.csv"` } };
        if (f === 'xlsx') return { status: 200, body: null, raw: await messagesXlsx(by, r.rows), headers: { 'content-type': FORMATS.xlsx, 'content-disposition': `attachment; filename="${name}.xlsx"` } };
        throw new KopilkaError('INVALID_INPUT', 'format — json, csv или xlsx', { field: 'format' });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/reports/liability',
      summary: 'Обязательства по бонусам: по магазинам и месяцам, с графиком сгорания (JSON или XLSX)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => {
        const r = await liabilityReport(ctx.ledger, tenantId);
        if (req.query.format !== 'xlsx') return { status: 200, body: r };
        const headers = { 'content-type': FORMATS.xlsx, 'content-disposition': `attachment; filename="kopilka-liability-${r.asOf.slice(0, 10)}.xlsx"` };
        return { status: 200, body: null, raw: await liabilityXlsx(r), headers };
      },
    }),
  ],
};

async function importInBackground(ctx: ConnectorContext, tenantId: string, id: string, opened: Opened): Promise<void> {
  const counts = { total: opened.table.rows.length, processed: 0, created: 0, existing: 0, granted: 0, failed: 0 };
  try {
    const c = await runImport(ctx.ledger, tenantId, id, await checkRows(ctx.ledger, tenantId, opened));
    ctx.log.info({ tenantId, importId: id, ...c }, 'import finished');
  } catch (e) {
    // Checking the rows failed (runImport itself never throws): the job says so.
    ctx.log.warn({ tenantId, importId: id, err: (e as Error).message }, 'import failed');
    await ctx.ledger.updateImport(tenantId, id, counts, { status: 'failed', errors: [], error: (e as Error).message }).catch(() => {});
  }
}

function format(q: string | undefined): ExportFormat {
  if (q === undefined || q === 'csv' || q === 'xlsx') return q ?? 'xlsx';
  throw new KopilkaError('INVALID_INPUT', 'Формат выгрузки: csv или xlsx', { field: 'format' });
}

/** The start of a local day (ГГГГ-ММ-ДД) in the shop's time zone. */
function day(q: string | undefined, field: string, zone: string): Date | undefined {
  if (q === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(q);
  const valid = m !== null && !Number.isNaN(new Date(`${q}T00:00:00Z`).getTime());
  if (!valid) throw new KopilkaError('INVALID_INPUT', `Дата «${q}»: нужен формат ГГГГ-ММ-ДД`, { field });
  return new Date(zonedMidnight(Number(m[1]), Number(m[2]), Number(m[3]), zone));
}

/**
 * The file streamed as the export writes it: pages of rows are read only as fast as the client
 * takes the bytes (the writer waits for the sink to drain), so memory stays one page at any size.
 * `X-Total-Rows` says up front how many rows are coming; a client counting CSV lines (or a page
 * showing «N из M») has its progress. A failure half-way cuts the connection: never a short file
 * that looks whole.
 */
function download(ctx: ConnectorContext, f: ExportFormat, name: string, total: number, write: (sink: PassThrough) => Promise<number>): { status: number; body: null; stream: PassThrough; headers: Record<string, string> } {
  const sink = new PassThrough();
  write(sink).catch((e: Error) => {
    ctx.log.warn({ export: name, err: e.message }, 'export failed while streaming');
    sink.destroy(e);
  });
  const stamp = new Date().toISOString().slice(0, 10);
  return {
    status: 200,
    body: null,
    stream: sink,
    headers: {
      'content-type': FORMATS[f],
      'content-disposition': `attachment; filename="kopilka-${name}-${stamp}.${f}"`,
      'x-total-rows': String(total),
      'access-control-expose-headers': 'x-total-rows',
    },
  };
}

