import { describe, expect, it } from 'vitest';
import { bonusText, localMidnight, quietUntil, render, templateSchema } from './templates.ts';

// The pure rules of automatic messages: placeholders, quiet hours across midnight, the local day.

const MSK = 180; // Europe/Moscow, minutes east of UTC
const at = (iso: string) => Date.parse(iso);

describe('templates and quiet hours', () => {
  it('fills placeholders and drops the punctuation an empty name leaves', () => {
    expect(render('{name}, начислено {points}. Баланс {balance} на {date}', { name: 'Анна', points: 50, balance: 120, date: '23.11.2026' })).toBe('Анна, начислено 50. Баланс 120 на 23.11.2026');
    expect(render('{name}, ваш уровень «{level}»', { name: null, level: 'Золото' })).toBe('ваш уровень «Золото»');
    expect(templateSchema.safeParse({ body: 'Привет {bonus}' }).success).toBe(false);
    expect(templateSchema.safeParse({ body: 'Привет {name}' }).success).toBe(true);
  });

  it('puts «бонусов» after a number in the form the number asks for, in the defaults and an owner\'s copy', () => {
    const said = (points: string) => render('Начислено {points} бонусов. Баланс: {balance}.', { points, balance: '1 021' });
    expect(['22', '1', '1,5', '11', '105', '21', '0,07'].map(said)).toEqual([
      'Начислено 22 бонуса. Баланс: 1 021.', 'Начислено 1 бонус. Баланс: 1 021.', 'Начислено 1,5 бонуса. Баланс: 1 021.', 'Начислено 11 бонусов. Баланс: 1 021.',
      'Начислено 105 бонусов. Баланс: 1 021.', 'Начислено 21 бонус. Баланс: 1 021.', 'Начислено 0,07 бонуса. Баланс: 1 021.',
    ]);
    expect(render('{name}, {points} бонусов сгорят {date}.', { name: 'Анна', points: '2', date: '01.12.2026' })).toBe('Анна, 2 бонуса сгорят 01.12.2026.');
  });

  it('says bonuses, not the hundredths the ledger counts', () => {
    expect([bonusText(5500), bonusText(5550), bonusText(5505), bonusText(7), bonusText(0), bonusText(-250)]).toEqual(['55', '55,5', '55,05', '0,07', '0', '-2,5']);
  });

  it('quiet hours 21:00–09:00 in the tenant zone hold a message until 09:00 local, across midnight', () => {
    const quiet = { from: '21:00', to: '09:00' };
    // 22:30 МСК = 19:30Z → next morning 09:00 МСК = 06:00Z
    expect(quietUntil(at('2026-11-23T19:30:00Z'), MSK, quiet)?.toISOString()).toBe('2026-11-24T06:00:00.000Z');
    // 07:00 МСК = 04:00Z → same morning 09:00 МСК
    expect(quietUntil(at('2026-11-24T04:00:00Z'), MSK, quiet)?.toISOString()).toBe('2026-11-24T06:00:00.000Z');
    // 12:00 МСК: not quiet
    expect(quietUntil(at('2026-11-24T09:00:00Z'), MSK, quiet)).toBeNull();
    // a daytime window 13:00–14:00
    expect(quietUntil(at('2026-11-24T10:30:00Z'), MSK, { from: '13:00', to: '14:00' })?.toISOString()).toBe('2026-11-24T11:00:00.000Z');
    expect(quietUntil(at('2026-11-24T10:30:00Z'), MSK, null)).toBeNull();
  });

  it('the daily cap counts from local midnight', () => {
    expect(localMidnight(at('2026-11-23T22:30:00Z'), MSK).toISOString()).toBe('2026-11-23T21:00:00.000Z');
    expect(localMidnight(at('2026-11-23T20:30:00Z'), MSK).toISOString()).toBe('2026-11-22T21:00:00.000Z');
  });
});
