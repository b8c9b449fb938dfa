import { evotorConflicts, evotorError, parseEvotor, type Conflict } from '../../connectors/evotor/errors.ts';
import { documentSchema, documentsSchema, receiptsV1Schema, receiptV1Schema, receiptV2Schema } from '../../connectors/evotor/protocol.ts';
import { documentToSale, receiptToSale, returnedItems, saleToCheck, type EvotorSale, type ZoneOffset } from '../../connectors/evotor/translate.ts';
import { refundLinesFor } from '../../connectors/kit/refund-lines.ts';
import { KopilkaError, isKopilkaError } from '../../ledger/errors.ts';
import { recordedRequest, saleLines } from '../../ledger/links.ts';
import { queueForReview } from '../../ledger/review.ts';
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
// and the whole request may be retried — what was already recorded replays. A document id that
// was recorded with other content answers 409 (one errors[] item per such document, the others
// in the request are recorded) and is kept in the review queue (GET /v1/review).

const SYSTEM = 'evotor';
const CHANNEL = 'evotor';
const BASE = '/evotor';

export const evotorConnector: Connector = { name: SYSTEM, routes };

const OK: ApiResponse = { status: 200, body: null, raw: '' };

/** What a document asks the ledger to record. */
type Recording =
  | { kind: 'sale'; check: ReturnType<typeof saleToCheck> }
  | { kind: 'refund'; saleId: string; request: { externalId: string; occurredAt: string; lines: { lineNo: number; quantity: number }[] } };

/**
 * Whether what was recorded under a document id is what this document asks for, compared by
 * amounts and quantities only: the documents and receipts webhooks describe one sale in two
 * shapes (other times, a customer in one and not the other), and that is not a conflict.
 */
export function sameRecording(r: Recording, recorded: Record<string, unknown>): boolean {
  const lines = Array.isArray(recorded.lines) ? (recorded.lines as Record<string, unknown>[]) : [];
  const key = (xs: unknown[][]) => xs.map((x) => x.join('/')).sort().join(',');
  if (r.kind === 'sale') return key(r.check.lines.map((l) => [l.quantity, l.amount])) === key(lines.map((l) => [l.quantity, l.amount]));
  return recorded.saleExternalId === r.saleId && key(r.request.lines.map((l) => [l.lineNo, l.quantity])) === key(lines.map((l) => [l.lineNo, l.quantity]));
}

function routes(d: RouteDeps): Route[] {
  const pool = d.ledger.pool;

  async function tenantOfToken(header: string | undefined, remoteAddress: string | undefined): Promise<string> {
    const h = (header ?? '').trim();
    if (h === '') throw new KopilkaError('UNAUTHORIZED', 'Нет заголовка Authorization: укажите ключ канала «evotor» как токен пользователя');
    const p = await caller(d, /^Bearer\s/i.test(h) ? h : `Bearer ${h}`, remoteAddress);
    if (p.kind !== 'channel' || p.channel !== CHANNEL) throw new KopilkaError('UNAUTHORIZED', 'Нужен ключ канала «evotor» (kp_evotor_…)');
    return p.tenantId;
  }

  /** A webhook: every document recorded (or replayed), and those that conflict answered together. */
  const webhook =
    (f: (tenantId: string, req: ApiRequest, zone: ZoneOffset) => Promise<Conflict[]>) =>
    async (req: ApiRequest): Promise<ApiResponse> => {
      try {
        const tenantId = await tenantOfToken(req.headers.authorization, req.remoteAddress);
        const conflicts = await f(tenantId, req, await tenantZone(d, tenantId));
        return conflicts.length === 0 ? OK : evotorConflicts(conflicts);
      } catch (e) {
        const known = protocolError(e);
        if (known === null) throw e;
        return evotorError(known);
      }
    };

  /**
   * SELL → a check recorded once; PAYBACK → a refund of its sale; other documents are not ours.
   * A document id recorded before with other content is a conflict: kept for review, and
   * returned so the cloud (and the integrator) sees it — unless it is the same sale come back by
   * the other webhook kind (documents and receipts describe one sale in two shapes).
   */
  async function record(tenantId: string, s: EvotorSale, raw: unknown, subject: string): Promise<Conflict | null> {
    if (s.kind === 'OTHER') return null;
    const r = await recordingOf(tenantId, s);
    try {
      if (r.kind === 'sale') await d.ledger.commit(tenantId, CHANNEL, r.check);
      else await d.ledger.refund(tenantId, CHANNEL, r.saleId, r.request);
      return null;
    } catch (e) {
      if (!isKopilkaError(e) || e.code !== 'IDEMPOTENCY_CONFLICT') throw e;
      const recorded = await recordedRequest(pool, tenantId, CHANNEL, r.kind, s.id);
      if (recorded !== null && sameRecording(r, recorded)) {
        d.log?.warn({ tenant: tenantId, id: s.id, type: s.type }, 'evotor: document already recorded in another shape');
        return null;
      }
      const reason = `Документ ${s.id} уже учтён с другим содержимым (позиции или суммы не совпадают): он сохранён для проверки, бонусы по нему не пересчитаны. Для нового документа нужен новый id`;
      await queueForReview(pool, tenantId, { system: SYSTEM, kind: s.type, externalId: s.id, reasonCode: 'IDEMPOTENCY_CONFLICT', reason, payload: raw });
      return { id: s.id, subject, reason };
    }
  }

  async function recordingOf(tenantId: string, s: EvotorSale): Promise<Recording> {
    if (s.kind === 'SELL') return { kind: 'sale', check: saleToCheck(s) };
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
    return { kind: 'refund', saleId: s.baseId, request: { externalId: s.id, occurredAt: s.occurredAt, lines: refundLinesFor(sold, returnedItems(s)) } };
  }

  async function recordAll(tenantId: string, docs: { sale: EvotorSale; raw: unknown; subject: string }[]): Promise<Conflict[]> {
    const conflicts: Conflict[] = [];
    for (const x of docs) {
      const c = await record(tenantId, x.sale, x.raw, x.subject);
      if (c !== null) conflicts.push(c);
    }
    return conflicts;
  }

  return [
    {
      method: 'PUT',
      path: `${BASE}/api/v1/inventories/stores/:storeUuid/documents`,
      handler: webhook(async (tenantId, req, zone) => {
        const docs = parseEvotor(documentsSchema, req.json(), 'документы Эвотор');
        // Validate every document before recording any: a bad one fails the request as a whole.
        const sales = docs.map((raw, i) => {
          const s = documentToSale(parseEvotor(documentSchema, raw, 'документ Эвотор', `${i}.`), zone);
          return { sale: { ...s, storeId: s.storeId ?? req.params.storeUuid ?? null }, raw, subject: `${i}.id` };
        });
        return recordAll(tenantId, sales);
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/api/v1/receipt`,
      handler: webhook(async (tenantId, req, zone) => {
        const receipts = parseEvotor(receiptsV1Schema, req.json(), 'чеки Эвотор');
        const sales = receipts.map((raw, i) => {
          const r = parseEvotor(receiptV1Schema, raw, 'чек Эвотор', `${i}.`);
          return { sale: receiptToSale(r, r.uuid, zone), raw, subject: `${i}.uuid` };
        });
        return recordAll(tenantId, sales);
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/api/v2/receipts`,
      handler: webhook(async (tenantId, req, zone) => {
        const raw = req.json();
        const r = parseEvotor(receiptV2Schema, raw, 'чек Эвотор (V2)');
        return recordAll(tenantId, [{ sale: receiptToSale(r.data, r.data.id, zone), raw, subject: 'data.id' }]);
      }),
    },
  ];
}
