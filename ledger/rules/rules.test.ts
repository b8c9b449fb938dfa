import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCheck, type CheckInput } from '../check.ts';
import { KopilkaError } from '../errors.ts';
import { compileProgram, DEFAULT_PROGRAM_INPUT, parseProgram, type ProgramInput } from '../program.ts';
import { apportion } from './apportion.ts';
import { evaluateCheck, type CustomerState } from './evaluate.ts';
import { birthdayDue, registrationGifts } from './gifts.ts';

const program = (over: Partial<ProgramInput> = {}) => compileProgram(parseProgram({ ...DEFAULT_PROGRAM_INPUT, ...over }));
const oneLevel = (level: Record<string, unknown>, over: Partial<ProgramInput> = {}) =>
  program({ levels: [{ code: 'base', name: 'Базовая', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 100, ...level } as never], activationDays: 0, ...over });

const customer = (o: Partial<CustomerState> = {}): CustomerState => ({
  id: '1', totalSpent: 0, purchases: 1, assignedLevel: null, available: 0, pending: 0, referrerId: null, registeredAt: Date.parse('2026-01-01T00:00:00Z'), source: null, gender: null, birthDate: null, lastPurchaseAt: null, ...o,
});

function check(lines: { amount: number; productId?: string; groupId?: string; quantity?: number }[], o: Partial<CheckInput> = {}) {
  return parseCheck({
    externalId: 'x',
    occurredAt: '2026-11-22T12:00:00+03:00',
    customer: { phone: '+79991234567' },
    lines: lines.map((l, i) => ({ lineNo: i + 1, productId: l.productId ?? `p${i}`, groupId: l.groupId ?? null, quantity: l.quantity ?? 1000, price: l.amount, amount: l.amount })),
    payments: [{ type: 'card', amount: lines.reduce((s, l) => s + l.amount, 0) }],
    ...o,
  });
}

describe('worked examples (default program)', () => {
  const p = program();
  it('10% of 550 ₽ = 55 bonuses, available on 06.12.2026', () => {
    const e = evaluateCheck(p, check([{ amount: 55000 }]), customer());
    expect(e.totals.accrued).toBe(5500);
    expect(e.messages).toContain('Начислено 55 бонусов, станут доступны 06.12.2026');
  });
  it('30% cap on a 10,000 ₽ check = 3,000 bonuses', () => {
    const c = customer({ available: 1_000_000 });
    expect(evaluateCheck(p, check([{ amount: 1_000_000 }]), c).totals.maxRedeem).toBe(300_000);
    expect(() => evaluateCheck(p, check([{ amount: 1_000_000 }], { redeem: 300_001 }), c)).toThrow(expect.objectContaining({ code: 'REDEEM_EXCEEDS_LIMIT' }));
    expect(evaluateCheck(p, check([{ amount: 1_000_000 }]), customer({ available: 1234 })).totals.maxRedeem).toBe(1234);
  });
  it('the crossing check is priced at the old level; the next one at the new', () => {
    const crossing = evaluateCheck(p, check([{ amount: 20_000 }]), customer({ totalSpent: 990_000 }));
    expect([crossing.level.code, crossing.levelAfter.code, crossing.totals.discount]).toEqual(['standard', 'silver', 0]);
    expect(crossing.messages).toContain('Новый уровень: Серебряная');
    expect(evaluateCheck(p, check([{ amount: 100_000 }]), customer({ totalSpent: 1_010_000 })).totals.discount).toBe(3_000);
  });
});

