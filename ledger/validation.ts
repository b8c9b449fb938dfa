import { z } from 'zod';
import { digitsAt } from './positional-digits.ts';
import { KopilkaError } from './errors.ts';

/**
 * Validates input once, at the boundary. The first failing field is named in `details.field`
 * (dotted path, as the integrator wrote it) so a 400 says exactly what to fix.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
  const first = issues[0]!;
  throw new KopilkaError('INVALID_INPUT', `Неверные данные (${what}): поле «${first.field}» — ${first.message}`, {
    field: first.field,
    issues,
  });
}

// ── text that Postgres and idempotency can hold ──────────────────────────────────────────────
//
// Postgres refuses NUL in text (the whole batch of the writer fails with it) and stores a lone
// UTF-16 surrogate as U+FFFD, so a replay of the same id no longer matches what was stored. Ids
// also must not carry control characters: they are printed on receipts and compared byte for byte.
// Free text (names, addresses, comments) may keep tabs and line breaks, nothing else invisible.

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// The same, except tab, LF and CR.
const CONTROL_IN_FREE_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Why a string cannot be stored as it is, or null when it can. */
export function unsafeTextReason(s: string, o: { freeText?: boolean } = {}): string | null {
  if (s.includes('\u0000')) return 'содержит символ NUL (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'содержит одиночный суррогат UTF-16 (испорченный символ)';
  if ((o.freeText ? CONTROL_IN_FREE_TEXT : CONTROL).test(s)) {
    return o.freeText ? 'содержит управляющий символ (допустимы только табуляция и перевод строки)' : 'содержит управляющий символ';
  }
  return null;
}

function refineText<T extends z.ZodType<string>>(schema: T, freeText: boolean): T {
  return schema.superRefine((s, ctx) => {
    const why = unsafeTextReason(s, { freeText });
    if (why !== null) ctx.addIssue({ code: 'custom', message: why });
  }) as unknown as T;
}

/** An identifier (external id, product, store, card, code): 1..max characters, no control characters. */
export const idText = (max = 128) => refineText(z.string().trim().min(1).max(max), false);

/** A short single-line text (a name, a type): no control characters. */
export const lineText = (max: number) => refineText(z.string().trim().max(max), false);

/** Text kept exactly as written (no trimming, may be empty), single line: no control characters. */
export const plainText = (max: number) => refineText(z.string().max(max), false);

/** Free text (a comment, an address): tabs and line breaks allowed, nothing else invisible. */
export const freeText = (max: number, o: { trim?: boolean } = {}) => refineText(o.trim ? z.string().trim().max(max) : z.string().max(max), true);

/** Calendar date YYYY-MM-DD that exists (2026-02-30 does not). */
export const isoDateText = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'дата YYYY-MM-DD')
  .refine((s) => isCalendarDate(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))), 'несуществующая дата');

export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day) || month < 1 || month > 12 || day < 1) return false;
  // By the Gregorian rule, not through a Date: every check's time is checked here, and a Date
  // object per check was a regular cost of reading one (iso-time.test.ts compares with Date).
  if (month !== 2) return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (leap ? 29 : 28);
}

// ISO 8601 with an explicit offset: the offset is the till's local time, which hour modifiers use.
export const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Why an ISO time with offset is not a real moment (2026-02-30, 24:00, +25:00), or null. */
export function isoTimeProblem(s: string): string | null {
  const p = isoParts(s);
  if (p === null) return 'время ISO 8601 со смещением, например 2026-11-22T12:00:00+03:00';
  if (p.y < 2000 || p.y > 2999) return 'год вне 2000–2999';
  if (!isCalendarDate(p.y, p.mo, p.d)) return 'несуществующая дата';
  if (p.h > 23 || p.mi > 59 || p.sec > 59) return 'несуществующее время: часы 00–23, минуты и секунды 00–59';
  if (p.offH > 18 || p.offM > 59) return 'смещение вне −18:00…+18:00';
  if (Number.isNaN(Date.parse(s))) return 'несуществующая дата';
  return null;
}

/** The numbers of an ISO_WITH_OFFSET time; offH and offM are 0 for Z. Null when it is not one. */
interface IsoParts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  sec: number;
  offH: number;
  offM: number;
}

/**
 * Read by position where the text is laid out as ISO_WITH_OFFSET lays it out (every check a till
 * sends has such a time; the regular expression and its match were a regular cost of each one),
 * else by the regular expression: the same numbers either way.
 */
