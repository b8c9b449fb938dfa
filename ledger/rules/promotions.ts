import type { CheckLine, ParsedCheck } from '../check.ts';
import { formatBonuses, formatRub } from '../errors.ts';
import type { CompiledEffect, CompiledProgram, CompiledPromotion } from '../program.ts';
import { checkMatches, lineMatches } from './modifiers.ts';
import { inSegment } from './audience.ts';
import type { CustomerState } from './outcome.ts';
import { percentOf, stepBp } from './steps.ts';

// Promotions: discounts a tenant declares for a period, hours and weekdays, stores, cashiers,
// payment types, an audience (levels, new customers, a segment: audience.ts), goods (products, groups, a bundle), or a
// coupon. Pure and deterministic: the same check and program give the same discounts, line by line.
//
// Stacking, in this order: an applicable `exclusive` promotion (the first by priority, then id)
// is the only one on the check; otherwise each line gets the largest of the `best` promotions'
// discounts, and then the `combinable` ones apply one after another, by priority, each on what the
// line still costs. Every discount is a floored percent of what is left, so no line goes below 0.
// The level's discount applies after the promotions (evaluate.ts). Lines the program excludes
// get none. Coupons: one code per check; a code that gives nothing is said, never refused.

export interface PromotionOutcome {
  /** Per line: what the promotions took off, in kopecks. */
  discounts: number[];
  /** Per line: which promotion gave what (in the order they applied). */
  byLine: { id: string; discount: number; bonus?: number }[][];
  messages: string[];
  /** The issued coupon that gave something (the ledger spends one use of it), or null. */
  couponUsed: string | null;
  /** Bonuses on top of the accrual (effect `bonus`), per promotion; given only to a customer's check. */
  bonuses?: { id: string; points: number }[];
}

/**
 * What storage says of a code issued for a promotion (ledger/coupons.ts): it unlocks that
 * promotion, or it is refused with a reason the cashier can read (used up, expired…).
 */
export type IssuedCoupon = { code: string; promotionId: string } | { code: string; refusal: string };

/** Null when the program has no promotions and the check no coupon: nothing to do. */
export function applyPromotions(
  p: CompiledProgram,
  check: ParsedCheck,
  customer: CustomerState | null,
  levelCode: string | null,
  allowed: readonly boolean[],
  issued: IssuedCoupon | null = null,
): PromotionOutcome | null {
  const coupon = check.coupon == null || check.coupon === '' ? null : check.coupon.toUpperCase();
  if (p.promotions.length === 0 && coupon === null) return null;
  const lines = check.lines;
  const unlocked = issued !== null && 'promotionId' in issued ? issued.promotionId : null;
  const active = p.promotions.filter((x) => applies(x, check, customer, levelCode, coupon, unlocked));
  const out: PromotionOutcome = { discounts: lines.map(() => 0), byLine: lines.map(() => []), messages: [], couponUsed: null };
  const remaining = lines.map((l) => l.amount);
  const take = (x: CompiledPromotion, cut: number[]) => {
    cut.forEach((d, i) => {
      if (d <= 0) return;
      remaining[i]! -= d;
      out.discounts[i]! += d;
      out.byLine[i]!.push({ id: x.id, discount: d });
    });
  };

  const exclusive = active.find((x) => x.stacking === 'exclusive' && cuts(x, lines, remaining, allowed).some((d) => d > 0));
  if (exclusive !== undefined) take(exclusive, cuts(exclusive, lines, remaining, allowed));
  else {
    takeBest(active.filter((x) => x.stacking === 'best'), lines, remaining, allowed, take);
    for (const x of active) if (x.stacking === 'combinable') take(x, cuts(x, lines, remaining, allowed));
    // Bonus promotions give no discount: they add to the accrual unless an exclusive one took the check.
    // They are split over what the lines still cost (evaluate.ts): a check left costing nothing gets
    // none — not a message promising them, nor an issued coupon spent on them.
    const paysSomething = lines.some((_, i) => allowed[i] && remaining[i]! > 0);
    const bonuses = active.flatMap((x) => (x.effect.type === 'bonus' && customer !== null && paysSomething && lines.some((l, i) => allowed[i] && lineMatches(x, l)) ? [{ id: x.id, points: x.effect.points }] : []));
    if (bonuses.length > 0) out.bonuses = bonuses;
  }
  if (unlocked !== null && (out.byLine.some((l) => l.some((g) => g.id === unlocked)) || out.bonuses?.some((b) => b.id === unlocked))) out.couponUsed = coupon;
  out.messages = messagesFor(p, out, coupon, issued);
  return out;
}

