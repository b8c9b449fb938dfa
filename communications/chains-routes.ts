import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { chainOf, chainResults, chainSchema, createChain, listChains, sweepChain } from './chains.ts';
import { communicationsOf as comms } from './running.ts';

// The owner's API for reactivation chains (admin key): create, list, results, and a run now (the
// hourly sweep does the same by itself; the owner and the tests need not wait for it).

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });


export function chainsRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/chains',
      summary: 'Цепочка реактивации: сегмент (например, 60+ дней без покупок) и шаги с задержками — сообщение и/или подарок бонусов; купивший выходит из цепочки',
      auth: 'admin',
      bodyLimit: 32 * 1024,
      input: chainSchema,
      handler: async ({ tenantId, input }) => ok(await createChain(comms(ctx), tenantId, input), 201),
    }),
    route({
      method: 'GET',
      path: '/v1/chains',
      summary: 'Цепочки реактивации программы',
      auth: 'admin',
      handler: async ({ tenantId }) => ok({ chains: await listChains(comms(ctx), tenantId) }),
    }),
    route({
      method: 'GET',
      path: '/v1/chains/:id/results',
      summary: 'Итоги цепочки: участники, сообщения и стоимость SMS, подарки, вернувшиеся покупкой в окне и их выручка',
      auth: 'admin',
      handler: async ({ tenantId, req }) => ok(await chainResults(comms(ctx), tenantId, req.params.id!)),
    }),
    route({
      method: 'POST',
      path: '/v1/chains/:id/run',
      summary: 'Пройти цепочку сейчас: отметить купивших, принять новых из сегмента, выполнить наступившие шаги (каждый шаг — один раз)',
      auth: 'admin',
      handler: async ({ tenantId, req }) => {
        const c = comms(ctx);
        return ok(await sweepChain(c, tenantId, await chainOf(c, tenantId, req.params.id!)));
      },
    }),
  ];
}
