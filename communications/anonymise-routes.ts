import { anonymiseSchema } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type RouteSpec } from '../connectors/kit/route.ts';
import { eraseFromCommunications } from './erasure.ts';

// Anonymisation on the customer's request (152-ФЗ art. 21), admin key: the ledger erases the
// person from its tables and, in the same transaction, communications from its own (erasure.ts).
// Idempotent: a second call answers with the first result and changes nothing.

export function anonymiseRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/customers/:id/anonymise',
      summary:
        'Обезличить покупателя по его запросу (152-ФЗ): стереть персональные данные, списать бонусы; чеки и проводки остаются. Повторный вызов возвращает тот же результат',
      auth: 'admin',
      bodyLimit: 4 * 1024,
      input: anonymiseSchema,
      handler: async ({ tenantId, req, input }) => ({ status: 200, body: await ctx.ledger.anonymiseCustomer(tenantId, req.params.id!, input, eraseFromCommunications) }),
    }),
  ];
}
