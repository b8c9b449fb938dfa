import { z } from 'zod';
import { idText } from '../../ledger/index.ts';

// The bodies Облако Эвотор sends to a partner server (PROTOCOL.md; fixtures/ and fixtures/extra/).
// Three shapes carry a sale or a return:
//   • documents — PUT {base}/api/v1/inventories/stores/{storeUuid}/documents, an array of cloud
//     documents (type SELL / PAYBACK / …, body.positions[], body.base_document_id on a return):
//     fixtures/cloud-documents/*.json;
//   • receipts v1 — POST {base}/api/v1/receipt, an array of «упрощённые документы»
//     (uuid, type, items[], totalAmount…): fixtures/callbacks/receipt-webhook.definition.yaml;
//   • receipts v2 — POST {base}/api/v2/receipts («Отправить чек (V2)»), one receipt in an envelope
//     { id, data: { id, type, items[], extras… } }: fixtures/extra/receipt-v2.observed.json.
// Money is decimal roubles and quantities decimals (JSON numbers; strings are accepted too).
// Everything the translation does not read passes through untouched (.passthrough()).

/** A decimal as Evotor writes it: a JSON number (12.12) or, defensively, a string. */
export const decimal = z.union([z.number(), z.string()]);
// Document ids are recorded once per id: no NUL, lone surrogates or controls (validation.ts).
const id = idText(128);
const extras = z.record(z.string(), z.unknown()).nullish();

// ── documents (cloud document, version V2) ─────────────────────────────────────────────────

export const documentPositionSchema = z
  .object({
    product_id: z.string().nullish(),
    uuid: z.string().nullish(),
    code: z.string().nullish(),
    product_name: z.string().nullish(),
    quantity: decimal,
    price: decimal,
    result_price: decimal.nullish(),
    sum: decimal.nullish(),
    result_sum: decimal.nullish(),
  })
  .passthrough();

export const documentSchema = z
  .object({
    type: z.string().min(1),
    id: id,
    extras: extras,
    number: z.number().nullish(),
    close_date: z.string().min(10),
    time_zone_offset: z.number().int().nullish(),
    close_user_id: z.string().nullish(),
    device_id: z.string().nullish(),
    store_id: z.string().nullish(),
    user_id: z.string().nullish(),
    body: z
      .object({
        positions: z.array(z.object({ position: documentPositionSchema }).passthrough()).max(1000).default([]),
        payments: z
          .array(z.object({ payment: z.object({ type: z.string().nullish(), sum: decimal.nullish() }).passthrough() }).passthrough())
          .max(32)
          .nullish(),
        base_document_id: z.string().nullish(),
        base_document_number: z.number().nullish(),
        customer_phone: z.union([z.number(), z.string()]).nullish(),
        customer_email: z.string().nullish(),
        sum: decimal.nullish(),
        result_sum: decimal.nullish(),
      })
      .passthrough(),
  })
  .passthrough();
export type EvotorDocument = z.infer<typeof documentSchema>;

// ── documents in the terminal's own format (pos-docs/*.json of evotor/documentation-api) ──
// { uuid, type, closeDate, deviceUuid, transactions: [ DOCUMENT_OPEN{baseDocumentUUID},
// REGISTER_POSITION{commodityUuid, quantity, price, resultPrice, sum, resultSum}, PAYMENT{sum,
// paymentType}, DISCOUNT_DOCUMENT{clientPhone}, DOCUMENT_CLOSE… ] }. On a PAYBACK quantities and
// sums are negative. Transactions we do not read pass through untouched.

export const posTransactionSchema = z
  .object({
    type: z.string().min(1),
    commodityUuid: z.string().nullish(),
    commodityCode: z.string().nullish(),
    commodityName: z.string().nullish(),
    barcode: z.string().nullish(),
    quantity: decimal.nullish(),
    price: decimal.nullish(),
    resultPrice: decimal.nullish(),
    sum: decimal.nullish(),
    resultSum: decimal.nullish(),
    paymentType: z.string().nullish(),
    clientPhone: z.union([z.string(), z.number()]).nullish(),
    baseDocumentUUID: z.string().nullish(),
  })
  .passthrough();

export const posDocumentSchema = z
  .object({
    uuid: id,
    type: z.string().min(1),
    closeDate: z.string().min(10),
    deviceUuid: z.string().nullish(),
    storeUuid: z.string().nullish(),
    closeUserUuid: z.string().nullish(),
    openUserUuid: z.string().nullish(),
    extras: extras,
    transactions: z.array(posTransactionSchema).max(5000),
  })
  .passthrough();
export type PosDocument = z.infer<typeof posDocumentSchema>;

/** Which of the two document shapes an array item is: the terminal's has `transactions`. */
export const isPosDocument = (raw: unknown): boolean => raw !== null && typeof raw === 'object' && Array.isArray((raw as { transactions?: unknown }).transactions);

export const documentsSchema = z.array(z.unknown()).min(1, 'пустой массив документов').max(1000);

// ── receipts (v1 array, v2 envelope) ───────────────────────────────────────────────────────

export const receiptItemSchema = z
  .object({
    uuid: z.string().nullish(),
    id: z.string().nullish(),
    name: z.string().nullish(),
    barcode: z.string().nullish(),
    itemType: z.string().nullish(),
    measureName: z.string().nullish(),
    quantity: decimal,
    price: decimal,
    sumPrice: decimal.nullish(),
    discount: decimal.nullish(),
  })
  .passthrough();

const receiptCommon = {
  type: z.string().nullish(),
  dateTime: z.string().nullish(),
  employeeUuid: z.string().nullish(),
  employeeId: z.string().nullish(),
  paymentSource: z.string().nullish(),
  items: z.array(receiptItemSchema).max(1000).default([]),
  totalAmount: decimal.nullish(),
  totalDiscount: decimal.nullish(),
  clientUuid: z.string().nullish(),
  fields: extras,
  extras: extras,
};

/** definitions.receipt of the outgoing-requests protocol (required: uuid, deviceUuid, storeUuid, dateTime). */
export const receiptV1Schema = z
  .object({ ...receiptCommon, uuid: id, deviceUuid: z.string().min(1), storeUuid: z.string().min(1), dateTime: z.string().min(10) })
  .passthrough();
export type ReceiptV1 = z.infer<typeof receiptV1Schema>;

export const receiptsV1Schema = z.array(z.unknown()).min(1, 'пустой массив чеков').max(1000);

export const receiptV2Schema = z
  .object({
    id: z.string().nullish(),
    type: z.string().nullish(),
    userId: z.string().nullish(),
    timestamp: z.number().nullish(),
    version: z.number().nullish(),
    data: z.object({ ...receiptCommon, id: id, storeId: z.string().nullish(), deviceId: z.string().nullish(), shiftId: z.string().nullish() }).passthrough(),
  })
  .passthrough();
export type ReceiptV2 = z.infer<typeof receiptV2Schema>;
export type ReceiptData = ReceiptV2['data'] | ReceiptV1;