function isoParts(s: string): IsoParts | null {
  const n = s.length;
  // YYYY-MM-DDTHH:MM, then :SS (and .fraction), then Z or ±HH[:]MM.
  if (n >= 17 && s.charCodeAt(4) === 0x2d && s.charCodeAt(7) === 0x2d && s.charCodeAt(10) === 0x54 && s.charCodeAt(13) === 0x3a) {
    const y = digitsAt(s, 0, 4), mo = digitsAt(s, 5, 2), d = digitsAt(s, 8, 2), h = digitsAt(s, 11, 2), mi = digitsAt(s, 14, 2);
    let i = 16;
    let sec = 0;
    if (s.charCodeAt(i) === 0x3a) {
      sec = digitsAt(s, i + 1, 2);
      i += 3;
      if (s.charCodeAt(i) === 0x2e) {
        const from = ++i;
        while (i < n && i - from < 10 && digitsAt(s, i, 1) >= 0) i++;
        if (i - from < 1 || i - from > 9) sec = -1;
      }
    }
    const zone = zoneAt(s, i);
    if (zone !== null && y >= 0 && mo >= 0 && d >= 0 && h >= 0 && mi >= 0 && sec >= 0) return { y, mo, d, h, mi, sec, offH: zone[0], offM: zone[1] };
  }
  const m = ISO_WITH_OFFSET.exec(s);
  if (m === null) return null;
  const off = /^[+-](\d{2}):?(\d{2})$/.exec(m[7]!);
  return { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4]), mi: Number(m[5]), sec: Number(m[6] ?? '0'), offH: off === null ? 0 : Number(off[1]), offM: off === null ? 0 : Number(off[2]) };
}

/** `Z`, `±HH:MM` or `±HHMM` from `i` to the end: [hours, minutes] ([0, 0] for Z), else null. */
function zoneAt(s: string, i: number): [number, number] | null {
  const left = s.length - i;
  const c = s.charCodeAt(i);
  if (c === 0x5a) return left === 1 ? [0, 0] : null;
  if (c !== 0x2b && c !== 0x2d) return null;
  const hh = digitsAt(s, i + 1, 2);
  const mm = left === 6 && s.charCodeAt(i + 3) === 0x3a ? digitsAt(s, i + 4, 2) : left === 5 ? digitsAt(s, i + 3, 2) : -1;
  return hh >= 0 && mm >= 0 ? [hh, mm] : null;
}


/** occurredAt of a check or a refund. */
export const isoTimeText = z.string().superRefine((s, ctx) => {
  const why = isoTimeProblem(s);
  if (why !== null) ctx.addIssue({ code: 'custom', message: why });
});

// ── the generic pass over any JSON body ──────────────────────────────────────────────────────

export const JSON_MAX_DEPTH = 64;
export const JSON_MAX_NODES = 200_000;

/**
 * Walks a parsed JSON value (bounded in depth and node count) and names the first string or key
 * that cannot be stored: every protocol's body is refused at the door, whatever its schema.
 * Returns null when the value is clean, else the dotted path and the reason.
 */
const JSON_MAX_ARRAY = 5_000;

export function findUnsafeJson(value: unknown): { field: string; reason: string } | null {
  let nodes = 0;
  // One path stack shared by the whole walk: a deep body costs no copies.
  const path: string[] = [];
  const here = () => path.join('.') || '(body)';
  const walk = (v: unknown): { field: string; reason: string } | null => {
    if (++nodes > JSON_MAX_NODES) return { field: '(body)', reason: `слишком много элементов (больше ${JSON_MAX_NODES})` };
    if (path.length > JSON_MAX_DEPTH) return { field: here(), reason: `слишком глубокая вложенность (больше ${JSON_MAX_DEPTH})` };
    if (typeof v === 'string') {
      const why = unsafeJsonString(v);
      return why === null ? null : { field: here(), reason: why };
    }
    if (v === null || typeof v !== 'object') return null;
    // No protocol sends a list longer than a check's lines (1,000) or a webhook's events: a longer
    // one is refused here, before a schema spends milliseconds describing each wrong element.
    if (Array.isArray(v) && v.length > JSON_MAX_ARRAY) return { field: here(), reason: `слишком длинный список (больше ${JSON_MAX_ARRAY} элементов)` };
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    for (const [k, child] of entries) {
      const keyWhy = Array.isArray(v) ? null : unsafeJsonString(k);
      path.push(keyWhy === null ? k : printable(k));
      const bad = keyWhy !== null ? { field: here(), reason: `имя поля ${keyWhy}` } : walk(child);
      path.pop();
      if (bad !== null) return bad;
    }
    return null;
  };
  return walk(value);
}

/** A key as it can be shown back in an error (and logged): the unstorable characters replaced. */
function printable(k: string): string {
  return k.replace(/\u0000/g, '\\u0000').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

// Only what no storage can hold: control characters are legitimate in some free-text fields,
// and the schemas refuse them where they are not.
function unsafeJsonString(s: string): string | null {
  if (s.includes('\u0000')) return 'содержит символ NUL (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'содержит одиночный суррогат UTF-16 (испорченный символ)';
  return null;
}
