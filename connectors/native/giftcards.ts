import { giftcardActivateSchema, giftcardBlockSchema, giftcardIssueSchema, giftcardUnblockSchema } from '../../ledger/index.ts';
import type { ConnectorContext } from '../kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../kit/route.ts';

// Gift certificates over the native API: the admin issues and reads them, a till sells one
// (activates it); paying with one is a check's payment `{type: "giftcard", code, amount}`. The
// admin may block one (it pays nothing until unblocked); the history names the API as who did it.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });
const csv = (raw: string, name: string): ApiResponse => ({ status: 200, body: null, raw, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` } });
/** Who the history names for an admin key's call (a body's `by` adds a person's name). */
const BY_API = 'API (ключ администратора)';

export function giftcardRoutes({ ledger }: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/giftcards',
      summary: 'Выпустить подарочные сертификаты: число, номинал в копейках, срок (validDays от продажи или validTo), префикс (?format=csv — списком для печати)',
      auth: 'admin',
      bodyLimit: 4 * 1024,
      input: giftcardIssueSchema,
      inputCheckedBy: 'ledger',
      handler: async ({ tenantId, req }) => {
        const issued = await ledger.issueGiftcards(tenantId, req.json());
        if (req.query.format !== 'csv') return ok(issued, 201);
        const raw = `\ufeffКод сертификата;Номинал, ₽\r\n${issued.codes.map((c) => `${c};${String(issued.nominal / 100).replace('.', ',')}`).join('\r\n')}\r\n`;
        return { status: 201, body: null, raw, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="giftcards.csv"' } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/giftcards',
      summary: 'Подарочные сертификаты (?status=issued|active|used|expired|blocked&prefix=<начало кода>&batch=&limit=&offset=; ?format=csv — все выбранные таблицей)',
      auth: 'admin',
      handler: async ({ tenantId, req }) => {
        const { format, ...query } = req.query;
        if (format === 'csv') return csv(await ledger.giftcardsCsv(tenantId, query), 'giftcards.csv');
        return ok(await ledger.giftcardPage(tenantId, query));
      },
    }),
    route({
      method: 'GET',
      path: '/v1/giftcards/:code',
      summary: 'Подарочный сертификат: остаток, срок, продажа и чеки, которые им оплачены',
      auth: 'admin',
      handler: async ({ tenantId, req }) => ok(await ledger.giftcard(tenantId, req.params.code!)),
    }),
    route({
      method: 'POST',
      path: '/v1/giftcards/:code/block',
      summary: 'Заблокировать подарочный сертификат {reason, by?}: им нельзя платить, пока не разблокирован; кто, когда и почему — в истории',
      auth: 'admin',
      bodyLimit: 2 * 1024,
      input: giftcardBlockSchema,
      inputCheckedBy: 'ledger',
      handler: async ({ tenantId, req }) => {
        const r = await ledger.blockGiftcard(tenantId, req.params.code!, req.json(), BY_API);
        return ok(r.giftcard, r.replay ? 200 : 201);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/giftcards/:code/unblock',
      summary: 'Разблокировать подарочный сертификат {reason?, by?}',
      auth: 'admin',
      bodyLimit: 2 * 1024,
      input: giftcardUnblockSchema,
      inputCheckedBy: 'ledger',
      handler: async ({ tenantId, req }) => {
        const r = await ledger.unblockGiftcard(tenantId, req.params.code!, req.body.length === 0 ? {} : req.json(), BY_API);
        return ok(r.giftcard, r.replay ? 200 : 201);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/giftcards/:code/activate',
      summary: 'Продать (активировать) подарочный сертификат на кассе: один раз; повтор с того же канала отвечает тем же',
      auth: 'tenant',
      bodyLimit: 1024,
      input: giftcardActivateSchema,
      inputCheckedBy: 'ledger',
      handler: async ({ tenantId, channel, caller, req }) => {
        const body = req.body.length === 0 ? {} : (req.json() as Record<string, unknown>);
        // A store key's store is where it was sold unless the body names one.
        const storeId = caller.kind === 'channel' && caller.storeId !== null && body.storeId == null ? { storeId: caller.storeId } : {};
        const r = await ledger.activateGiftcard(tenantId, req.params.code!, channel, { ...body, ...storeId });
        return ok(r.giftcard, r.replay ? 200 : 201);
      },
    }),
  ];
}
