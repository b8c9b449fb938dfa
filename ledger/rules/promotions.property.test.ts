import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBonuses } from '../errors.ts';
import type { ProgramInput } from '../program.ts';
import { evaluateCheck } from './evaluate.ts';
import { check, customer, oneLevel, sum } from './testkit.ts';

// Properties of promotions over every kind of effect at once (percent, by quantity, by sum, a
// bundle, a product free, bonuses on top), every stacking rule, coupons, the level's discount and
// a bonus payment: no line ever goes below 0; stacking is deterministic (the same answer again,
// and whatever the order the promotions are listed in), an exclusive one is alone on the check and
// a line carries at most one `best`; and the bonuses on top are split over the lines exactly, by
// largest remainder of what each line paid. (promotions.test.ts and promotion-gifts.test.ts hold
// the narrower properties these grew from.)

type Promo = NonNullable<ProgramInput['promotions']>[number];
type Stacking = 'combinable' | 'best' | 'exclusive';

const pct = fc.integer({ min: 0, max: 10_000 }).map((bp) => bp / 100);
const effectArb = fc.oneof(
  pct.map((percent) => ({ type: 'percent' as const, percent })),
  fc.tuple(fc.integer({ min: 1, max: 5_000 }), pct).map(([from, percent]) => ({ type: 'byQuantity' as const, steps: [{ from, percent }] })),
  fc.tuple(fc.integer({ min: 0, max: 500_000 }), pct).map(([from, percent]) => ({ type: 'bySum' as const, steps: [{ from, percent }] })),
  pct.map((percent) => ({ type: 'bundle' as const, productIds: ['coffee', 'cake'], percent })),
  fc.integer({ min: 1, max: 5_000 }).map((quantity) => ({ type: 'gift' as const, productId: 'cake', quantity })),
  fc.integer({ min: 1, max: 1_000_000 }).map((points) => ({ type: 'bonus' as const, points })),
);
const promoArb = fc.record({
  stacking: fc.constantFrom<Stacking>('combinable', 'best', 'exclusive'),
  priority: fc.integer({ min: -2, max: 2 }),
  group: fc.option(fc.constantFrom('drinks', 'bakery'), { nil: undefined }),
  coupon: fc.boolean(),
  effect: effectArb,
});
const toPromos = (xs: { stacking: Stacking; priority: number; group: string | undefined; coupon: boolean; effect: Promo['effect'] }[]): Promo[] =>
  xs.map((x, i) => ({
    id: `p${i}`,
    name: `Акция ${i}`,
    stacking: x.stacking,
    priority: x.priority,
    ...(x.group === undefined ? {} : { when: { groupIds: [x.group] } }),
    ...(x.coupon ? { coupons: ['SALE'] } : {}),
    effect: x.effect,
  }));
