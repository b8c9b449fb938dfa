import type { Check } from '../check.ts';
import { apportion } from './apportion.ts';

// Gift certificates and bonuses: a certificate is money the till took when it sold one (not a
// purchase, so it earned nothing then), and what it pays for at a later check earns nothing
// either — the accrual base of a check paid partly by certificate shrinks by that payment, spread
// over the lines in proportion to their base (largest remainder). The purchase still counts
// toward the customer's level in full: goods were bought.

/** Each line's accrual base less its part of the check's certificate payments. */
export function lessCertificates(check: Pick<Check, 'payments'>, base: number[]): number[] {
  let paid = 0;
  for (const p of check.payments) if (p.type === 'giftcard') paid += p.amount;
  if (paid === 0) return base;
  let total = 0;
  for (const b of base) total += b;
  if (total === 0) return base;
  const cut = apportion(Math.min(paid, total), base);
  return base.map((b, i) => b - cut[i]!);
}
