import { KopilkaError, localIso, normalizePhone, type CheckInput, type CustomerRef, type ZoneOffset } from '../../ledger/index.ts';
import { lineAmount, toMinor } from '../kit/decimal.ts';
import type { ReturnedItem } from '../kit/refund-lines.ts';
import { EVOTOR_CODES } from './errors.ts';
import type { EvotorDocument, PosDocument, ReceiptData } from './protocol.ts';

export { localIso, type ZoneOffset };

// Evotor's sale and return documents → the common Check (and a return's items). Pure: no I/O.
// Money: decimal roubles → integer kopecks, quantities → thousandths, through the decimal text
// (connectors/kit/decimal.ts), never by multiplying floats. A JSON number such as 12.12 reaches
// us as the nearest double; its shortest round-trip text is exactly the literal Evotor wrote
// (true for every decimal of up to 15 significant digits), and more decimals than a kopeck (or
// a thousandth) are refused rather than rounded.

export type EvotorKind = 'SELL' | 'PAYBACK' | 'OTHER';

/** One sale or return, whichever of the three bodies it came in. */
export interface EvotorSale {
  kind: EvotorKind;
  /** Evotor's own type (SELL, PAYBACK, CASH_INCOME…). */
  type: string;
  id: string;
  occurredAt: string;
  storeId: string | null;
  cashierId: string | null;
  lines: CheckInput['lines'];
  payments: NonNullable<CheckInput['payments']>;
  customer: CustomerRef | null;
  /** The sale a return refers to. */
  baseId: string | null;
}


export const kindOf = (type: string | null | undefined): EvotorKind => (type === 'SELL' ? 'SELL' : type === 'PAYBACK' ? 'PAYBACK' : 'OTHER');

const money = (v: unknown, field: string) => toMinor(v, 2, field);
const qty = (v: unknown, field: string) => toMinor(v, 3, field);
// A return's documents carry negative quantities and sums (pos-docs/03-PAYBACK.json): the
// direction is the document's type, so only the size is read.
const absMoney = (v: unknown, field: string) => Math.abs(toMinor(v, 2, field, { allowNegative: true }));
const absQty = (v: unknown, field: string) => Math.abs(toMinor(v, 3, field, { allowNegative: true }));

function invalid(field: string, message: string, code: number = EVOTOR_CODES.invalid): KopilkaError {
  return new KopilkaError('INVALID_INPUT', message, { field, evotorCode: code });
}

// ── customer ───────────────────────────────────────────────────────────────────────────────

const CARD_KEYS = ['cardnumber', 'card', 'discountcard', 'discountcardnumber', 'loyaltycard', 'loyaltycardnumber', 'clientcard', 'bonuscard'];
const PHONE_KEYS = ['phone', 'clientphone', 'customerphone', 'customer_phone', 'buyerphone', 'phonenumber'];
const NESTED = ['customer', 'client', 'buyer', 'loyalty'];

function scalar(v: unknown): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return String(v);
  return null;
}

function pick(o: Record<string, unknown>, keys: string[]): string | null {
  for (const [k, v] of Object.entries(o)) if (keys.includes(k.toLowerCase())) {
    const s = scalar(v);
    if (s !== null) return s;
  }
  return null;
}

/**
 * The loyalty customer a document names, if any. Evotor documents no field for it: we read, in
 * order, a card number and then a phone from `extras` / `fields` (flat, or under customer/client/
 * buyer), then the document's `customer_phone` (the number the receipt was sent to).
 */
export function customerOf(bags: unknown[], documentPhone?: unknown): CustomerRef | null {
  const objects: Record<string, unknown>[] = [];
  for (const b of bags) {
    if (b === null || typeof b !== 'object' || Array.isArray(b)) continue;
    const o = b as Record<string, unknown>;
    objects.push(o);
    for (const [k, v] of Object.entries(o)) {
      if (NESTED.includes(k.toLowerCase()) && v !== null && typeof v === 'object' && !Array.isArray(v)) objects.push(v as Record<string, unknown>);
    }
  }
  for (const o of objects) {
    const card = pick(o, CARD_KEYS);
    if (card !== null) return { cardNumber: card };
  }
  for (const o of objects) {
    const raw = pick(o, PHONE_KEYS);
    const phone = raw === null ? null : normalizePhone(raw);
    if (phone !== null) return { phone };
  }
  const raw = scalar(documentPhone);
  const phone = raw === null ? null : normalizePhone(raw);
  return phone === null ? null : { phone };
}

