import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT, type CheckInput } from '../check.ts';
import { KopilkaError } from '../errors.ts';
import { DAY_MS } from '../lots.ts';
import { compileProgram, parseProgram, type ProgramInput } from '../program.ts';
import { evaluateCheck } from './evaluate.ts';
import { check, customer, oneLevel, program, sum } from './testkit.ts';

const levels3 = [
  { code: 'a', name: 'Стандартная', threshold: 0, accrual: { type: 'percent' as const, percent: 5 }, discount: { type: 'percent' as const, percent: 1 }, maxRedeemPercent: 20 },
  { code: 'b', name: 'Серебряная', threshold: 100_000, accrual: { type: 'percent' as const, percent: 7 }, discount: { type: 'percent' as const, percent: 3 }, welcomeBonus: { points: 5_000 } },
  { code: 'c', name: 'Золотая', threshold: 1_000_000, accrual: { type: 'percent' as const, percent: 10 }, discount: { type: 'percent' as const, percent: 5 }, welcomeBonus: { points: 50_000 } },
];

describe('evaluateCheck: levels', () => {
  const p = program({ levels: levels3, activationDays: 0 });

  it('priced at the level before the check; reached right after the crossing check; its welcome bonus', () => {
    const e = evaluateCheck(p, check([{ amount: 60_000 }]), customer({ totalSpent: 41_000 })); // 41,000 + 59,400 ≥ 100,000
    expect([e.level.code, e.levelAfter.code]).toEqual(['a', 'b']);
    expect(e.totals.discount).toBe(600); // 1%, the old level's
    expect(e.purchaseAmount).toBe(59_400);
    expect(e.gifts).toEqual([{ kind: 'levelWelcome', gift: { points: 5_000, activationDays: 0 } }]);
    expect(e.messages).toEqual(['Скидка 6,00 ₽ по уровню «Стандартная»', 'Начислено 29 бонусов', 'Новый уровень: Серебряная', 'Подарок за новый уровень: 50 бонусов']);
  });

  it('the purchase total counts amount − discount: a discount can keep a customer just below the threshold', () => {
    expect(evaluateCheck(p, check([{ amount: 60_000 }]), customer({ totalSpent: 40_300 })).levelAfter.code).toBe('a'); // 40,300 + 59,400 = 99,700
  });

  it('skipping a level: the level reached, and only its welcome bonus', () => {
    const e = evaluateCheck(p, check([{ amount: 2_000_000 }]), customer());
    expect(e.levelAfter.code).toBe('c');
    expect(e.gifts.map((g) => g.gift.points)).toEqual([50_000]);
  });

  it('a level assigned by hand prices the check when it is higher, and stays', () => {
    const e = evaluateCheck(p, check([{ amount: 10_000 }]), customer({ assignedLevel: 'c' }));
    expect([e.level.code, e.levelAfter.code, e.totals.discount, e.gifts.length]).toEqual(['c', 'c', 500, 0]);
    expect(evaluateCheck(p, check([{ amount: 10_000 }]), customer({ assignedLevel: 'a', totalSpent: 200_000 })).level.code).toBe('b');
  });

  it('a level modifier applies to customers of that level only', () => {
    const q = program({ levels: levels3, modifiers: [{ when: { levels: ['c'] }, accrualMultiplier: 2 }], rounding: 'none' });
    expect(evaluateCheck(q, check([{ amount: 10_000 }]), customer({ totalSpent: 1_000_000 })).totals.accrued).toBe(1_900); // 10% of 9,500 × 2
    expect(evaluateCheck(q, check([{ amount: 10_000 }]), customer({ totalSpent: 999_999 })).totals.accrued).toBe(679); // 7% of 9,700
  });
});

