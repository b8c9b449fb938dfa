import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KopilkaError } from '../errors.ts';
import type { CompiledAccrual } from '../program.ts';
import { accrue, MAX_ACCRUAL, type AccrualInput } from './accrual.ts';
import type { LineTerms } from './modifiers.ts';
import { stepBp } from './steps.ts';

const plain: LineTerms = { accrualBp: null, multiplierMilli: 1000, maxRedeemBp: 10_000, activationDays: null, lifetimeDays: null };
const run = (accrual: CompiledAccrual, base: number[], o: Partial<AccrualInput> = {}) =>
  accrue({
    accrual,
    base,
    eligible: base.map(() => true),
    terms: base.map(() => plain),
    progressiveAmount: base.reduce((s, b) => s + b, 0),
    rounding: 'floor',
    ...o,
  });
const pct = (bp: number): CompiledAccrual => ({ type: 'percent', bp });

/** Independent oracle: each line's exact value as a fraction, summed with gcd reduction; floored. */
function oracle(a: AccrualInput): bigint {
  const gcd = (x: bigint, y: bigint): bigint => (y === 0n ? x : gcd(y, x % y));
  let num = 0n;
  let den = 1n;
  const add = (n: bigint, d: bigint) => {
    num = num * d + n * den;
    den *= d;
    const g = gcd(num, den) || 1n;
    num /= g;
    den /= g;
  };
  const perAmount = (i: number) => a.accrual.type === 'perAmount' && a.terms[i]!.accrualBp === null;
  let B = 0n;
  a.base.forEach((b, i) => (B += a.eligible[i] && perAmount(i) ? BigInt(b) : 0n));
  const levelBp = a.accrual.type === 'percent' ? a.accrual.bp : a.accrual.type === 'progressive' ? stepBp(a.accrual.steps, a.progressiveAmount) : 0;
  a.base.forEach((b, i) => {
    if (!a.eligible[i]) return;
    const t = a.terms[i]!;
    const m = BigInt(t.multiplierMilli);
    if (perAmount(i)) {
      if (a.accrual.type !== 'perAmount' || B === 0n) return;
      const P = (B / BigInt(a.accrual.every)) * BigInt(a.accrual.points);
      add(P * BigInt(b) * m, B * 1000n); // P · (b / B) · m / 1000
    } else {
      add(BigInt(b) * BigInt(t.accrualBp ?? levelBp) * m, 10_000n * 1000n);
    }
  });
  const total = num / den;
  return a.rounding === 'floor' ? total - (total % 100n) : total;
}

