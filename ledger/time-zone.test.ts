import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localParts, zoneOffsetMinutes } from './time-zone.ts';

// localParts reads a zone's wall clock by arithmetic wherever one offset holds for the quarter
// hour, and asks Intl only on quarter hours where the offset changes. Checked against Intl itself,
// at random instants and at every second around real transitions: summer time, half-hour and
// 45-minute zones, Moscow's changes of 2011 and 2014, and local mean time before 1920.

const ZONES = [
  'Europe/Moscow',
  'Asia/Yekaterinburg',
  'Europe/Kaliningrad',
  'Asia/Kamchatka',
  'Europe/London',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Pacific/Chatham',
  'UTC',
];

function intlParts(at: number, timeZone: string) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const o: Record<string, number> = {};
  for (const p of f.formatToParts(at)) if (p.type !== 'literal') o[p.type] = Number(p.value);
  return { year: o.year, month: o.month, day: o.day, hour: o.hour, minute: o.minute, second: o.second };
}

const intlOffsetMinutes = (at: number, tz: string) => {
  const p = intlParts(at, tz);
  return Math.round((Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(at / 1000) * 1000) / 60_000);
};

describe('local wall clock of a zone', () => {
  it('is what Intl says, at random instants from 1900 to 2100', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.constantFrom(...ZONES), (at, tz) => {
        expect(localParts(at, tz)).toEqual(intlParts(at, tz));
        expect(zoneOffsetMinutes(at, tz)).toBe(intlOffsetMinutes(at, tz));
      }),
      { numRuns: 5000 },
    );
  });

  it('is what Intl says around transitions, second by second', () => {
    const transitions: [string, string][] = [
      ['Europe/Moscow', '2011-03-26T23:00:00Z'],
      ['Europe/Moscow', '2014-10-25T22:00:00Z'],
      ['Europe/London', '2026-03-29T01:00:00Z'],
      ['Europe/London', '2026-10-25T01:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['Pacific/Chatham', '2026-04-04T14:00:00Z'],
      ['Europe/Moscow', '1919-07-01T00:00:00Z'],
    ];
    for (const [tz, iso] of transitions) {
      const t = Date.parse(iso);
      for (let at = t - 20 * 60_000; at <= t + 20 * 60_000; at += 1000) {
        expect(localParts(at, tz)).toEqual(intlParts(at, tz));
        expect(zoneOffsetMinutes(at, tz)).toBe(intlOffsetMinutes(at, tz));
      }
    }
  });
});