describe('evaluateCheck: anonymous sale', () => {
  it('shown at the first level, but no discount, no accrual, nothing to pay with bonuses', () => {
    const p = program({ levels: levels3, gifts: { firstPurchase: { points: 1_000 } }, referral: { reward: { type: 'fixed', points: 100 } } });
    const e = evaluateCheck(p, check([{ amount: 10_000_000 }], { customer: null, redeem: 'max' }), null);
    expect([e.level.code, e.levelAfter.code]).toEqual(['a', 'a']);
    expect(e.totals).toEqual({ amount: 10_000_000, discount: 0, redeemed: 0, toPay: 10_000_000, accrued: 0, maxRedeem: 0 });
    expect(e.lines).toEqual([{ lineNo: 1, discount: 0, redeemed: 0, accrued: 0 }]);
    expect([e.gifts, e.referral, e.messages, e.purchaseAmount]).toEqual([[], null, [], 10_000_000]);
  });
});

describe('evaluateCheck: messages', () => {
  it('accrual with its activation date in the program’s time zone, DD.MM.YYYY', () => {
    const at = '2026-11-22T23:30:00+03:00';
    const e = evaluateCheck(program(), check([{ amount: 55_000 }], { occurredAt: at }), customer());
    expect(e.activatesAt).toBe(Date.parse(at) + 14 * DAY_MS);
    expect(e.messages).toEqual(['Начислено 55 бонусов, станут доступны 06.12.2026']);
    // The same instant is already 7 December in Vladivostok.
    const v = evaluateCheck(program({ timezone: 'Asia/Vladivostok' }), check([{ amount: 55_000 }], { occurredAt: at }), customer());
    expect(v.messages).toEqual(['Начислено 55 бонусов, станут доступны 07.12.2026']);
  });

  it('no activation delay: no date; hundredths shown when rounding is none', () => {
    expect(evaluateCheck(oneLevel({}), check([{ amount: 55_000 }]), customer()).messages).toEqual(['Начислено 55 бонусов']);
    expect(evaluateCheck(oneLevel({}, { rounding: 'none' }), check([{ amount: 55_550 }]), customer()).messages).toEqual(['Начислено 55,55 бонуса']);
  });

  it('discount, bonus payment, accrual, first-purchase gift; nothing said about zeros', () => {
    const p = oneLevel({ discount: { type: 'percent', percent: 3 } }, { gifts: { firstPurchase: { points: 3_000 } } });
    const e = evaluateCheck(p, check([{ amount: 100_000 }], { redeem: 3_000 }), customer({ purchases: 0, available: 10_000 }));
    expect(e.messages).toEqual(['Скидка 30,00 ₽ по уровню «Базовая»', 'Списано 30 бонусов', 'Начислено 94 бонуса', 'Подарок за первую покупку: 30 бонусов']);
    expect(e.gifts).toEqual([{ kind: 'firstPurchase', gift: { points: 3_000, activationDays: 0 } }]);
    expect(evaluateCheck(p, check([{ amount: 100_000 }]), customer({ purchases: 1 })).gifts).toEqual([]);
    const zero = oneLevel({ accrual: { type: 'percent', percent: 0 } });
    expect(evaluateCheck(zero, check([{ amount: 100_000 }]), customer()).messages).toEqual([]);
  });
});

describe('evaluateCheck: purity', () => {
  it('the same input gives the same answer and is left as it was', () => {
    const p = program();
    const c = check([{ amount: 12_345 }, { amount: 1 }], { redeem: 'max' });
    const before = JSON.stringify(c);
    const cs = customer({ available: 5_000 });
    expect(evaluateCheck(p, c, cs)).toEqual(evaluateCheck(p, c, cs));
    expect(JSON.stringify(c)).toBe(before);
    expect(cs.available).toBe(5_000);
  });
});

// ── properties over arbitrary programs and checks ────────────────────────────────────────────

const pct = fc.integer({ min: 0, max: 10_000 }).map((x) => x / 100);
const stepsArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 1, maxLength: 3 })
  .chain((froms) => fc.tuple(...froms.sort((a, b) => a - b).map((from) => pct.map((percent) => ({ from, percent })))));