describe('accrue', () => {
  it('percent: 10% of 550 ₽ = 55 bonuses', () => {
    expect(run(pct(1000), [55_000])).toEqual({ total: 5_500, lines: [5_500] });
  });

  it('the check total is the floor of the exact sum, not the sum of floored lines', () => {
    // Three lines worth 0.5 hundredths each (1% of 50 kopecks): 1.5 → 1, though each line alone is 0.
    expect(run(pct(100), [50, 50, 50], { rounding: 'none' })).toEqual({ total: 1, lines: [1, 0, 0] });
    // floor: 12.345 bonuses → 12; none: 1234 hundredths.
    expect(run(pct(1000), [12_345]).total).toBe(1_200);
    expect(run(pct(1000), [12_345], { rounding: 'none' }).total).toBe(1_234);
  });

  it('perAmount: points for each full `every` of the perAmount lines’ base, split in proportion to base', () => {
    const a: CompiledAccrual = { type: 'perAmount', every: 100_000, points: 5_000 };
    expect(run(a, [150_000, 99_999])).toEqual({ total: 10_000, lines: [6_000, 4_000] });
    expect(run(a, [99_999]).total).toBe(0);
    // A line whose modifier sets a percent is a percent line and does not count towards `every`.
    const terms = [plain, { ...plain, accrualBp: 1000 }];
    expect(run(a, [150_000, 100_000], { terms })).toEqual({ total: 5_000 + 10_000, lines: [5_000, 10_000] });
  });

  it('progressive: the step by the amount after discounts (before bonus payment); a modifier percent replaces it', () => {
    const a: CompiledAccrual = { type: 'progressive', steps: [{ from: 0, bp: 500 }, { from: 100_000, bp: 1000 }] };
    expect(run(a, [99_900]).total).toBe(4_900);
    expect(run(a, [100_000]).total).toBe(10_000);
    // Paid 50,000 with bonuses: base 50,000, but the step is chosen by 100,000.
    expect(run(a, [50_000], { progressiveAmount: 100_000 }).total).toBe(5_000);
    expect(run(a, [100_000], { terms: [{ ...plain, accrualBp: 700 }] }).total).toBe(7_000);
  });

  it('multipliers apply per line', () => {
    const terms = [{ ...plain, multiplierMilli: 3000 }, plain];
    expect(run(pct(1000), [10_000, 10_000], { terms, rounding: 'none' })).toEqual({ total: 4_000, lines: [3_000, 1_000] });
    expect(run({ type: 'perAmount', every: 1000, points: 100 }, [10_000, 10_000], { terms })).toEqual({ total: 4_000, lines: [3_000, 1_000] });
  });

  it('ineligible lines accrue nothing and do not count towards perAmount', () => {
    const a: CompiledAccrual = { type: 'perAmount', every: 100_000, points: 5_000 };
    expect(run(a, [60_000, 60_000], { eligible: [true, false] })).toEqual({ total: 0, lines: [0, 0] });
    expect(run(pct(1000), [60_000, 60_000], { eligible: [false, true] })).toEqual({ total: 6_000, lines: [0, 6_000] });
  });

  it('refuses an accrual the ledger cannot hold exactly', () => {
    const e = (() => {
      try {
        run({ type: 'perAmount', every: 1, points: 100_000_000_000 }, [100_000_000_000]);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(KopilkaError);
    expect((e as KopilkaError).code).toBe('INVALID_INPUT');
    expect(run(pct(10_000), [MAX_ACCRUAL]).total).toBe(MAX_ACCRUAL);
  });

  it('property: total equals the exact oracle; lines add up to it; floor gives whole bonuses', () => {
    const accrualArb = fc.oneof(
      fc.integer({ min: 0, max: 10_000 }).map(pct),
      fc.record({ type: fc.constant('perAmount' as const), every: fc.integer({ min: 1, max: 200_000 }), points: fc.integer({ min: 0, max: 20_000 }) }),
      fc
        .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 500_000 }))
        .map(([a, b, from]): CompiledAccrual => ({ type: 'progressive', steps: [{ from: 0, bp: a }, { from, bp: b }] })),
    );
    const lineArb = fc.record({
      base: fc.integer({ min: 0, max: 10_000_000_000 }),
      eligible: fc.boolean(),
      accrualBp: fc.option(fc.integer({ min: 0, max: 10_000 })),
      multiplierMilli: fc.integer({ min: 1, max: 100_000 }),
    });
    fc.assert(
      fc.property(accrualArb, fc.array(lineArb, { minLength: 1, maxLength: 15 }), fc.constantFrom('floor' as const, 'none' as const), (accrual, lines, rounding) => {
        const input: AccrualInput = {
          accrual,
          base: lines.map((l) => l.base),
          eligible: lines.map((l) => l.eligible),
          terms: lines.map((l) => ({ accrualBp: l.accrualBp, multiplierMilli: l.multiplierMilli, maxRedeemBp: 0, activationDays: null, lifetimeDays: null })),
          progressiveAmount: lines.reduce((s, l) => s + (l.eligible ? l.base : 0), 0),
          rounding,
        };
        const exact = oracle(input);
        if (exact > BigInt(MAX_ACCRUAL)) {
          expect(() => accrue(input)).toThrow(KopilkaError);
          return;
        }
        const r = accrue(input);
        expect(BigInt(r.total)).toBe(exact);
        expect(r.lines.reduce((s, x) => s + x, 0)).toBe(r.total);
        if (rounding === 'floor') expect(r.total % 100).toBe(0);
        r.lines.forEach((x, i) => {
          expect(Number.isSafeInteger(x) && x >= 0).toBe(true);
          if (!lines[i]!.eligible || lines[i]!.base === 0) expect(x).toBe(0);
        });
      }),
      { numRuns: 500 },
    );
  });
});