const lineArb = fc.record({
  amount: fc.integer({ min: 0, max: 5_000_000 }),
  productId: fc.constantFrom('coffee', 'cake', 'tea'),
  groupId: fc.constantFrom('drinks', 'bakery'),
  quantity: fc.integer({ min: 1, max: 5_000 }),
});
const caseArb = fc.record({
  promos: fc.array(promoArb, { maxLength: 6 }),
  lines: fc.array(lineArb, { minLength: 1, maxLength: 6 }),
  levelDiscount: fc.option(pct, { nil: null }),
  maxRedeem: fc.integer({ min: 0, max: 100 }),
  redeem: fc.boolean(),
  coupon: fc.boolean(),
  order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function run(c: Case, promotions: Promo[]) {
  const level = { maxRedeemPercent: c.maxRedeem, ...(c.levelDiscount === null ? {} : { discount: { type: 'percent', percent: c.levelDiscount } }) };
  const ch = check(
    c.lines.map((l) => ({ amount: l.amount, productId: l.productId, groupId: l.groupId })),
    { ...(c.redeem ? { redeem: 'max' as const } : {}), ...(c.coupon ? { coupon: 'sale' } : {}) },
  );
  c.lines.forEach((l, i) => (ch.lines[i] = { ...ch.lines[i]!, quantity: l.quantity }));
  return evaluateCheck(oneLevel(level, { promotions }), ch, customer({ available: 100_000_000 }));
}

/** The promotions in another order (the case's own random keys). */
const shuffled = (ps: Promo[], keys: number[]): Promo[] =>
  ps
    .map((p, i) => [p, keys[i]!] as const)
    .sort((a, b) => a[1] - b[1])
    .map(([p]) => p);

describe('promotions: properties over every effect', () => {
  it('no line goes below 0: discounts and bonus payment stay within the line, nothing negative', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const e = run(c, toPromos(c.promos));
        e.lines.forEach((l, i) => {
          expect(l.discount).toBeGreaterThanOrEqual(0);
          expect(l.redeemed).toBeGreaterThanOrEqual(0);
          expect(l.accrued).toBeGreaterThanOrEqual(0);
          expect(l.discount + l.redeemed).toBeLessThanOrEqual(c.lines[i]!.amount);
          for (const g of l.promotions ?? []) {
            expect(g.discount).toBeGreaterThanOrEqual(0);
            expect(g.bonus ?? 0).toBeGreaterThanOrEqual(0);
          }
          expect(sum((l.promotions ?? []).map((g) => g.discount))).toBeLessThanOrEqual(l.discount);
        });
        expect(e.totals.toPay).toBeGreaterThanOrEqual(0);
        expect(e.totals.toPay).toBe(e.totals.amount - e.totals.discount - e.totals.redeemed);
        expect(e.totals.discount).toBe(sum(e.lines.map((l) => l.discount)));
        expect(e.totals.redeemed).toBe(sum(e.lines.map((l) => l.redeemed)));
      }),
      { numRuns: 400 },
    );
  });

  it('stacking is deterministic: the same answer again and in any order; an exclusive one alone; one `best` discount per line', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const promos = toPromos(c.promos);
        const e = run(c, promos);
        const pick = (x: typeof e) => ({ lines: x.lines, totals: x.totals, messages: x.messages });
        expect(pick(run(c, promos))).toEqual(pick(e));
        expect(pick(run(c, shuffled(promos, c.order)))).toEqual(pick(e));
        const stackingOf = new Map(promos.map((p) => [p.id, p.stacking]));
        const given = e.lines.flatMap((l) => l.promotions ?? []);
        // An exclusive discount takes the whole check, bonuses on top included. (An exclusive
        // promotion of bonuses gives no discount, so it never takes the check: it adds its bonus.)
        const exclusive = given.filter((g) => stackingOf.get(g.id) === 'exclusive' && g.bonus === undefined);
        if (exclusive.length > 0) expect(new Set(given.map((g) => g.id))).toEqual(new Set([exclusive[0]!.id]));
        // Bonuses on top are no discount: a `best` one adds its bonus beside the line's best discount.
        for (const l of e.lines) expect((l.promotions ?? []).filter((g) => stackingOf.get(g.id) === 'best' && g.bonus === undefined).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('bonuses on top are split exactly: each promotion\'s points add up over the lines, each line within one of its share of what it paid; said only when given', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const promos = toPromos(c.promos);
        const e = run(c, promos);
        expect(sum(e.lines.map((l) => l.accrued))).toBe(e.totals.accrued);
        const paid = e.lines.map((l, i) => c.lines[i]!.amount - l.discount - l.redeemed);
        const afterDiscount = e.lines.map((l, i) => c.lines[i]!.amount - l.discount);
        const promoLeft = e.lines.map((l, i) => c.lines[i]!.amount - sum((l.promotions ?? []).map((g) => g.discount)));
        const weights = [paid, afterDiscount, promoLeft].find((w) => w.some((x) => x > 0)) ?? paid;
        const total = sum(weights);
        for (const p of promos) {
          if (p.effect.type !== 'bonus') continue;
          const points = p.effect.points;
          const parts = e.lines.map((l) => sum((l.promotions ?? []).filter((g) => g.id === p.id).map((g) => g.bonus ?? 0)));
          // Said to the cashier exactly when given: a bonus the message promises is on the lines.
          const said = e.messages.includes(`Акция «${p.name}»: +${formatBonuses(points)}`);
          expect(said).toBe(sum(parts) > 0);
          if (!said) continue; // not given to this check
          expect(sum(parts)).toBe(points);
          parts.forEach((x, i) => {
            // Exact share points × w / W, compared without floats: |x·W − points·w| < W.
            const diff = BigInt(x) * BigInt(total) - BigInt(points) * BigInt(weights[i]!);
            expect(diff < BigInt(total) && diff > -BigInt(total)).toBe(true);
            if (weights[i] === 0) expect(x).toBe(0);
          });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a check the promotions leave costing nothing gets no bonuses on top: none promised, the issued coupon kept', () => {
    const p = oneLevel(
      {},
      {
        promotions: [
          { id: 'free', name: 'Десерт в подарок', effect: { type: 'gift', productId: 'cake', quantity: 1000 } },
          { id: 'x50', name: 'Бонусы сверху', issuedCoupons: true, effect: { type: 'bonus', points: 5_000 } },
        ],
      },
    );
    const issued = { code: 'X-1', promotionId: 'x50' };
    const free = evaluateCheck(p, { ...check([{ amount: 30_000, productId: 'cake' }]), coupon: 'X-1' }, customer(), issued);
    expect([free.totals.accrued, free.couponUsed]).toEqual([0, null]);
    expect(free.messages).toEqual(['Акция «Десерт в подарок»: скидка 300,00 ₽', 'Купон «X-1» не действует для этого чека: чек проведён без него']);
    const paid = evaluateCheck(p, { ...check([{ amount: 30_000, productId: 'cake' }, { amount: 10_000, productId: 'tea' }]), coupon: 'X-1' }, customer(), issued);
    expect([paid.totals.accrued, paid.couponUsed]).toEqual([1_000 + 5_000, 'X-1']);
  });
});
