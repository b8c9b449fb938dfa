import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../lots.ts';
import type { ProgramInput } from '../program.ts';
import { evaluateCheck } from './evaluate.ts';
import { referralReward } from './referral.ts';
import { check, customer, oneLevel } from './testkit.ts';

const withReferral = (referral: ProgramInput['referral'], over: Partial<ProgramInput> = {}) => oneLevel({}, { referral, ...over });
const percent5 = { reward: { type: 'percent' as const, percent: 5 }, scope: 'firstPurchase' as const, periodDays: 365 };
const at = Date.parse('2026-11-22T12:00:00+03:00');
const friend = (o: Parameters<typeof customer>[0] = {}) => customer({ referrerId: '7', purchases: 0, registeredAt: Date.parse('2026-11-01T00:00:00Z'), ...o });

describe('referralReward', () => {
  it('percent of the money the friend paid, first purchase only', () => {
    const p = withReferral(percent5);
    expect(referralReward(p, check([{ amount: 1 }]), friend(), 100_000)).toEqual({ referrerId: '7', points: 5_000 });
    expect(referralReward(p, check([{ amount: 1 }]), friend({ purchases: 1 }), 100_000)).toBeNull();
  });

  it('every purchase, fixed points', () => {
    const p = withReferral({ reward: { type: 'fixed', points: 10_000 }, scope: 'everyPurchase', periodDays: 30 });
    expect(referralReward(p, check([{ amount: 1 }]), friend({ purchases: 5 }), 1)?.points).toBe(10_000);
    expect(referralReward(p, check([{ amount: 1 }]), friend({ purchases: 0 }), 1)?.points).toBe(10_000);
  });

  it('only while check.at < registration + periodDays', () => {
    const p = withReferral({ ...percent5, scope: 'everyPurchase', periodDays: 30 });
    const c = check([{ amount: 1 }]);
    expect(referralReward(p, c, friend({ registeredAt: at - 30 * DAY_MS + 1 }), 100_000)).not.toBeNull();
    expect(referralReward(p, c, friend({ registeredAt: at - 30 * DAY_MS }), 100_000)).toBeNull();
  });

  it('rounded as accruals: floor to whole bonuses, or hundredths', () => {
    expect(referralReward(withReferral(percent5), check([{ amount: 1 }]), friend(), 12_345)?.points).toBe(600);
    expect(referralReward(withReferral(percent5, { rounding: 'none' }), check([{ amount: 1 }]), friend(), 12_345)?.points).toBe(617);
    expect(referralReward(withReferral(percent5), check([{ amount: 1 }]), friend(), 1_999)).toBeNull(); // 0.99 bonus → 0: nothing to give
  });

  it('no program referral, no referrer: nothing', () => {
    expect(referralReward(withReferral(null), check([{ amount: 1 }]), friend(), 100_000)).toBeNull();
    expect(referralReward(withReferral(percent5), check([{ amount: 1 }]), friend({ referrerId: null }), 100_000)).toBeNull();
  });

  it('in a check: the base is what the friend paid in money for lines that earn bonuses', () => {
    const p = withReferral(percent5, { exclusions: { productIds: ['tobacco-1'], groupIds: [] } });
    const e = evaluateCheck(p, check([{ amount: 100_000 }, { amount: 50_000, productId: 'tobacco-1' }], { redeem: 20_000 }), friend({ available: 20_000 }));
    expect(e.referral).toEqual({ referrerId: '7', points: 4_000 }); // 5% of (100,000 − 20,000)
    expect(evaluateCheck(p, check([{ amount: 100_000 }]), null).referral).toBeNull();
  });
});
