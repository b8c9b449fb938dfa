import { z } from 'zod';
import { KopilkaError, parseInput } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { answerReview, FEEDBACK_SYSTEM, feedbackPage, feedbackSettings, feedbackSettingsSchema, instants, leaveReview, listReviews, npsReport, reviewSchema } from './feedback.ts';
import { communicationsOf as comms } from './running.ts';

// Feedback's routes: the owner's API (admin key, /v1/feedback…) and the customer's public page
// (/web/api/feedback/<token>, the token is the credential). The cabinet's page calls the same
// operations through web/reviews-api.ts, behind the pages' own session check.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });
const day = z.iso.date({ message: 'дата ГГГГ-ММ-ДД' });
const listQuery = z.object({
  from: day.optional(),
  to: day.optional(),
  storeId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const npsQuery = z.object({ from: day.optional(), to: day.optional(), by: z.enum(['store']).optional() });
const answerBody = z.object({ text: z.string().trim().min(1, 'напишите ответ').max(1000, 'не длиннее 1000 знаков') }).strict();


/** The owner's operations, each declared twice: for the admin key here and for the cabinet's session (web/reviews-api.ts). */
export function ownerOps(ctx: ConnectorContext) {
  return {
    list: async (tenantId: string, req: ApiRequest) => {
      const q = parseInput(listQuery, req.query, 'отзывы');
      const p = await instants(ctx.ledger, tenantId, q);
      return ok({ reviews: await listReviews(comms(ctx).o.sql, tenantId, { ...p, storeId: q.storeId || undefined, limit: q.limit }) });
    },
    nps: async (tenantId: string, req: ApiRequest) => {
      const q = parseInput(npsQuery, req.query, 'NPS');
      return ok(await npsReport(comms(ctx).o.sql, tenantId, await instants(ctx.ledger, tenantId, q)));
    },
    answer: async (tenantId: string, req: ApiRequest, body: unknown) => {
      const id = parseInput(z.string().regex(/^\d{1,18}$/, 'номер отзыва'), req.params.id, 'отзыв');
      return ok(await answerReview(comms(ctx), tenantId, id, parseInput(answerBody, body, 'ответ').text), 201);
    },
    settings: async (tenantId: string) => ok(await feedbackSettings(ctx.ledger, tenantId)),
    save: async (tenantId: string, body: unknown) => {
      const s = parseInput(feedbackSettingsSchema, body, 'настройки отзывов');
      if (s.enabled && comms(ctx).o.publicUrl === undefined) {
        throw new KopilkaError('INVALID_INPUT', 'Ссылке на отзыв нужен внешний адрес Копилки: оператор должен задать PUBLIC_URL', { field: 'enabled' });
      }
      await ctx.ledger.saveConnectorSettings(tenantId, FEEDBACK_SYSTEM, s);
      comms(ctx).forgetSettings(tenantId);
      return ok(s);
    },
  };
}

function adminRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const op = ownerOps(ctx);
  return [
    route({ method: 'GET', path: '/v1/feedback', summary: 'Отзывы покупателей: from, to (даты ГГГГ-ММ-ДД), storeId, limit', auth: 'admin', handler: ({ tenantId, req }) => op.list(tenantId, req) }),
    route({
      method: 'GET',
      path: '/v1/feedback/nps',
      summary: 'NPS за период (from, to) всего и по магазинам (by=store): промоутеры 9–10, нейтральные 7–8, критики 0–6',
      auth: 'admin',
      handler: ({ tenantId, req }) => op.nps(tenantId, req),
    }),
    route({
      method: 'POST',
      path: '/v1/feedback/:id/answer',
      summary: 'Ответить на отзыв: ответ уходит покупателю сообщением (тема feedback-answer); один ответ на отзыв',
      auth: 'admin',
      bodyLimit: 8 * 1024,
      input: answerBody,
      handler: ({ tenantId, req, input }) => op.answer(tenantId, req, input),
    }),
    route({ method: 'GET', path: '/v1/feedback/settings', summary: 'Просьба об отзыве после покупки: включена ли, через сколько минут', auth: 'admin', handler: ({ tenantId }) => op.settings(tenantId) }),
    route({
      method: 'PUT',
      path: '/v1/feedback/settings',
      summary: 'Включить просьбу об отзыве после покупки и задать задержку в минутах (по умолчанию выключена)',
      auth: 'admin',
      bodyLimit: 1024,
      input: feedbackSettingsSchema,
      handler: ({ tenantId, input }) => op.save(tenantId, input),
    }),
  ];
}

/**
 * The customer's page. The token in the link is the credential: every call counts as an attempt
 * with an unknown credential from its address (the gateway's limit on guessed keys), so tokens
 * cannot be tried in bulk. No CSRF check: a forged request would need the token itself.
 */
function publicRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'GET',
      path: '/web/api/feedback/:token',
      summary: 'Страница отзыва: магазин, покупка и отзыв, если уже оставлен',
      auth: 'public',
      handler: async ({ req }) => {
        await ctx.unknownCredential(req.remoteAddress);
        const p = await feedbackPage(comms(ctx).o.sql, ctx.ledger, req.params.token ?? '');
        const r = p.review;
        return { status: 200, body: { shop: p.shop, amount: r.amount, purchasedAt: r.purchasedAt, left: r.createdAt !== null, rating: r.rating, nps: r.nps, text: r.text, answer: r.answer }, headers: { 'cache-control': 'no-store' } };
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/feedback/:token',
      summary: 'Оставить отзыв по ссылке из сообщения: оценка 1–5, готовность рекомендовать 0–10, текст; один раз',
      auth: 'public',
      bodyLimit: 8 * 1024,
      input: reviewSchema,
      handler: async ({ req, input }) => {
        await ctx.unknownCredential(req.remoteAddress);
        const r = await leaveReview(comms(ctx).o.sql, req.params.token ?? '', input);
        return ok({ left: true, rating: r.rating, nps: r.nps }, 201);
      },
    }),
  ];
}

export function feedbackRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [...adminRoutes(ctx), ...publicRoutes(ctx)];
}