// ── documents ──────────────────────────────────────────────────────────────────────────────

const PAYMENT_TYPES: Record<string, string> = { CASH: 'cash', ELECTRON: 'card', CARD: 'card', PAY_CASH: 'cash', PAY_CASHBACK: 'cash', PAY_CARD: 'card' };
const paymentType = (t: string | null | undefined) => (t ? (PAYMENT_TYPES[t.toUpperCase()] ?? t.toLowerCase().slice(0, 32)) : 'other');

/** A cloud document (fixtures/cloud-documents): positions with result_price / result_sum after discounts. */
export function documentToSale(doc: EvotorDocument, zone: ZoneOffset): EvotorSale {
  const kind = kindOf(doc.type);
  const occurredAt = localIso(doc.close_date, 'close_date', zone, doc.time_zone_offset);
  if (kind === 'OTHER') return { kind, type: doc.type, id: doc.id, occurredAt, storeId: null, cashierId: null, lines: [], payments: [], customer: null, baseId: null };
  const lines = doc.body.positions.map(({ position: p }, i) => {
    const field = `body.positions.${i}.position`;
    const productId = p.product_id || p.uuid || p.code;
    if (!productId) throw invalid(`${field}.product_id`, `Позиция ${i + 1}: нет идентификатора товара`, EVOTOR_CODES.missing);
    const quantity = absQty(p.quantity, `${field}.quantity`);
    if (quantity === 0) throw invalid(`${field}.quantity`, `Позиция ${i + 1}: нулевое количество`);
    // What the customer paid for the line: after the position's and the document's discounts.
    const price = absMoney(p.result_price ?? p.price, `${field}.result_price`);
    const amount = p.result_sum != null ? absMoney(p.result_sum, `${field}.result_sum`) : p.sum != null ? absMoney(p.sum, `${field}.sum`) : lineAmount(price, quantity);
    return { lineNo: i + 1, productId, name: p.product_name ?? null, quantity, price, amount };
  });
  if (lines.length === 0) throw invalid('body.positions', `Документ ${doc.id}: нет позиций`, EVOTOR_CODES.missing);
  const payments = (doc.body.payments ?? [])
    .map(({ payment }, i) => ({ type: paymentType(payment.type), amount: absMoney(payment.sum ?? 0, `body.payments.${i}.payment.sum`) }))
    .filter((p) => p.amount > 0);
  return {
    kind,
    type: doc.type,
    id: doc.id,
    occurredAt,
    storeId: doc.store_id ?? null,
    cashierId: doc.close_user_id ?? null,
    lines,
    payments,
    customer: customerOf([doc.extras], doc.body.customer_phone),
    baseId: doc.body.base_document_id ?? null,
  };
}

// ── documents in the terminal's format (transactions[]) ─────────────────────────────────────

type Tx = PosDocument['transactions'][number];

/** The customer: a card or phone in `extras` first, then a phone a transaction names (DISCOUNT_DOCUMENT…). */
function posCustomer(doc: PosDocument): CustomerRef | null {
  const fromExtras = customerOf([doc.extras]);
  if (fromExtras !== null) return fromExtras;
  for (const t of doc.transactions) {
    const phone = scalar(t.clientPhone);
    const normal = phone === null ? null : normalizePhone(phone);
    if (normal !== null) return { phone: normal };
  }
  return null;
}

