import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProgramInput } from '../program.ts';
import { evaluateCheck } from './evaluate.ts';
import { check, customer, oneLevel, sum, thrown } from './testkit.ts';

// Promotions, each kind as a check in and a result out; then the properties: no line below 0,
// the same answer whatever else the program holds, the per-line attribution adds up.

type Promo = NonNullable<ProgramInput['promotions']>[number];
const withPromos = (promotions: Promo[], over: Partial<ProgramInput> = {}) => oneLevel({ discount: { type: 'percent', percent: 5 } }, { promotions, ...over });
const coffee = { amount: 30_000, productId: 'coffee', groupId: 'drinks' };
const cake = { amount: 20_000, productId: 'cake', groupId: 'bakery' };

describe('promotions: each kind, a check in and a result out', () => {
  it('happy hours: 20% on drinks 11–13 on weekdays and Sunday, before the level\'s 5%; said line by line', () => {
    const p = withPromos([{ id: 'hh', name: 'Счастливые часы', when: { groupIds: ['drinks'], hours: { from: 11, to: 13 } }, effect: { type: 'percent', percent: 20 } }]);
    const e = evaluateCheck(p, check([coffee, cake]), customer()); // Sunday 12:00
    // coffee: 300 − 60 (акция) = 240, then 5% → 12; cake: 5% of 200 = 10.
    expect(e.lines.map((l) => [l.discount, l.promotions])).toEqual([
      [6_000 + 1_200, [{ id: 'hh', discount: 6_000 }]],
      [1_000, undefined],
    ]);
    expect(e.messages.slice(0, 2)).toEqual(['Акция «Счастливые часы»: скидка 60,00 ₽', 'Скидка 22,00 ₽ по уровню «Базовая»']);
    expect(evaluateCheck(p, check([coffee], { occurredAt: '2026-11-22T14:00:00+03:00' }), customer()).lines[0]!.promotions).toBeUndefined();
  });

  it('cascading by quantity and by sum, and a bundle (buy coffee and cake, 15% off both)', () => {
    const byQty = withPromos([{ id: 'q', name: 'Больше — дешевле', when: { productIds: ['coffee'] }, effect: { type: 'byQuantity', steps: [{ from: 2000, percent: 5 }, { from: 5000, percent: 10 }] } }]);
    const lines = (qty: number) => check([{ amount: 10_000 * qty, productId: 'coffee' }], {}).lines.map((l) => ({ ...l, quantity: qty * 1000 }));
    const q = (qty: number) => evaluateCheck(byQty, { ...check([{ amount: 10_000 * qty, productId: 'coffee' }]), lines: lines(qty) }, customer()).lines[0]!.promotions;
    expect([q(1), q(2), q(5)]).toEqual([undefined, [{ id: 'q', discount: 1_000 }], [{ id: 'q', discount: 5_000 }]]);

    const bySum = withPromos([{ id: 's', name: 'От суммы', effect: { type: 'bySum', steps: [{ from: 40_000, percent: 10 }] } }]);
    expect(evaluateCheck(bySum, check([coffee]), customer()).lines[0]!.promotions).toBeUndefined();
    expect(evaluateCheck(bySum, check([coffee, cake]), customer()).lines.map((l) => l.promotions?.[0]?.discount)).toEqual([3_000, 2_000]);

    const bundle = withPromos([{ id: 'b', name: 'Кофе с десертом', effect: { type: 'bundle', productIds: ['coffee', 'cake'], percent: 15 } }]);
    expect(evaluateCheck(bundle, check([coffee]), customer()).lines[0]!.promotions).toBeUndefined();
    expect(evaluateCheck(bundle, check([coffee, cake, { amount: 5_000, productId: 'water' }]), customer()).lines.map((l) => l.promotions?.[0]?.discount)).toEqual([4_500, 3_000, undefined]);
  });

  it('stacking: exclusive alone, the best of the `best` ones, combinable on what is left; priority decides the order', () => {
    const promos: Promo[] = [
      { id: 'a', name: 'А', effect: { type: 'percent', percent: 10 }, stacking: 'combinable' },
      { id: 'b1', name: 'Б1', effect: { type: 'percent', percent: 7 }, stacking: 'best' },
      { id: 'b2', name: 'Б2', when: { productIds: ['cake'] }, effect: { type: 'percent', percent: 12 }, stacking: 'best' },
    ];
    const e = evaluateCheck(withPromos(promos), check([coffee, cake]), customer());
    // coffee: best is Б1 7% (21), then А 10% of 279 (27,90); cake: best is Б2 12% (24), then А 10% of 176 (17,60).
    expect(e.lines.map((l) => l.promotions)).toEqual([
      [{ id: 'b1', discount: 2_100 }, { id: 'a', discount: 2_790 }],
      [{ id: 'b2', discount: 2_400 }, { id: 'a', discount: 1_760 }],
    ]);
    const ex = evaluateCheck(withPromos([...promos, { id: 'x', name: 'Чёрная пятница', effect: { type: 'percent', percent: 30 }, stacking: 'exclusive', priority: 5 }]), check([coffee, cake]), customer());
    expect(ex.lines.map((l) => l.promotions)).toEqual([[{ id: 'x', discount: 9_000 }], [{ id: 'x', discount: 6_000 }]]);
  });

  it('period, audience and coupons: a coupon that gives nothing is said, and the check goes through', () => {
    const p = withPromos([
      { id: 'nov', name: 'Ноябрь', period: { from: '2026-11-01', to: '2026-11-30' }, effect: { type: 'percent', percent: 3 } },
      { id: 'new', name: 'Новичкам', when: { newCustomers: true }, effect: { type: 'percent', percent: 10 } },
      { id: 'cup', name: 'Купон', coupons: ['WELCOME10'], when: { productIds: ['cake'] }, effect: { type: 'percent', percent: 10 } },
    ]);
    const ids = (c: Parameters<typeof check>[1], who = customer()) => evaluateCheck(p, check([coffee], c), who).lines[0]!.promotions?.map((x) => x.id);
    expect(ids({})).toEqual(['nov']);
    expect(ids({ occurredAt: '2026-12-01T12:00:00+03:00' })).toBeUndefined();
    expect(ids({}, customer({ purchases: 0 }))).toEqual(['new', 'nov']); // same priority: by id
    // Anonymous: the November discount yes, the one for new customers no.
    expect(evaluateCheck(p, check([coffee], { customer: null }), null).lines[0]!.promotions?.map((x) => x.id)).toEqual(['nov']);
    const withCoupon = evaluateCheck(p, check([coffee, cake], { coupon: 'welcome10' }), customer());
    expect(withCoupon.lines[1]!.promotions?.map((x) => x.id)).toEqual(['cup', 'nov']);
    expect(evaluateCheck(p, check([coffee], { coupon: 'WELCOME10' }), customer()).messages).toContain('Купон «WELCOME10» не действует для этого чека: чек проведён без него');
    expect(evaluateCheck(p, check([coffee], { coupon: 'NOPE' }), customer()).messages).toContain('Купон «NOPE» не найден: чек проведён без него');
  });

  it('a minimum check for paying with bonuses: the most allowed is 0 below it, a number asked for is refused naming it', () => {
    const p = oneLevel({}, { minCheckForRedeem: 50_000 });
    const rich = customer({ available: 1_000_000 });
    expect(evaluateCheck(p, check([coffee], { redeem: 'max' }), rich).totals.redeemed).toBe(0);
    expect(thrown(() => evaluateCheck(p, check([coffee], { redeem: 1_000 }), rich))).toMatchObject({ code: 'REDEEM_EXCEEDS_LIMIT', message: 'Оплатить бонусами можно чек от 500,00 ₽' });
    expect(evaluateCheck(p, check([coffee, cake], { redeem: 'max' }), rich).totals.redeemed).toBe(50_000);
  });

  it('excluded goods get no promotion', () => {
    const p = withPromos([{ id: 'all', name: 'Всё', effect: { type: 'percent', percent: 50 } }], { exclusions: { productIds: ['cake'], groupIds: [] } });
    expect(evaluateCheck(p, check([coffee, cake]), customer()).lines.map((l) => l.promotions?.length ?? 0)).toEqual([1, 0]);
  });
});

