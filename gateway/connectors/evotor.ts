import { evotorError, parseEvotor } from '../../connectors/evotor/errors.ts';
import { documentSchema, documentsSchema, receiptsV1Schema, receiptV1Schema, receiptV2Schema } from '../../connectors/evotor/protocol.ts';
import { documentToSale, receiptToSale, returnedItems, saleToCheck, type EvotorSale, type ZoneOffset } from '../../connectors/evotor/translate.ts';
import { refundLinesFor } from '../../connectors/shared/refund-lines.ts';
import { KopilkaError, isKopilkaError } from '../../ledger/errors.ts';
import { saleLines } from '../../ledger/links.ts';
import { caller, type ApiRequest, type ApiResponse, type Route, type RouteDeps } from '../routes.ts';
import { protocolError, tenantZone, type Connector } from './connector.ts';

// Эвотор: the webhooks Облако Эвотор sends to a partner server when a smart terminal closes a sale
// (SELL) or a return (PAYBACK). Protocol notes: connectors/evotor/PROTOCOL.md; translation:
// connectors/evotor/translate.ts.
//
// In the Evotor developer cabinet the partner gives one base address; the cloud appends the
// canonical paths its docs write as «partner.ru/api/…». Kopilka's base is https://<host>/evotor, so:
//   PUT  /evotor/api/v1/inventories/stores/:storeUuid/documents   «Передать документы» (array of cloud documents)
//   POST /evotor/api/v1/receipt                                    «Отправить чек» v1 (array of receipts)
//   POST /evotor/api/v2/receipts                                   «Отправить чек (V2)» (one receipt in an envelope)
// Auth: the cloud sends the user token we returned at /user/verify in `Authorization` — here a
// Kopilka key of channel `evotor` (kp_evotor_…, which fits the documented [a-zA-Z0-9_=-]+).
// Both `Bearer <key>` (the spec's clientAuth) and the bare key are accepted.
// Answers: 200 with an empty body once everything in the request is recorded (a replay answers
// 200 again, recorded once); otherwise Evotor's error form { errors: [{ code, reason, subject }] }
// and the whole request may be retried — what was already recorded replays.

const SYSTEM = 'evotor';
const CHANNEL = 'evotor';
const BASE = '/evotor';

export const evotorConnector: Connector = { name: SYSTEM, routes };

const OK: ApiResponse = { status: 200, body: null, raw: '' };

function routes(d: RouteDeps): Route[] {
  const pool = d.ledger.pool;

  async function tenantOfToken(header: string | undefined): Promise<string> {
    const h = (header ?? '').trim();
    if (h === '') throw new KopilkaError('UNAUTHORIZED', 'Нет заголовка Authorization: укажите ключ канала «evotor» как токен пользователя');
    const p = await caller(d, /^Bearer\s/i.test(h) ? h : `Bearer ${h}`);
    if (p.kind !== 'channel' || p.channel !== CHANNEL) throw new KopilkaError('UNAUTHORIZED', 'Нужен ключ канала «evotor» (kp_evotor_…)');
    return p.tenantId;
  }

  const webhook =
    (f: (tenantId: string, req: ApiRequest, zone: ZoneOffset) => Promise<void>) =>
    async (req: ApiRequest): Promise<ApiResponse> => {
      try {
        const tenantId = await tenantOfToken(req.headers.authorization);
        await f(tenantId, req, await tenantZone(d, tenantId));
        return OK;
      } catch (e) {
        const known = protocolError(e);
        if (known === null) throw e;
        return evotorError(known);
      }
    };

  /** SELL → a check recorded once; PAYBACK → a refund of its sale; other documents are not ours. */
  async function record(tenantId: string, s: EvotorSale): Promise<void> {
    if (s.kind === 'OTHER') return;
    try {
      if (s.kind === 'SELL') {
        await d.ledger.commit(tenantId, CHANNEL, saleToCheck(s));
        return;
      }
      if (s.baseId === null) {
        throw new KopilkaError('INVALID_INPUT', `Возврат ${s.id} без ссылки на чек продажи (base_document_id): бонусы не пересчитаны`, { field: 'body.base_document_id', evotorCode: 2002 });
      }
      const sold = await saleLines(pool, tenantId, CHANNEL, s.baseId);
      if (sold === null) {
        throw new KopilkaError('CHECK_NOT_FOUND', `Чек продажи ${s.baseId} не проходил через программу лояльности: возврат ${s.id} не учтён`, {
          field: 'body.base_document_id',
          value: s.baseId,
        });
      }
      await d.ledger.refund(tenantId, CHANNEL, s.baseId, { externalId: s.id, occurredAt: s.occurredAt, lines: refundLinesFor(sold, returnedItems(s)) });
    } catch (e) {
      // The same document arriving by a second webhook kind (documents and receipts) has another
      // shape: it is already recorded, and refusing would only make the cloud retry forever.
      if (isKopilkaError(e) && e.code === 'IDEMPOTENCY_CONFLICT') {
        d.log?.warn({ tenant: tenantId, id: s.id, type: s.type }, 'evotor: document already recorded with other content');
        return;
      }
      throw e;
    }
  }

  return [
    {
      method: 'PUT',
      path: `${BASE}/api/v1/inventories/stores/:storeUuid/documents`,
      handler: webhook(async (tenantId, req, zone) => {
        const docs = parseEvotor(documentsSchema, req.json(), 'документы Эвотор');
        // Validate every document before recording any: a bad one fails the request as a whole.
        const sales = docs.map((raw, i) => documentToSale(parseEvotor(documentSchema, raw, 'документ Эвотор', `${i}.`), zone));
        for (const s of sales) await record(tenantId, { ...s, storeId: s.storeId ?? req.params.storeUuid ?? null });
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/api/v1/receipt`,
      handler: webhook(async (tenantId, req, zone) => {
        const receipts = parseEvotor(receiptsV1Schema, req.json(), 'чеки Эвотор');
        const sales = receipts.map((raw, i) => {
          const r = parseEvotor(receiptV1Schema, raw, 'чек Эвотор', `${i}.`);
          return receiptToSale(r, r.uuid, zone);
        });
        for (const s of sales) await record(tenantId, s);
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/api/v2/receipts`,
      handler: webhook(async (tenantId, req, zone) => {
        const r = parseEvotor(receiptV2Schema, req.json(), 'чек Эвотор (V2)');
        await record(tenantId, receiptToSale(r.data, r.data.id, zone));
      }),
    },
  ];
}
