import { MAX_AMOUNT, MAX_LINES, mostLineAmount, type Check, type CheckLine, type CustomerRef, type Payment } from './check.ts';
import { isoTimeProblem, unsafeTextReason } from './validation.ts';

// A check as tills send it, read without zod when it is plainly well formed: every field of the
// expected type and within its bounds, no key given as `undefined`. The schema (check.ts) stays
// the one definition: anything this reader is not sure of — a wrong field, an edge it does not
// handle — returns null and zod reads the check, so every refusal keeps zod's message. What this
// reader accepts, zod accepts with the same output, key order included (check-shape.test.ts
// compares the two on random checks, valid and not). Why: zod's general machinery was a fifth of
// the gateway's CPU per calculation; this costs a few microseconds.

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The check, or null when zod must judge it. */
export function plainCheck(input: unknown): Check | null {
  if (!isPlain(input)) return null;
  const externalId = idOf(input.externalId, 128);
  const occurredAt = input.occurredAt;
  if (externalId === null || typeof occurredAt !== 'string' || isoTimeProblem(occurredAt) !== null) return null;
  const out: Plain = { externalId, occurredAt };
  if (!optional(input, 'storeId', out, (v) => idOf(v, 128)) || !optional(input, 'cashierId', out, (v) => idOf(v, 128))) return null;
  if (!optional(input, 'customer', out, customerOf)) return null;
  const lines = linesOf(input.lines);
  if (lines === null) return null;
  out.lines = lines;
  const payments = 'payments' in input ? paymentsOf(input.payments) : [];
  if (payments === null) return null;
  out.payments = payments;
  const redeem = 'redeem' in input ? input.redeem : 0;
  if (redeem !== 'max' && !integerIn(redeem, 0, MAX_AMOUNT)) return null;
  out.redeem = redeem;
  if (!optional(input, 'coupon', out, (v) => textOf(v, 64))) return null;
  if ('pricedBy' in input) {
    if (input.pricedBy !== 'till' && input.pricedBy !== 'kopilka') return null;
    out.pricedBy = input.pricedBy;
  }
  return out as Check;
}

/**
 * A nullish field: absent stays absent, null stays null, else read by `read` (null: zod judges).
 * Returns false when zod must judge the check.
 */
function optional(input: Plain, key: string, out: Plain, read: (v: unknown) => unknown): boolean {
  if (!(key in input)) return true;
  const v = input[key];
  if (v === null) {
    out[key] = null;
    return true;
  }
  const r = read(v);
  if (r === null) return false;
  out[key] = r;
  return true;
}

function integerIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** idText: trimmed, 1..max characters, no control characters. */
function idOf(v: unknown, max: number): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s.length >= 1 && s.length <= max && unsafeTextReason(s) === null ? s : null;
}

/** plainText: as written, at most max characters, no control characters. */
function textOf(v: unknown, max: number): string | null {
  return typeof v === 'string' && v.length <= max && unsafeTextReason(v) === null ? v : null;
}

function customerOf(v: unknown): CustomerRef | null {
  if (!isPlain(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1) return null;
  if (keys[0] === 'id') {
    const id = idOf(v.id, 128);
    return id === null ? null : { id };
  }
  if (keys[0] === 'cardNumber') {
    const cardNumber = idOf(v.cardNumber, 128);
    return cardNumber === null ? null : { cardNumber };
  }
  if (keys[0] !== 'phone') return null;
  const phone = v.phone;
  return typeof phone === 'string' && phone.length >= 5 && phone.length <= 32 && unsafeTextReason(phone) === null ? { phone } : null;
}

function linesOf(v: unknown): CheckLine[] | null {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_LINES) return null;
  const out: CheckLine[] = new Array(v.length);
  const seen = new Set<number>();
  for (let i = 0; i < v.length; i++) {
    const l = lineOf(v[i]);
    // A repeated line number or an amount above price × quantity: zod says which.
    if (l === null || seen.has(l.lineNo) || l.amount > mostLineAmount(l.price, l.quantity)) return null;
    seen.add(l.lineNo);
    out[i] = l;
  }
  return out;
}

function lineOf(v: unknown): CheckLine | null {
  if (!isPlain(v) || !integerIn(v.lineNo, 1, 1_000_000)) return null;
  const productId = idOf(v.productId, 128);
  if (productId === null) return null;
  const out: Plain = { lineNo: v.lineNo, productId };
  if (!optional(v, 'groupId', out, (g) => idOf(g, 128))) return null;
  if (!optional(v, 'name', out, (n) => (typeof n === 'string' && n.length <= 512 && unsafeTextReason(n, { freeText: true }) === null ? n : null))) return null;
  if (!integerIn(v.quantity, 1, 1_000_000_000) || !integerIn(v.price, 0, MAX_AMOUNT) || !integerIn(v.amount, 0, MAX_AMOUNT)) return null;
  out.quantity = v.quantity;
  out.price = v.price;
  out.amount = v.amount;
  return out as CheckLine;
}

function paymentsOf(v: unknown): Payment[] | null {
  if (!Array.isArray(v) || v.length > 32) return null;
  const out: Payment[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const p = v[i];
    if (!isPlain(p)) return null;
    const type = idOf(p.type, 32);
    if (type === null || !integerIn(p.amount, 0, MAX_AMOUNT)) return null;
    const payment: Plain = { type, amount: p.amount };
    if (!optional(p, 'code', payment, (c) => textOf(c, 64))) return null;
    out[i] = payment as Payment;
  }
  return out;
}
