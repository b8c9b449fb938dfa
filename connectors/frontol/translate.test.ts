import { describe, expect, it } from 'vitest';
import { calculateSchema } from './protocol.ts';
import { checkAnswer, dec, qty, rub, toCheck } from './translate.ts';

// Decimal roubles and quantities as a JScript author writes them → integers, and back.

const moscow = () => 180;

describe('Frontol decimals', () => {
  it('converts exactly', () => {
    expect(rub('0.1', 'x') + rub('0.2', 'x')).toBe(30);
    expect(rub(0.1, 'x') + rub(0.2, 'x')).toBe(30);
    expect(rub('1234.5', 'x')).toBe(123450);
    expect(rub('1234,50', 'x')).toBe(123450);
    expect(qty('12.345', 'q')).toBe(12345);
    expect(qty(1, 'q')).toBe(1000);
    expect(() => rub('1.005', 'positions.0.price')).toThrow('Поле «positions.0.price»: больше 2 знаков после запятой ("1.005")');
    expect(() => qty('0.0001', 'q')).toThrow(/больше 3 знаков/);
    expect(() => rub('12 р.', 'x')).toThrow(/не десятичное число/);
    expect(dec(5)).toBe('0.05');
    expect(dec(123450)).toBe('1234.50');
  });

  it('builds the check and answers with strings of two decimals', () => {
    const req = calculateSchema.parse({
      phone: '8 916 123-45-67',
      dateTime: '2026-11-22 12:00:00',
      positions: [
        { code: 'a', quantity: '0.345', price: '1234.50' },
        { n: 7, code: 'b', quantity: 3, price: '0.10', sum: '0.30' },
      ],
      bonusPayment: '0,5',
    });
    const check = toCheck(req, moscow, 0);
    expect(check).toMatchObject({
      occurredAt: '2026-11-22T12:00:00.000+03:00',
      customer: { phone: '+79161234567' },
      redeem: 50,
      lines: [
        { lineNo: 1, productId: 'a', quantity: 345, price: 123450, amount: 42590 },
        { lineNo: 2, productId: 'b', quantity: 3000, price: 10, amount: 30 },
      ],
    });
    const a = checkAnswer(check, req, {
      externalId: 'x',
      status: 'calculated',
      customer: null,
      totals: { amount: 42620, discount: 0, redeemed: 50, toPay: 42570, accrued: 4200, maxRedeem: 21310 },
      lines: [
        { lineNo: 1, discount: 0, redeemed: 49, accrued: 4200 },
        { lineNo: 2, discount: 0, redeemed: 1, accrued: 0 },
      ],
      messages: [],
    });
    expect(a.positions).toEqual([
      { n: 1, discount: '0.00', discountedSum: '425.90', discountedPrice: '1234.49', bonusPayment: '0.49', sum: '425.41', price: '1233.07', accrued: '42.00' },
      { n: 7, discount: '0.00', discountedSum: '0.30', discountedPrice: '0.10', bonusPayment: '0.01', sum: '0.29', price: '0.10', accrued: '0.00' },
    ]);
    expect(a.total).toEqual({ sum: '426.20', discount: '0.00', bonusPayment: '0.50', toPay: '425.70', accrued: '42.00' });
  });
});
