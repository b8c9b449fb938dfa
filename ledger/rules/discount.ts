import type { CompiledDiscount } from '../program.ts';
import { percentOf, stepBp } from './steps.ts';

/**
 * The level's discount per line. Excluded lines get none. A progressive discount takes its step
 * from the sum of the lines that may be discounted. Each line's discount is floored to a kopeck,
 * so the check's discount is exactly the sum of its lines'.
 */
export function lineDiscounts(discount: CompiledDiscount | null, amounts: readonly number[], eligible: readonly boolean[]): number[] {
  if (discount === null) return amounts.map(() => 0);
  let bp: number;
  if (discount.type === 'percent') bp = discount.bp;
  else {
    let base = 0;
    amounts.forEach((a, i) => (base += eligible[i] ? a : 0));
    bp = stepBp(discount.steps, base);
  }
  return amounts.map((a, i) => (eligible[i] ? percentOf(a, bp) : 0));
}