/** Payments by type, change (a negative PAYMENT on a sale) taken off; a return's sums are all negative. */
function posPayments(txs: Tx[], sign: 1 | -1): EvotorSale['payments'] {
  const byType = new Map<string, number>();
  txs.forEach((t, i) => {
    if (t.type !== 'PAYMENT' || t.sum == null) return;
    const type = paymentType(t.paymentType);
    byType.set(type, (byType.get(type) ?? 0) + sign * toMinor(t.sum, 2, `transactions.${i}.sum`, { allowNegative: true }));
  });
  return [...byType].filter(([, amount]) => amount > 0).map(([type, amount]) => ({ type, amount }));
}

/**
 * A document as the terminal wrote it (fixtures/pos-docs): one line per REGISTER_POSITION, priced
 * as the till priced it (resultPrice / resultSum: after the position's discount), absolute values
 * (a PAYBACK's are negative); the sale a return refers to in DOCUMENT_OPEN.baseDocumentUUID.
 */
export function posDocumentToSale(doc: PosDocument, zone: ZoneOffset): EvotorSale {
  const kind = kindOf(doc.type);
  const occurredAt = localIso(doc.closeDate, 'closeDate', zone);
  const base = { kind, type: doc.type, id: doc.uuid, occurredAt, storeId: doc.storeUuid ?? null, cashierId: doc.closeUserUuid ?? doc.openUserUuid ?? null };
  // Object.assign, not `{ ...base, … }`: V8 11 makes a new hidden class for each spread copy that gains properties (gateway/http/router.ts).
  if (kind === 'OTHER') return Object.assign(base, { lines: [], payments: [], customer: null, baseId: null });
  const lines: EvotorSale['lines'] = [];
  doc.transactions.forEach((t, i) => {
    if (t.type !== 'REGISTER_POSITION') return;
    const field = `transactions.${i}`;
    const productId = t.commodityUuid || t.commodityCode || t.barcode;
    if (!productId) throw invalid(`${field}.commodityUuid`, `Позиция ${lines.length + 1}: нет идентификатора товара`, EVOTOR_CODES.missing);
    if (t.quantity == null) throw invalid(`${field}.quantity`, `Позиция ${lines.length + 1}: нет количества`, EVOTOR_CODES.missing);
    const quantity = absQty(t.quantity, `${field}.quantity`);
    if (quantity === 0) throw invalid(`${field}.quantity`, `Позиция ${lines.length + 1}: нулевое количество`);
    const priceRaw = t.resultPrice ?? t.price;
    if (priceRaw == null) throw invalid(`${field}.price`, `Позиция ${lines.length + 1}: нет цены`, EVOTOR_CODES.missing);
    const price = absMoney(priceRaw, `${field}.resultPrice`);
    const sum = t.resultSum ?? t.sum;
    const amount = sum != null ? absMoney(sum, `${field}.resultSum`) : lineAmount(price, quantity);
    lines.push({ lineNo: lines.length + 1, productId, name: t.commodityName ?? null, quantity, price, amount });
  });
  if (lines.length === 0) throw invalid('transactions', `Документ ${doc.uuid}: нет позиций (REGISTER_POSITION)`, EVOTOR_CODES.missing);
  const baseId = doc.transactions.find((t) => t.type === 'DOCUMENT_OPEN' && t.baseDocumentUUID)?.baseDocumentUUID ?? doc.transactions.find((t) => t.baseDocumentUUID)?.baseDocumentUUID ?? null;
  return Object.assign(base, { lines, payments: posPayments(doc.transactions, kind === 'PAYBACK' ? -1 : 1), customer: posCustomer(doc), baseId });
}

// ── receipts (v1 and v2) ───────────────────────────────────────────────────────────────────

/** Where a return receipt might name its sale. Not in Evotor's receipt schema: looked for, not relied on. */
const BASE_KEYS = ['basedocumentid', 'base_document_id', 'basereceiptid', 'basereceiptuuid', 'baseuuid', 'parentuuid', 'parentid'];

/**
 * A receipt («упрощённый документ»). Its item `sumPrice` is «общая цена товара» and `discount`
 * «общая сумма скидки на товар»; whether sumPrice is before or after the discount is not said.
 * When the receipt's totalAmount tells (Σ sumPrice = total, or Σ (sumPrice − discount) = total),
 * we follow it; otherwise we take sumPrice − discount.
 */
