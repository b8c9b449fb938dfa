import { describe, expect, it } from 'vitest';
import type { ProgramInput } from '../program.ts';
import { isExcluded, lineTerms, MAX_MULTIPLIER_MILLI } from './modifiers.ts';
import { check, oneLevel, type LineSpec } from './testkit.ts';

type Mod = NonNullable<ProgramInput['modifiers']>[number];
const withMods = (...modifiers: Mod[]) => oneLevel({ maxRedeemPercent: 30 }, { modifiers, exclusions: { productIds: ['tobacco-1'], groupIds: ['alcohol'] } });
const terms = (mods: Mod[], lines: LineSpec[], o: Parameters<typeof check>[1] = {}, level: string | null = 'base') => {
  const p = withMods(...mods);
  return lineTerms(p, check(lines, o), level, 3000);
};
const x2 = { accrualMultiplier: 2 };
/** The multiplier per line: 2000 where the modifier applied, 1000 where not. */
const applied = (mod: Omit<Mod, 'accrualMultiplier'>, lines: LineSpec[], o: Parameters<typeof check>[1] = {}, level: string | null = 'base') =>
  terms([{ ...mod, ...x2 } as Mod], lines, o, level).map((t) => t.multiplierMilli === 2000);
const at = (hhmm: string, offset = '+03:00') => ({ occurredAt: `2026-11-22T${hhmm}:00${offset}` });
const one = [{ amount: 100 }];

describe('modifier conditions', () => {
  it('no conditions on lines: every line; groupIds: lines of those groups only', () => {
    expect(applied({ when: {} }, [{ amount: 1 }, { amount: 1, groupId: 'g' }])).toEqual([true, true]);
    expect(applied({ when: { groupIds: ['services'] } }, [{ amount: 1, groupId: 'services' }, { amount: 1, groupId: 'coffee' }, { amount: 1 }])).toEqual([true, false, false]);
  });

  it('productIds and groupIds together: the line matches if either names it', () => {
    const lines = [{ amount: 1, productId: 'sku-1' }, { amount: 1, productId: 'sku-2', groupId: 'tea' }, { amount: 1, productId: 'sku-3', groupId: 'coffee' }];
    expect(applied({ when: { productIds: ['sku-1'], groupIds: ['tea'] } }, lines)).toEqual([true, true, false]);
    expect(applied({ when: { productIds: ['sku-3'] } }, lines)).toEqual([false, false, true]);
  });

  it('hours are [from, to) of the till’s local time', () => {
    const m = { when: { hours: { from: 9, to: 12 } } };
    expect(applied(m, one, at('08:59'))).toEqual([false]);
    expect(applied(m, one, at('09:00'))).toEqual([true]);
    expect(applied(m, one, at('11:59'))).toEqual([true]);
    expect(applied(m, one, at('12:00'))).toEqual([false]);
    // 09:30 at the till in Yekaterinburg is 07:30 in Moscow: the till's clock counts.
    expect(applied(m, one, at('09:30', '+05:00'))).toEqual([true]);
  });

  it('hours from > to wrap past midnight; 0–24 is the whole day', () => {
    const m = { when: { hours: { from: 22, to: 6 } } };
    expect(['21:59', '22:00', '23:59', '00:00', '05:59', '06:00', '12:00'].map((t) => applied(m, one, at(t))[0])).toEqual([false, true, true, true, true, false, false]);
    expect(['00:00', '12:00', '23:59'].map((t) => applied({ when: { hours: { from: 0, to: 24 } } }, one, at(t))[0])).toEqual([true, true, true]);
  });

  it('weekdays: ISO numbers at the till (22 Nov 2026 is a Sunday)', () => {
    expect(applied({ when: { weekdays: [6, 7] } }, one)).toEqual([true]);
    expect(applied({ when: { weekdays: [1] } }, one)).toEqual([false]);
    // 23:30 on Sunday in New York is already Monday in UTC: still Sunday at the till.
    expect(applied({ when: { weekdays: [7] } }, one, at('23:30', '-05:00'))).toEqual([true]);
  });

  it('paymentTypes: every money payment is of a listed type; zero payments do not count; no payments, no match', () => {
    const m = { when: { paymentTypes: ['cash', 'sbp'] } };
    expect(applied(m, one, { payments: [{ type: 'cash', amount: 100 }] })).toEqual([true]);
    expect(applied(m, one, { payments: [{ type: 'cash', amount: 50 }, { type: 'sbp', amount: 50 }] })).toEqual([true]);
    expect(applied(m, one, { payments: [{ type: 'cash', amount: 100 }, { type: 'card', amount: 0 }] })).toEqual([true]);
    expect(applied(m, one, { payments: [{ type: 'cash', amount: 99 }, { type: 'card', amount: 1 }] })).toEqual([false]);
    expect(applied(m, one, { payments: [] })).toEqual([false]);
    expect(applied(m, one, { payments: [{ type: 'cash', amount: 0 }] })).toEqual([false]);
  });

  it('cashierIds and storeIds: a check without one does not match', () => {
    expect(applied({ when: { cashierIds: ['ivanova'] } }, one, { cashierId: 'ivanova' })).toEqual([true]);
    expect(applied({ when: { cashierIds: ['ivanova'] } }, one, { cashierId: 'petrov' })).toEqual([false]);
    expect(applied({ when: { cashierIds: ['ivanova'] } }, one)).toEqual([false]);
    expect(applied({ when: { storeIds: ['shop-1'] } }, one, { storeId: 'shop-1' })).toEqual([true]);
    expect(applied({ when: { storeIds: ['shop-1'] } }, one, { storeId: 'shop-2' })).toEqual([false]);
    expect(applied({ when: { storeIds: ['shop-1'] } }, one)).toEqual([false]);
  });

  it('levels: the customer’s level; an anonymous check has none', () => {
    expect(applied({ when: { levels: ['base'] } }, one, {}, 'base')).toEqual([true]);
    expect(applied({ when: { levels: ['gold'] } }, one, {}, 'base')).toEqual([false]);
    expect(applied({ when: { levels: ['base'] } }, one, {}, null)).toEqual([false]);
  });

  it('all present conditions must hold', () => {
    const m = { when: { groupIds: ['coffee'], hours: { from: 9, to: 12 }, cashierIds: ['ivanova'] } };
    const lines = [{ amount: 1, groupId: 'coffee' }, { amount: 1, groupId: 'tea' }];
    expect(applied(m, lines, { ...at('10:00'), cashierId: 'ivanova' })).toEqual([true, false]);
    expect(applied(m, lines, { ...at('13:00'), cashierId: 'ivanova' })).toEqual([false, false]);
    expect(applied(m, lines, { ...at('10:00'), cashierId: 'petrov' })).toEqual([false, false]);
  });
});

