import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type RouteSpec } from '../connectors/kit/route.ts';
import { ownerOps } from '../communications/feedback-routes.ts';
import { signedIn } from './session.ts';

// The cabinet's «Отзывы»: the owner's feedback operations (communications/feedback-routes.ts),
// for an owner signed in on the pages — the same session, CSRF and Origin checks as every page.

export function reviewRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const op = ownerOps(ctx);
  const owner = async (req: Parameters<typeof signedIn>[1]) => (await signedIn(ctx, req, 'admin')).tenantId;
  return [
    route({ method: 'GET', path: '/web/api/reviews', summary: 'Кабинет: отзывы (from, to, storeId)', auth: 'public', handler: async ({ req }) => op.list(await owner(req), req) }),
    route({ method: 'GET', path: '/web/api/reviews/nps', summary: 'Кабинет: NPS по магазинам за период', auth: 'public', handler: async ({ req }) => op.nps(await owner(req), req) }),
    route({ method: 'GET', path: '/web/api/reviews/settings', summary: 'Кабинет: настройки просьбы об отзыве', auth: 'public', handler: async ({ req }) => op.settings(await owner(req)) }),
    route({
      method: 'PUT',
      path: '/web/api/reviews/settings',
      summary: 'Кабинет: включить просьбу об отзыве, задержка',
      auth: 'public',
      bodyLimit: 1024,
      handler: async ({ req }) => op.save(await owner(req), req.json()),
    }),
    route({
      method: 'POST',
      path: '/web/api/reviews/:id/answer',
      summary: 'Кабинет: ответить на отзыв',
      auth: 'public',
      bodyLimit: 8 * 1024,
      handler: async ({ req }) => op.answer(await owner(req), req, req.json()),
    }),
  ];
}
