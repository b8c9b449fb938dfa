import type { ParsedCheck } from '../check.ts';
import { KopilkaError, formatPoints, formatRub } from '../errors.ts';
import { effectiveLevel, type CompiledProgram } from '../program.ts';
import { accrue } from './accrual.ts';
import { apportion } from './apportion.ts';
import { lessCertificates } from './certificates.ts';
import { boostedTerms, boostTerms } from './boosts.ts';
import { isExcluded, lineTerms } from './modifiers.ts';
import { completeEvaluation, lotTermsOf, type CustomerState, type Evaluation } from './outcome.ts';

// A check the till has already closed (`pricedBy: "till"`, the fiscal receipt is printed): it is
// recorded as the till priced it. The line amounts already hold the till's own discounts, so the
// program's discount is not applied again. The bonus payment (`redeem`) has been taken off at the
// till, so it is never refused: what the customer's balance covers is spent, the rest is the
// shortfall, recorded for review. Accrual follows the money the customer actually paid: each
// line's amount less its part of the bonus payment as the till reported it.
//
//   amount = discount (0) + redeemed + shortfall + toPay

/**
 * The reported bonus payment split over lines in proportion to their amounts (the till does not
 * say which line it paid), and what the customer's balance covers of it, split over the same parts.
 */
export function tillPayment(amounts: readonly number[], reported: number, spendable: number): { reported: number[]; redeemed: number[]; shortfall: number } {
  const zero = amounts.map(() => 0);
  const reportedLines = reported === 0 ? zero : apportion(reported, amounts);
  const covered = Math.max(0, Math.min(reported, spendable));
  return { reported: reportedLines, redeemed: covered === 0 ? zero : apportion(covered, reportedLines), shortfall: reported - covered };
}

/** @throws KopilkaError INVALID_INPUT: `redeem: "max"`, or a bonus payment larger than the check. */
export function evaluateTillPriced(p: CompiledProgram, check: ParsedCheck, customer: CustomerState | null): Evaluation {
  if (check.redeem === 'max') {
    throw new KopilkaError('INVALID_INPUT', 'В закрытом кассой чеке укажите, сколько бонусов списала касса (redeem — число, а не "max")', { field: 'redeem' });
  }
  const lines = check.lines;
  const amounts = lines.map((l) => l.amount);
  const amount = amounts.reduce((s, a) => s + a, 0);
  if (check.redeem > amount) {
    throw new KopilkaError('INVALID_INPUT', `Оплата бонусами (${formatPoints(check.redeem)}) больше суммы чека (${formatRub(amount)})`, {
      field: 'redeem',
      redeem: check.redeem,
      amount,
    });
  }
  const level = customer === null ? p.levels[0]! : effectiveLevel(p, customer.totalSpent, customer.assignedLevel);
  const eligible = lines.map((l) => customer !== null && !isExcluded(p, l));
  // Without a customer nothing can be spent: the whole payment is the shortfall.
  const spendable = customer === null ? 0 : Math.max(0, customer.available);
  const pay = tillPayment(amounts, check.redeem, spendable);
  // A personal bonus multiplier counts on a closed check too; a personal discount was the till's to give.
  const terms = boostedTerms(lineTerms(p, check, customer === null ? null : level.code, level.maxRedeemBp), boostTerms(customer?.boosts, check.at));
  const base = lessCertificates(check, amounts.map((a, i) => (eligible[i] ? a - pay.reported[i]! : 0)));
  let progressiveAmount = 0;
  amounts.forEach((a, i) => (progressiveAmount += eligible[i] ? a : 0));
  const accrual = customer === null ? { total: 0, lines: amounts.map(() => 0) } : accrue({ accrual: level.accrual, base, eligible, terms, progressiveAmount, rounding: p.source.rounding });
  const redeemed = pay.redeemed.reduce((s, r) => s + r, 0);

  return completeEvaluation(p, check, customer, {
    level,
    amount,
    discounts: amounts.map(() => 0),
    // maxRedeem: what the balance could cover; the program's cap does not bind a closed check.
    redeemed: { total: redeemed, lines: pay.redeemed, maxRedeem: spendable },
    accrual,
    paid: base.reduce((s, b) => s + b, 0),
    shortfall: pay.shortfall,
    lotTerms: lotTermsOf(terms),
  });
}