/** Each line's largest `best` discount (the first by priority on a tie). */
function takeBest(best: CompiledPromotion[], lines: readonly CheckLine[], remaining: number[], allowed: readonly boolean[], take: (x: CompiledPromotion, cut: number[]) => void): void {
  if (best.length === 0) return;
  const all = best.map((x) => cuts(x, lines, remaining, allowed));
  const chosen = best.map(() => lines.map(() => 0));
  for (let i = 0; i < lines.length; i++) {
    let k = -1;
    all.forEach((c, j) => {
      if (c[i]! > 0 && (k === -1 || c[i]! > all[k]![i]!)) k = j;
    });
    if (k >= 0) chosen[k]![i] = all[k]![i]!;
  }
  best.forEach((x, j) => take(x, chosen[j]!));
}

function applies(x: CompiledPromotion, check: ParsedCheck, customer: CustomerState | null, levelCode: string | null, coupon: string | null, unlocked: string | null): boolean {
  if (x.issued && x.id !== unlocked) return false;
  if (x.period !== null && (check.localDay < x.period.from || check.localDay > x.period.to)) return false;
  if (x.newCustomers && (customer === null || customer.purchases > 0)) return false;
  if (x.segment !== null && !inSegment(x.segment, customer, levelCode, check)) return false;
  if (x.coupons !== null && (coupon === null || !x.coupons.has(coupon))) return false;
  return checkMatches(x, check, levelCode);
}

/** What one promotion takes off each line, from what the lines still cost. */
function cuts(x: CompiledPromotion, lines: readonly CheckLine[], remaining: readonly number[], allowed: readonly boolean[]): number[] {
  if (x.effect.type === 'gift') return giftCuts(x.effect, x, lines, remaining, allowed);
  if (x.effect.type === 'bonus') return lines.map(() => 0);
  const on = lines.map((l, i) => allowed[i]! && remaining[i]! > 0 && lineMatches(x, l) && (x.effect.type !== 'bundle' || x.effect.productIds.includes(l.productId)));
  const bp = effectBp(x.effect, lines, remaining, on);
  return lines.map((_, i) => (on[i] && bp > 0 ? percentOf(remaining[i]!, bp) : 0));
}

function effectBp(e: CompiledEffect, lines: readonly CheckLine[], remaining: readonly number[], on: readonly boolean[]): number {
  switch (e.type) {
    case 'percent':
      return e.bp;
    case 'bySum': {
      let sum = 0;
      on.forEach((o, i) => (sum += o ? remaining[i]! : 0));
      return stepBp(e.steps, sum);
    }
    case 'byQuantity': {
      let qty = 0;
      on.forEach((o, i) => (qty += o ? lines[i]!.quantity : 0));
      return stepBp(e.steps, qty);
    }
    case 'bundle':
      // Every product of the set on the check (in lines the promotion may touch).
      return e.productIds.every((id) => lines.some((l, i) => on[i] && l.productId === id)) ? e.bp : 0;
    case 'gift':
    case 'bonus':
      return 0; // not a percent: see giftCuts and the bonuses
  }
}

/** A free product: its unit price per unit given, over its lines in check order, up to `quantity`. */
function giftCuts(e: { productId: string; quantity: number }, x: CompiledPromotion, lines: readonly CheckLine[], remaining: readonly number[], allowed: readonly boolean[]): number[] {
  let left = e.quantity;
  return lines.map((l, i) => {
    if (left <= 0 || !allowed[i] || remaining[i]! <= 0 || l.productId !== e.productId || !lineMatches(x, l)) return 0;
    const q = Math.min(left, l.quantity);
    left -= q;
    // The unit's share of the line as the till priced it (a line's amount may already be below price × quantity).
    return Math.min(remaining[i]!, Number((BigInt(l.amount) * BigInt(q)) / BigInt(l.quantity)));
  });
}

function messagesFor(p: CompiledProgram, out: PromotionOutcome, coupon: string | null, issued: IssuedCoupon | null): string[] {
  const given = new Map<string, number>();
  for (const l of out.byLine) for (const g of l) given.set(g.id, (given.get(g.id) ?? 0) + g.discount);
  const messages = p.promotions.filter((x) => given.has(x.id)).map((x) => `Акция «${x.name}»: скидка ${formatRub(given.get(x.id)!)}`);
  for (const b of out.bonuses ?? []) messages.push(`Акция «${p.promotions.find((x) => x.id === b.id)!.name}»: +${formatBonuses(b.points)}`);
  for (const b of out.bonuses ?? []) given.set(b.id, 0);
  if (coupon === null || out.couponUsed !== null || p.promotions.some((x) => x.coupons?.has(coupon) && given.has(x.id))) return messages;
  if (issued !== null && 'refusal' in issued) messages.push(`Купон «${coupon}» ${issued.refusal}: чек проведён без него`);
  else {
    const known = issued !== null || p.promotions.some((x) => x.coupons?.has(coupon));
    messages.push(known ? `Купон «${coupon}» не действует для этого чека: чек проведён без него` : `Купон «${coupon}» не найден: чек проведён без него`);
  }
  return messages;
}
