import { fromMinor, lineAmount, toMinor } from '../kit/decimal.ts';
import { KopilkaError, localIso, normalizePhone, type CheckInput, type CheckResult, type CustomerRef, type Queued, type ZoneOffset } from '../../ledger/index.ts';
import type { ReturnedItem } from '../kit/refund-lines.ts';
import type { CalculateRequest, RefundRequest } from './protocol.ts';

// Frontol requests ↔ the common Check and its result. Pure. Decimal text ↔ integers through
// connectors/kit/decimal.ts: roubles ↔ kopecks, bonuses ↔ hundredths, quantities ↔ thousandths.

export const rub = (v: unknown, field: string) => toMinor(v, 2, field);
export const qty = (v: unknown, field: string) => toMinor(v, 3, field);
/** Kopecks (or hundredths of a bonus) → "123.45". */
export const dec = (minor: number) => fromMinor(minor, 2);

export function customerOf(r: { card?: string | null; phone?: string | null }): CustomerRef | null {
  if (r.card) return { cardNumber: r.card };
  if (r.phone) {
    const phone = normalizePhone(r.phone);
    if (phone === null) throw new KopilkaError('INVALID_INPUT', `Неверный номер телефона «${r.phone}»: нужен формат +79991234567`, { field: 'phone' });
    return { phone };
  }
  return null;
}

export function toCheck(r: CalculateRequest, zone: ZoneOffset, now: number): CheckInput {
  const lines = r.positions.map((p, i) => {
    const field = `positions.${i}`;
    const quantity = qty(p.quantity, `${field}.quantity`);
    if (quantity === 0) throw new KopilkaError('INVALID_INPUT', `Позиция ${p.n ?? i + 1}: нулевое количество`, { field: `${field}.quantity` });
    const price = rub(p.price, `${field}.price`);
    const amount = p.sum != null ? rub(p.sum, `${field}.sum`) : lineAmount(price, quantity);
    return { lineNo: i + 1, productId: p.code, groupId: p.group ?? null, name: p.name ?? null, quantity, price, amount };
  });
  const redeem = r.bonusPayment === 'max' ? ('max' as const) : r.bonusPayment == null ? 0 : rub(r.bonusPayment, 'bonusPayment');
  return {
    externalId: r.document ?? 'frontol-calculate',
    occurredAt: r.dateTime ? localIso(r.dateTime, 'dateTime', zone) : localIso(new Date(now).toISOString(), 'dateTime', zone, zone(now) * 60_000),
    storeId: r.shop ?? null,
    cashierId: r.cashier ?? null,
    customer: customerOf(r),
    lines,
    payments: (r.payments ?? []).map((p, i) => ({ type: p.type, amount: rub(p.sum, `payments.${i}.sum`) })).filter((p) => p.amount > 0),
    redeem,
  };
}

export function returnedItems(r: RefundRequest): ReturnedItem[] | null {
  if (!r.positions) return null;
  return r.positions.map((p, i) => ({ productId: p.code, quantity: qty(p.quantity, `positions.${i}.quantity`) }));
}

// ── answers ──────────────────────────────────────────────────────────────────────────────────

export interface CustomerAnswer {
  id: string;
  name: string | null;
  level: string;
  /** Bonuses that can be spent now ("123.00"; one bonus pays one rouble). */
  balance: string;
  /** Bonuses accrued but not yet active. */
  pending: string;
}

export function customerAnswer(c: { id: string; name?: string | null; level: { name: string }; balance: { available: number; pending: number } }): CustomerAnswer {
  return { id: c.id, name: c.name ?? null, level: c.level.name, balance: dec(Math.max(0, c.balance.available)), pending: dec(c.balance.pending) };
}

/**
 * A priced document for the script: per position the program's discount and the bonus payment
 * (as accounting books it, a discount on the position), the exact new position sum, and the
 * unit price it comes to (rounded half up to a kopeck — for scripts that can only set a price).
 * `discountedSum`/`discountedPrice` are the same before the bonus payment: what the till sets as
 * the position's price when it takes the bonus payment as a discount of its own (kopilka.js).
 */
export function checkAnswer(check: CheckInput, req: CalculateRequest, r: CheckResult) {
  const byLine = new Map(r.lines.map((l) => [l.lineNo, l]));
  const positions = check.lines.map((l, i) => {
    const res = byLine.get(l.lineNo) ?? { discount: 0, redeemed: 0, accrued: 0 };
    const discounted = l.amount - res.discount;
    const sum = discounted - res.redeemed;
    return {
      n: req.positions[i]!.n ?? i + 1,
      discount: dec(res.discount),
      discountedSum: dec(discounted),
      discountedPrice: dec(unitPrice(discounted, l.quantity)),
      bonusPayment: dec(res.redeemed),
      sum: dec(sum),
      price: dec(unitPrice(sum, l.quantity)),
      accrued: dec(res.accrued),
    };
  });
  return {
    ok: true as const,
    customer: r.customer === null ? null : customerAnswer(r.customer),
    positions,
    total: {
      sum: dec(r.totals.amount),
      discount: dec(r.totals.discount),
      bonusPayment: dec(r.totals.redeemed),
      toPay: dec(r.totals.toPay),
      accrued: dec(r.totals.accrued),
    },
    maxBonusPayment: dec(r.totals.maxRedeem),
    message: r.messages.join('\n'),
  };
}

/** A position sum (kopecks) over its quantity (thousandths), half up to a kopeck. */
const unitPrice = (sum: number, quantity: number) => Math.round((sum * 1000) / quantity);

export function refundAnswer(r: { totals: { amount: number; redeemed: number; accrued: number }; customer?: unknown; messages?: string[] }) {
  return {
    ok: true as const,
    refund: { sum: dec(r.totals.amount), bonusReturned: dec(r.totals.redeemed), bonusTakenBack: dec(r.totals.accrued) },
    message: (r.messages ?? []).join('\n'),
  };
}

/**
 * A closed document the ledger could not apply (unknown sale, card, a conflicting resend, a
 * bonus shortfall): kept for review. The receipt is printed, so the script is told ok and shows
 * the message; `review` says what a person will look at.
 */
export function queuedAnswer(q: Queued) {
  return {
    ok: true as const,
    replay: false,
    review: { id: q.reviewId, reason: q.reasonCode },
    message: `Документ принят и передан на проверку: ${q.reason}`,
  };
}

/** The error form: { ok: false, code, message } with the Kopilka status (see HTTP-API.md). */
export function frontolError(e: KopilkaError): { status: number; body: { ok: false; code: string; message: string; field?: string } } {
  const field = typeof e.details?.field === 'string' ? e.details.field : undefined;
  return { status: e.status, body: { ok: false, code: e.code, message: e.message, ...(field ? { field } : {}) } };
}
