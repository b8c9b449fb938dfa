import { boostSchema, grantSchema, issueSchema, KopilkaError, type ReviewAction } from '../../ledger/index.ts';
import type { ConnectorContext } from '../kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../kit/route.ts';
import { keyBody, keyCreated, programBody, resolveBody, reviewCountsAnswer, reviewItem, reviewList, tenantBody, tenantCreated } from './schemas.ts';

// The native API's administration: the operator creates tenants, a tenant's admin issues channel
// keys, sets the program and decides on the documents kept in the review queue.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

export function adminRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  return [
    route({
      method: 'POST',
      path: '/v1/tenants',
      summary: 'Создать организацию (токен оператора); в ответе — ключ её администратора',
      auth: 'operator',
      input: tenantBody,
      output: tenantCreated,
      handler: async ({ input }) => {
        const t = await ledger.createTenant(input.name, input.plan, input.program ?? undefined);
        return ok({ id: t.id, adminKey: await ctx.issueKey(t.id, 'admin', null, null) }, 201);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/keys',
      summary: 'Выпустить ключ канала продаж (кассы, магазина, интеграции)',
      auth: 'admin',
      bodyLimit: 4 * 1024,
      input: keyBody,
      output: keyCreated,
      handler: async ({ tenantId, input }) => {
        const key = await ctx.issueKey(tenantId, 'channel', input.channel, input.storeId ?? null);
        return ok({ key, channel: input.channel, storeId: input.storeId ?? null }, 201);
      },
    }),
    route({
      method: 'PUT',
      path: '/v1/program',
      summary: 'Задать программу лояльности; в ответе — программа со значениями по умолчанию',
      auth: 'admin',
      input: programBody,
      inputCheckedBy: 'ledger',
      // The ledger gets the body as sent: it keeps the program's source as the admin wrote it.
      handler: async ({ tenantId, req }) => ok(await ledger.setProgram(tenantId, req.json())),
    }),
    route({
      method: 'GET',
      path: '/v1/program',
      // Admin only (native-api.md, «Tenant admin»): a till needs prices, not the rules behind them.
      summary: 'Программа лояльности в силе',
      auth: 'admin',
      handler: async ({ tenantId }) => ok(await ledger.program(tenantId)),
    }),
    ...reviewRoutes(ctx),
    ...keyAndGrantRoutes(ctx),
  ];
}

/** A new admin key from the operator; bonuses granted by hand; coupons issued for a promotion. */
function keyAndGrantRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  return [
    route({
      method: 'POST',
      path: '/v1/promotions/:id/coupons',
      summary: 'Выпустить купоны для акции с issuedCoupons: коды, число использований, лимит на клиента, срок (?format=csv — списком для печати)',
      auth: 'admin',
      bodyLimit: 4 * 1024,
      input: issueSchema,
      inputCheckedBy: 'ledger',
      handler: async ({ tenantId, req }) => {
        const issued = await ledger.issueCoupons(tenantId, req.params.id!, req.json());
        if (req.query.format !== 'csv') return ok(issued, 201);
        return { status: 201, body: null, raw: `\ufeffКод купона\r\n${issued.codes.join('\r\n')}\r\n`, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="coupons.csv"` } };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/tenants/:id/admin-keys',
      summary: 'Новый ключ администратора организации (токен оператора): владельцу, чья организация создана без него (Эвотор) или чей ключ утерян',
      auth: 'operator',
      bodyLimit: 1024,
      output: tenantCreated,
      handler: async ({ req }) => {
        const id = req.params.id!;
        if (!(await ledger.tenantExists(id))) throw new KopilkaError('NOT_FOUND', `Организация ${id} не найдена`, { field: 'id' });
        return ok({ id, adminKey: await ctx.issueKey(id, 'admin', null, null) }, 201);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/customers/:id/grants',
      summary: 'Начислить бонусы клиенту вне покупки (вручную с причиной, при импорте, по кампании); один раз на ключ',
      auth: 'admin',
      bodyLimit: 4 * 1024,
      input: grantSchema,
      inputCheckedBy: 'ledger',
      handler: async ({ tenantId, req }) => {
        const given = await ledger.grant(tenantId, req.params.id!, req.json());
        return ok({ given, customer: await ledger.customer(tenantId, { id: req.params.id! }) }, given ? 201 : 200);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/customers/:id/boosts',
      summary: 'Персональное предложение клиенту на срок: скидка (percent) или повышенное начисление (multiplier); один раз на ключ',
      auth: 'admin',
      bodyLimit: 4 * 1024,
      input: boostSchema,
      inputCheckedBy: 'ledger',
      handler: async ({ tenantId, req }) => {
        const out = await ledger.grantBoost(tenantId, req.params.id!, req.json());
        return ok(out, out.given ? 201 : 200);
      },
    }),
    route({
      method: 'DELETE',
      path: '/v1/customers/:id/boosts/:key',
      summary: 'Завершить персональное предложение клиента сейчас',
      auth: 'admin',
      handler: async ({ tenantId, req }) => {
        const ended = await ledger.endBoost(tenantId, req.params.id!, req.params.key!);
        if (!ended) throw new KopilkaError('NOT_FOUND', `У клиента нет действующего предложения ${req.params.key}`, { field: 'key' });
        return ok({ ended: true });
      },
    }),
  ];
}

/** Documents a cash system sent that were kept for a person to decide on. */
function reviewRoutes({ ledger }: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'GET',
      path: '/v1/review',
      summary: 'Очередь разбора: документы, которые не удалось применить (?status=open|resolved|all, ?limit=, по умолчанию 100)',
      auth: 'admin',
      output: reviewList,
      handler: async ({ tenantId, req }) => {
        const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new KopilkaError('INVALID_INPUT', 'limit — целое число от 1 до 1000', { field: 'limit' });
        const status = req.query.status ?? 'open';
        if (status !== 'open' && status !== 'resolved' && status !== 'all') {
          throw new KopilkaError('INVALID_INPUT', 'status — open (по умолчанию), resolved или all', { field: 'status' });
        }
        return ok(await ledger.reviewItems(tenantId, { limit, status }));
      },
    }),
    route({
      method: 'GET',
      path: '/v1/review/counts',
      summary: 'Сколько документов ждут разбора, по причинам',
      auth: 'admin',
      output: reviewCountsAnswer,
      handler: async ({ tenantId }) => ok(await ledger.reviewCounts(tenantId)),
    }),
    route({
      method: 'POST',
      path: '/v1/review/:id/resolve',
      summary: 'Решить судьбу документа из очереди разбора: применить, связать с продажей или клиентом, отклонить',
      auth: 'admin',
      bodyLimit: 16 * 1024,
      input: resolveBody,
      output: reviewItem,
      handler: async ({ tenantId, req, input }) => ok(await ledger.resolveReview(tenantId, req.params.id!, reviewAction(input))),
    }),
  ];
}

function reviewAction(b: { action: 'apply' | 'link' | 'dismiss'; saleExternalId?: string; customerId?: string; comment?: string; wholeSale?: boolean }): ReviewAction {
  const comment = b.comment === undefined ? {} : { comment: b.comment };
  if (b.action === 'link') return { action: 'link', saleExternalId: b.saleExternalId, customerId: b.customerId, wholeSale: b.wholeSale, ...comment };
  if (b.action === 'dismiss') return { action: 'dismiss', ...comment };
  return { action: 'apply', wholeSale: b.wholeSale, ...comment };
}
