import { createHash } from 'node:crypto';
import { z } from 'zod';
import { lineAmount, minorToNumber, toMinor } from '../kit/decimal.ts';
import type { ReturnedItem } from '../kit/refund-lines.ts';
import { freeText, KopilkaError, normalizePhone, plainText, type Channel, type CheckInput, type CheckResult } from '../../ledger/index.ts';

// МойСклад's Loyalty API 1.0 («API для внешних систем лояльности»), the side the till calls.
// Units (PROTOCOL.md §1.6): prices and cash/card sums in roubles with 2 decimals, quantities with
// 3, points as plain numbers (we keep two decimals: hundredths), gift-card sums in kopecks.

/** The system's name in links, settings and review items; also the sales channel of its keys. */
export const SYSTEM = 'moysklad';
export const CHANNEL = 'moysklad' satisfies Channel;
/** Where the Loyalty API is served: the address registered in МойСклад's solution settings. */
export const LOYALTY_BASE = '/moysklad/loyalty';

// Every string the ledger may store or compare: no control characters (ids, hrefs, cards) or only
// tabs and line breaks (names). NUL and lone surrogates are refused for any body in jsonBody.
const ref = plainText(2048);
const label = freeText(1024);
const meta = z.object({ href: ref.optional(), id: ref.optional() }).passthrough();
const store = z.object({ meta: meta, name: label.optional() }).passthrough();
const num = z.union([z.number(), z.string()]);

export const agentSchema = z
  .object({
    meta: meta.optional(),
    id: ref.optional(),
    href: ref.optional(),
    name: label.nullish(),
    discountCardNumber: ref.nullish(),
    phone: ref.nullish(),
    email: ref.nullish(),
    legalFirstName: label.nullish(),
    legalMiddleName: label.nullish(),
    legalLastName: label.nullish(),
    birthDate: ref.nullish(),
    sex: ref.nullish(),
  })
  .passthrough();
export type Agent = z.infer<typeof agentSchema>;

const position = z
  .object({
    assortment: z.object({ meta: meta, syncId: ref.optional() }).passthrough(),
    quantity: num,
    price: num,
    discountPercent: num.optional(),
    discountedPrice: num.optional(),
  })
  .passthrough();
type Position = z.infer<typeof position>;

export const recalcSchema = z
  .object({
    retailStore: store,
    agent: agentSchema.nullish(),
    positions: z.array(position).min(1, 'в продаже нет позиций').max(1000),
    bonusProgram: z.object({ transactionType: z.enum(['EARNING', 'SPENDING']).default('EARNING') }).passthrough().nullish(),
    preferredBonusToSpend: num.nullish(),
  })
  .passthrough();
export type RecalcRequest = z.infer<typeof recalcSchema>;

export const saleSchema = z
  .object({
    retailStore: store,
    name: label.nullish(),
    moment: ref.nullish(),
    meta: meta.nullish(),
    syncId: ref.nullish(),
    agent: agentSchema.nullish(),
    positions: z.array(position).min(1, 'в продаже нет позиций').max(1000),
    bonusProgram: z.object({ bonusValueToSpend: num.nullish(), bonusValueToEarn: num.nullish() }).passthrough().nullish(),
    cashSum: num.nullish(),
    noCashSum: num.nullish(),
    giftCards: z.array(z.object({ id: ref, name: label, paymentSum: num }).passthrough()).nullish(),
  })
  .passthrough();
export type SaleRequest = z.infer<typeof saleSchema>;

export const returnSchema = saleSchema.extend({ demand: z.object({ meta: meta.nullish() }).passthrough().nullish() });
export type ReturnRequest = z.infer<typeof returnSchema>;

export const counterpartySchema = agentSchema.extend({
  retailStore: store.optional(),
  syncId: ref.nullish(),
  statusCheck: ref.nullish(),
});
export type CounterpartyRequest = z.infer<typeof counterpartySchema>;

