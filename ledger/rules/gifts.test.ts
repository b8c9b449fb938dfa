import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../lots.ts';
import { birthdayDue, inactivityDue, registrationGifts } from './gifts.ts';
import { program } from './testkit.ts';

describe('registrationGifts', () => {
  const levels = [
    { code: 'a', name: 'A', threshold: 0, accrual: { type: 'percent' as const, percent: 5 }, welcomeBonus: { points: 20_000, ttlDays: 14 } },
    { code: 'b', name: 'B', threshold: 100_000, accrual: { type: 'percent' as const, percent: 5 }, welcomeBonus: { points: 50_000 } },
  ];
  it('the first level’s welcome bonus, the registration gift, the self-registration gift by source', () => {
    const p = program({ levels, gifts: { registration: { points: 10_000, ttlDays: 14 }, selfRegistration: { points: 5_000 } } });
    expect(registrationGifts(p, 'pos').map((g) => [g.kind, g.gift.points])).toEqual([['welcome', 20_000], ['registration', 10_000]]);
    expect(registrationGifts(p, null).map((g) => g.kind)).toEqual(['welcome', 'registration']);
    expect(registrationGifts(p, 'self').map((g) => [g.kind, g.gift.points])).toEqual([['welcome', 20_000], ['registration', 10_000], ['selfRegistration', 5_000]]);
    expect(registrationGifts(p, 'self:leaflet.store-shop-1').map((g) => g.kind)).toContain('selfRegistration'); // a link with a source
    expect(registrationGifts(p, 'selfish').map((g) => g.kind)).not.toContain('selfRegistration');
    expect(registrationGifts(p, 'self')[0]!.gift).toEqual({ points: 20_000, ttlDays: 14, activationDays: 0 });
  });
  it('none configured: none', () => {
    expect(registrationGifts(program(), 'self')).toEqual([]);
  });
});

describe('birthdayDue', () => {
  it('due exactly daysBefore ahead of the birthday', () => {
    expect(birthdayDue('1990-12-03', '2026-11-30', 3)).toBe('2026-12-03');
    expect(birthdayDue('1990-12-03', '2026-11-29', 3)).toBeNull();
    expect(birthdayDue('1990-12-03', '2026-12-01', 3)).toBeNull();
    expect(birthdayDue('1990-12-03', '2026-12-03', 0)).toBe('2026-12-03');
  });
  it('wraps the year when daysBefore reaches back past 1 January', () => {
    expect(birthdayDue('1990-01-02', '2026-12-30', 3)).toBe('2027-01-02');
    expect(birthdayDue('1990-01-01', '2026-12-01', 31)).toBe('2027-01-01');
  });
  it('29 February: on 28 February in common years, on the 29th in leap years', () => {
    expect(birthdayDue('2000-02-29', '2027-02-28', 0)).toBe('2027-02-28');
    expect(birthdayDue('2000-02-29', '2027-02-25', 3)).toBe('2027-02-28');
    expect(birthdayDue('2000-02-29', '2028-02-28', 0)).toBeNull();
    expect(birthdayDue('2000-02-29', '2028-02-29', 0)).toBe('2028-02-29');
    expect(birthdayDue('2000-02-29', '2028-02-26', 3)).toBe('2028-02-29');
  });
  it('exactly one due day per year for any birthday and lead time', () => {
    for (const birth of ['1990-01-01', '1985-02-28', '2000-02-29', '1970-03-01', '1999-12-31']) {
      for (const before of [0, 3, 60]) {
        for (const year of [2027, 2028]) {
          let due = 0;
          for (let t = Date.UTC(year - 1, 9, 1); t < Date.UTC(year, 9, 1); t += DAY_MS) {
            if (birthdayDue(birth, new Date(t).toISOString().slice(0, 10), before) !== null) due++;
          }
          expect([birth, before, year, due]).toEqual([birth, before, year, 1]);
        }
      }
    }
  });
});

describe('inactivityDue', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it('days since the last purchase, or since registration for a customer who never bought', () => {
    expect(inactivityDue(now - 66 * DAY_MS, 0, now, 66)).toBe(true);
    expect(inactivityDue(now - 66 * DAY_MS + 1, 0, now, 66)).toBe(false);
    expect(inactivityDue(null, now - 66 * DAY_MS, now, 66)).toBe(true);
    expect(inactivityDue(null, now - DAY_MS, now, 66)).toBe(false);
  });
});
