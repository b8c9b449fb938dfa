import { calculateSchema, commitSchema, refundSchema } from '../../connectors/frontol/protocol.ts';
import { checkAnswer, customerAnswer, customerOf, frontolError, refundAnswer, returnedItems, toCheck } from '../../connectors/frontol/translate.ts';
import { localIso, type ZoneOffset } from '../../ledger/time-zone.ts';
import { refundLinesFor } from '../../connectors/kit/refund-lines.ts';
import type { CheckResult } from '../../ledger/check.ts';
import { KopilkaError } from '../../ledger/errors.ts';
import { saleLines } from '../../ledger/links.ts';
import { parseInput } from '../../ledger/validation.ts';
import { caller, type ApiRequest, type ApiResponse, type Route, type RouteDeps } from '../routes.ts';
import { protocolError, tenantZone, type Connector } from './connector.ts';

// Frontol (ATOL): Kopilka's own HTTP+JSON protocol for Frontol scripts, on the POS port.
//   POST /frontol/v1/calculate   price the open document: discounts, bonus payment, the most payable
//   POST /frontol/v1/commit      record the closed document once (by `document`); replays answer again
//   POST /frontol/v1/refund      a return document against its sale
//   GET  /frontol/v1/balance     ?card=… or ?phone=…
// Auth: `Authorization: Bearer <key of channel frontol>`. Every answer is JSON with `ok`; errors
// are { ok: false, code, message } with the Kopilka status (400/401/404/409/422/429/503): the
// script reads the body whatever the status (connectors/frontol/HTTP-API.md, kopilka.js).

const SYSTEM = 'frontol';
const CHANNEL = 'frontol';
const BASE = '/frontol/v1';

export const frontolConnector: Connector = { name: SYSTEM, routes };

function routes(d: RouteDeps): Route[] {
  const pool = d.ledger.pool;

  const handle =
    (f: (tenantId: string, req: ApiRequest, zone: ZoneOffset) => Promise<unknown>) =>
    async (req: ApiRequest): Promise<ApiResponse> => {
      try {
        const p = await caller(d, req.headers.authorization, req.remoteAddress);
        if (p.kind !== 'channel' || p.channel !== CHANNEL) throw new KopilkaError('UNAUTHORIZED', 'Нужен ключ канала «frontol» (kp_frontol_…): проверьте настройки скрипта');
        return { status: 200, body: await f(p.tenantId, req, await tenantZone(d, p.tenantId)) };
      } catch (e) {
        const known = protocolError(e);
        if (known === null) throw e;
        return frontolError(known);
      }
    };

  return [
    {
      method: 'POST',
      path: `${BASE}/calculate`,
      handler: handle(async (tenantId, req, zone) => {
        const r = parseInput(calculateSchema, req.json(), 'расчёт Frontol');
        const check = toCheck(r, zone, Date.now());
        return checkAnswer(check, r, await d.ledger.calculate(tenantId, check));
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/commit`,
      handler: handle(async (tenantId, req, zone) => {
        const r = parseInput(commitSchema, req.json(), 'чек Frontol');
        const check = toCheck(r, zone, Date.now());
        const c = await d.ledger.commit(tenantId, CHANNEL, check);
        return { ...checkAnswer(check, r, JSON.parse(c.json) as CheckResult), replay: c.replay };
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/refund`,
      handler: handle(async (tenantId, req, zone) => {
        const r = parseInput(refundSchema, req.json(), 'возврат Frontol');
        const returned = returnedItems(r);
        let lines: { lineNo: number; quantity: number }[] | undefined;
        if (returned !== null) {
          const sold = await saleLines(pool, tenantId, CHANNEL, r.saleDocument);
          if (sold === null) throw new KopilkaError('CHECK_NOT_FOUND', `Чек продажи ${r.saleDocument} не найден в программе лояльности: бонусы по возврату не пересчитаны`, { field: 'saleDocument' });
          lines = refundLinesFor(sold, returned);
        }
        const occurredAt = r.dateTime ? localIso(r.dateTime, 'dateTime', zone) : undefined;
        const c = await d.ledger.refund(tenantId, CHANNEL, r.saleDocument, { externalId: r.document, ...(occurredAt ? { occurredAt } : {}), ...(lines ? { lines } : {}) });
        return { ...refundAnswer(JSON.parse(c.json)), replay: c.replay };
      }),
    },
    {
      method: 'GET',
      path: `${BASE}/balance`,
      handler: handle(async (tenantId, req) => {
        const ref = customerOf({ card: req.query.card || null, phone: req.query.phone || null });
        if (ref === null) throw new KopilkaError('INVALID_INPUT', 'Укажите ?card= или ?phone=', { field: 'card' });
        return { ok: true, customer: customerAnswer(await d.ledger.customer(tenantId, ref)) };
      }),
    },
  ];
}
