import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPayments } from '../check.ts';
import { KopilkaError } from '../errors.ts';
import { evaluateCheck } from './evaluate.ts';
import { tillPayment } from './till-priced.ts';
import { check, customer, oneLevel, sum, thrown } from './testkit.ts';

// A check the till closed is recorded as the till priced it: no program discount, the bonus
// payment clamped to the balance (never refused), the rest a shortfall, accrual on the money paid.

// 10% accrual, a 5% discount and a 20% redeem cap the till-priced rule must not apply.
const p = oneLevel({ discount: { type: 'percent', percent: 5 }, maxRedeemPercent: 20 }, { rounding: 'none' });
const till = { pricedBy: 'till' as const };

describe('till-priced checks: properties', () => {
  const arbCase = fc
    .record({
      amounts: fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 8 }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
      available: fc.integer({ min: -10_000, max: 10_000_000 }),
      anonymous: fc.boolean(),
    })
    .filter((c) => sum(c.amounts) > 0);

  it('payment ≤ what is spendable, payment + shortfall = reported, no discount, accrual on what was paid', () => {
    fc.assert(
      fc.property(arbCase, ({ amounts, share, available, anonymous }) => {
        const amount = sum(amounts);
        const reported = Math.floor(amount * share);
        const c = check(
          amounts.map((a) => ({ amount: a })),
          { ...till, redeem: reported, ...(anonymous ? { customer: null } : {}) },
        );
        const e = evaluateCheck(p, c, anonymous ? null : customer({ available }));
        const spendable = anonymous ? 0 : Math.max(0, available);
        const shortfall = e.totals.shortfall!;

        expect(e.totals.redeemed).toBeLessThanOrEqual(spendable);
        expect(e.totals.redeemed).toBe(Math.min(reported, spendable));
        expect(e.totals.redeemed + shortfall).toBe(reported);
        expect(e.totals.discount).toBe(0);
        expect(e.lines.every((l) => l.discount === 0)).toBe(true);
        expect(e.totals.toPay).toBe(amount - reported);
        expect(e.purchaseAmount).toBe(amount);
        // Lines add up, and no line is paid with bonuses beyond its amount.
        expect(sum(e.lines.map((l) => l.redeemed))).toBe(e.totals.redeemed);
        e.lines.forEach((l, i) => expect(l.redeemed).toBeLessThanOrEqual(amounts[i]!));
        // 10% of the money paid (amount less the bonus payment as reported), exact sum floored.
        expect(e.totals.accrued).toBe(anonymous ? 0 : Math.floor((amount - reported) / 10));
        expect(sum(e.lines.map((l) => l.accrued))).toBe(e.totals.accrued);
      }),
    );
  });

  it('the payment split: reported parts within the lines, covered parts within the reported ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 10 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -5, max: 20_000_000 }), (amounts, share, spendable) => {
        fc.pre(sum(amounts) > 0);
        const reported = Math.floor(sum(amounts) * share);
        const s = tillPayment(amounts, reported, spendable);
        expect(sum(s.reported)).toBe(reported);
        expect(sum(s.redeemed) + s.shortfall).toBe(reported);
        expect(s.shortfall).toBe(reported - Math.max(0, Math.min(reported, spendable)));
        s.reported.forEach((r, i) => expect(r).toBeLessThanOrEqual(amounts[i]!));
        s.redeemed.forEach((r, i) => expect(r).toBeLessThanOrEqual(s.reported[i]!));
      }),
    );
  });
});

