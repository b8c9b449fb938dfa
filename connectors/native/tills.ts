import { z } from 'zod';
import { KopilkaError, type RefundOutcome, type SaleOutcome } from '../../ledger/index.ts';
import type { ConnectorContext } from '../kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../kit/route.ts';
import { checkAnswer, checkBody, customerAnswer, customerBody, queuedAnswer, refundBody } from './schemas.ts';

// What a till (or any tenant key) does over the native API: customers, prices, checks, returns.
// The bodies the ledger parses reach it as sent and are validated there, once (`inputCheckedBy`):
// the route's schema is the ledger's own, declared for the OpenAPI document.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

/**
 * A commit's answer: the stored answer byte for byte (201, or 200 for a resend), or 202 when the
 * document was kept for review (a till-closed document is never refused for a business reason).
 */
function committed(o: SaleOutcome | RefundOutcome): ApiResponse {
  if (o.status === 'review') return ok({ status: 'review', reviewId: o.reviewId, reasonCode: o.reasonCode, reason: o.reason }, 202);
  return { status: o.replay ? 200 : 201, body: null, raw: o.json };
}

export function tillRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [...customerRoutes(ctx), ...checkRoutes(ctx)];
}

function customerRoutes({ ledger }: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/customers',
      summary: 'Зарегистрировать клиента',
      auth: 'tenant',
      bodyLimit: 64 * 1024,
      input: customerBody,
      inputCheckedBy: 'ledger',
      output: customerAnswer,
      handler: async ({ tenantId, req }) => ok(await ledger.registerCustomer(tenantId, req.json()), 201),
    }),
    route({
      method: 'GET',
      path: '/v1/customers',
      summary: 'Найти клиента по телефону (?phone=) или карте (?card=)',
      auth: 'tenant',
      output: customerAnswer,
      handler: async ({ tenantId, req }) => {
        if (req.query.phone) return ok(await ledger.customer(tenantId, { phone: req.query.phone }));
        if (req.query.card) return ok(await ledger.customer(tenantId, { cardNumber: req.query.card }));
        throw new KopilkaError('INVALID_INPUT', 'Укажите ?phone= или ?card=', { field: 'phone' });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/customers/:id',
      summary: 'Клиент: уровень, баланс, следующий уровень',
      auth: 'tenant',
      output: customerAnswer,
      handler: async ({ tenantId, req }) => ok(await ledger.customer(tenantId, { id: req.params.id! })),
    }),
    route({
      method: 'GET',
      path: '/v1/customers/:id/transactions',
      summary: 'Движения бонусов клиента, новые первыми (?limit=, ?before=)',
      auth: 'tenant',
      output: z.array(z.looseObject({ kind: z.string() })),
      handler: async ({ tenantId, req }) => {
        const limit = req.query.limit === undefined ? undefined : Number(req.query.limit);
        if (limit !== undefined && !Number.isInteger(limit)) throw new KopilkaError('INVALID_INPUT', 'limit — целое число', { field: 'limit' });
        return ok(await ledger.transactions(tenantId, req.params.id!, { limit, before: req.query.before }));
      },
    }),
  ];
}

function checkRoutes({ ledger }: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/checks/calculate',
      summary: 'Посчитать чек (скидки, списание, начисление), ничего не записывая',
      auth: 'tenant',
      input: checkBody,
      inputCheckedBy: 'ledger',
      output: checkAnswer,
      handler: async ({ tenantId, req }) => ok(await ledger.calculate(tenantId, req.json())),
    }),
    route({
      method: 'POST',
      path: '/v1/checks',
      summary: 'Записать чек ровно один раз: 201, повтор — 200 с первым ответом, 202 — в очереди разбора',
      auth: 'tenant',
      input: checkBody,
      inputCheckedBy: 'ledger',
      output: z.union([checkAnswer, queuedAnswer]),
      handler: async ({ tenantId, channel, req }) => committed(await ledger.commit(tenantId, channel, req.json())),
    }),
    route({
      method: 'POST',
      path: '/v1/checks/:externalId/refund',
      summary: 'Возврат по чеку продажи, ровно один раз: 201, повтор — 200, 202 — в очереди разбора',
      auth: 'tenant',
      input: refundBody,
      inputCheckedBy: 'ledger',
      output: z.union([z.looseObject({ externalId: z.string(), saleExternalId: z.string(), status: z.literal('committed') }), queuedAnswer]),
      handler: async ({ tenantId, channel, req }) => committed(await ledger.refund(tenantId, channel, req.params.externalId!, req.json())),
    }),
  ];
}
