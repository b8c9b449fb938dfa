import { z } from 'zod';
import { KopilkaError } from './errors.ts';
import { idText, isoTimeText } from './validation.ts';

// What a refund gives back and takes back, line by line. Each sale line remembers what it gave
// (amount, discount, bonus paid, bonus accrued); a refund of q of its Q units is worth
// floor(v·q_after/Q) − floor(v·q_before/Q) of each value v. Partial refunds therefore add up
// to exactly the whole, whatever their number and order.

export const refundRequestSchema = z
  .object({
    externalId: idText(128),
    // The same rule as a check's: ISO 8601 with the till's offset, a real calendar moment; its age
    // is checked against the program like a sale's (operations.ts).
    occurredAt: isoTimeText.nullish(),
    lines: z
      .array(z.object({ lineNo: z.number().int().min(1), quantity: z.number().int().min(1).max(1_000_000_000) }).strict())
      .min(1)
      .max(1000)
      .nullish(),
    /** `till`: a return the till has already closed: never refused, kept for review if it cannot be applied. */
    pricedBy: z.enum(['till', 'kopilka']).optional(),
  })
  .strict();
export type RefundRequest = z.output<typeof refundRequestSchema>;

export interface SaleLine {
  lineNo: number;
  quantity: number;
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
}

export interface RefundLine extends SaleLine {}

export interface RefundPlan {
  lines: RefundLine[];
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
  /** Bonus payment already given back by earlier refunds of this sale. */
  redeemedBefore: number;
  /** Money paid (amount − discount − redeemed) for the refunded part, cumulative before and after. */
  paidBefore: number;
  paidAfter: number;
  /** Refunded quantity per line once this refund is recorded. */
  refundedQty: Record<string, number>;
  /** True when, with this refund, every unit of the sale has been returned. */
  complete: boolean;
}

const part = (v: number, q: number, total: number): number => Number((BigInt(v) * BigInt(q)) / BigInt(total));

export function planRefund(sale: readonly SaleLine[], refundedSoFar: Readonly<Record<string, number>>, request: RefundRequest['lines']): RefundPlan {
  const wanted = new Map<number, number>();
  if (request == null) {
    for (const l of sale) wanted.set(l.lineNo, l.quantity - (refundedSoFar[l.lineNo] ?? 0));
  } else {
    for (const [i, r] of request.entries()) {
      const line = sale.find((l) => l.lineNo === r.lineNo);
      if (line === undefined) {
        throw new KopilkaError('INVALID_INPUT', `В чеке продажи нет строки ${r.lineNo}`, { field: `lines.${i}.lineNo` });
      }
      wanted.set(r.lineNo, (wanted.get(r.lineNo) ?? 0) + r.quantity);
    }
  }
  const plan: RefundPlan = {
    lines: [],
    amount: 0,
    discount: 0,
    redeemed: 0,
    accrued: 0,
    redeemedBefore: 0,
    paidBefore: 0,
    paidAfter: 0,
    refundedQty: { ...refundedSoFar },
    complete: true,
  };
  for (const l of sale) {
    const before = refundedSoFar[l.lineNo] ?? 0;
    const q = wanted.get(l.lineNo) ?? 0;
    const after = before + q;
    if (after > l.quantity) {
      throw new KopilkaError('REFUND_EXCEEDS_SALE', `По строке ${l.lineNo} вернуть можно не больше ${(l.quantity - before) / 1000} (продано ${l.quantity / 1000}, уже возвращено ${before / 1000})`, {
        lineNo: l.lineNo,
        sold: l.quantity,
        refunded: before,
        requested: q,
      });
    }
    const delta = (v: number) => part(v, after, l.quantity) - part(v, before, l.quantity);
    const paid = l.amount - l.discount - l.redeemed;
    plan.redeemedBefore += part(l.redeemed, before, l.quantity);
    plan.paidBefore += part(paid, before, l.quantity);
    plan.paidAfter += part(paid, after, l.quantity);
    if (after < l.quantity) plan.complete = false;
    if (q === 0) continue;
    plan.refundedQty[l.lineNo] = after;
    const rl: RefundLine = { lineNo: l.lineNo, quantity: q, amount: delta(l.amount), discount: delta(l.discount), redeemed: delta(l.redeemed), accrued: delta(l.accrued) };
    plan.lines.push(rl);
    plan.amount += rl.amount;
    plan.discount += rl.discount;
    plan.redeemed += rl.redeemed;
    plan.accrued += rl.accrued;
  }
  if (plan.lines.length === 0) {
    throw new KopilkaError('REFUND_EXCEEDS_SALE', 'Этот чек уже возвращён полностью', { refunded: refundedSoFar });
  }
  return plan;
}

/** A reward tied to the money paid (referral) is taken back in the same telescoping way. */
export function proportionalTakeBack(total: number, paid: number, paidBefore: number, paidAfter: number): number {
  if (paid <= 0 || total === 0) return 0;
  return part(total, paidAfter, paid) - part(total, paidBefore, paid);
}