export function receiptToSale(r: ReceiptData, receiptId: string, zone: ZoneOffset): EvotorSale {
  const kind = kindOf(r.type);
  const dateTime = r.dateTime ?? null;
  if (dateTime === null) throw invalid('dateTime', 'В чеке нет даты и времени (dateTime)', EVOTOR_CODES.missing);
  const occurredAt = localIso(dateTime, 'dateTime', zone);
  const ids = r as { storeUuid?: unknown; storeId?: unknown };
  const storeId = typeof ids.storeUuid === 'string' ? ids.storeUuid : typeof ids.storeId === 'string' ? ids.storeId : null;
  const cashierId = r.employeeUuid ?? r.employeeId ?? null;
  if (kind === 'OTHER') return { kind, type: r.type ?? '', id: receiptId, occurredAt, storeId, cashierId, lines: [], payments: [], customer: null, baseId: null };
  const raw = r.items.map((it, i) => {
    const field = `items.${i}`;
    const productId = it.uuid || it.id || it.barcode;
    if (!productId) throw invalid(`${field}.uuid`, `Позиция ${i + 1}: нет идентификатора товара`, EVOTOR_CODES.missing);
    const quantity = qty(it.quantity, `${field}.quantity`);
    if (quantity === 0) throw invalid(`${field}.quantity`, `Позиция ${i + 1}: нулевое количество`);
    const price = money(it.price, `${field}.price`);
    const sum = it.sumPrice != null ? money(it.sumPrice, `${field}.sumPrice`) : lineAmount(price, quantity);
    const discount = it.discount != null ? money(it.discount, `${field}.discount`) : 0;
    return { productId, name: it.name ?? null, quantity, price, sum, discount };
  });
  if (raw.length === 0) throw invalid('items', `Чек ${receiptId}: нет позиций`, EVOTOR_CODES.missing);
  const total = r.totalAmount != null ? money(r.totalAmount, 'totalAmount') : null;
  const gross = raw.reduce((s, l) => s + l.sum, 0);
  const afterDiscountIsSum = total !== null && total === gross;
  const lines = raw.map((l, i) => {
    const amount = afterDiscountIsSum ? l.sum : Math.max(0, l.sum - l.discount);
    // The unit price actually paid, to the kopeck (rounded half up for weighed goods).
    const price = l.discount === 0 || afterDiscountIsSum ? l.price : Math.round((amount * 1000) / l.quantity);
    return { lineNo: i + 1, productId: l.productId, name: l.name, quantity: l.quantity, price, amount };
  });
  const paid = lines.reduce((s, l) => s + l.amount, 0);
  const bags = [r.extras, r.fields];
  let baseId: string | null = null;
  for (const b of [r as Record<string, unknown>, ...bags]) {
    if (baseId !== null || b == null) continue;
    baseId = pick(b as Record<string, unknown>, BASE_KEYS);
  }
  return {
    kind,
    type: r.type ?? '',
    id: receiptId,
    occurredAt,
    storeId,
    cashierId,
    lines,
    payments: paid > 0 ? [{ type: paymentType(r.paymentSource), amount: paid }] : [],
    customer: customerOf(bags),
    baseId,
  };
}

// ── to the ledger ──────────────────────────────────────────────────────────────────────────

/**
 * A sale as the ledger records it. Evotor sends only closed checks (the fiscal receipt is
 * printed): till-priced, recorded as the till priced it and never refused for a business reason.
 */
export function saleToCheck(s: EvotorSale): CheckInput {
  return {
    pricedBy: 'till',
    externalId: s.id,
    occurredAt: s.occurredAt,
    storeId: s.storeId,
    cashierId: s.cashierId,
    customer: s.customer,
    lines: s.lines,
    payments: s.payments,
    redeem: 0,
  };
}

/** What a return gives back, by product, for matching against the sale's lines. */
export function returnedItems(s: EvotorSale): ReturnedItem[] {
  return s.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
}