const accrualArb = fc.oneof(
  pct.map((percent) => ({ type: 'percent' as const, percent })),
  fc.record({ type: fc.constant('perAmount' as const), every: fc.integer({ min: 1, max: 200_000 }), points: fc.integer({ min: 0, max: 20_000 }) }),
  stepsArb.map((steps) => ({ type: 'progressive' as const, steps })),
);
const discountArb = fc.option(fc.oneof(pct.map((percent) => ({ type: 'percent' as const, percent })), stepsArb.map((steps) => ({ type: 'progressive' as const, steps }))));
const ids = (prefix: string, n: number) => fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }).map((i) => `${prefix}${i}`), { minLength: 1, maxLength: n });
const whenArb = fc.record(
  {
    productIds: ids('x', 4),
    groupIds: ids('g', 4),
    hours: fc.tuple(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 24 })).filter(([a, b]) => a !== b).map(([from, to]) => ({ from, to })),
    weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    paymentTypes: fc.uniqueArray(fc.constantFrom('card', 'cash', 'sbp'), { minLength: 1 }),
    cashierIds: ids('k', 2),
    storeIds: ids('s', 2),
    levels: ids('L', 3),
  },
  { requiredKeys: [] },
);
const modifierArb = fc
  .record({
    when: whenArb,
    accrualPercent: fc.option(pct, { nil: undefined }),
    accrualMultiplier: fc.option(fc.integer({ min: 1, max: 100_000 }).map((x) => x / 1000), { nil: undefined }),
    maxRedeemPercent: fc.option(pct, { nil: undefined }),
  })
  .map((m) => (m.accrualPercent === undefined && m.accrualMultiplier === undefined && m.maxRedeemPercent === undefined ? { ...m, accrualMultiplier: 2 } : m));
const programArb = fc
  .record({
    levels: fc.array(fc.record({ accrual: accrualArb, discount: discountArb, maxRedeemPercent: pct }), { minLength: 1, maxLength: 3 }),
    rounding: fc.constantFrom('floor' as const, 'none' as const),
    modifiers: fc.array(modifierArb, { maxLength: 4 }),
  })
  .map((r) =>
    compileProgram(
      parseProgram({
        levels: r.levels.map((l, i) => ({ code: `L${i}`, name: `Уровень ${i}`, threshold: i * 500_000, ...l })),
        rounding: r.rounding,
        exclusions: { productIds: ['x0'], groupIds: ['g3'] },
        modifiers: r.modifiers,
      } satisfies ProgramInput),
    ),
  );
const checkArb = fc.record({
  lines: fc.array(
    fc.record({
      amount: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: MAX_AMOUNT })),
      productId: fc.constantFrom('x0', 'x1', 'x2', 'x3'),
      groupId: fc.constantFrom('g0', 'g1', 'g2', 'g3', null),
    }),
    { minLength: 1, maxLength: 12 },
  ),
  hh: fc.integer({ min: 0, max: 23 }),
  day: fc.integer({ min: 1, max: 28 }),
  payments: fc.array(fc.record({ type: fc.constantFrom('card', 'cash', 'sbp'), amount: fc.integer({ min: 0, max: 1_000_000 }) }), { maxLength: 3 }),
  cashierId: fc.constantFrom('k0', 'k1', undefined),
  storeId: fc.constantFrom('s0', 's1', undefined),
});
const customerArb = fc.option(
  fc.record({ totalSpent: fc.integer({ min: 0, max: 2_000_000 }), available: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: MAX_AMOUNT })), assigned: fc.constantFrom(null, 'L1', 'L2') }),
);
// Ask for: nothing, everything allowed, a share of it, or one more than allowed.
const askArb = fc.oneof(fc.constant<'max' | number>('max'), fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(-1));

