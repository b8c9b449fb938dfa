import { describe, expect, it } from 'vitest';
import { fromForm, toForm } from './src/cabinet/program-form.ts';

// The program editor's form keeps every setting: a program loaded and saved untouched comes back
// the same, the newer settings included (a product free, bonuses on top, a modifier's own
// activation and lifetime, a level's welcome bonus with its lifetime).

const program = {
  levels: [
    { code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 5 }, discount: null, maxRedeemPercent: 50, welcomeBonus: null },
    { code: 'gold', name: 'Золото', threshold: 1_000_000, accrual: { type: 'percent', percent: 10 }, discount: { type: 'percent', percent: 3 }, maxRedeemPercent: 100, welcomeBonus: { points: 50_000, ttlDays: 30, activationDays: 0 } },
  ],
  activationDays: 0,
  expiry: { mode: 'afterAccrual', days: 365 },
  rounding: 'floor',
  minCheckForRedeem: 0,
  maxBackdateDays: 90,
  timezone: 'Europe/Moscow',
  gifts: {},
  referral: null,
  exclusions: { productIds: [], groupIds: [] },
  modifiers: [{ when: { groupIds: ['promo'] }, activationDays: 0, lifetimeDays: 7 }],
  promotions: [
    { id: 'cake', name: 'Десерт в подарок', when: {}, coupons: ['CAKE'], effect: { type: 'gift', productId: 'cake', quantity: 1000 }, stacking: 'combinable', priority: 0 },
    { id: 'x50', name: 'Бонусы к кофе', when: { groupIds: ['drinks'] }, effect: { type: 'bonus', points: 5_000 }, stacking: 'combinable', priority: 0 },
  ],
};

const clean = (x: unknown) => JSON.parse(JSON.stringify(x));

describe('program editor form', () => {
  it('a program saved untouched comes back the same', () => {
    expect(clean(fromForm(program, toForm(program)))).toEqual(clean(program));
  });

  it('the new fields are edited in the form\'s units', () => {
    const f = toForm(program);
    f.levels[0].welcome = 100; // bonuses
    f.modifiers[0].lifetimeDays = 14;
    f.promotions[1].effect.bonusPoints = 75;
    const p = fromForm(program, f);
    expect(p.levels[0].welcomeBonus).toEqual({ points: 10_000 });
    expect(p.modifiers[0]).toMatchObject({ activationDays: 0, lifetimeDays: 14 });
    expect(p.promotions[1].effect).toEqual({ type: 'bonus', points: 7_500 });
  });

  it('a promotion\'s segment comes back the same (its levels kept, not shown) and is edited in rubles and points', () => {
    const segment = { levels: ['gold'], sources: ['self'], gender: 'female', minPurchases: 2, minSpent: 150_050, maxAverageCheck: 300_000, minBalance: 1_000, maxDaysWithoutPurchase: 30, minAge: 18 };
    const withSegment = { ...program, promotions: [...program.promotions, { id: 'her', name: 'Для неё', when: { segment }, effect: { type: 'percent', percent: 10 }, stacking: 'combinable', priority: 0 }] };
    expect(clean(fromForm(withSegment, toForm(withSegment)))).toEqual(clean(withSegment));
    const empty = { ...program, promotions: [{ ...program.promotions[0], when: { segment: {} } }] };
    expect(clean(fromForm(empty, toForm(empty)))).toEqual(clean(empty));
    const f = toForm(withSegment);
    expect(f.promotions[2].when).toMatchObject({ segmentOn: true, segment: { minSpent: 1_500.5, maxAverageCheck: 3_000, minBalance: 10, maxSpent: null, gender: 'female' } });
    f.promotions[2].when.segment.maxSpent = 5_000;
    f.promotions[2].when.segment.gender = '';
    f.promotions[0].when.segmentOn = true;
    f.promotions[0].when.segment.maxAge = 25;
    const p = fromForm(withSegment, f);
    expect(clean(p.promotions[2].when.segment)).toEqual(clean({ levels: ['gold'], sources: ['self'], minPurchases: 2, minSpent: 150_050, maxSpent: 500_000, maxAverageCheck: 300_000, minBalance: 1_000, maxDaysWithoutPurchase: 30, minAge: 18 }));
    expect(clean(p.promotions[0].when)).toEqual({ segment: { maxAge: 25 } });
    f.promotions[2].when.segmentOn = false;
    expect(fromForm(withSegment, f).promotions[2].when.segment).toBeUndefined();
  });
});
