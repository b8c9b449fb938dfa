import { z } from 'zod';
import { KopilkaError, parseInput } from '../ledger/index.ts';
import type { Connector, ConnectorContext } from '../connectors/kit/context.ts';
import { route, type RouteSpec } from '../connectors/kit/route.ts';
import { assetRoutes } from './assets.ts';
import { cabinetRoutes } from './cabinet-api.ts';
import { loginRoutes } from './login-api.ts';
import { checkRoutes } from './checks-api.ts';
import { invoiceRoutes } from './invoice-api.ts';
import { reportRoutes } from './reports-api.ts';
import { reviewRoutes } from './reviews-api.ts';
import { cashierRoutes } from './cashier-api.ts';
import { customerRoutes } from './customer-api.ts';
import { messageRoutes } from './messages-api.ts';
import { chainRoutes } from './chains-api.ts';
import { connectorRoutes } from './connectors-api.ts';
import { giftcardRoutes } from './giftcards-api.ts';
import { checkSameOrigin, cookieOf, SESSION_TTL_S, sessionCookie, signedIn } from './session.ts';

// The pages for people, hosted like a connector: the built app (assets.ts) and the JSON its pages
// call under /web/api (cabinet-api.ts, cashier-api.ts), authorised by the session cookie.

const signInBody = z.object({ as: z.enum(['cabinet', 'cashier']) }).strict();

function sessionRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'POST',
      path: '/web/api/session',
      // The key travels once, in the Authorization header: the gateway checks it and limits
      // wrong keys per address, as on every route; it never appears in a URL or a log.
      summary: 'Войти на страницы: ключ администратора (кабинет) или ключ канала cashier (касса) в Authorization',
      auth: 'tenant',
      bodyLimit: 1024,
      handler: async ({ req, caller }) => {
        checkSameOrigin(ctx, req);
        const b = parseInput(signInBody, req.json(), 'вход');
        const key = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')![1]!;
        if (b.as === 'cabinet' && caller.kind !== 'admin') throw new KopilkaError('UNAUTHORIZED', 'В кабинет входят ключом администратора (kp_admin_…)');
        if (b.as === 'cashier' && (caller.kind !== 'channel' || caller.channel !== 'cashier')) {
          throw new KopilkaError('UNAUTHORIZED', 'На рабочее место кассира входят ключом канала «cashier» (kp_cashier_…): выпустите его в кабинете');
        }
        if (caller.kind !== 'admin' && caller.kind !== 'channel') throw new KopilkaError('UNAUTHORIZED', 'Нужен ключ организации');
        const role = b.as === 'cabinet' ? 'admin' : 'cashier';
        const storeId = caller.kind === 'channel' ? caller.storeId : null;
        const token = await ctx.ledger.openWebSession({ tenantId: caller.tenantId, role, storeId, key, ttlSeconds: SESSION_TTL_S });
        return { status: 201, body: { role, tenantId: caller.tenantId, storeId }, headers: { 'set-cookie': sessionCookie(ctx, token, SESSION_TTL_S), 'cache-control': 'no-store' } };
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/session',
      summary: 'Кто вошёл на страницы (?as=cabinet|cashier|me)',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await signedIn(ctx, req, req.query.as === 'cashier' ? 'cashier' : req.query.as === 'me' ? 'customer' : 'admin');
        return { status: 200, body: { role: s.role, tenantId: s.tenantId, storeId: s.storeId, customerId: s.customerId, expiresAt: s.expiresAt }, headers: { 'cache-control': 'no-store' } };
      },
    }),
    route({
      method: 'DELETE',
      path: '/web/api/session',
      summary: 'Выйти со страниц',
      auth: 'public',
      handler: async ({ req }) => {
        checkSameOrigin(ctx, req);
        const token = cookieOf(req);
        if (token !== null) await ctx.ledger.closeWebSession(token);
        return { status: 200, body: { signedOut: true }, headers: { 'set-cookie': sessionCookie(ctx, '', 0) } };
      },
    }),
  ];
}

export const web: Connector = {
  name: 'web',
  routes: (ctx) => [...sessionRoutes(ctx), ...loginRoutes(ctx), ...cabinetRoutes(ctx), ...checkRoutes(ctx), ...invoiceRoutes(ctx), ...reportRoutes(ctx), ...reviewRoutes(ctx), ...messageRoutes(ctx), ...chainRoutes(ctx), ...connectorRoutes(ctx), ...giftcardRoutes(ctx), ...cashierRoutes(ctx), ...customerRoutes(ctx), ...assetRoutes()],
};
