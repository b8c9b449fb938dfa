import { describe, expect, it } from 'vitest';
import { closedSaleLines } from './loyalty.ts';

// A closed sale's lines as the till priced them (PROTOCOL.md §1.5 (7)): discounted prices kept,
// the bonus payment the recalc answer booked as a discount given back to the lines once.

const pos = (id: string, quantity: number, price: number, more: Record<string, unknown> = {}) => ({ assortment: { meta: { id } }, quantity, price, ...more });
const groups = new Map<string, string>();
const amounts = (ps: ReturnType<typeof pos>[], redeem: number) => closedSaleLines(ps, { groups }, redeem).map((l) => l.amount);

describe('closedSaleLines', () => {
  it('keeps the discounted price, or the percent when there is none', () => {
    expect(amounts([pos('a', 123.456, 123.45, { discountPercent: 49.99, discountedPrice: 62.95 })], 0)).toEqual([777156]);
    expect(amounts([pos('a', 2, 100, { discountPercent: 10 })], 0)).toEqual([18000]);
    expect(amounts([pos('a', 2, 100)], 0)).toEqual([20000]);
  });

  it('gives the bonus payment back to the discounted lines, in proportion, never above their discount', () => {
    // 30.00 ₽ at 9.67: 0.99 ₽ of discount; 1.00 ₽ of bonus: all 0.99 ₽ of it was the bonus.
    expect(amounts([pos('a', 3, 10, { discountedPrice: 9.67 })], 100)).toEqual([3000]);
    // 3.00 ₽ of bonus over discounts of 2.00 and 4.00 ₽: 1.00 and 2.00 ₽ back.
    expect(amounts([pos('a', 1, 10, { discountedPrice: 8 }), pos('b', 1, 20, { discountedPrice: 16 })], 300)).toEqual([900, 1800]);
    // Kopecks that do not divide go to the largest remainders; the parts add up.
    const a = amounts([pos('a', 1, 10, { discountedPrice: 9 }), pos('b', 1, 10, { discountedPrice: 9 }), pos('c', 1, 10, { discountedPrice: 9 })], 100);
    expect(a.reduce((x, y) => x + y, 0)).toBe(2700 + 100);
    expect(Math.max(...a) - Math.min(...a)).toBe(1);
  });

  it('leaves the lines as sent when the till did not fold the bonus into its prices', () => {
    expect(amounts([pos('a', 3, 10, { discountedPrice: 10 })], 100)).toEqual([3000]);
    expect(amounts([pos('a', 3, 10)], 100)).toEqual([3000]);
  });
});
