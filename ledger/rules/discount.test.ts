import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineDiscounts } from './discount.ts';
import { percentOf, stepBp } from './steps.ts';

const steps = [{ from: 50_000, bp: 200 }, { from: 100_000, bp: 400 }];

describe('steps', () => {
  it('the highest step whose from the amount reaches; 0 below the first', () => {
    expect([0, 49_999, 50_000, 99_999, 100_000, 10 ** 14].map((a) => stepBp(steps, a))).toEqual([0, 0, 200, 200, 400, 400]);
    expect(stepBp([{ from: 0, bp: 500 }], 0)).toBe(500);
  });
  it('percentOf floors exactly, even where amount × bp passes 2^53', () => {
    expect(percentOf(10_001, 500)).toBe(500);
    expect(percentOf(99_999_999_999_999, 9_999)).toBe(99_989_999_999_999);
  });
});

describe('lineDiscounts', () => {
  it('no discount: zeros', () => {
    expect(lineDiscounts(null, [100, 200], [true, true])).toEqual([0, 0]);
  });
  it('percent: floored per line; excluded lines get none', () => {
    expect(lineDiscounts({ type: 'percent', bp: 300 }, [10_001, 99, 20_000], [true, true, false])).toEqual([300, 2, 0]);
  });
  it('progressive: the step by the sum of the eligible lines, then a percent per line', () => {
    const d = { type: 'progressive' as const, steps };
    expect(lineDiscounts(d, [40_000], [true])).toEqual([0]);
    expect(lineDiscounts(d, [60_000], [true])).toEqual([1_200]);
    expect(lineDiscounts(d, [60_000, 40_000], [true, true])).toEqual([2_400, 1_600]);
    // An excluded line neither gets a discount nor lifts the check to a higher step.
    expect(lineDiscounts(d, [60_000, 40_000], [true, false])).toEqual([1_200, 0]);
  });
  it('property: every line within [0, amount], floor of its percent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 100_000_000_000 }), fc.boolean()), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 10_000 }),
        (lines, bp) => {
          const out = lineDiscounts({ type: 'percent', bp }, lines.map((l) => l[0]), lines.map((l) => l[1]));
          out.forEach((d, i) => {
            const [a, ok] = lines[i]!;
            expect(d).toBe(ok ? Number((BigInt(a) * BigInt(bp)) / 10_000n) : 0);
            expect(d >= 0 && d <= a).toBe(true);
          });
        },
      ),
    );
  });
});