/** Points (a number with up to two decimals) ↔ hundredths. */
export const pointsToHundredths = (v: unknown, field: string) => toMinor(v ?? 0, 2, field);
export const hundredthsToPoints = (h: number) => minorToNumber(h, 2);
/**
 * Hundredths → МойСклад's whole points, rounded down: its bonus points are integers (JSON API
 * `bonusOperation.bonusValue` is Int, every Loyalty API sample is whole), so a till is never told
 * of a point the customer does not fully have (PROTOCOL.md §1.6).
 */
export const wholePoints = (h: number) => Math.floor(h / 100);

/** Where Kopilka keeps the GUIDs it gave МойСклад for its customers (search rows' `id`). */
export const GUID_SYSTEM = 'moysklad-guid';
// Fixed namespace of Kopilka's name-based GUIDs (any constant: it only has to never change).
const GUID_NAMESPACE = Buffer.from('6f1c4a2e9b7d4c55a0e3d8b1f2c47a90', 'hex');

/**
 * A GUID for one of our things, the same every time (UUID version 5: SHA-1 of a namespace and the
 * name). The Loyalty API wants the loyalty system's ids «в формате GUID»; ours are numbers.
 */
export function kopilkaGuid(tenantId: string, kind: string, id: string): string {
  const h = createHash('sha1').update(GUID_NAMESPACE).update(`${tenantId}:${kind}:${id}`).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export type CustomerRef = CheckInput['customer'];

export interface LineContext {
  /** Product groups known from the product sync: rules by group apply to МойСклад sales too. */
  groups: Map<string, string>;
}

export function linesOf(positions: Position[], ctx: LineContext): CheckInput['lines'] {
  return positions.map((p, i) => {
    const field = `positions.${i}`;
    const productId = p.assortment.meta.id || p.assortment.syncId || idFromHref(p.assortment.meta.href);
    if (!productId) throw new KopilkaError('INVALID_INPUT', `Позиция ${i + 1}: нет идентификатора товара`, { field: `${field}.assortment.meta.id` });
    const quantity = toMinor(p.quantity, 3, `${field}.quantity`);
    const price = toMinor(p.price, 2, `${field}.price`);
    if (quantity === 0) throw new KopilkaError('INVALID_INPUT', `Позиция ${i + 1}: нулевое количество`, { field: `${field}.quantity` });
    return { lineNo: i + 1, productId, groupId: ctx.groups.get(productId) ?? null, quantity, price, amount: lineAmount(price, quantity) };
  });
}

/**
 * A closed sale's lines as the till priced them: each at its discounted price (or percent). The
 * recalc answer books the bonus payment as a discount on the positions (recalcAnswer), while the
 * ledger takes the bonus payment (`redeem`) off the lines itself; so that part of the discount is
 * given back to the lines, in proportion to each line's discount and never above it. A till that
 * did not fold the bonus payment into its prices has no such discount: its lines stay as sent.
 */
export function closedSaleLines(positions: Position[], ctx: LineContext, redeem: number): CheckInput['lines'] {
  const lines = linesOf(positions, ctx);
  const paid = lines.map((l, i) => Math.min(l.amount, paidFor(positions[i]!, l.amount, l.quantity, `positions.${i}`)));
  const cut = lines.map((l, i) => l.amount - paid[i]!);
  const share = spread(Math.min(redeem, cut.reduce((a, b) => a + b, 0)), cut);
  return lines.map((l, i) => ({ ...l, amount: paid[i]! + share[i]! }));
}

/** What the customer was charged for a position, in kopecks. */
function paidFor(p: Position, gross: number, quantity: number, field: string): number {
  if (p.discountedPrice != null) return lineAmount(toMinor(p.discountedPrice, 2, `${field}.discountedPrice`), quantity);
  if (p.discountPercent == null) return gross;
  const bp = toMinor(p.discountPercent, 2, `${field}.discountPercent`);
  return gross - Math.round((gross * Math.min(bp, 10_000)) / 10_000);
}

/** `total` kopecks over the weights (largest remainder): the parts add up, none above its weight. */
function spread(total: number, weights: number[]): number[] {
  const sum = BigInt(weights.reduce((a, b) => a + b, 0));
  if (total === 0 || sum === 0n) return weights.map(() => 0);
  const exact = weights.map((w) => BigInt(total) * BigInt(w));
  const parts = exact.map((x) => Number(x / sum));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = weights.map((_, i) => i).sort((a, b) => Number((exact[b]! % sum) - (exact[a]! % sum)) || a - b);
  for (const i of order) {
    if (left === 0) break;
    if (parts[i]! < weights[i]!) {
      parts[i] = parts[i]! + 1;
      left--;
    }
  }
  return parts;
}

export function idFromHref(href: string | undefined): string {
  if (!href) return '';
  const path = href.split('?')[0]!.replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The sale's id in the ledger: МойСклад's own id when it sends one, else store, number and time. */
export function documentId(doc: { meta?: { id?: string } | null; syncId?: string | null; retailStore: { meta: { id?: string } }; name?: string | null; moment?: string | null }): string {
  if (doc.meta?.id) return doc.meta.id;
  if (doc.syncId) return doc.syncId;
  if (!doc.name || !doc.moment) {
    throw new KopilkaError('INVALID_INPUT', 'Не могу опознать документ: нет ни meta.id, ни номера и времени', { field: 'meta.id' });
  }
  return `${doc.retailStore.meta.id ?? 'store'}/${doc.name}/${doc.moment}`;
}

export function paymentsOf(s: SaleRequest): CheckInput['payments'] {
  const out: NonNullable<CheckInput['payments']> = [];
  const cash = toMinor(s.cashSum ?? 0, 2, 'cashSum');
  const card = toMinor(s.noCashSum ?? 0, 2, 'noCashSum');
  if (cash > 0) out.push({ type: 'cash', amount: cash });
  if (card > 0) out.push({ type: 'card', amount: card });
  // Gift-card sums come in kopecks, unlike the rest of the document (PROTOCOL.md §1.6).
  (s.giftCards ?? []).forEach((g, i) => {
    const k = toMinor(g.paymentSum, 0, `giftCards.${i}.paymentSum`);
    // `name` is the certificate's number (PROTOCOL.md (7)): the code Kopilka debits.
    if (k > 0) out.push({ type: 'giftcard', amount: k, code: g.name });
  });
  return out;
}

// ── answers ──────────────────────────────────────────────────────────────────────────────────

/**
 * The recalc answer: each position with its discounted unit price. Bonus payment is given as a
 * discount on the positions (as accounting books it), so the till's total is what remains to pay.
 * A position of n whole units whose new total does not divide by n is split in two at prices a
 * kopeck apart, as the protocol allows, so the receipt adds up to the kopeck.
 */
export function recalcAnswer(req: RecalcRequest, lines: CheckInput['lines'], r: CheckResult, available: number) {
  const positions: unknown[] = [];
  req.positions.forEach((p, i) => {
    const line = lines[i]!;
    const res = r.lines[i]!;
    const total = line.amount - res.discount - res.redeemed;
    const percent = line.amount === 0 ? 0 : minorToNumber(Math.round(((line.amount - total) * 10_000) / line.amount), 2);
    const whole = line.quantity % 1000 === 0 ? line.quantity / 1000 : null;
    const base = { ...p, discountPercent: percent };
    if (whole !== null && whole > 1 && total % whole !== 0) {
      const low = Math.floor(total / whole);
      const high = whole - (total - low * whole);
      const up = whole - high;
      const sn = Array.isArray(p.sn) ? (p.sn as unknown[]) : null;
      positions.push({ ...base, quantity: high, discountedPrice: minorToNumber(low, 2), ...(sn ? { sn: sn.slice(0, high) } : {}) });
      positions.push({ ...base, quantity: up, discountedPrice: minorToNumber(low + 1, 2), ...(sn ? { sn: sn.slice(high) } : {}) });
    } else {
      // One unit, or a weighed quantity: the unit price rounded half up to a kopeck.
      const unit = whole !== null ? total / whole : Math.round((total * 1000) / line.quantity);
      positions.push({ ...base, discountedPrice: minorToNumber(unit, 2) });
    }
  });
  return {
    agent: req.agent ?? undefined,
    positions,
    bonusProgram: {
      transactionType: req.bonusProgram?.transactionType ?? 'EARNING',
      // Whole points (wholePoints); the payment is whole already (the recalc route asks for whole).
      agentBonusBalance: wholePoints(available),
      bonusValueToSpend: hundredthsToPoints(r.totals.redeemed),
      bonusValueToEarn: wholePoints(r.totals.accrued),
      // Counts the new bonuses even if they become spendable later: the till only prints it.
      agentBonusBalanceAfter: wholePoints(available - r.totals.redeemed) + wholePoints(r.totals.accrued),
      paidByBonusPoints: minorToNumber(r.totals.redeemed, 2),
      receiptExtraInfo: r.messages.join('\n'),
    },
    needVerification: false,
  };
}

export interface CounterpartyRow {
  /** Our GUID for the customer (kopilkaGuid): «в формате GUID», sent back to us in `meta.id`. */
  id: string;
  msId?: string;
  name: string;
  discountCardNumber?: string;
  phone?: string;
  email?: string;
  birthDate?: string;
  sex?: 'MALE' | 'FEMALE';
}

export function counterpartyRow(c: { id: string; name: string | null; phone: string | null; cardNumber: string | null; email: string | null; birthDate: string | null; gender: string | null }, guid: string, msId: string | undefined): CounterpartyRow {
  return {
    id: guid,
    ...(msId ? { msId } : {}),
    name: c.name ?? c.phone ?? c.cardNumber ?? `Клиент ${c.id}`,
    ...(c.cardNumber ? { discountCardNumber: c.cardNumber } : {}),
    ...(c.phone ? { phone: c.phone } : {}),
    ...(c.email ? { email: c.email } : {}),
    ...(c.birthDate ? { birthDate: `${c.birthDate} 00:00:00` } : {}),
    ...(c.gender === 'male' ? { sex: 'MALE' as const } : c.gender === 'female' ? { sex: 'FEMALE' as const } : {}),
  };
}

/** A new customer from МойСклад's counterparty fields. */
export function newCustomerOf(c: CounterpartyRequest): Record<string, unknown> {
  const phone = c.phone ? normalizePhone(c.phone) : null;
  if (phone === null) throw new KopilkaError('INVALID_INPUT', 'Для регистрации в программе лояльности нужен телефон покупателя (+79991234567)', { field: 'phone' });
  const name = c.name ?? ([c.legalLastName, c.legalFirstName, c.legalMiddleName].filter(Boolean).join(' ') || null);
  return {
    phone,
    ...(c.discountCardNumber ? { cardNumber: c.discountCardNumber } : {}),
    ...(name ? { name } : {}),
    ...(c.email ? { email: c.email } : {}),
    ...(c.birthDate && /^\d{4}-\d{2}-\d{2}/.test(c.birthDate) ? { birthDate: c.birthDate.slice(0, 10) } : {}),
    ...(c.sex === 'MALE' ? { gender: 'male' } : c.sex === 'FEMALE' ? { gender: 'female' } : {}),
    source: 'moysklad',
  };
}

/** Returned positions → products and quantities, matched against the sale's lines when recorded. */
export function returnedItems(positions: Position[]): ReturnedItem[] {
  return positions.map((p, i) => ({
    productId: p.assortment.meta.id || p.assortment.syncId || idFromHref(p.assortment.meta.href),
    quantity: toMinor(p.quantity, 3, `positions.${i}.quantity`),
  }));
}
