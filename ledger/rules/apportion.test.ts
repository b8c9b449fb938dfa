import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportion } from './apportion.ts';

const weightsArb = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 30 });

describe('apportion', () => {
  it('splits by largest remainder; ties go to the lower index', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(apportion(100, [0, 1, 3])).toEqual([0, 25, 75]);
    expect(apportion(7, [5, 0, 2])).toEqual([5, 0, 2]);
    expect(apportion(1, [1, 3])).toEqual([0, 1]); // 0.25 vs 0.75: the larger remainder wins
  });

  it('takes bigint weights far beyond 2^53', () => {
    const big = 10n ** 30n;
    expect(apportion(1, [big, big + 1n])).toEqual([0, 1]); // as doubles the two weights would tie
    expect(apportion(5, [big, 3n * big])).toEqual([1, 4]);
    expect(apportion(Number.MAX_SAFE_INTEGER, [1n, 1n])).toEqual([(Number.MAX_SAFE_INTEGER + 1) / 2, (Number.MAX_SAFE_INTEGER - 1) / 2]);
  });

  it('splits in plain numbers exactly as in BigInt (bigint weights take the BigInt way)', () => {
    const totals = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const weights = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 2 ** 40 })), { minLength: 1, maxLength: 70 });
    fc.assert(
      fc.property(totals, weights, (total, ws) => {
        if (ws.every((w) => w === 0)) return;
        expect(apportion(total, ws)).toEqual(apportion(total, ws.map((w) => BigInt(w))));
      }),
      { numRuns: 20_000 },
    );
    expect(apportion(3, [1, 1, 1, 1])).toEqual(apportion(3, [1n, 1n, 1n, 1n])); // ties: the earlier parts first
    expect(apportion(2 ** 26, [2 ** 27 - 1, 1])).toEqual(apportion(2 ** 26, [BigInt(2 ** 27 - 1), 1n])); // just below 2^53
  });

  it('all-zero weights: nothing to split is fine, something to split is an error', () => {
    expect(apportion(0, [0, 0])).toEqual([0, 0]);
    expect(apportion(0, [])).toEqual([]);
    expect(() => apportion(1, [0, 0])).toThrow(RangeError);
    expect(() => apportion(1, [])).toThrow(RangeError);
  });

  it('refuses negative or fractional totals and negative weights', () => {
    expect(() => apportion(-1, [1])).toThrow(RangeError);
    expect(() => apportion(1.5, [1])).toThrow(RangeError);
    expect(() => apportion(1, [2, -1])).toThrow(RangeError);
  });

  it('is monotone in the weights but, as every largest-remainder method, not in the total (Alabama paradox)', () => {
    expect(apportion(10, [6, 6, 2])).toEqual([4, 4, 2]);
    expect(apportion(11, [6, 6, 2])).toEqual([5, 5, 1]);
  });

  it('properties: parts add up, each within one of its exact share, zero weight gets zero, bigger weight never gets less', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), weightsArb, (total, weights) => {
        const W = BigInt(weights.reduce((s, w) => s + w, 0));
        if (W === 0n) return;
        const parts = apportion(total, weights);
        expect(parts).toHaveLength(weights.length);
        expect(parts.reduce((s, x) => s + BigInt(x), 0n)).toBe(BigInt(total));
        parts.forEach((x, i) => {
          expect(Number.isSafeInteger(x)).toBe(true);
          const exactNum = BigInt(total) * BigInt(weights[i]!); // exact share = exactNum / W
          expect(BigInt(x) * W).toBeGreaterThan(exactNum - W); // x > share − 1
          expect(BigInt(x) * W).toBeLessThan(exactNum + W); // x < share + 1
          if (weights[i] === 0) expect(x).toBe(0);
          for (let j = 0; j < weights.length; j++) {
            if (weights[i]! > weights[j]!) expect(x).toBeGreaterThanOrEqual(parts[j]!);
            if (weights[i] === weights[j] && i < j) expect(x - parts[j]!).toBeGreaterThanOrEqual(0);
            if (weights[i] === weights[j]) expect(Math.abs(x - parts[j]!)).toBeLessThanOrEqual(1);
          }
        });
        expect(apportion(total, weights)).toEqual(parts); // deterministic
      }),
      { numRuns: 500 },
    );
  });

  it('property: scaling every weight by the same factor changes nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), weightsArb, fc.bigInt({ min: 1n, max: 10n ** 20n }), (total, weights, k) => {
        if (weights.every((w) => w === 0)) return;
        expect(apportion(total, weights.map((w) => BigInt(w) * k))).toEqual(apportion(total, weights));
      }),
    );
  });
});
