import type { ParsedCheck } from '../check.ts';
import { KopilkaError, formatRub } from '../errors.ts';
import { effectiveLevel, type CompiledProgram } from '../program.ts';
import { accrue } from './accrual.ts';
import { apportion } from './apportion.ts';
import { lessCertificates } from './certificates.ts';
import { lineDiscounts } from './discount.ts';
import { isExcluded, lineTerms } from './modifiers.ts';
import { completeEvaluation, lotTermsOf, type CustomerState, type Evaluation } from './outcome.ts';
import { boostDiscounts, boostedTerms, boostTerms, personalDiscountId, type BoostTerms } from './boosts.ts';
import { applyPromotions, type IssuedCoupon, type PromotionOutcome } from './promotions.ts';
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
  // A personal offer last, on what is left: it is told apart on the lines like a promotion.
  const boost = boostTerms(customer?.boosts, check.at);
  const offer = withPersonalDiscount(promo, boost, boostDiscounts(boost, afterPromo.map((a, i) => a - levelDiscounts[i]!), eligible));
  const discounts = offer === null ? levelDiscounts : levelDiscounts.map((d, i) => d + offer.discounts[i]!);
  const afterDiscount = amounts.map((a, i) => a - discounts[i]!);
  const terms = boostedTerms(lineTerms(p, check, customer === null ? null : level.code, level.maxRedeemBp), boost);
  const redeem = planRedeem(
    check.redeem,
    afterDiscount,
    redeemShares(p, check, afterDiscount, terms.map((t, i) => (eligible[i] ? t.maxRedeemBp : 0))),
    customer?.available ?? 0,
    customer !== null,
  );
  const base = lessCertificates(check, afterDiscount.map((a, i) => (eligible[i] ? a - redeem.lines[i]! : 0)));
  let progressiveAmount = 0;
  afterDiscount.forEach((a, i) => (progressiveAmount += eligible[i] ? a : 0));
  const earned = customer === null ? { total: 0, lines: amounts.map(() => 0) } : accrue({ accrual: level.accrual, base, eligible, terms, progressiveAmount, rounding: p.source.rounding });
  // What the promotions left on the lines they may touch: the last weights for bonuses on top
  // (promotions.ts gives them only when some such line still costs something).
  const promoLeft = afterPromo.map((a, i) => (isExcluded(p, lines[i]!) ? 0 : a));
  const accrual = withPromotionBonuses(earned, offer, [base, afterDiscount, promoLeft]);

  return completeEvaluation(p, check, customer, {
    level,
    amount,
    discounts,
    promotions: offer,
    lotTerms: lotTermsOf(terms),
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

/** The promotions' outcome with the personal discount added as one more giver (`boost:<key>`). */
function withPersonalDiscount(promo: PromotionOutcome | null, boost: BoostTerms, personal: number[]): PromotionOutcome | null {
  const total = personal.reduce((s, d) => s + d, 0);
  if (total === 0 || boost.discount === null) return promo;
  const base: PromotionOutcome = promo ?? { discounts: personal.map(() => 0), byLine: personal.map(() => []), messages: [], couponUsed: null };
  const id = personalDiscountId(boost.discount.key);
  return {
    ...base,
    discounts: base.discounts.map((d, i) => d + personal[i]!),
    byLine: base.byLine.map((given, i) => (personal[i]! > 0 ? [...given, { id, discount: personal[i]! }] : given)),
    messages: [...base.messages, `Персональная скидка ${String(boost.discount.bp / 100).replace('.', ',')} %: ${formatRub(total)}`],
    couponUsed: base.couponUsed,
  };
}

/**
 * Bonus promotions' points added to the accrual, split over the lines by what was paid on them
 * (largest remainder, so a partial refund takes back its lines' share), or by their amounts when
 * bonuses paid for everything, or by what the promotions left when the level's discount or a
 * personal offer took the rest (the promotion has said its bonus: it is given). Each line's
 * `promotions` names the bonus it carries.
 */
function withPromotionBonuses(earned: { total: number; lines: number[] }, offer: PromotionOutcome | null, weightsInTurn: readonly (readonly number[])[]): { total: number; lines: number[] } {
  const bonuses = offer?.bonuses ?? [];
  if (bonuses.length === 0 || offer === null) return earned;
  const weights = weightsInTurn.find((w) => w.some((x) => x > 0));
  if (weights === undefined) return earned;
  const lines = [...earned.lines];
  let total = earned.total;
  for (const b of bonuses) {
    apportion(b.points, weights).forEach((x, i) => {
      if (x === 0) return;
      lines[i]! += x;
      offer.byLine[i]!.push({ id: b.id, discount: 0, bonus: x });
    });
    total += b.points;
  }
  return { total, lines };
}
