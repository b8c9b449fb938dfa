import { LRUCache } from 'lru-cache';
import { KopilkaError } from './errors.ts';

// Every conversion between instants and wall clocks, in one place: a program's zone (IANA name)
// gives local dates and midnights for expiry, gifts and hour rules; a tenant's zone as an offset
// function reads the wall-clock times tills write; billing months are read in the operator's zone.
//
// Cash systems write times in many ways: "2017-01-10T09:33:19.757+0000" (UTC with an offset
// beside it), "2026-11-22 12:00:00" (the till's wall clock, no zone). The Check wants ISO 8601 at
// the till's own offset: hour-of-day rules read it.

/** Local UTC offset (minutes) of the tenant's time zone at an instant. */
export type ZoneOffset = (utcMs: number) => number;

/** A zone as an offset function: what localIso needs to read a till's wall clock. */
export function zoneOffset(timeZone: string): ZoneOffset {
  return (at: number) => zoneOffsetMinutes(at, timeZone);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

function offsetMinutes(text: string): number {
  if (text === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * A written time → ISO 8601 with the till's offset. A time with an offset keeps it unless
 * `offsetMs` (the till's offset, e.g. Evotor's time_zone_offset) says otherwise; a time without
 * one is the till's wall clock, read in the tenant's zone.
 */
export function localIso(text: string, field: string, zone: ZoneOffset, offsetMs?: number | null): string {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) throw new KopilkaError('INVALID_INPUT', `Поле «${field}»: время «${text}» не в формате ГГГГ-ММ-ДД ЧЧ:ММ:СС (ISO 8601)`, { field });
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(wall);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new KopilkaError('INVALID_INPUT', `Поле «${field}»: несуществующая дата или время «${text}»`, { field });
  }
  const written = m[8] === undefined ? null : offsetMinutes(m[8]);
  const utc = written !== null ? wall - written * 60_000 : wall - zone(wall - zone(wall) * 60_000) * 60_000;
  const off = offsetMs != null ? Math.round(offsetMs / 60_000) : (written ?? zone(utc));
  if (Math.abs(off) > 18 * 60) throw new KopilkaError('INVALID_INPUT', `Поле «${field}»: смещение ${off} мин вне допустимого`, { field });
  const local = new Date(utc + off * 60_000).toISOString().slice(0, 23);
  const a = Math.abs(off);
  return `${local}${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock by the zone's formatter: exact, but it makes a dozen objects per call. */
function formattedParts(at: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour!, minute: out.minute!, second: out.second! };
}

function formattedOffsetMs(at: number, timeZone: string): number {
  const p = formattedParts(at, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at / 1000) * 1000;
}

/**
 * Offsets change on a quarter hour of UTC at the finest, and never twice within one: when the zone
 * has the same offset at both ends of the quarter hour holding `at`, it has it throughout, and the
 * wall clock is plain arithmetic. Remembered per zone and quarter hour: every check of a batch asks
 * for its local day, and formatting each took a fortieth of the gateway's CPU per commit (issue #17).
 */
const QUARTER_MS = 15 * 60_000;
const quarterOffsets = new LRUCache<string, { offsetMs: number | null }>({ max: 10_000 });

function quarterOffsetMs(at: number, timeZone: string): number | null {
  const quarter = Math.floor(at / QUARTER_MS);
  const key = `${timeZone} ${quarter}`;
  let known = quarterOffsets.get(key);
  if (known === undefined) {
    const start = formattedOffsetMs(quarter * QUARTER_MS, timeZone);
    const end = formattedOffsetMs((quarter + 1) * QUARTER_MS - 1000, timeZone);
    quarterOffsets.set(key, (known = { offsetMs: start === end ? start : null }));
  }
  return known.offsetMs;
}

export function localParts(at: number, timeZone: string): LocalParts {
  const offsetMs = quarterOffsetMs(at, timeZone);
  if (offsetMs === null) return formattedParts(at, timeZone);
  const wall = new Date(Math.floor(at / 1000) * 1000 + offsetMs);
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), hour: wall.getUTCHours(), minute: wall.getUTCMinutes(), second: wall.getUTCSeconds() };
}

export function localDate(at: number, timeZone: string): { year: number; month: number; day: number } {
  const p = localParts(at, timeZone);
  return { year: p.year, month: p.month, day: p.day };
}

/** 'YYYY-MM-DD' of an instant in a zone. */
export function localIsoDate(at: number, timeZone: string): string {
  const d = localDate(at, timeZone);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

function zoneOffsetMs(at: number, timeZone: string): number {
  return quarterOffsetMs(at, timeZone) ?? formattedOffsetMs(at, timeZone);
}

/** The zone's offset from UTC at an instant, in minutes (Moscow: 180). */
export function zoneOffsetMinutes(at: number, timeZone: string): number {
  return Math.round(zoneOffsetMs(at, timeZone) / 60_000);
}

/** The instant of local midnight starting a calendar day in a zone. */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - zoneOffsetMs(guess, timeZone);
  // A second pass settles days on which the offset changes.
  return guess - zoneOffsetMs(first, timeZone);
}
