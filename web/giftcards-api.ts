import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { signedIn } from './session.ts';

// The cabinet's «Подарочные сертификаты»: the same operations as /v1/giftcards (the ledger's
// face) for an owner signed in on the pages — issue a batch, list and search, one certificate's
// balance and history, block and unblock. `format=csv` answers a file: a plain link, as a GET
// needs no CSRF header and the cookie is same-site. The history names the cabinet as who blocked.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });
const BY_CABINET = 'кабинет владельца';

export function giftcardRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  const admin = (req: Parameters<typeof signedIn>[1]) => signedIn(ctx, req, 'admin');
  return [
    route({
      method: 'GET',
      path: '/web/api/giftcards',
      summary: 'Кабинет: подарочные сертификаты (?status=&prefix=&batch=&limit=&offset=; format=csv — файлом)',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await admin(req);
        const { format, ...query } = req.query;
        if (format !== 'csv') return ok(await ledger.giftcardPage(s.tenantId, query));
        const name = query.batch ? `giftcards-${query.batch.replace(/[^\w-]/g, '_')}.csv` : 'giftcards.csv';
        return { status: 200, body: null, raw: await ledger.giftcardsCsv(s.tenantId, query), headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` } };
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/giftcards',
      summary: 'Кабинет: выпустить партию сертификатов {count, nominal (копейки), validDays | validTo, prefix}',
      auth: 'public',
      bodyLimit: 4 * 1024,
      handler: async ({ req }) => ok(await ledger.issueGiftcards((await admin(req)).tenantId, req.json()), 201),
    }),
    route({
      method: 'GET',
      path: '/web/api/giftcards/:code',
      summary: 'Кабинет: сертификат — остаток, срок, чеки, которые им оплачены, блокировки',
      auth: 'public',
      handler: async ({ req }) => ok(await ledger.giftcard((await admin(req)).tenantId, req.params.code!)),
    }),
    route({
      method: 'POST',
      path: '/web/api/giftcards/:code/block',
      summary: 'Кабинет: заблокировать сертификат {reason, by?}',
      auth: 'public',
      bodyLimit: 2 * 1024,
      handler: async ({ req }) => {
        const r = await ledger.blockGiftcard((await admin(req)).tenantId, req.params.code!, req.json(), BY_CABINET);
        return ok(r.giftcard, r.replay ? 200 : 201);
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/giftcards/:code/unblock',
      summary: 'Кабинет: разблокировать сертификат {reason?, by?}',
      auth: 'public',
      bodyLimit: 2 * 1024,
      handler: async ({ req }) => {
        const r = await ledger.unblockGiftcard((await admin(req)).tenantId, req.params.code!, req.body.length === 0 ? {} : req.json(), BY_CABINET);
        return ok(r.giftcard, r.replay ? 200 : 201);
      },
    }),
  ];
}
