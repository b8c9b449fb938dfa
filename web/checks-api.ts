import { z } from 'zod';
import { KopilkaError, parseInput } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { signedIn } from './session.ts';

// The cabinet's «Чеки»: the list (period, store, customer, kind; keyset pages), one check with its
// lines, and a return of all or part of a sale made from the cabinet. The return is the ledger's
// own refund (what `POST /v1/checks/:externalId/refund` does for a till), recorded in the sale's
// channel under the id `web-<key>`: the page's key makes a double click return once.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

const refundBody = z
  .object({
    /** Absent: the whole rest of the sale. Quantities in thousandths, like the check's lines. */
    lines: z
      .array(z.object({ lineNo: z.number().int().min(1), quantity: z.number().int().min(1, 'количество больше нуля').max(1_000_000_000) }).strict())
      .min(1, 'отметьте, что возвращается')
      .max(1000)
      .nullish(),
    key: z.string().regex(/^[\w-]{8,64}$/),
  })
  .strict();

export function checkRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  const admin = (req: Parameters<typeof signedIn>[1]) => signedIn(ctx, req, 'admin');
  return [
    route({
      method: 'GET',
      path: '/web/api/checks',
      summary: 'Кабинет: чеки (from, to — ГГГГ-ММ-ДД; storeId, customerId, kind=sale|refund|all, after, limit)',
      auth: 'public',
      handler: async ({ req }) => ok(await ledger.checks((await admin(req)).tenantId, req.query)),
    }),
    route({
      method: 'GET',
      path: '/web/api/checks/:id',
      summary: 'Кабинет: чек — строки, скидка, бонусы, клиент, возвраты',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await admin(req);
        const check = await ledger.check(s.tenantId, req.params.id!);
        const customer = check.customerId === null ? null : await ledger.findCustomer(s.tenantId, { id: check.customerId });
        return ok({ check, customer });
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/checks/:id/refund',
      summary: 'Кабинет: вернуть продажу целиком или частично',
      auth: 'public',
      bodyLimit: 64 * 1024,
      handler: async ({ req }) => {
        const s = await admin(req);
        const b = parseInput(refundBody, req.json(), 'возврат');
        const sale = await ledger.check(s.tenantId, req.params.id!);
        if (sale.kind !== 'sale') throw new KopilkaError('REFUND_OF_REFUND', 'Это чек возврата: вернуть можно только продажу', { field: 'id' });
        // No occurredAt: the ledger records it now, and a retry of the same click is the same request (a replay, not a conflict).
        const out = await ledger.refund(s.tenantId, sale.channel, sale.externalId, { externalId: `web-${b.key}`, ...(b.lines ? { lines: b.lines } : {}) });
        if (out.status === 'review') throw new KopilkaError('INVALID_INPUT', `Возврат не применён: ${out.reason}`);
        return ok({ refund: out.answer, check: await ledger.check(s.tenantId, sale.id) }, out.replay ? 200 : 201);
      },
    }),
  ];
}
