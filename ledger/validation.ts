import { z } from 'zod';
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
  if (month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year);
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

// ISO 8601 with an explicit offset: the offset is the till's local time, which hour modifiers use.
export const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Why an ISO time with offset is not a real moment (2026-02-30, 24:00, +25:00), or null. */
export function isoTimeProblem(s: string): string | null {
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