describe('evaluateCheck: properties', () => {
  it('parts add up, nothing negative or unsafe, excluded lines untouched, bonus payment within the cap and the balance', () => {
    fc.assert(
      fc.property(programArb, checkArb, customerArb, askArb, (p, c, cu, ask) => {
        const cs = cu === null ? null : customer({ totalSpent: cu.totalSpent, available: cu.available, assignedLevel: cu.assigned });
        const input = (redeem: number | 'max'): Partial<CheckInput> => ({
          occurredAt: `2026-11-${String(c.day).padStart(2, '0')}T${String(c.hh).padStart(2, '0')}:30:00+03:00`,
          payments: c.payments,
          cashierId: c.cashierId,
          storeId: c.storeId,
          customer: cs === null ? null : { id: '1' },
          redeem,
        });
        let probe;
        try {
          probe = evaluateCheck(p, check(c.lines, input(0)), cs);
        } catch (e) {
          // Only an accrual too large to hold exactly may refuse a check that pays nothing with bonuses.
          expect(e).toBeInstanceOf(KopilkaError);
          expect((e as KopilkaError).code).toBe('INVALID_INPUT');
          return;
        }
        const max = probe.totals.maxRedeem;
        const redeem = ask === 'max' ? 'max' : ask === -1 ? (max < MAX_AMOUNT ? max + 1 : max) : typeof ask === 'number' && ask > 0 && ask < 1 ? Math.floor(max * ask) : 0;
        if (ask === -1 && max < MAX_AMOUNT) {
          const e = (() => {
            try {
              evaluateCheck(p, check(c.lines, input(redeem)), cs);
            } catch (x) {
              return x as KopilkaError;
            }
          })();
          expect(e).toBeInstanceOf(KopilkaError);
          const code = cs === null ? 'REDEEM_WITHOUT_CUSTOMER' : max + 1 > cs.available ? 'NOT_ENOUGH_BONUSES' : 'REDEEM_EXCEEDS_LIMIT';
          expect(e!.code).toBe(code);
          return;
        }
        const e = evaluateCheck(p, check(c.lines, input(redeem)), cs);
        const t = e.totals;
        const lines = e.lines;
        expect(sum(lines.map((l) => l.discount))).toBe(t.discount);
        expect(sum(lines.map((l) => l.redeemed))).toBe(t.redeemed);
        expect(sum(lines.map((l) => l.accrued))).toBe(t.accrued);
        expect(t.amount).toBe(sum(c.lines.map((l) => l.amount)));
        expect(t.toPay).toBe(t.amount - t.discount - t.redeemed);
        expect(t.toPay).toBeGreaterThanOrEqual(0);
        expect(t.maxRedeem).toBe(max);
        expect(t.redeemed).toBeLessThanOrEqual(t.maxRedeem);
        expect(t.maxRedeem).toBeLessThanOrEqual(cs?.available ?? 0);
        if (redeem === 'max') expect(t.redeemed).toBe(max);
        if (p.source.rounding === 'floor') expect(t.accrued % 100).toBe(0);
        expect(e.purchaseAmount).toBe(t.amount - t.discount);
        expect(e.levelAfter.rank).toBeGreaterThanOrEqual(e.level.rank);
        for (const v of Object.values(t)) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
        c.lines.forEach((l, i) => {
          const r = lines[i]!;
          expect(r.lineNo).toBe(i + 1);
          for (const v of [r.discount, r.redeemed, r.accrued]) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
          expect(r.discount + r.redeemed).toBeLessThanOrEqual(l.amount);
          if (l.productId === 'x0' || l.groupId === 'g3' || cs === null) expect([r.redeemed, r.accrued]).toEqual([0, 0]);
          if (l.productId === 'x0' || l.groupId === 'g3' || cs === null) expect(r.discount).toBe(0);
        });
        if (cs === null) expect([t.discount, t.accrued, t.maxRedeem, e.referral, e.gifts.length]).toEqual([0, 0, 0, null, 0]);
      }),
      { numRuns: 1000 },
    );
  });
});
