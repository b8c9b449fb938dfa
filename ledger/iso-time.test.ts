import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mostLineAmount, withTimes, type Check } from './check.ts';
import { ISO_WITH_OFFSET, isCalendarDate, isoTimeProblem } from './validation.ts';

/** The calendar check as it was, through a Date: the model for the Gregorian rule. */
function calendarByDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year);
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

// A check's time is read by position where it is laid out as ISO_WITH_OFFSET lays it out, else by
// the regular expression. The model here is the reading before that: the expression alone. Every
// text must get the same answer, the same reason included.
function byExpression(s: string): string | null {
  const m = ISO_WITH_OFFSET.exec(s);
  if (m === null) return 'время ISO 8601 со смещением, например 2026-11-22T12:00:00+03:00';
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  if (y! < 2000 || y! > 2999) return 'год вне 2000–2999';
  if (!calendarByDate(y!, mo!, d!)) return 'несуществующая дата';
  if (h! > 23 || mi! > 59 || sec! > 59) return 'несуществующее время: часы 00–23, минуты и секунды 00–59';
  const off = /^[+-](\d{2}):?(\d{2})$/.exec(m[7]!);
  if (off !== null && (Number(off[1]) > 18 || Number(off[2]) > 59)) return 'смещение вне −18:00…+18:00';
  if (Number.isNaN(Date.parse(s))) return 'несуществующая дата';
  return null;
}

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
/** Times laid out as tills send them, with every part sometimes out of range or spoiled. */
const nearIso = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1990, max: 3010 }).map(String), fc.constantFrom('999', '20x6', '02026')),
    two(13),
    two(32),
    fc.constantFrom('T', 't', ' '),
    two(25),
    two(61),
    fc.oneof(fc.constant(''), two(61).map((s) => `:${s}`), fc.constantFrom(':5', ':')),
    fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{0,11}$/), fc.constantFrom('.', '.5a')),
    fc.oneof(fc.constantFrom('Z', 'z', '', 'ZZ', '+03', '+3:00', '+03:0', '+03:000'), fc.tuple(fc.constantFrom('+', '-'), two(20), fc.constantFrom(':', ''), two(61)).map((p) => p.join(''))),
  )
  .map(([y, mo, d, t, h, mi, sec, frac, zone]) => `${y}-${mo}-${d}${t}${h}:${mi}${sec}${frac}${zone}`);

describe('a check time read by position', () => {
  it('answers as the regular expression did, reason included', () => {
    fc.assert(
      fc.property(fc.oneof(nearIso, fc.string()), (s) => {
        expect(isoTimeProblem(s)).toBe(byExpression(s));
      }),
      { numRuns: 30_000 },
    );
    for (const s of ['2026-11-24T10:00:00+03:00', '2026-11-24T10:00+0300', '2026-11-24T10:00:00.123456789Z', '2024-02-29T23:59:59-12:00', '2026-02-29T10:00:00Z', '2026-11-24T10:00:00.1234567890Z']) {
      expect(isoTimeProblem(s), s).toBe(byExpression(s));
    }
    expect(isoTimeProblem('2026-11-24T10:00:00+03:00')).toBeNull();
  });
});

describe('a calendar date by the Gregorian rule', () => {
  it('is a date exactly when a Date says so', () => {
    fc.assert(
      fc.property(fc.integer({ min: -270_000, max: 270_000 }), fc.integer({ min: -1, max: 14 }), fc.integer({ min: -1, max: 33 }), (y, mo, d) => {
        expect(isCalendarDate(y, mo, d)).toBe(calendarByDate(y, mo, d));
      }),
      { numRuns: 30_000 },
    );
    for (const [y, ok] of [[2000, true], [1900, false], [2024, true], [2100, false], [2400, true], [0, true], [-4, true], [-100, false]] as const) {
      expect(isCalendarDate(y, 2, 29), String(y)).toBe(ok);
    }
    expect(isCalendarDate(2026, 2.5, 1)).toBe(false);
    expect(isCalendarDate(2026, 4, 31)).toBe(false);
    expect(isCalendarDate(Number.NaN, 1, 1)).toBe(false);
  });
});

describe("a check's times read by position", () => {
  // The reading before: the expression's captures and a Date for the weekday.
  function byCaptures(s: string) {
    const m = ISO_WITH_OFFSET.exec(s)!;
    const utcDay = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
    return { at: Date.parse(s), localMinuteOfDay: Number(m[4]) * 60 + Number(m[5]), localWeekday: utcDay === 0 ? 7 : utcDay, localDay: `${m[1]}-${m[2]}-${m[3]}` };
  }
  const validTime = fc
    .tuple(
      fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2999, 11, 31) }),
      fc.constantFrom('Z', '+03:00', '-0330', '+1245', '-12:00', '+00:00'),
      fc.constantFrom('', ':07', ':59.5', ':00.123456789'),
    )
    .map(([ms, zone, sec]) => `${new Date(ms).toISOString().slice(0, 16)}${sec}${zone}`)
    .filter((s) => isoTimeProblem(s) === null);
  it('gives the same day, weekday, minute and moment as the expression', () => {
    fc.assert(
      fc.property(validTime, (s) => {
        const t = withTimes({ occurredAt: s } as Check);
        expect({ at: t.at, localMinuteOfDay: t.localMinuteOfDay, localWeekday: t.localWeekday, localDay: t.localDay }).toEqual(byCaptures(s));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('the most a line may cost', () => {
  const byBigInt = (price: number, quantity: number) => Number((BigInt(price) * BigInt(quantity) + 999n) / 1000n) + Math.max(1, Math.ceil(quantity / 1000));
  it('is what exact integers give, small and past 2^53', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_000 }), fc.integer({ min: 1, max: 1_000_000_000 }), (price, quantity) => {
        expect(mostLineAmount(price, quantity)).toBe(byBigInt(price, quantity));
      }),
      { numRuns: 30_000 },
    );
    const edge = Math.floor(Number.MAX_SAFE_INTEGER / 1000);
    for (const [p, q] of [[edge, 1000], [edge + 1, 1000], [9_007_199_254, 999_999], [100_000_000_000, 1_000_000_000], [0, 1], [57_500, 1_500]]) {
      expect(mostLineAmount(p!, q!), `${p} × ${q}`).toBe(byBigInt(p!, q!));
    }
  });
});
