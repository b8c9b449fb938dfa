import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KopilkaError } from './errors.ts';
import { planRefund, proportionalTakeBack, type SaleLine } from './refunds.ts';

const saleLine = (lineNo: number) =>
  fc
    .record({ quantity: fc.integer({ min: 1, max: 20_000 }), amount: fc.integer({ min: 0, max: 10_000_000 }), d: fc.double({ min: 0, max: 0.5, noNaN: true }), r: fc.double({ min: 0, max: 0.5, noNaN: true }), a: fc.double({ min: 0, max: 0.3, noNaN: true }) })
    .map(({ quantity, amount, d, r, a }): SaleLine => {
      const discount = Math.floor(amount * d);
      const redeemed = Math.floor((amount - discount) * r);
      return { lineNo, quantity, amount, discount, redeemed, accrued: Math.floor(amount * a) };
    });

describe('planRefund', () => {
  it('partial refunds in any order and size add up exactly to the sale, then refuse more', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.tuple(...Array.from({ length: n }, (_, i) => saleLine(i + 1))), fc.array(fc.tuple(fc.nat(), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 12 }))),
        ([sale, steps]) => {
          let refunded: Record<string, number> = {};
          const sum = { amount: 0, discount: 0, redeemed: 0, accrued: 0 };
          for (const [which, frac] of steps) {
            const line = sale[which % sale.length]!;
            const left = line.quantity - (refunded[line.lineNo] ?? 0);
            const q = Math.floor(left * frac);
            if (q === 0) continue;
            const plan = planRefund(sale, refunded, [{ lineNo: line.lineNo, quantity: q }]);
            for (const k of ['amount', 'discount', 'redeemed', 'accrued'] as const) sum[k] += plan[k];
            refunded = plan.refundedQty;
          }
          const anyLeft = sale.some((l) => (refunded[l.lineNo] ?? 0) < l.quantity);
          if (anyLeft) {
            const last = planRefund(sale, refunded, null);
            expect(last.complete).toBe(true);
            for (const k of ['amount', 'discount', 'redeemed', 'accrued'] as const) sum[k] += last[k];
            refunded = last.refundedQty;
          }
          for (const k of ['amount', 'discount', 'redeemed', 'accrued'] as const) expect(sum[k]).toBe(sale.reduce((s, l) => s + l[k], 0));
          expect(() => planRefund(sale, refunded, null)).toThrow(KopilkaError);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names the line and the quantity left when asked for too much', () => {
    const sale: SaleLine[] = [{ lineNo: 1, quantity: 2000, amount: 200, discount: 0, redeemed: 0, accrued: 20 }];
    try {
      planRefund(sale, { 1: 1500 }, [{ lineNo: 1, quantity: 1000 }]);
      throw new Error('no error');
    } catch (e) {
      expect((e as KopilkaError).code).toBe('REFUND_EXCEEDS_SALE');
      expect((e as KopilkaError).message).toContain('не больше 0.5');
    }
    expect(() => planRefund(sale, {}, [{ lineNo: 7, quantity: 1 }])).toThrow(/нет строки 7/);
  });

  it('takes back a referral reward in proportion to the money refunded, exactly in total', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true })), (reward, paid, cuts) => {
        const points = [0, ...cuts.map((c) => Math.floor(c * paid)).sort((a, b) => a - b), paid];
        let total = 0;
        for (let i = 1; i < points.length; i++) total += proportionalTakeBack(reward, paid, points[i - 1]!, points[i]!);
        expect(total).toBe(reward);
      }),
    );
  });
});
