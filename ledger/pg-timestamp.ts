import pg from 'pg';
import { digitsAt } from './positional-digits.ts';

// A timestamptz as Postgres writes it, read without regular expressions. pg's own reader
// (postgres-date) runs three of them per value and allocates their match arrays; the writer reads
// each batch's customers and open lots, a dozen-odd timestamps a check, and that was the largest
// single source of what a commit allocated while reading (issue #17). Only the form Postgres
// sends with DateStyle ISO is read here; anything else goes to pg's reader, so the result is
// always what pg would have made.

export const TIMESTAMPTZ_OID = 1184;

type Parsed = Date | number | null;
const pgReader = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Parsed;

/** Powers of ten for a fraction of 1 to 6 digits. */
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/**
 * `2024-03-01 04:30:00.5+00`, `1850-01-01 00:00:00+02:30:17`: a four-digit year from 1000, an
 * optional fraction of up to six digits, an offset of hours with optional minutes and seconds.
 * Infinity, BC, other years and other DateStyles go to pg's reader.
 */
export function parseTimestamptz(s: string): Parsed {
  const n = s.length;
  if (n < 22 || s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x20 || s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a) return pgReader(s);
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  if (year < 1000 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return pgReader(s);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 0x2e) {
    const from = ++i;
    let fraction = 0;
    while (i < n && i - from < 7) {
      const d = s.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      fraction = fraction * 10 + d;
      i++;
    }
    const count = i - from;
    if (count === 0 || count > 6) return pgReader(s);
    // As pg's reader: 1000 × the fraction's value, which Date.UTC truncates. A quotient of two
    // exact integers is the double nearest the decimal, as parseFloat of its text is.
    ms = (fraction / POW10[count]!) * 1000;
  }
  const offset = offsetMs(s, i);
  if (offset === null) return pgReader(s);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset);
}

/** `+HH`, `+HH:MM` or `+HH:MM:SS` (or `-`) from `i` to the end of `s`, in ms; null for anything else. */
function offsetMs(s: string, i: number): number | null {
  const sign = s.charCodeAt(i);
  if (sign !== 0x2b && sign !== 0x2d) return null;
  const left = s.length - i - 1;
  if (left !== 2 && left !== 5 && left !== 8) return null;
  const h = digitsAt(s, i + 1, 2);
  const m = left > 2 && s.charCodeAt(i + 3) === 0x3a ? digitsAt(s, i + 4, 2) : left > 2 ? -1 : 0;
  const sec = left > 5 && s.charCodeAt(i + 6) === 0x3a ? digitsAt(s, i + 7, 2) : left > 5 ? -1 : 0;
  if (h < 0 || m < 0 || sec < 0) return null;
  const ms = (h * 3600 + m * 60 + sec) * 1000;
  return sign === 0x2d ? -ms : ms;
}

/** pg's type readers with timestamptz's text read here: for a pool's `types`. */
export const LEDGER_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if (oid === TIMESTAMPTZ_OID && format !== 'binary') return parseTimestamptz;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};
