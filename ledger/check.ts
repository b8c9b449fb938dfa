import { z } from 'zod';
import { requirePhone } from './phone.ts';
import { parseInput } from './validation.ts';

// The common Check: every connector translates its system's sale into this shape.
// Units: money in kopecks, points in hundredths, quantity in thousandths (native-api.md).

/** Largest line amount we accept: 10^11 kopecks (1 billion ₽) keeps every product below 2^53. */
export const MAX_AMOUNT = 100_000_000_000;
export const MAX_LINES = 1000;

const kopecks = z.number().int('целое число копеек').min(0).max(MAX_AMOUNT);
const id = z.string().trim().min(1).max(128);

export const customerRefSchema = z.union([
  z.object({ id: id }).strict(),
  z.object({ phone: z.string().min(5).max(32) }).strict(),
  z.object({ cardNumber: id }).strict(),
]);
export type CustomerRef = z.infer<typeof customerRefSchema>;

export const checkLineSchema = z.object({
  lineNo: z.number().int().min(1).max(1_000_000),
  productId: id,
  groupId: id.nullish(),
  name: z.string().max(512).nullish(),
  quantity: z.number().int('целое число тысячных').min(1).max(1_000_000_000),
  price: kopecks,
  amount: kopecks,
});
export type CheckLine = z.infer<typeof checkLineSchema>;

export const paymentSchema = z.object({
  type: z.string().trim().min(1).max(32),
  amount: kopecks,
});
export type Payment = z.infer<typeof paymentSchema>;

// ISO 8601 with an explicit offset: the offset is the till's local time, which hour modifiers use.
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export const checkSchema = z
  .object({
    externalId: id,
    occurredAt: z.string().regex(ISO_WITH_OFFSET, 'время ISO 8601 со смещением, например 2026-11-22T12:00:00+03:00'),
    storeId: id.nullish(),
    cashierId: id.nullish(),
    customer: customerRefSchema.nullish(),
    lines: z.array(checkLineSchema).min(1, 'в чеке нет строк').max(MAX_LINES),
    payments: z.array(paymentSchema).max(32).default([]),
    redeem: z.union([z.number().int().min(0).max(MAX_AMOUNT), z.literal('max')]).default(0),
    coupon: z.string().max(64).nullish(),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<number>();
    c.lines.forEach((l, i) => {
      if (seen.has(l.lineNo)) ctx.addIssue({ code: 'custom', path: ['lines', i, 'lineNo'], message: 'номер строки повторяется' });
      seen.add(l.lineNo);
    });
    if (Number.isNaN(Date.parse(c.occurredAt))) {
      ctx.addIssue({ code: 'custom', path: ['occurredAt'], message: 'несуществующая дата' });
    }
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
}

export function parseCheck(input: unknown): ParsedCheck {
  const check = parseInput(checkSchema, input, 'чек');
  if (check.customer != null && 'phone' in check.customer) {
    check.customer = { phone: requirePhone(check.customer.phone, 'customer.phone') };
  }
  return withTimes(check);
}

export function withTimes(check: Check): ParsedCheck {
  const m = ISO_WITH_OFFSET.exec(check.occurredAt)!;
  // The calendar date written in occurredAt is the till's own date, so its weekday needs no zone.
  const localDate = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const utcDay = new Date(localDate).getUTCDay();
  return {
    ...check,
    at: Date.parse(check.occurredAt),
    localMinuteOfDay: Number(m[4]) * 60 + Number(m[5]),
    localWeekday: utcDay === 0 ? 7 : utcDay,
  };
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
}

export interface CheckTotals {
  amount: number;
  discount: number;
  redeemed: number;
  toPay: number;
  accrued: number;
  maxRedeem: number;
}

export interface CheckResult {
  externalId: string;
  status: 'calculated' | 'committed';
  customer: { id: string; level: LevelRef; balance: { available: number; pending: number } } | null;
  totals: CheckTotals;
  lines: LineResult[];
  messages: string[];
}
