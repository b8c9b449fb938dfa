import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { newCustomerSchema, normalizePhone } from '../ledger/index.ts';
import { FIELD_TITLES, type Field, type Mapping } from './mapping.ts';
import type { Cell } from './table.ts';

// One line of a client base read into what the ledger registers, or every reason it cannot be:
// each named by line, field and what to fix. Pure: the levels of the program come in, the
// ledger's own customer schema has the last word so the dry run misses nothing the import would hit.

export interface ImportRow {
  line: number;
  phone: string;
  /** Bonus balance in hundredths of a point; 0 when none. */
  balance: number;
  /** What the ledger's registerCustomer takes. */
  customer: Record<string, unknown>;
}

export interface RowError {
  line: number;
  field: Field | 'row';
  value: string;
  reason: string;
}

export interface Level {
  code: string;
  name: string;
}

export interface RowContext {
  mapping: Mapping;
  levels: Level[];
  /** Default region for numbers written without a country code. */
  country: 'RU' | 'BY' | 'KZ' | 'UZ' | 'AM' | 'KG';
  today: string;
}

export function readClientRow(line: number, cells: Cell[], ctx: RowContext): { row: ImportRow } | { errors: RowError[] } {
  const errors: RowError[] = [];
  const cell = (f: Field): Cell => (ctx.mapping[f] === undefined ? null : (cells[ctx.mapping[f]!] ?? null));
  const text = (f: Field): string | null => {
    const v = cell(f);
    if (v === null) return null;
    const s = (v instanceof Date ? v.toISOString().slice(0, 10) : String(v)).trim();
    return s === '' ? null : s;
  };
  const take = <T>(f: Field, read: (c: Cell & {}) => T | string): T | null => {
    const v = cell(f);
    if (v === null || (typeof v === 'string' && v.trim() === '')) return null;
    const r = read(v);
    if (typeof r === 'string' && r.startsWith('!')) {
      errors.push({ line, field: f, value: text(f) ?? '', reason: r.slice(1) });
      return null;
    }
    return r as T;
  };

  const phone = take('phone', (v) => readPhone(v, ctx.country));
  if (text('phone') === null) errors.push({ line, field: 'phone', value: '', reason: 'нет телефона: клиенты импортируются по номеру' });
  const fullName = text('name') ?? ([text('lastName'), text('firstName'), text('middleName')].filter((s) => s !== null).join(' ') || null);
  const customer: Record<string, unknown> = {
    phone,
    name: fullName,
    gender: take('gender', readGender),
    birthDate: take('birthDate', (v) => readDate(v, ctx.today)),
    email: take('email', (v) => (EMAIL.safeParse(String(v).trim().toLowerCase()).success ? String(v).trim().toLowerCase() : '!неверный e-mail')),
    cardNumber: take('card', (v) => (typeof v === 'number' ? String(v) : v instanceof Date ? '!не номер карты, а дата' : v.trim())),
    comment: text('comment'),
    level: take('level', (v) => readLevel(v, ctx.levels)),
    source: 'import',
  };
  const total = take('total', (v) => readHundredths(v, 'сумма покупок'));
  const purchases = take('purchases', readCount);
  if (total !== null || purchases !== null) customer.carriedOver = { total: total ?? 0, purchases: purchases ?? 0 };
  const balance = take('balance', (v) => readHundredths(v, 'баланс')) ?? 0;
  if (errors.length === 0) {
    // The ledger's own rules (lengths, e-mail, characters it cannot store): the import would hit them.
    const r = newCustomerSchema.safeParse(customer);
    if (!r.success) for (const i of r.error.issues) errors.push(schemaError(line, i, customer));
  }
  return errors.length > 0 ? { errors } : { row: { line, phone: phone!, balance, customer } };
}

const EMAIL = z.string().max(256).email();

const SCHEMA_FIELDS: Record<string, Field> = { phone: 'phone', name: 'name', gender: 'gender', birthDate: 'birthDate', email: 'email', cardNumber: 'card', comment: 'comment', level: 'level', carriedOver: 'total' };

function schemaError(line: number, i: z.core.$ZodIssue, customer: Record<string, unknown>): RowError {
  const key = String(i.path[0] ?? '');
  const field = SCHEMA_FIELDS[key] ?? 'row';
  const value = customer[key];
  return { line, field, value: typeof value === 'string' ? value : JSON.stringify(value ?? ''), reason: `${field === 'row' ? '' : FIELD_TITLES[field] + ': '}${i.message}` };
}

