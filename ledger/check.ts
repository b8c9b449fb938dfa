import { z } from 'zod';
import { requirePhone } from './phone.ts';
import { KopilkaError, formatRub } from './errors.ts';
import { plainCheck } from './check-shape.ts';
import { DAY_MS } from './lots.ts';
import { digitsAt } from './positional-digits.ts';
import { freeText, idText, plainText, isoTimeText, parseInput, unsafeTextReason } from './validation.ts';

// The common Check: every connector translates its system's sale into this shape.
// Units: money in kopecks, points in hundredths, quantity in thousandths (native-api.md).

/** Largest line amount we accept: 10^11 kopecks (1 billion ₽) keeps every product below 2^53. */
export const MAX_AMOUNT = 100_000_000_000;
export const MAX_LINES = 1000;

const kopecks = z.number().int('целое число копеек').min(0).max(MAX_AMOUNT);
const id = idText(128);
/** A phone as the till wrote it (normalised later): printable text only. */
export const phoneText = z
  .string()
  .min(5)
  .max(32)
  .superRefine((s, ctx) => {
    const why = unsafeTextReason(s);
    if (why !== null) ctx.addIssue({ code: 'custom', message: why });
  });

export const customerRefSchema = z.union([
  z.object({ id: id }).strict(),
  z.object({ phone: phoneText }).strict(),
  z.object({ cardNumber: id }).strict(),
]);
export type CustomerRef = z.infer<typeof customerRefSchema>;

export const checkLineSchema = z.object({
  lineNo: z.number().int().min(1).max(1_000_000),
  productId: id,
  groupId: id.nullish(),
  name: freeText(512).nullish(),
  quantity: z.number().int('целое число тысячных').min(1).max(1_000_000_000),
  price: kopecks,
  amount: kopecks,
});
export type CheckLine = z.infer<typeof checkLineSchema>;

export const paymentSchema = z.object({
  type: idText(32),
  amount: kopecks,
  /** A gift certificate's code (`type: "giftcard"`): Kopilka's certificate to pay from (giftcards.ts). */
  code: plainText(64).nullish(),
});
export type Payment = z.infer<typeof paymentSchema>;

export const checkSchema = z
  .object({
    externalId: id,
    occurredAt: isoTimeText,
    storeId: id.nullish(),
    cashierId: id.nullish(),
    customer: customerRefSchema.nullish(),
    lines: z.array(checkLineSchema).min(1, 'в чеке нет строк').max(MAX_LINES),
    payments: z.array(paymentSchema).max(32).default([]),
    redeem: z.union([z.number().int().min(0).max(MAX_AMOUNT), z.literal('max')]).default(0),
    coupon: plainText(64).nullish(),
    /**
     * `till`: the till has closed the check (fiscal receipt printed). It is recorded as the till
     * priced it (amounts, discounts, bonus payment as reported) and never refused for a business
     * reason; what cannot be applied goes to the review queue. Absent: Kopilka prices it.
     */
    pricedBy: z.enum(['till', 'kopilka']).optional(),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<number>();
    c.lines.forEach((l, i) => {
      if (seen.has(l.lineNo)) ctx.addIssue({ code: 'custom', path: ['lines', i, 'lineNo'], message: 'номер строки повторяется' });
      seen.add(l.lineNo);
      const most = mostLineAmount(l.price, l.quantity);
      if (l.amount > most) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', i, 'amount'],
          message: `сумма строки ${formatRub(l.amount)} больше цены × количество (${formatRub(lineAmountOf(l.price, l.quantity))}); допускается округление цены до копейки на единицу товара, скидка кассы — только вниз`,
        });
      }
    });
  });
export type CheckInput = z.input<typeof checkSchema>;
export type Check = z.output<typeof checkSchema>;

/** A validated check with the times the rules need, derived once. */
export interface ParsedCheck extends Check {
  /** occurredAt as epoch milliseconds. */
  at: number;
  /** Minutes since local midnight at the till (from the offset in occurredAt). */
  localMinuteOfDay: number;
  /** ISO weekday at the till: 1 = Monday … 7 = Sunday. */
  localWeekday: number;
  /** The till's calendar date, YYYY-MM-DD (promotions' periods). */
  localDay: string;
}

export function parseCheck(input: unknown): ParsedCheck {
  // The plain reader takes the well-formed check a till sends; anything else gets zod's verdict.
  const check = plainCheck(input) ?? parseInput(checkSchema, input, 'чек');
  if (check.customer != null && 'phone' in check.customer) {
    check.customer = { phone: requirePhone(check.customer.phone, 'customer.phone') };
  }
  return withTimes(check);
}

export function withTimes(check: Check): ParsedCheck {
  // occurredAt has passed isoTimeText, so it is laid out as ISO_WITH_OFFSET: YYYY-MM-DDTHH:MM at
  // fixed places, read by position (the expression's seven captures were a regular cost).
  const s = check.occurredAt;
  // The calendar date written in occurredAt is the till's own date, so its weekday needs no zone.
  const localDays = Date.UTC(digitsAt(s, 0, 4), digitsAt(s, 5, 2) - 1, digitsAt(s, 8, 2)) / DAY_MS;
  // 1970-01-01 was a Thursday (4); ISO weekdays run 1 = Monday … 7 = Sunday.
  const weekday = (((localDays + 3) % 7) + 7) % 7 + 1;
  // Assigned onto a copy made once (Object.assign, not a spread of the check and the times: the
  // spread made V8 build the object key by key, a fifth of a calculation's parse).
  return Object.assign(Object.assign({}, check), {
    at: Date.parse(s),
    localMinuteOfDay: digitsAt(s, 11, 2) * 60 + digitsAt(s, 14, 2),
    localWeekday: weekday,
    localDay: s.slice(0, 10),
  });
}

