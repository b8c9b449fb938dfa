import { KopilkaError } from '../../ledger/errors.ts';

// Cash systems write times in many ways: "2017-01-10T09:33:19.757+0000" (UTC with an offset
// beside it), "2026-11-22 12:00:00" (the till's wall clock, no zone). The Check wants ISO 8601 at
// the till's own offset: hour-of-day rules read it.

/** Local UTC offset (minutes) of the tenant's time zone at an instant. */
export type ZoneOffset = (utcMs: number) => number;

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