/** E.164 by libphonenumber's metadata (8 999… and 9… are Russian numbers by default). */
export function readPhone(v: Cell & {}, country: RowContext['country']): string {
  const raw = typeof v === 'number' ? String(v) : String(v);
  const p = parsePhoneNumberFromString(raw.trim(), country);
  if (p === undefined || !p.isValid()) return `!неверный номер телефона: нужен номер вида +7 999 123-45-67`;
  // The ledger keeps numbers it can normalise the same way at the till.
  return normalizePhone(p.number) ?? `!номер ${p.number} не поддерживается`;
}

const MALE = new Set(['м', 'муж', 'мужской', 'мужчина', 'm', 'male', 'man', 'мж']);
const FEMALE = new Set(['ж', 'жен', 'женский', 'женщина', 'f', 'female', 'w', 'woman']);

export function readGender(v: Cell & {}): 'male' | 'female' | string {
  const s = String(v).trim().toLowerCase().replace(/\.$/, '');
  if (MALE.has(s)) return 'male';
  if (FEMALE.has(s)) return 'female';
  return '!пол не распознан: ожидается «М» или «Ж»';
}

/**
 * A calendar day: 31.12.1990, 31/12/1990, 1990-12-31 (a time after it, as 1C writes, is
 * dropped), two-digit years as a birth date reads them, an Excel date or serial number.
 */
export function readDate(v: Cell & {}, today: string): string {
  let y: number, m: number, d: number;
  if (v instanceof Date) [y, m, d] = [v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate()];
  else if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 80_000) return '!не дата';
    const t = new Date(Date.UTC(1899, 11, 30) + v * 86_400_000);
    [y, m, d] = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
  } else {
    const s = v.trim().replace(/[\sT]\d{1,2}:\d{2}(:\d{2})?.*$/, '');
    let g = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
    if (g) [y, m, d] = [Number(g[1]), Number(g[2]), Number(g[3])];
    else if ((g = /^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$/.exec(s))) {
      [d, m, y] = [Number(g[1]), Number(g[2]), Number(g[3])];
      if (g[3]!.length === 2) y += y > Number(today.slice(2, 4)) ? 1900 : 2000;
    } else return '!дата не распознана: ожидается ДД.ММ.ГГГГ';
  }
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return '!такой даты нет в календаре';
  const iso = t.toISOString().slice(0, 10);
  if (iso < '1900-01-01') return '!дата раньше 1900 года';
  if (iso > today) return '!дата в будущем';
  return iso;
}

/**
 * Rubles or points to hundredths exactly (no floats in the sum): «1 234,56», «1234.5», «1,234.56»,
 * «500 ₽»; at most two decimals; not negative.
 */
export function readHundredths(v: Cell & {}, what: string): number | string {
  if (v instanceof Date) return `!${what}: дата вместо числа`;
  let s = typeof v === 'number' ? String(v) : v.replace(/[\s\u00a0\u202f']/g, '').replace(/(₽|руб\.?|р\.?|rub)$/i, '');
  if (typeof v === 'number' && /e/i.test(s)) return `!${what}: число вне допустимого`;
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) s = lastComma > lastDot ? s.replace(/\./g, '').replace(',', '.') : s.replace(/,/g, '');
  else if (lastComma >= 0) s = s.replace(',', '.');
  const g = /^(-?)(\d+)(?:\.(\d*))?$/.exec(s);
  if (g === null) return `!${what}: не число`;
  if (g[1] === '-') return `!${what}: отрицательное значение`;
  const frac = (g[3] ?? '').replace(/0+$/, '');
  if (frac.length > 2) return `!${what}: больше двух знаков после запятой`;
  const n = Number(g[2]) * 100 + Number(frac.padEnd(2, '0'));
  return Number.isSafeInteger(n) && n <= 1e15 ? n : `!${what}: слишком большое число`;
}

export function readCount(v: Cell & {}): number | string {
  if (v instanceof Date) return '!количество покупок: дата вместо числа';
  const s = typeof v === 'number' ? String(v) : v.replace(/[\s\u00a0]/g, '');
  if (!/^\d{1,9}$/.test(s)) return '!количество покупок: нужно целое неотрицательное число';
  return Number(s);
}

export function readLevel(v: Cell & {}, levels: Level[]): string {
  const s = String(v).trim().toLowerCase();
  const l = levels.find((x) => x.code.toLowerCase() === s || x.name.toLowerCase() === s);
  return l?.code ?? `!в программе нет уровня «${String(v).trim()}»: есть ${levels.map((x) => `«${x.name}»`).join(', ')}`;
}
