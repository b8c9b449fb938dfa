import type { ParsedCheck } from '../check.ts';
import { KopilkaError, formatRub } from '../errors.ts';
import { effectiveLevel, type CompiledProgram } from '../program.ts';
import { accrue } from './accrual.ts';
import { lineDiscounts } from './discount.ts';
import { isExcluded, lineTerms } from './modifiers.ts';
import { completeEvaluation, type CustomerState, type Evaluation } from './outcome.ts';
import { applyPromotions, type IssuedCoupon } from './promotions.ts';
import { planRedeem } from './redeem.ts';
import { evaluateTillPriced } from './till-priced.ts';

// One check through the program: discount, bonus payment, accrual, gifts, referral reward and
// the level after it. Pure: the ledger supplies the customer's state and records the outcome.
// A check the till has closed (`pricedBy: "till"`) is taken as the till priced it (till-priced.ts).

export type { CustomerState, Evaluation } from './outcome.ts';
export type { IssuedCoupon } from './promotions.ts';

/** `issued`: what storage says of the check's coupon when it is a code issued for a promotion. */
export function evaluateCheck(p: CompiledProgram, check: ParsedCheck, customer: CustomerState | null, issued: IssuedCoupon | null = null): Evaluation {
  if (check.pricedBy === 'till') return evaluateTillPriced(p, check, customer);
  const lines = check.lines;
  const level = customer === null ? p.levels[0]! : effectiveLevel(p, customer.totalSpent, customer.assignedLevel);
  const amounts = lines.map((l) => l.amount);
  const eligible = lines.map((l) => customer !== null && !isExcluded(p, l));
  const amount = amounts.reduce((s, a) => s + a, 0);

  // Promotions first (anyone may get them unless they ask for a level or a new customer), then
  // the level's discount on what is left.
  const promo = applyPromotions(p, check, customer, customer === null ? null : level.code, lines.map((l) => !isExcluded(p, l)), issued);
  const afterPromo = promo === null ? amounts : amounts.map((a, i) => a - promo.discounts[i]!);
  const levelDiscounts = lineDiscounts(level.discount, afterPromo, eligible);
  const discounts = promo === null ? levelDiscounts : levelDiscounts.map((d, i) => d + promo.discounts[i]!);
  const afterDiscount = amounts.map((a, i) => a - discounts[i]!);
  const terms = lineTerms(p, check, customer === null ? null : level.code, level.maxRedeemBp);
  const redeem = planRedeem(
    check.redeem,
    afterDiscount,
    redeemShares(p, check, afterDiscount, terms.map((t, i) => (eligible[i] ? t.maxRedeemBp : 0))),
    customer?.available ?? 0,
    customer !== null,
  );
  const base = afterDiscount.map((a, i) => (eligible[i] ? a - redeem.lines[i]! : 0));
  let progressiveAmount = 0;
  afterDiscount.forEach((a, i) => (progressiveAmount += eligible[i] ? a : 0));
  const accrual = customer === null ? { total: 0, lines: amounts.map(() => 0) } : accrue({ accrual: level.accrual, base, eligible, terms, progressiveAmount, rounding: p.source.rounding });

  return completeEvaluation(p, check, customer, {
    level,
    amount,
    discounts,
    promotions: promo,
    redeemed: { total: redeem.redeemed, lines: redeem.lines, maxRedeem: redeem.maxRedeem },
    accrual,
    paid: base.reduce((s, b) => s + b, 0),
  });
}

/**
 * The lines' bonus-payment shares, or none at all below the program's minimum check for paying
 * with bonuses (counted after discounts). Asking for a number of bonuses there is refused with
 * the minimum named; asking for the most allowed gets 0.
 */
function redeemShares(p: CompiledProgram, check: ParsedCheck, afterDiscount: readonly number[], shares: number[]): number[] {
  const min = p.source.minCheckForRedeem;
  if (min === 0 || afterDiscount.reduce((s, a) => s + a, 0) >= min) return shares;
  if (typeof check.redeem === 'number' && check.redeem > 0) {
    throw new KopilkaError('REDEEM_EXCEEDS_LIMIT', `Оплатить бонусами можно чек от ${formatRub(min)}`, { requested: check.redeem, maxRedeem: 0, cap: 0, minCheck: min });
  }
  return shares.map(() => 0);
}
