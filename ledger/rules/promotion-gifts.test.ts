import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProgramInput } from '../program.ts';
import { evaluateCheck } from './evaluate.ts';
import { check, customer, oneLevel, sum } from './testkit.ts';

// What a promotion (or the coupon that unlocks it) may give besides a percent: a product free,
// or bonuses on top of the accrual. Each as a check in and a result out, then the properties:
// the lines' accruals add up to the check's, and a free product never costs below 0.

type Promo = NonNullable<ProgramInput['promotions']>[number];
const withPromos = (promotions: Promo[]) => oneLevel({}, { promotions });
const coffee = { amount: 30_000, productId: 'coffee', groupId: 'drinks' };

describe('promotions that give a product or bonuses', () => {
  it('a free cake with the coupon CAKE: one unit of the cake line, the second unit paid', () => {
    const p = withPromos([{ id: 'cake', name: 'Десерт в подарок', coupons: ['CAKE'], effect: { type: 'gift', productId: 'cake' } }]);
    const two = check([coffee, { amount: 30_000, productId: 'cake' }]);
    two.lines[1] = { ...two.lines[1]!, quantity: 2000, price: 15_000 };
    expect(evaluateCheck(p, two, customer()).lines[1]!.discount).toBe(0); // no coupon
    const e = evaluateCheck(p, { ...two, coupon: 'cake' }, customer());
    expect(e.lines.map((l) => [l.discount, l.promotions])).toEqual([[0, undefined], [15_000, [{ id: 'cake', discount: 15_000 }]]]);
    expect(e.totals.accrued).toBe(4_500); // 10 % of 300 + 150 paid
    expect(e.messages[0]).toBe('Акция «Десерт в подарок»: скидка 150,00 ₽');
  });

  it('bonuses on top: +50 for a drink, split over the paid lines; none without a customer; an issued coupon is spent by it', () => {
    const p = withPromos([{ id: 'x50', name: 'Бонусы к кофе', when: { groupIds: ['drinks'] }, issuedCoupons: true, effect: { type: 'bonus', points: 5_000 } }]);
    const c = { ...check([coffee, { amount: 10_000, productId: 'bun', groupId: 'bakery' }]), coupon: 'X-1' };
    const issued = { code: 'X-1', promotionId: 'x50' };
    const e = evaluateCheck(p, c, customer(), issued);
    expect(e.totals.accrued).toBe(4_000 + 5_000);
    expect(e.lines.map((l) => l.accrued)).toEqual([3_000 + 3_750, 1_000 + 1_250]);
    expect(e.lines.map((l) => l.promotions)).toEqual([[{ id: 'x50', discount: 0, bonus: 3_750 }], [{ id: 'x50', discount: 0, bonus: 1_250 }]]);
    expect(e.couponUsed).toBe('X-1');
    expect(e.messages).toContain('Акция «Бонусы к кофе»: +50 бонусов');
    expect(evaluateCheck(p, c, null, issued).totals.accrued).toBe(0);
    expect(evaluateCheck(p, { ...c, lines: [c.lines[1]!] }, customer(), issued).couponUsed).toBeNull(); // no drink: nothing given, coupon kept
  });

  it('the lines\' accruals add up to the check\'s; discounts stay within the lines', () => {
    const promo = fc.oneof(
      fc.record({ points: fc.integer({ min: 1, max: 1_000_000 }) }).map((x) => ({ id: `b${x.points}`, name: 'Б', effect: { type: 'bonus' as const, points: x.points } })),
      fc.record({ q: fc.integer({ min: 1, max: 5_000 }) }).map((x) => ({ id: `g${x.q}`, name: 'П', effect: { type: 'gift' as const, productId: 'cake', quantity: x.q } })),
    );
    const line = fc.record({ amount: fc.integer({ min: 1, max: 5_000_000 }), productId: fc.constantFrom('coffee', 'cake'), quantity: fc.integer({ min: 1, max: 5_000 }) });
    fc.assert(
      fc.property(fc.uniqueArray(promo, { maxLength: 4, selector: (x) => x.id }), fc.array(line, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 100 }), (ps, ls, redeemPct) => {
        const c = check(ls.map((l) => ({ amount: l.amount, productId: l.productId })), { redeem: 'max' } as never);
        ls.forEach((l, i) => (c.lines[i] = { ...c.lines[i]!, quantity: l.quantity }));
        const e = evaluateCheck(oneLevel({ maxRedeemPercent: redeemPct }, { promotions: ps }), c, customer({ available: 10_000_000 }));
        expect(sum(e.lines.map((l) => l.accrued))).toBe(e.totals.accrued);
        e.lines.forEach((l, i) => expect(l.discount + l.redeemed).toBeLessThanOrEqual(ls[i]!.amount));
      }),
      { numRuns: 300 },
    );
  });
});