/** price × quantity in kopecks, rounded half up (quantity in thousandths). */
export function lineAmountOf(price: number, quantity: number): number {
  return Number((BigInt(price) * BigInt(quantity) + 500n) / 1000n);
}

/**
 * The most a line may cost. A till's own line discount lowers the amount (the amount is what the
 * customer pays for the line), so anything below price × quantity is accepted. Above it, only the
 * rounding of a unit price to whole kopecks: a till that spreads a check discount over units
 * writes a unit price rounded down (96,66 ₽ × 3 for 290,00 ₽), so 1 kopeck per started unit.
 */
export function mostLineAmount(price: number, quantity: number): number {
  const rounding = Math.max(1, Math.ceil(quantity / 1000));
  // In plain numbers while price × quantity is exact in them (every line a shop sells), else in
  // BigInt: this runs for every line of every check, and BigInt made garbage each time.
  const product = price * quantity + 999;
  if (product <= Number.MAX_SAFE_INTEGER) return (product - (product % 1000)) / 1000 + rounding;
  return Number((BigInt(price) * BigInt(quantity) + 999n) / 1000n) + rounding;
}

/**
 * Payments, when the till lists them, must add up to what the customer pays: at least the total
 * after the program's discount and the bonus payment (toPay), at most the lines' amount (a till
 * that lists the bonus payment as a payment, or has not applied the program's discount yet, as on
 * calculate). Each line may round by a kopeck. Anything else means the lines are not what was paid.
 *
 * A till-priced check (`pricedBy: "till"`) is recorded as reported, payments included: a closed
 * check's payments only say how the customer paid (payment-type modifiers), and some owners
 * document payment fields that need not add up to the positions (МойСклад's own retaildemand
 * samples: 361,05 ₽ of cashSum/noCashSum/giftCards for 15 240,64 ₽ of positions). Checked on
 * calculate neither: nothing is recorded, and a till often prices before it is paid.
 * `channel` is kept for the callers; the rule no longer depends on it.
 */
export function checkPayments(
  check: Pick<Check, 'lines' | 'payments'> & { pricedBy?: Check['pricedBy'] },
  totals: Pick<CheckTotals, 'amount' | 'toPay'>,
  _channel: string,
): void {
  if (check.payments.length === 0 || check.pricedBy === 'till') return;
  let paid = 0;
  for (const p of check.payments) paid += p.amount;
  const tolerance = check.lines.length;
  if (paid >= totals.toPay - tolerance && paid <= totals.amount + tolerance) return;
  throw new KopilkaError(
    'INVALID_INPUT',
    `Оплаты чека (${formatRub(paid)}) не сходятся с чеком: к оплате ${formatRub(totals.toPay)}, сумма строк ${formatRub(totals.amount)}. ` +
      'Сумма оплат должна быть не меньше суммы к оплате и не больше суммы строк (допуск — 1 копейка на строку)',
    { field: 'payments', paid, toPay: totals.toPay, amount: totals.amount, tolerance },
  );
}

export function checkAmount(check: Pick<Check, 'lines'>): number {
  let s = 0;
  for (const l of check.lines) s += l.amount;
  return s;
}

// ── results ────────────────────────────────────────────────────────────────────────────────

export interface LevelRef {
  code: string;
  name: string;
}

export interface LineResult {
  lineNo: number;
  discount: number;
  redeemed: number;
  accrued: number;
  /** The promotions that discounted this line and by how much (part of `discount`); absent when none. */
  promotions?: { id: string; discount: number; bonus?: number }[];
}

export interface CheckTotals {
  amount: number;
  discount: number;
  redeemed: number;
  toPay: number;
  accrued: number;
  maxRedeem: number;
  /**
   * Till-priced checks only: the bonus payment the till took that the customer's balance did not
   * cover (hundredths). The check is recorded all the same and shown for review.
   */
  shortfall?: number;
}

export interface CheckResult {
  externalId: string;
  status: 'calculated' | 'committed';
  customer: { id: string; level: LevelRef; balance: { available: number; pending: number } } | null;
  totals: CheckTotals;
  lines: LineResult[];
  messages: string[];
  /** The check's gift-certificate payments (giftcards.ts): the balance before, what was (or would be) taken. */
  giftcards?: GiftcardPayment[];
}

export interface GiftcardPayment {
  code: string;
  /** Asked to pay from it, kopecks. */
  amount: number;
  /** What it may pay now (0 when it cannot be used), kopecks. */
  usable: number;
  /** Taken (commit only); a till-closed check may have asked for more (`overdraft`). */
  taken?: number;
  overdraft?: number;
  /** The balance after this check (commit) or now (calculate). */
  balance: number;
  status: 'active' | 'unknown' | 'issued' | 'used' | 'expired' | 'blocked';
}
