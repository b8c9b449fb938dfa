import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISO_WITH_OFFSET, isCalendarDate, isoTimeProblem } from './validation.ts';

// A check's time is read by position where it is laid out as ISO_WITH_OFFSET lays it out, else by
// the regular expression. The model here is the reading before that: the expression alone. Every
// text must get the same answer, the same reason included.
function byExpression(s: string): string | null {
  const m = ISO_WITH_OFFSET.exec(s);
  if (m === null) return 'время ISO 8601 со смещением, например 2026-11-22T12:00:00+03:00';
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  if (y! < 2000 || y! > 2999) return 'год вне 2000–2999';
  if (!isCalendarDate(y!, mo!, d!)) return 'несуществующая дата';
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