describe('till-priced checks: cases', () => {
  it('a payment beyond the program cap and within the balance is taken as reported', () => {
    const e = evaluateCheck(p, check([{ amount: 10_000 }], { ...till, redeem: 9_000 }), customer({ available: 50_000 }));
    expect(e.totals).toEqual({ amount: 10_000, discount: 0, redeemed: 9_000, toPay: 1_000, accrued: 100, maxRedeem: 50_000, shortfall: 0 });
    expect(e.messages).toEqual(['Списано 90 бонусов', 'Начислено 1 бонус']);
  });

  it('more than the balance: the balance is spent, the rest is the shortfall, accrual still on the money paid', () => {
    const e = evaluateCheck(p, check([{ amount: 6_000 }, { amount: 4_000 }], { ...till, redeem: 5_000 }), customer({ available: 2_000 }));
    expect(e.totals).toMatchObject({ redeemed: 2_000, shortfall: 3_000, toPay: 5_000, accrued: 500 });
    expect(e.lines.map((l) => l.redeemed)).toEqual([1_200, 800]);
    expect(e.messages).toContain('Не хватило 30 бонусов для оплаты, принятой кассой: чек передан на разбор');
  });

  it('without a customer the whole payment is the shortfall', () => {
    const e = evaluateCheck(p, check([{ amount: 10_000 }], { ...till, redeem: 3_000, customer: null }), null);
    expect(e.totals).toEqual({ amount: 10_000, discount: 0, redeemed: 0, toPay: 7_000, accrued: 0, maxRedeem: 0, shortfall: 3_000 });
  });

  it('excluded lines earn nothing, as on any check', () => {
    const q = oneLevel({}, { rounding: 'none', exclusions: { productIds: ['tobacco'], groupIds: [] } });
    const e = evaluateCheck(q, check([{ amount: 10_000, productId: 'tobacco' }, { amount: 10_000 }], { ...till, redeem: 2_000 }), customer({ available: 2_000 }));
    expect(e.lines.map((l) => [l.redeemed, l.accrued])).toEqual([
      [1_000, 0],
      [1_000, 900],
    ]);
  });

  it('redeem "max" and a payment beyond the check are not a closed check: INVALID_INPUT', () => {
    const max = thrown(() => evaluateCheck(p, check([{ amount: 10_000 }], { ...till, redeem: 'max' }), customer({ available: 1 })));
    expect((max as KopilkaError).code).toBe('INVALID_INPUT');
    const over = thrown(() => evaluateCheck(p, check([{ amount: 10_000 }], { ...till, redeem: 10_001 }), customer({ available: 20_000 })));
    expect((over as KopilkaError).details).toMatchObject({ field: 'redeem', redeem: 10_001, amount: 10_000 });
  });

  it('a check priced by Kopilka keeps today’s rules, with or without the explicit flag', () => {
    const c = check([{ amount: 10_000 }], { redeem: 1_000 });
    const e = evaluateCheck(p, c, customer({ available: 5_000 }));
    expect(e.totals).toEqual({ amount: 10_000, discount: 500, redeemed: 1_000, toPay: 8_500, accrued: 850, maxRedeem: 1_900 });
    expect(evaluateCheck(p, check([{ amount: 10_000 }], { redeem: 1_000, pricedBy: 'kopilka' }), customer({ available: 5_000 }))).toEqual(e);
    expect((thrown(() => evaluateCheck(p, check([{ amount: 10_000 }], { redeem: 3_000 }), customer({ available: 5_000 }))) as KopilkaError).code).toBe('REDEEM_EXCEEDS_LIMIT');
  });
});

describe('checkPayments', () => {
  const lines = [{ lineNo: 1, productId: 'a', quantity: 1000, price: 10_000, amount: 10_000 }];
  const totals = { amount: 10_000, toPay: 10_000 };
  it('a till-priced check’s payments are recorded as reported, on any channel', () => {
    expect(() => checkPayments({ lines, payments: [{ type: 'cash', amount: 1 }], pricedBy: 'till' }, totals, 'api')).not.toThrow();
  });
  it('others are checked, on any channel (no channel is special any more)', () => {
    for (const channel of ['api', 'moysklad']) {
      expect(() => checkPayments({ lines, payments: [{ type: 'cash', amount: 1 }] }, totals, channel)).toThrow(KopilkaError);
    }
  });
});
