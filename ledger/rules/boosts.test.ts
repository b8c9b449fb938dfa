import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Boost } from '../boosts.ts';
import { evaluateCheck } from './evaluate.ts';
import { boostTerms } from './boosts.ts';
import { check, customer, oneLevel, sum } from './testkit.ts';

// Personal offers in the rules: the best discount and the best multiplier of those running at
// the check's time, never their sum; the discount is taken from what the level left, named on the
// line, never below 0; a closed check keeps the till's prices and only the multiplier counts.

const at = Date.parse('2026-11-22T12:00:00+03:00');
const DAY = 86_400_000;
const discount = (key: string, percent: number, from = at - DAY, to = at + DAY): Boost => ({ key, kind: 'discount', bp: percent * 100, multiplierMilli: 1000, from, to, reason: null });
const accrual = (key: string, x: number, from = at - DAY, to = at + DAY): Boost => ({ key, kind: 'accrual', bp: 0, multiplierMilli: x * 1000, from, to, reason: null });

describe('personal offers (boosts)', () => {
  it('the best running one of each kind applies; ended and future ones do not', () => {
    const t = boostTerms([discount('a', 5), discount('b', 15), discount('old', 50, at - 3 * DAY, at - DAY), discount('later', 60, at + DAY, at + 2 * DAY), accrual('x', 2), accrual('y', 3)], at);
    expect(t).toEqual({ discount: { bp: 1500, key: 'b' }, multiplierMilli: 3000 });
    expect(boostTerms([discount('edge', 10, at - DAY, at)], at)).toEqual({ discount: null, multiplierMilli: 1000 }); // `to` is exclusive
  });

  it('prices a 10 % level discount, then 20 % of the rest; ×2 bonuses on what is paid', () => {
    const p = oneLevel({ discount: { type: 'percent', percent: 10 } });
    const e = evaluateCheck(p, check([{ amount: 100_000 }]), customer({ boosts: [discount('back', 20), accrual('x2', 2)] }));
    expect(e.lines[0]).toMatchObject({ discount: 10_000 + 18_000, promotions: [{ id: 'boost:back', discount: 18_000 }] });
    expect(e.totals.accrued).toBe(2 * 7_200); // 10 % of 72,000 kopecks, doubled
    expect(e.messages).toContain('Скидка 100,00 ₽ по уровню «Базовая»');
    expect(e.messages.some((m) => m.startsWith('Персональная скидка 20 %'))).toBe(true);
  });

  it('a closed check: the till\'s prices stand, the multiplier counts', () => {
    const p = oneLevel({});
    const closed = check([{ amount: 100_000 }], { pricedBy: 'till' });
    const e = evaluateCheck(p, closed, customer({ boosts: [discount('back', 20), accrual('x2', 2)] }));
    expect([e.totals.discount, e.totals.accrued]).toEqual([0, 20_000]);
  });

  it('never a line below 0, promotions within the discount, the same answer whatever the order of the boosts', () => {
    const boost = fc.oneof(
      fc.record({ key: fc.constantFrom('a', 'b', 'c'), percent: fc.integer({ min: 1, max: 10_000 }) }).map((b) => ({ ...discount(b.key, 0), bp: b.percent })),
      fc.record({ key: fc.constantFrom('x', 'y'), milli: fc.integer({ min: 1001, max: 100_000 }) }).map((b) => ({ ...accrual(b.key, 1), multiplierMilli: b.milli })),
    );
    fc.assert(
      fc.property(fc.array(boost, { maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 100 }), (bs, amounts, level) => {
        const p = oneLevel({ discount: { type: 'percent', percent: level } });
        const e = evaluateCheck(p, check(amounts.map((amount) => ({ amount }))), customer({ boosts: bs }));
        e.lines.forEach((l, i) => {
          expect(l.discount).toBeGreaterThanOrEqual(0);
          expect(l.discount).toBeLessThanOrEqual(amounts[i]!);
          expect(sum((l.promotions ?? []).map((x) => x.discount))).toBeLessThanOrEqual(l.discount);
        });
        expect(evaluateCheck(p, check(amounts.map((amount) => ({ amount }))), customer({ boosts: [...bs].reverse() })).lines).toEqual(e.lines);
      }),
      { numRuns: 300 },
    );
  });
});
