import { MAX_AMOUNT, MAX_LINES } from '../check.ts';
import { KopilkaError } from '../errors.ts';
import type { CompiledAccrual } from '../program.ts';
import { apportion } from './apportion.ts';
import type { LineTerms } from './modifiers.ts';
import { stepBp } from './steps.ts';

// Bonuses for a purchase. Each line's exact value is a fraction of a point; the check's
// accrual is the floor of their exact sum (then to whole bonuses under rounding `floor`), split
// back over the lines by largest remainder, so the lines add up to the check exactly and no
// line's rounding is paid twice.
//
// Exact values share one denominator D = 10^7 · B (B: the base of the perAmount lines, or 1):
//   percent line:   base · bp · mult / 10^7                    → numerator base · bp · mult · B
//   perAmount line: P · (base / B) · mult / 1000, P = ⌊B / every⌋ · points
//                                                               → numerator P · base · mult · 10^4

/**
 * The most one check may accrue: what the largest possible check costs (10^14 hundredths).
 * Only a program that gives many times the money back (perAmount with a tiny `every`, stacked
 * ×100 multipliers) on an enormous check gets here; the check is refused rather than credited
 * with a figure the ledger cannot hold exactly.
 */
export const MAX_ACCRUAL = MAX_AMOUNT * MAX_LINES;

export interface AccrualInput {
  accrual: CompiledAccrual;
  /** Money paid per line: amount − discount − bonuses paid (0 for excluded lines). */
  base: readonly number[];
  eligible: readonly boolean[];
  terms: readonly LineTerms[];
  /** The check's amount after discounts over eligible lines: picks a progressive step. */
  progressiveAmount: number;
  rounding: 'floor' | 'none';
}

export function accrue(a: AccrualInput): { total: number; lines: number[] } {
  const n = a.base.length;
  const levelBp = a.accrual.type === 'percent' ? a.accrual.bp : a.accrual.type === 'progressive' ? stepBp(a.accrual.steps, a.progressiveAmount) : null;
  const perAmountLine = (i: number) => a.accrual.type === 'perAmount' && a.terms[i]!.accrualBp === null;

  let B = 0n;
  for (let i = 0; i < n; i++) if (a.eligible[i] && perAmountLine(i)) B += BigInt(a.base[i]!);
  const P = a.accrual.type === 'perAmount' && B > 0n ? (B / BigInt(a.accrual.every)) * BigInt(a.accrual.points) : 0n;
  const scaleB = B > 0n ? B : 1n;

  const nums: bigint[] = new Array(n);
  let sum = 0n;
  for (let i = 0; i < n; i++) {
    const t = a.terms[i]!;
    let num = 0n;
    if (a.eligible[i] && a.base[i]! > 0) {
      const base = BigInt(a.base[i]!);
      const mult = BigInt(t.multiplierMilli);
      if (perAmountLine(i)) num = P * base * mult * 10_000n;
      else num = base * BigInt(t.accrualBp ?? levelBp ?? 0) * mult * scaleB;
    }
    nums[i] = num;
    sum += num;
  }
  let exact = sum / (10_000_000n * scaleB);
  if (a.rounding === 'floor') exact -= exact % 100n;
  if (exact > BigInt(MAX_ACCRUAL)) {
    throw new KopilkaError('INVALID_INPUT', 'Начисление по чеку слишком велико: проверьте суммы чека и настройки программы', {
      field: 'lines',
      accrued: exact.toString(),
      limit: MAX_ACCRUAL,
    });
  }
  const total = Number(exact);
  return { total, lines: total === 0 ? nums.map(() => 0) : apportion(total, nums) };
}