describe('promotions: properties', () => {
  const pct = fc.integer({ min: 0, max: 10_000 }).map((bp) => bp / 100);
  const promo = fc.record({
    stacking: fc.constantFrom('combinable' as const, 'best' as const, 'exclusive' as const),
    priority: fc.integer({ min: -3, max: 3 }),
    percent: pct,
    group: fc.option(fc.constantFrom('drinks', 'bakery'), { nil: undefined }),
    kind: fc.constantFrom('percent', 'bySum', 'bundle'),
  });
  const lineArb = fc.record({ amount: fc.integer({ min: 1, max: 5_000_000 }), productId: fc.constantFrom('coffee', 'cake', 'tea'), groupId: fc.constantFrom('drinks', 'bakery') });
  const toPromo = (x: { stacking: 'combinable' | 'best' | 'exclusive'; priority: number; percent: number; group: string | undefined; kind: string }, i: number): Promo => ({
    id: `p${i}`,
    name: `П${i}`,
    stacking: x.stacking,
    priority: x.priority,
    ...(x.group === undefined ? {} : { when: { groupIds: [x.group] } }),
    effect:
      x.kind === 'percent'
        ? { type: 'percent', percent: x.percent }
        : x.kind === 'bySum'
          ? { type: 'bySum', steps: [{ from: 100_000, percent: x.percent }] }
          : { type: 'bundle', productIds: ['coffee', 'cake'], percent: x.percent },
  });

  it('no line below 0; each line\'s promotions add up to at most its discount; the order of the list changes nothing', () => {
    fc.assert(
      fc.property(fc.array(promo, { maxLength: 6 }), fc.array(lineArb, { minLength: 1, maxLength: 6 }), (ps, ls) => {
        const promos = ps.map(toPromo);
        const e = evaluateCheck(withPromos(promos), check(ls), customer());
        e.lines.forEach((l, i) => {
          const promoPart = sum((l.promotions ?? []).map((x) => x.discount));
          expect(promoPart).toBeLessThanOrEqual(l.discount);
          expect(l.discount).toBeLessThanOrEqual(ls[i]!.amount);
          expect(l.discount).toBeGreaterThanOrEqual(0);
        });
        expect(e.totals.discount).toBe(sum(e.lines.map((l) => l.discount)));
        const reversed = evaluateCheck(withPromos([...promos].reverse()), check(ls), customer());
        expect(reversed.lines).toEqual(e.lines);
      }),
      { numRuns: 300 },
    );
  });
});
