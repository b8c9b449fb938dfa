import { parseInput } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { chainOf, chainResults, chainSchema, createChain, listChains, sweepChain } from '../communications/chains.ts';
import { communicationsOf as comms } from '../communications/running.ts';
import { signedIn } from './session.ts';

// The cabinet's «Цепочки»: the reactivation chains of communications/chains.ts — list with each
// chain's results, create, run now — for an owner signed in on the pages, as /v1/chains does for
// the admin key.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

export function chainRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const owner = async (req: ApiRequest) => (await signedIn(ctx, req, 'admin')).tenantId;
  return [
    route({
      method: 'GET',
      path: '/web/api/chains',
      summary: 'Кабинет: цепочки реактивации и итоги каждой',
      auth: 'public',
      handler: async ({ req }) => {
        const t = await owner(req);
        const c = comms(ctx);
        const chains = await listChains(c, t);
        return ok({ chains: await Promise.all(chains.map((x) => chainResults(c, t, x.id))) });
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/chains',
      summary: 'Кабинет: создать цепочку — сегмент и шаги с задержками (сообщение и/или подарок)',
      auth: 'public',
      bodyLimit: 32 * 1024,
      handler: async ({ req }) => {
        const t = await owner(req);
        const input = parseInput(chainSchema, req.json(), 'цепочка');
        return ok(await createChain(comms(ctx), t, input), 201);
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/chains/:id/run',
      summary: 'Кабинет: пройти цепочку сейчас (каждый шаг — один раз)',
      auth: 'public',
      handler: async ({ req }) => {
        const t = await owner(req);
        const c = comms(ctx);
        const swept = await sweepChain(c, t, await chainOf(c, t, req.params.id!));
        return ok({ swept, results: await chainResults(c, t, req.params.id!) });
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/chains/:id/results',
      summary: 'Кабинет: итоги цепочки — участники, сообщения, стоимость SMS, подарки, вернувшиеся и их выручка',
      auth: 'public',
      handler: async ({ req }) => ok(await chainResults(comms(ctx), await owner(req), req.params.id!)),
    }),
  ];
}