describe('modifier effects', () => {
  it('without modifiers: the level’s terms', () => {
    expect(terms([], one)).toEqual([{ accrualBp: null, multiplierMilli: 1000, maxRedeemBp: 3000, activationDays: null, lifetimeDays: null }]);
  });

  it('accrualPercent and maxRedeemPercent replace the level’s; the last matching modifier wins', () => {
    const t = terms(
      [
        { when: {}, accrualPercent: 5, maxRedeemPercent: 40 },
        { when: { groupIds: ['services'] }, accrualPercent: 12.5 },
        { when: { groupIds: ['services'] }, maxRedeemPercent: 0 },
        { when: { groupIds: ['nothing'] }, accrualPercent: 99, maxRedeemPercent: 99 },
      ],
      [{ amount: 1 }, { amount: 1, groupId: 'services' }],
    );
    expect(t).toEqual([
      { accrualBp: 500, multiplierMilli: 1000, maxRedeemBp: 4000, activationDays: null, lifetimeDays: null },
      { accrualBp: 1250, multiplierMilli: 1000, maxRedeemBp: 0, activationDays: null, lifetimeDays: null },
    ]);
  });

  it('multipliers stack: ×2 and ×1.5 make ×3; each step keeps whole thousandths; at most ×100', () => {
    expect(terms([{ when: {}, accrualMultiplier: 2 }, { when: {}, accrualMultiplier: 1.5 }], one)[0]!.multiplierMilli).toBe(3000);
    expect(terms([{ when: {}, accrualMultiplier: 1.001 }, { when: {}, accrualMultiplier: 1.001 }], one)[0]!.multiplierMilli).toBe(1002);
    expect(terms([{ when: {}, accrualMultiplier: 0.5 }, { when: {}, accrualMultiplier: 3 }], one)[0]!.multiplierMilli).toBe(1500);
    const many = Array.from({ length: 200 }, () => ({ when: {}, accrualMultiplier: 100 }));
    expect(terms(many, one)[0]!.multiplierMilli).toBe(MAX_MULTIPLIER_MILLI);
  });
});

describe('exclusions', () => {
  it('by product or by group', () => {
    const p = withMods();
    const lines = check([{ amount: 1, productId: 'tobacco-1' }, { amount: 1, groupId: 'alcohol' }, { amount: 1, productId: 'sku', groupId: 'coffee' }, { amount: 1 }]).lines;
    expect(lines.map((l) => isExcluded(p, l))).toEqual([true, true, false, false]);
  });
});
