import type { Boost } from '../boosts.ts';
import { MAX_MULTIPLIER_MILLI, type LineTerms } from './modifiers.ts';
import { percentOf } from './steps.ts';

// A customer's personal, temporary offer (a reactivation chain's step, or the owner's hand): an
// extra discount on what is left after promotions and the level's discount, or a multiplier of
// the bonuses. Several at once never add up: the best discount and the best multiplier apply, so
// two chains that each give 10 % give 10 %, not 20 %.

/** How a personal discount is named on a result line's `promotions` (never a program promotion's id). */
export function personalDiscountId(key: string): string {
  return `boost:${key}`;
}

export interface BoostTerms {
  /** The personal discount in basis points, and the boost that gives it; null: none. */
  discount: { bp: number; key: string } | null;
  /** The accrual multiplier in thousandths (1000: none). */
  multiplierMilli: number;
}

export function boostTerms(boosts: readonly Boost[] | undefined, at: number): BoostTerms {
  const t: BoostTerms = { discount: null, multiplierMilli: 1000 };
  for (const b of boosts ?? []) {
    if (at < b.from || at >= b.to) continue;
    if (b.kind === 'discount' && (t.discount === null || b.bp > t.discount.bp || (b.bp === t.discount.bp && b.key < t.discount.key))) t.discount = { bp: b.bp, key: b.key };
    if (b.kind === 'accrual' && b.multiplierMilli > t.multiplierMilli) t.multiplierMilli = b.multiplierMilli;
  }
  return t;
}

/** Per line: the personal discount on what is left of it (eligible lines only), floored to a kopeck. */
export function boostDiscounts(t: BoostTerms, left: readonly number[], eligible: readonly boolean[]): number[] {
  const bp = t.discount?.bp ?? 0;
  return left.map((a, i) => (eligible[i] && bp > 0 ? percentOf(a, bp) : 0));
}

/** The lines' terms with the accrual boost multiplied in (capped like the program's modifiers). */
export function boostedTerms(terms: LineTerms[], t: BoostTerms): LineTerms[] {
  if (t.multiplierMilli === 1000) return terms;
  return terms.map((x) => ({ ...x, multiplierMilli: Math.min(MAX_MULTIPLIER_MILLI, Math.floor((x.multiplierMilli * t.multiplierMilli) / 1000)) }));
}
