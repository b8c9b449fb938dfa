import type { Connector, ConnectorContext } from '../kit/context.ts';
import { refundLinesFor } from '../kit/refund-lines.ts';
import { route, type ApiRequest, type ApiResponse, type Call, type RouteSpec } from '../kit/route.ts';
import { KopilkaError, localIso, parseInput, zoneOffset, type ZoneOffset } from '../../ledger/index.ts';
import { calculateSchema, commitSchema, refundSchema } from './protocol.ts';
import { checkAnswer, customerAnswer, customerOf, frontolError, queuedAnswer, refundAnswer, returnedItems, toCheck } from './translate.ts';

// Frontol (ATOL): Kopilka's own HTTP+JSON protocol for Frontol scripts (HTTP-API.md, kopilka.js).
//   POST /frontol/v1/calculate   price the open document: discounts, bonus payment, the most payable
//   POST /frontol/v1/commit      record the closed document once (by `document`); replays answer again
//   POST /frontol/v1/refund      a return document against its sale
//   GET  /frontol/v1/balance     ?card=… or ?phone=…
// Auth: a key of channel frontol. Every answer is JSON with `ok`; errors are { ok: false, code,
// message } with the Kopilka status: the script reads the body whatever the status.
// Commit and refund come after the fiscal receipt is printed: they are till-priced, never refused
// for a business reason; what the ledger cannot apply is queued for review and answered ok.

const CHANNEL = 'frontol';
const BASE = '/frontol/v1';

export const frontol: Connector = { name: 'frontol', routes };

const errors = (e: KopilkaError): ApiResponse => frontolError(e);

function routes(ctx: ConnectorContext): RouteSpec<any>[] {
  const zone = async (tenantId: string): Promise<ZoneOffset> => zoneOffset(await ctx.ledger.timeZone(tenantId));
  const ok = (body: unknown): ApiResponse => ({ status: 200, body });
  const endpoint = (method: 'GET' | 'POST', path: string, summary: string, handler: (c: Call<unknown>) => Promise<ApiResponse>) =>
    route({ method, path: `${BASE}${path}`, summary, auth: `channel:${CHANNEL}`, errors, handler });
  return [
    endpoint('POST', '/calculate', 'Frontol: расчёт открытого документа (скидки, оплата бонусами)', async (c) => {
      const r = parseInput(calculateSchema, c.req.json(), 'расчёт Frontol');
      const check = toCheck(r, await zone(c.tenantId), Date.now());
      return ok(checkAnswer(check, r, await ctx.ledger.calculate(c.tenantId, check)));
    }),
    endpoint('POST', '/commit', 'Frontol: запись закрытого документа продажи (один раз)', async (c) => {
      const r = parseInput(commitSchema, c.req.json(), 'чек Frontol');
      const check = toCheck(r, await zone(c.tenantId), Date.now());
      const o = await ctx.ledger.commit(c.tenantId, CHANNEL, Object.assign({}, check, { pricedBy: 'till' as const }), { document: r });
      if (o.status === 'review') return ok(queuedAnswer(o));
      return ok(Object.assign(checkAnswer(check, r, o.answer), { replay: o.replay }));
    }),
    endpoint('POST', '/refund', 'Frontol: возврат по документу продажи', async (c) => ok(await refund(ctx, c.tenantId, c.req, await zone(c.tenantId)))),
    endpoint('GET', '/balance', 'Frontol: баланс клиента по карте или телефону', async (c) => {
      const ref = customerOf({ card: c.req.query.card || null, phone: c.req.query.phone || null });
      if (ref === null) throw new KopilkaError('INVALID_INPUT', 'Укажите ?card= или ?phone=', { field: 'card' });
      return ok({ ok: true, customer: customerAnswer(await ctx.ledger.customer(c.tenantId, ref)) });
    }),
  ];
}

/**
 * A return by ware codes: matched to the sale's lines as the till sent them. A sale the ledger
 * does not know cannot be matched: the return goes to the ledger without lines, the document as
 * Frontol sent it kept with it, and the ledger queues it for review.
 */
async function refund(ctx: ConnectorContext, tenantId: string, req: ApiRequest, zone: ZoneOffset): Promise<unknown> {
  const r = parseInput(refundSchema, req.json(), 'возврат Frontol');
  const returned = returnedItems(r);
  let lines: { lineNo: number; quantity: number }[] | undefined;
  if (returned !== null) {
    const sold = await ctx.ledger.saleLines(tenantId, CHANNEL, r.saleDocument);
    if (sold !== null) lines = refundLinesFor(sold, returned);
  }
  const occurredAt = r.dateTime ? localIso(r.dateTime, 'dateTime', zone) : undefined;
  const request = { externalId: r.document, ...(occurredAt ? { occurredAt } : {}), ...(lines ? { lines } : {}), pricedBy: 'till' as const };
  const o = await ctx.ledger.refund(tenantId, CHANNEL, r.saleDocument, request, { document: r });
  if (o.status === 'review') return queuedAnswer(o);
  return Object.assign(refundAnswer(o.answer), { replay: o.replay });
}
