import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KopilkaError } from '../errors.ts';
import { formatPercent, planRedeem } from './redeem.ts';
import { thrown } from './testkit.ts';

const err = (f: () => unknown) => {
  const e = thrown(f);
  expect(e).toBeInstanceOf(KopilkaError);
  return e as KopilkaError;
};

describe('planRedeem', () => {
  it('cap = floor of the exact sum of line shares; maxRedeem = min(cap, balance)', () => {
    expect(planRedeem(0, [1_000_000], [3000], 10 ** 9, true)).toEqual({ cap: 300_000, maxRedeem: 300_000, redeemed: 0, lines: [0] });
    expect(planRedeem(0, [1_000_000], [3000], 1234, true).maxRedeem).toBe(1234);
    // Three lines of 1 kopeck at 50%: no line could give a whole kopeck alone, together they give one.
    expect(planRedeem('max', [1, 1, 1], [5000, 5000, 5000], 100, true)).toEqual({ cap: 1, maxRedeem: 1, redeemed: 1, lines: [1, 0, 0] });
  });

  it('max asks for everything allowed; an anonymous check may pay nothing', () => {
    expect(planRedeem('max', [10_000, 30_000], [3000, 3000], 10 ** 9, true)).toMatchObject({ redeemed: 12_000, lines: [3_000, 9_000] });
    expect(planRedeem('max', [10_000], [3000], 0, false)).toEqual({ cap: 3_000, maxRedeem: 0, redeemed: 0, lines: [0] });
  });

  it('splits by the lines’ shares: a line allowed more takes more; an excluded line none', () => {
    expect(planRedeem(8_000, [10_000, 10_000, 10_000], [5000, 3000, 0], 10 ** 6, true).lines).toEqual([5_000, 3_000, 0]);
  });

  it('REDEEM_WITHOUT_CUSTOMER', () => {
    const e = err(() => planRedeem(10, [10_000], [3000], 0, false));
    expect([e.code, e.status, e.details]).toEqual(['REDEEM_WITHOUT_CUSTOMER', 422, { requested: 10 }]);
    expect(e.message).toBe('Списать бонусы можно только с картой или телефоном клиента');
  });

  it('NOT_ENOUGH_BONUSES names both figures', () => {
    const e = err(() => planRedeem(20_000, [100_000], [3000], 15_050, true));
    expect(e.code).toBe('NOT_ENOUGH_BONUSES');
    expect(e.message).toBe('Недостаточно бонусов: доступно 150,5, запрошено 200');
    expect(e.details).toMatchObject({ requested: 20_000, available: 15_050 });
  });

  it('REDEEM_EXCEEDS_LIMIT: the cap and its percent', () => {
    const e = err(() => planRedeem(300_001, [1_000_000], [3000], 10 ** 9, true));
    expect(e.code).toBe('REDEEM_EXCEEDS_LIMIT');
    expect(e.message).toBe('Можно списать не больше 3000 бонусов (30% суммы чека)');
    expect(e.details).toMatchObject({ requested: 300_001, maxRedeem: 300_000, maxRedeemPercent: 30 });
    // Some lines excluded: the percent is of the lines bonuses may pay for.
    const x = err(() => planRedeem(10_000, [10_000, 10_000], [2550, 0], 10 ** 9, true));
    expect(x.message).toBe('Можно списать не больше 25,5 бонуса (25,5% суммы товаров, которые можно оплатить бонусами)');
    expect(x.details).toMatchObject({ maxRedeemPercent: 25.5 });
    // Lines with different shares: no single percent to name.
    const y = err(() => planRedeem(10_000, [10_000, 10_000], [5000, 3000], 10 ** 9, true));
    expect([y.message, y.details!.maxRedeemPercent]).toEqual(['Можно списать не больше 80 бонусов', null]);
    // Nothing may be paid with bonuses at all.
    expect(err(() => planRedeem(1, [10_000], [0], 10 ** 9, true)).message).toBe('Этот чек нельзя оплатить бонусами');
  });

  it('formatPercent', () => {
    expect([3000, 2550, 1234, 5, 0, 10_000].map(formatPercent)).toEqual(['30', '25,5', '12,34', '0,05', '0', '100']);
  });

  it('property: parts add up; each line within its amount and its own share (rounded up to a kopeck)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 100_000_000_000 }), fc.integer({ min: 0, max: 10_000 })), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 10 ** 12 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lines, available, ask) => {
          const amounts = lines.map((l) => l[0]);
          const shares = lines.map((l) => l[1]);
          const { maxRedeem, cap } = planRedeem(0, amounts, shares, available, true);
          expect(maxRedeem).toBe(Math.min(cap, available));
          const want = Math.floor(maxRedeem * ask);
          const plan = planRedeem(want, amounts, shares, available, true);
          expect(plan.redeemed).toBe(want);
          expect(plan.lines.reduce((s, x) => s + x, 0)).toBe(want);
          plan.lines.forEach((r, i) => {
            const share = BigInt(amounts[i]!) * BigInt(shares[i]!); // ten-thousandths of a kopeck
            expect(r >= 0 && r <= amounts[i]!).toBe(true);
            expect(BigInt(r) * 10_000n < share + 10_000n).toBe(true); // r ≤ ⌈share⌉
          });
          if (maxRedeem < available) expect(() => planRedeem(maxRedeem + 1, amounts, shares, available, true)).toThrow(/Можно списать|нельзя оплатить/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