describe('program settings', () => {
  it('accrual perAmount: 50 bonuses for each full 1,000 ₽, split over lines', () => {
    const p = oneLevel({ accrual: { type: 'perAmount', every: 100_000, points: 5000 } });
    const e = evaluateCheck(p, check([{ amount: 150_000 }, { amount: 99_999 }]), customer());
    expect(e.totals.accrued).toBe(10_000);
    expect(e.lines[0]!.accrued + e.lines[1]!.accrued).toBe(10_000);
  });
  it('accrual progressive by the check amount', () => {
    const p = oneLevel({ accrual: { type: 'progressive', steps: [{ from: 0, percent: 5 }, { from: 100_000, percent: 10 }] } });
    expect(evaluateCheck(p, check([{ amount: 99_900 }]), customer()).totals.accrued).toBe(4900);
    expect(evaluateCheck(p, check([{ amount: 100_000 }]), customer()).totals.accrued).toBe(10_000);
  });
  it('discounts: percent and progressive, per line, none on excluded lines', () => {
    const p1 = oneLevel({ discount: { type: 'percent', percent: 5 } }, { exclusions: { productIds: ['tobacco'], groupIds: [] } });
    const e1 = evaluateCheck(p1, check([{ amount: 10_001 }, { amount: 20_000, productId: 'tobacco' }]), customer());
    expect(e1.lines.map((l) => l.discount)).toEqual([500, 0]);
    const p2 = oneLevel({ discount: { type: 'progressive', steps: [{ from: 50_000, percent: 2 }, { from: 100_000, percent: 4 }] } });
    expect(evaluateCheck(p2, check([{ amount: 40_000 }]), customer()).totals.discount).toBe(0);
    expect(evaluateCheck(p2, check([{ amount: 60_000 }]), customer()).totals.discount).toBe(1_200);
    expect(evaluateCheck(p2, check([{ amount: 60_000 }, { amount: 40_000 }]), customer()).totals.discount).toBe(4_000);
  });
  it('exclusions by product and by group: no discount, no accrual, no bonus payment', () => {
    const p = oneLevel({ discount: { type: 'percent', percent: 10 } }, { exclusions: { productIds: ['tobacco-1'], groupIds: ['alcohol'] } });
    const e = evaluateCheck(p, check([{ amount: 10_000 }, { amount: 10_000, productId: 'tobacco-1' }, { amount: 10_000, groupId: 'alcohol' }], { redeem: 'max' }), customer({ available: 100_000 }));
    expect(e.lines.slice(1)).toEqual([
      { lineNo: 2, discount: 0, redeemed: 0, accrued: 0 },
      { lineNo: 3, discount: 0, redeemed: 0, accrued: 0 },
    ]);
    expect(e.totals.maxRedeem).toBe(9_000);
  });
  it('modifiers: by group (percent and redeem share), hours (wrapping midnight), payment type, cashier, multipliers stacking', () => {
    const p = oneLevel(
      { maxRedeemPercent: 30 },
      {
        rounding: 'none',
        modifiers: [
          { when: { groupIds: ['services'] }, accrualPercent: 20, maxRedeemPercent: 50 },
          { when: { hours: { from: 22, to: 6 } }, accrualMultiplier: 2 },
          { when: { paymentTypes: ['cash'] }, accrualMultiplier: 1.5 },
          { when: { cashierIds: ['ivanova'] }, accrualPercent: 7 },
        ],
      },
    );
    const c = customer({ available: 1_000_000 });
    const g = evaluateCheck(p, check([{ amount: 10_000, groupId: 'services' }, { amount: 10_000 }], { redeem: 'max' }), c);
    expect(g.totals.maxRedeem).toBe(5_000 + 3_000);
    expect(g.lines.map((l) => l.redeemed)).toEqual([5_000, 3_000]);
    expect(g.lines.map((l) => l.accrued)).toEqual([1_000, 700]); // 20% of 5,000; 10% of 7,000
    expect(evaluateCheck(p, check([{ amount: 10_000 }], { occurredAt: '2026-11-22T23:30:00+03:00' }), c).totals.accrued).toBe(2_000);
    expect(evaluateCheck(p, check([{ amount: 10_000 }], { occurredAt: '2026-11-22T05:59:00+03:00' }), c).totals.accrued).toBe(2_000);
    expect(evaluateCheck(p, check([{ amount: 10_000 }], { occurredAt: '2026-11-22T06:00:00+03:00' }), c).totals.accrued).toBe(1_000);
    const cash = { payments: [{ type: 'cash', amount: 10_000 }], occurredAt: '2026-11-22T23:00:00+03:00' };
    expect(evaluateCheck(p, check([{ amount: 10_000 }], cash), c).totals.accrued).toBe(3_000); // ×2 ×1.5
    const mixed = { payments: [{ type: 'cash', amount: 1 }, { type: 'card', amount: 9_999 }] };
    expect(evaluateCheck(p, check([{ amount: 10_000 }], mixed), c).totals.accrued).toBe(1_000);
    expect(evaluateCheck(p, check([{ amount: 10_000 }], { cashierId: 'ivanova' }), c).totals.accrued).toBe(700);
  });
  it('rounding floor gives whole bonuses; none keeps hundredths', () => {
    expect(evaluateCheck(oneLevel({}), check([{ amount: 12_345 }]), customer()).totals.accrued).toBe(1_200);
    expect(evaluateCheck(oneLevel({}, { rounding: 'none' }), check([{ amount: 12_345 }]), customer()).totals.accrued).toBe(1_234);
  });
  it('referral reward: first purchase only, or every purchase within periodDays', () => {
    const first = oneLevel({}, { referral: { reward: { type: 'percent', percent: 5 }, scope: 'firstPurchase', periodDays: 365 } });
    const friend = customer({ referrerId: '7', purchases: 0 });
    expect(evaluateCheck(first, check([{ amount: 100_000 }]), friend).referral).toEqual({ referrerId: '7', points: 5_000 });
    expect(evaluateCheck(first, check([{ amount: 100_000 }]), { ...friend, purchases: 1 }).referral).toBeNull();
    const every = oneLevel({}, { referral: { reward: { type: 'fixed', points: 10_000 }, scope: 'everyPurchase', periodDays: 30 } });
    expect(evaluateCheck(every, check([{ amount: 100 }]), { ...friend, purchases: 5, registeredAt: Date.parse('2026-11-01T00:00:00Z') }).referral?.points).toBe(10_000);
    expect(evaluateCheck(every, check([{ amount: 100 }]), { ...friend, purchases: 5, registeredAt: Date.parse('2026-10-01T00:00:00Z') }).referral).toBeNull();
  });
  it('gifts: welcome and registration at sign-up, self-registration by source, first purchase, a new level’s welcome', () => {
    const p = program({
      levels: [
        { code: 'a', name: 'A', threshold: 0, accrual: { type: 'percent', percent: 5 }, welcomeBonus: { points: 20_000, ttlDays: 14 } },
        { code: 'b', name: 'B', threshold: 100_000, accrual: { type: 'percent', percent: 5 }, welcomeBonus: { points: 50_000 } },
      ],
      gifts: { registration: { points: 10_000, ttlDays: 14 }, selfRegistration: { points: 5_000 }, firstPurchase: { points: 3_000 } },
    });
    expect(registrationGifts(p, 'pos').map((g) => [g.kind, g.gift.points])).toEqual([['welcome', 20_000], ['registration', 10_000]]);
    expect(registrationGifts(p, 'self').map((g) => g.kind)).toEqual(['welcome', 'registration', 'selfRegistration']);
    const e = evaluateCheck(p, check([{ amount: 100_000 }]), customer({ purchases: 0 }));
    expect(e.gifts.map((g) => [g.kind, g.gift.points])).toEqual([['firstPurchase', 3_000], ['levelWelcome', 50_000]]);
  });
  it('birthdays: due daysBefore ahead, 29 February on 28 February in other years', () => {
    expect(birthdayDue('1990-12-03', '2026-11-30', 3)).toBe('2026-12-03');
    expect(birthdayDue('1990-12-03', '2026-11-29', 3)).toBeNull();
    expect(birthdayDue('2000-02-29', '2027-02-28', 0)).toBe('2027-02-28');
    expect(birthdayDue('1990-01-02', '2026-12-30', 3)).toBe('2027-01-02');
  });
  it('refuses a bonus payment without a customer, or beyond the balance, with a message for the cashier', () => {
    const p = program();
    const anon = parseCheck({ externalId: 'x', occurredAt: '2026-11-22T12:00:00+03:00', lines: [{ lineNo: 1, productId: 'a', quantity: 1000, price: 100, amount: 100 }], redeem: 10 });
    expect(() => evaluateCheck(p, anon, null)).toThrow(expect.objectContaining({ code: 'REDEEM_WITHOUT_CUSTOMER' }));
    expect(() => evaluateCheck(p, check([{ amount: 100_000 }], { redeem: 20_000 }), customer({ available: 15_050 }))).toThrow(
      expect.objectContaining({ code: 'NOT_ENOUGH_BONUSES', message: 'Недостаточно бонусов: доступно 150,5, запрошено 200' }),
    );
    expect(() => evaluateCheck(p, check([{ amount: 1_000_000 }], { redeem: 300_001 }), customer({ available: 1_000_000 }))).toThrow(
      expect.objectContaining({
        code: 'REDEEM_EXCEEDS_LIMIT',
        message: 'Можно списать не больше 3000 бонусов (30% суммы чека)',
        details: expect.objectContaining({ requested: 300_001, maxRedeem: 300_000, maxRedeemPercent: 30 }),
      }),
    );
  });
});

