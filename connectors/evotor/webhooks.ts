import type { ConnectorContext } from '../kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type Call, type RouteSpec } from '../kit/route.ts';
import { zoneOffset, type ZoneOffset } from '../../ledger/index.ts';
import { evotorError, parseEvotor } from './errors.ts';
import { documentSchema, documentsSchema, isPosDocument, posDocumentSchema, receiptsV1Schema, receiptV1Schema, receiptV2Schema } from './protocol.ts';
import { recordAll, type EvotorDocumentIn } from './recording.ts';
import { documentToSale, posDocumentToSale, receiptToSale } from './translate.ts';

// The three webhooks Облако Эвотор calls with a closed sale or return. In the Evotor developer
// cabinet the partner gives one base address; the cloud appends the canonical paths its docs
// write as «partner.ru/api/…». Kopilka's base is https://<host>/evotor, so:
//   PUT  /evotor/api/v1/inventories/stores/:storeUuid/documents   «Передать документы» (array of cloud documents)
//   POST /evotor/api/v1/receipt                                    «Отправить чек» v1 (array of receipts)
//   POST /evotor/api/v2/receipts                                   «Отправить чек (V2)» (one receipt in an envelope)
// Auth: the cloud sends the user token we returned at /user/verify in `Authorization` — here a
// Kopilka key of channel `evotor` (kp_evotor_…, which fits the documented [a-zA-Z0-9_=-]+).
// Both `Bearer <key>` (the spec's clientAuth) and the bare key are accepted.
// Answers: 200 with an empty body once every document of the request is recorded or kept for
// review; otherwise Evotor's error form and the whole request may be retried (what was already
// recorded replays).

const BASE = '/evotor';
/** The same size as the gateway's default: up to 1000 documents of a few positions each. */
const BODY_LIMIT = 1024 * 1024;

const OK: ApiResponse = { status: 200, body: null, raw: '' };

/** The user token, `Bearer <key>` or the bare key; null when the header is absent or empty. */
/** What the cloud is told when it sends no token (the partner gives it at /user/verify). */
const NO_TOKEN = 'Нет заголовка Authorization: укажите ключ канала «evotor» как токен пользователя';

export function userToken(req: ApiRequest): string | null {
  const h = (req.headers.authorization ?? '').trim();
  if (h === '') return null;
  const key = (/^Bearer\s+(.*)$/i.exec(h)?.[1] ?? h).trim();
  return key === '' ? null : key;
}

/** Declarations every Эвотор webhook shares: who may call, where the key is, the error form. */
const webhook = { auth: 'channel:evotor', credential: userToken, missingCredential: NO_TOKEN, bodyLimit: BODY_LIMIT, errors: evotorError } as const;

export function webhookRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  /** The tenant's zone (tills write wall-clock times), then every document recorded in order. */
  const answer =
    <I>(documents: (call: Call<I>, zone: ZoneOffset) => EvotorDocumentIn[]) =>
    async (call: Call<I>): Promise<ApiResponse> => {
      const zone = zoneOffset(await ctx.ledger.timeZone(call.tenantId));
      // Every document is validated before any is recorded: a bad one fails the request as a whole.
      await recordAll(ctx.ledger, ctx.log, call.tenantId, documents(call, zone));
      return OK;
    };

  return [
    route({
      ...webhook,
      method: 'PUT',
      path: `${BASE}/api/v1/inventories/stores/:storeUuid/documents`,
      summary: 'документы Эвотор',
      input: documentsSchema,
      handler: answer((call, zone) =>
        call.input.map((raw, i) => {
          // Two shapes: the terminal's (transactions[], pos-docs) and the REST API's (body.positions).
          const s = isPosDocument(raw)
            ? posDocumentToSale(parseEvotor(posDocumentSchema, raw, 'документ Эвотор', `${i}.`), zone)
            : documentToSale(parseEvotor(documentSchema, raw, 'документ Эвотор', `${i}.`), zone);
          return { sale: { ...s, storeId: s.storeId ?? call.req.params.storeUuid ?? null }, raw };
        }),
      ),
    }),
    route({
      ...webhook,
      method: 'POST',
      path: `${BASE}/api/v1/receipt`,
      summary: 'чеки Эвотор',
      input: receiptsV1Schema,
      handler: answer((call, zone) =>
        call.input.map((raw, i) => {
          const r = parseEvotor(receiptV1Schema, raw, 'чек Эвотор', `${i}.`);
          return { sale: receiptToSale(r, r.uuid, zone), raw };
        }),
      ),
    }),
    route({
      ...webhook,
      method: 'POST',
      path: `${BASE}/api/v2/receipts`,
      summary: 'чек Эвотор (V2)',
      input: receiptV2Schema,
      handler: answer((call, zone) => [{ sale: receiptToSale(call.input.data, call.input.data.id, zone), raw: call.req.json() }]),
    }),
  ];
}
