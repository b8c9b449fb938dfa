import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bonuses } from '../web/src/format.ts';
import { formatBonuses } from './errors.ts';

// What a receipt says: the number and «бонус» in the form Russian gives it, in the two cases the
// messages need — «Начислено 22 бонуса», «Не хватило 22 бонусов».

describe('bonuses in words', () => {
  it('take the form the number asks for', () => {
    const said = (points: number, genitive = false) => formatBonuses(points * 100, { genitive });
    expect([1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 112, 122, 0].map((n) => said(n))).toEqual([
      '1 бонус', '2 бонуса', '4 бонуса', '5 бонусов', '11 бонусов', '12 бонусов', '14 бонусов', '21 бонус', '22 бонуса', '25 бонусов',
      '101 бонус', '111 бонусов', '112 бонусов', '122 бонуса', '0 бонусов',
    ]);
    expect([1, 2, 5, 11, 21, 22].map((n) => said(n, true))).toEqual(['1 бонуса', '2 бонусов', '5 бонусов', '11 бонусов', '21 бонуса', '22 бонусов']);
    // A fraction takes «бонуса» in both: «1,5 бонуса», «не хватило 0,5 бонуса».
    expect([formatBonuses(150), formatBonuses(50, { genitive: true }), formatBonuses(2555)]).toEqual(['1,5 бонуса', '0,5 бонуса', '25,55 бонуса']);
  });

  it('read the same on the owner\'s pages as on receipts', () => {
    // The pages group thousands (Intl's spaces); receipts do not.
    const ungrouped = (s: string) => s.replace(/(\d)\s(?=\d)/g, '$1');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (h) => {
        expect(ungrouped(bonuses(h))).toBe(formatBonuses(h));
      }),
    );
  });
});
