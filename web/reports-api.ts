import type { ConnectorContext } from '../connectors/kit/context.ts';
import { KopilkaError } from '../ledger/index.ts';
import { route, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { customersXlsx } from '../reports/customers.ts';
import { salesXlsx } from '../reports/sales.ts';
import { signedIn } from './session.ts';

// The cabinet's «Отчёты»: the same reports as /v1/reports/* (the ledger's face and the same
// workbooks), for an owner signed in on the pages. `format=xlsx` answers a file to download: a
// plain link, since a GET needs no CSRF header and the cookie is same-site.

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function file(raw: Buffer, name: string): ApiResponse {
  return { status: 200, body: null, raw, headers: { 'content-type': XLSX, 'content-disposition': `attachment; filename="${name}.xlsx"` } };
}

function format(f: string | undefined): 'json' | 'xlsx' {
  if (f === undefined || f === 'json' || f === 'xlsx') return f ?? 'json';
  throw new KopilkaError('INVALID_INPUT', 'format — json или xlsx', { field: 'format' });
}

export function reportRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  return [
    route({
      method: 'GET',
      path: '/web/api/reports/sales',
      summary: 'Кабинет: продажи за период (?from=&to=&period=&by=&format=json|xlsx)',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await signedIn(ctx, req, 'admin');
        const { format: f, ...query } = req.query;
        const as = format(f);
        const rows = await ledger.salesReport(s.tenantId, query);
        return as === 'json' ? { status: 200, body: { rows } } : file(await salesXlsx(rows), `kopilka-sales-${query.from}-${query.to}`);
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/reports/customers',
      summary: 'Кабинет: клиенты — сегменты, потерянные, источники (?lostDays=&from=&to=&format=json|xlsx)',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await signedIn(ctx, req, 'admin');
        const { format: f, ...query } = req.query;
        const as = format(f);
        const r = await ledger.customerReport(s.tenantId, query);
        if (as === 'json') return { status: 200, body: r };
        const lost = await ledger.lostCustomers(s.tenantId, { days: r.lostDays, limit: 1000 });
        return file(await customersXlsx(r, lost.items), 'kopilka-customers');
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/reports/customers/lost',
      summary: 'Кабинет: потерянные клиенты страницами (?days=&limit=&after=)',
      auth: 'public',
      handler: async ({ req }) => ({ status: 200, body: await ledger.lostCustomers((await signedIn(ctx, req, 'admin')).tenantId, req.query) }),
    }),
  ];
}