// ── properties ───────────────────────────────────────────────────────────────────────────────

const pct = fc.integer({ min: 0, max: 10_000 }).map((x) => x / 100);
const accrualArb = fc.oneof(
  pct.map((percent) => ({ type: 'percent' as const, percent })),
  fc.record({ type: fc.constant('perAmount' as const), every: fc.integer({ min: 1, max: 200_000 }), points: fc.integer({ min: 0, max: 20_000 }) }),
  fc.tuple(pct, pct, fc.integer({ min: 1, max: 500_000 })).map(([a, b, from]) => ({ type: 'progressive' as const, steps: [{ from: 0, percent: a }, { from, percent: b }] })),
);
const programArb = fc
  .record({
    accrual: accrualArb,
    discount: fc.option(pct.map((percent) => ({ type: 'percent' as const, percent }))),
    maxRedeemPercent: pct,
    rounding: fc.constantFrom('floor' as const, 'none' as const),
    modifiers: fc.array(
      fc.record({ group: fc.constantFrom('g0', 'g1', 'g2'), accrualPercent: fc.option(pct), accrualMultiplier: fc.option(fc.integer({ min: 1, max: 5000 }).map((x) => x / 1000)), maxRedeemPercent: fc.option(pct) }),
      { maxLength: 3 },
    ),
  })
  .map((r) =>
    compileProgram(
      parseProgram({
        levels: [{ code: 'a', name: 'A', threshold: 0, accrual: r.accrual, discount: r.discount, maxRedeemPercent: r.maxRedeemPercent }],
        rounding: r.rounding,
        exclusions: { productIds: ['x0'], groupIds: ['g3'] },
        modifiers: r.modifiers.map((m) => ({
          when: { groupIds: [m.group] },
          accrualPercent: m.accrualPercent ?? undefined,
          accrualMultiplier: m.accrualMultiplier ?? (m.accrualPercent === null && m.maxRedeemPercent === null ? 1 : undefined),
          maxRedeemPercent: m.maxRedeemPercent ?? undefined,
        })),
      }),
    ),
  );
