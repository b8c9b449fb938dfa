import type { ParsedCheck } from '../check.ts';
import { effectiveLevel, type CompiledProgram } from '../program.ts';
import { accrue } from './accrual.ts';
import { lineDiscounts } from './discount.ts';
import { isExcluded, lineTerms } from './modifiers.ts';
import { completeEvaluation, type CustomerState, type Evaluation } from './outcome.ts';
import { planRedeem } from './redeem.ts';
import { evaluateTillPriced } from './till-priced.ts';

// One check through the program: discount, bonus payment, accrual, gifts, referral reward and
// the level after it. Pure: the ledger supplies the customer's state and records the outcome.
// A check the till has closed (`pricedBy: "till"`) is taken as the till priced it (till-priced.ts).

export type { CustomerState, Evaluation } from './outcome.ts';

export function evaluateCheck(p: CompiledProgram, check: ParsedCheck, customer: CustomerState | null): Evaluation {
  if (check.pricedBy === 'till') return evaluateTillPriced(p, check, customer);
  const lines = check.lines;
  const level = customer === null ? p.levels[0]! : effectiveLevel(p, customer.totalSpent, customer.assignedLevel);
  const amounts = lines.map((l) => l.amount);
  const eligible = lines.map((l) => customer !== null && !isExcluded(p, l));
  const amount = amounts.reduce((s, a) => s + a, 0);

  const discounts = lineDiscounts(level.discount, amounts, eligible);
  const afterDiscount = amounts.map((a, i) => a - discounts[i]!);
  const terms = lineTerms(p, check, customer === null ? null : level.code, level.maxRedeemBp);
  const redeem = planRedeem(
    check.redeem,
    afterDiscount,
    terms.map((t, i) => (eligible[i] ? t.maxRedeemBp : 0)),
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
    redeemed: { total: redeem.redeemed, lines: redeem.lines, maxRedeem: redeem.maxRedeem },
    accrual,
    paid: base.reduce((s, b) => s + b, 0),
  });
}
