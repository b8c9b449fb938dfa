import { z } from 'zod';
import { CHANNELS, KopilkaError, parseInput } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { signedIn } from './session.ts';

// The owner's cabinet's JSON: the program, customers, manual grants, the review queue, keys and
// usage. Each route is `public` to the gateway and asks web/session.ts for an admin session;
// from there it calls the ledger's face as the native API does with an admin key.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

const grantBody = z
  .object({
    points: z.number().int('баллы — целое число сотых').min(1, 'не меньше 0,01 балла'),
    reason: z.string().trim().min(3, 'напишите причину: её увидят в истории клиента').max(500),
    /** The page's idempotency key: a double click grants once. */
    key: z.string().min(8).max(64),
  })
  .strict();

const levelBody = z.object({ level: z.string().trim().min(1).max(64).nullable() }).strict();
const keyBody = z.object({ channel: z.enum(CHANNELS), storeId: z.string().trim().max(64).nullish() }).strict();
const resolveBody = z.object({ action: z.enum(['apply', 'dismiss']), comment: z.string().max(1000).nullish() }).strict();
const monthQuery = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'месяц в виде ГГГГ-ММ').optional() });

function thisMonth(): string {
  const d = new Date(Date.now() + 3 * 3600_000); // the billing zone, Europe/Moscow (UTC+3, no DST)
  return d.toISOString().slice(0, 7);
}

export function cabinetRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  const admin = (req: Parameters<typeof signedIn>[1]) => signedIn(ctx, req, 'admin');
  return [
    route({
      method: 'GET',
      path: '/web/api/program',
      summary: 'Кабинет: программа лояльности',
      auth: 'public',
      handler: async ({ req }) => ok(await ledger.program((await admin(req)).tenantId)),
    }),
    route({
      method: 'PUT',
      path: '/web/api/program',
      summary: 'Кабинет: сохранить программу (ошибки — по полям)',
      auth: 'public',
      bodyLimit: 256 * 1024,
      handler: async ({ req }) => ok(await ledger.setProgram((await admin(req)).tenantId, req.json())),
    }),
    route({
      method: 'GET',
      path: '/web/api/customers',
      summary: 'Кабинет: клиенты (?q= телефон, его часть, карта или имя; level, source, purchases=with|without, lostDays, after, limit)',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await admin(req);
        const [page, sources] = await Promise.all([ledger.filterCustomers(s.tenantId, req.query), ledger.customerSources(s.tenantId)]);
        return ok({ ...page, sources });
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/customers/:id',
      summary: 'Кабинет: карточка клиента и история',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await admin(req);
        const id = req.params.id!;
        const [customer, history, extras] = await Promise.all([ledger.customer(s.tenantId, { id }), ledger.transactions(s.tenantId, id, { limit: 100 }), ledger.customerExtras(s.tenantId, id)]);
        return ok({ customer: { ...customer, ...extras }, history });
      },
    }),
    route({
      method: 'PUT',
      path: '/web/api/customers/:id/profile',
      summary: 'Кабинет: изменить данные клиента (имя, пол, дата рождения, e-mail, комментарий)',
      auth: 'public',
      bodyLimit: 8 * 1024,
      handler: async ({ req }) => {
        const s = await admin(req);
        const customer = await ledger.editCustomer(s.tenantId, req.params.id!, req.json());
        return ok({ customer: { ...customer, ...(await ledger.customerExtras(s.tenantId, customer.id)) } });
      },
    }),
    route({
      method: 'PUT',
      path: '/web/api/customers/:id/level',
      summary: 'Кабинет: назначить уровень вручную (level: null — по покупкам)',
      auth: 'public',
      bodyLimit: 1024,
      handler: async ({ req }) => {
        const s = await admin(req);
        const b = parseInput(levelBody, req.json(), 'уровень');
        return ok({ customer: await ledger.assignLevel(s.tenantId, req.params.id!, b.level) });
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/customers/:id/card',
      summary: 'Кабинет: перевыпустить карту (новый номер; старый перестаёт находить клиента)',
      auth: 'public',
      bodyLimit: 1024,
      handler: async ({ req }) => ok({ customer: await ledger.reissueCard((await admin(req)).tenantId, req.params.id!, req.json()) }),
    }),
    route({
      method: 'POST',
      path: '/web/api/customers/:id/grants',
      summary: 'Кабинет: начислить бонусы вручную с причиной',
      auth: 'public',
      bodyLimit: 4 * 1024,
      handler: async ({ req }) => {
        const s = await admin(req);
        const g = parseInput(grantBody, req.json(), 'начисление');
        const given = await ledger.grant(s.tenantId, req.params.id!, { points: g.points, reason: g.reason, key: `web-${g.key}`, kind: 'manual' });
        return ok({ given, customer: await ledger.customer(s.tenantId, { id: req.params.id! }) }, given ? 201 : 200);
      },
    }),
    ...reviewAndKeys(ctx, admin),
  ];
}

function reviewAndKeys(ctx: ConnectorContext, admin: (req: Parameters<typeof signedIn>[1]) => ReturnType<typeof signedIn>): RouteSpec<any>[] {
  const { ledger } = ctx;
  return [
    route({
      method: 'GET',
      path: '/web/api/review',
      summary: 'Кабинет: очередь разбора',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await admin(req);
        const status = req.query.status === 'resolved' || req.query.status === 'all' ? req.query.status : 'open';
        const [list, counts] = await Promise.all([ledger.reviewItems(s.tenantId, { limit: 200, status }), ledger.reviewCounts(s.tenantId)]);
        return ok({ ...list, counts });
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/review/:id/resolve',
      summary: 'Кабинет: применить или отклонить документ из очереди',
      auth: 'public',
      bodyLimit: 4 * 1024,
      handler: async ({ req }) => {
        const s = await admin(req);
        const b = parseInput(resolveBody, req.json(), 'решение');
        const comment = b.comment ? { comment: b.comment } : {};
        return ok(await ledger.resolveReview(s.tenantId, req.params.id!, { action: b.action, by: 'кабинет', ...comment }));
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/keys',
      summary: 'Кабинет: ключи организации (без секретов)',
      auth: 'public',
      handler: async ({ req }) => ok({ items: await ledger.tenantKeys((await admin(req)).tenantId) }),
    }),
    route({
      method: 'POST',
      path: '/web/api/keys',
      summary: 'Кабинет: выпустить ключ канала продаж (показывается один раз)',
      auth: 'public',
      bodyLimit: 4 * 1024,
      handler: async ({ req }) => {
        const s = await admin(req);
        const b = parseInput(keyBody, req.json(), 'ключ');
        const key = await ctx.issueKey(s.tenantId, 'channel', b.channel, b.storeId || null);
        return ok({ key, channel: b.channel, storeId: b.storeId || null }, 201);
      },
    }),
    route({
      method: 'DELETE',
      path: '/web/api/keys/:id',
      summary: 'Кабинет: отозвать ключ',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await admin(req);
        if (!(await ledger.revokeKey(s.tenantId, req.params.id!))) throw new KopilkaError('NOT_FOUND', 'Такого действующего ключа нет', { field: 'id' });
        return ok({ revoked: true });
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/usage',
      summary: 'Кабинет: потребление своей организации за месяц',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await admin(req);
        const month = parseInput(monthQuery, req.query, 'период').month ?? thisMonth();
        const [u] = await ledger.usage(month, s.tenantId);
        return ok({ month, usage: u ?? null });
      },
    }),
  ];
}