const linesArb = fc.array(
  fc.record({ amount: fc.integer({ min: 0, max: 100_000_000 }), productId: fc.constantFrom('x0', 'x1', 'x2'), groupId: fc.constantFrom('g0', 'g1', 'g2', 'g3') }),
  { minLength: 1, maxLength: 12 },
);

describe('properties', () => {
  it('parts add up: lines sum to totals, toPay = amount − discount − redeemed ≥ 0, excluded lines get nothing', () => {
    fc.assert(
      fc.property(programArb, linesArb, fc.integer({ min: 0, max: 1_000_000_000 }), fc.double({ min: 0, max: 1.2, noNaN: true }), (p, lines, available, ask) => {
        const c = customer({ available });
        const probe = evaluateCheck(p, check(lines), c);
        const redeem = Math.floor(probe.totals.maxRedeem * Math.min(ask, 1));
        const e = evaluateCheck(p, check(lines, { redeem }), c);
        const sum = (k: 'discount' | 'redeemed' | 'accrued') => e.lines.reduce((s, l) => s + l[k], 0);
        expect(sum('discount')).toBe(e.totals.discount);
        expect(sum('redeemed')).toBe(e.totals.redeemed);
        expect(sum('accrued')).toBe(e.totals.accrued);
        expect(e.totals.toPay).toBe(e.totals.amount - e.totals.discount - e.totals.redeemed);
        expect(e.totals.toPay).toBeGreaterThanOrEqual(0);
        expect(e.totals.redeemed).toBeLessThanOrEqual(e.totals.maxRedeem);
        expect(e.totals.maxRedeem).toBeLessThanOrEqual(available);
        if (p.source.rounding === 'floor') expect(e.totals.accrued % 100).toBe(0);
        lines.forEach((l, i) => {
          const r = e.lines[i]!;
          expect(r.discount + r.redeemed).toBeLessThanOrEqual(l.amount);
          if (l.productId === 'x0' || l.groupId === 'g3') expect([r.discount, r.redeemed, r.accrued]).toEqual([0, 0, 0]);
          for (const v of [r.discount, r.redeemed, r.accrued]) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
        });
        if (ask > 1 && probe.totals.maxRedeem < available && probe.totals.maxRedeem >= 0) {
          expect(() => evaluateCheck(p, check(lines, { redeem: probe.totals.maxRedeem + 1 }), c)).toThrow(KopilkaError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('apportion: parts add up, each within one of its exact share, zero weight gets zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 30 }), (total, weights) => {
        const W = weights.reduce((s, w) => s + w, 0);
        if (W === 0) return;
        const parts = apportion(total, weights);
        expect(parts.reduce((s, x) => s + x, 0)).toBe(total);
        parts.forEach((x, i) => {
          const exact = (total * weights[i]!) / W;
          expect(x).toBeGreaterThanOrEqual(Math.floor(exact) - 0);
          expect(x).toBeLessThanOrEqual(Math.ceil(exact));
          if (weights[i] === 0) expect(x).toBe(0);
        });
      }),
      { numRuns: 500 },
    );
  });
});
