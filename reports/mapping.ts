import { z } from 'zod';
import { KopilkaError } from '../ledger/index.ts';

// Which column holds what. A suggestion from the header names other services write (Russian and
// English, as exported by the services shops move from), which the person confirms or corrects in
// the preview before anything is imported.

export const FIELDS = [
  'phone',
  'name',
  'lastName',
  'firstName',
  'middleName',
  'gender',
  'birthDate',
  'email',
  'card',
  'balance',
  'level',
  'total',
  'purchases',
  'comment',
] as const;
export type Field = (typeof FIELDS)[number];

export const FIELD_TITLES: Record<Field, string> = {
  phone: 'Телефон',
  name: 'ФИО',
  lastName: 'Фамилия',
  firstName: 'Имя',
  middleName: 'Отчество',
  gender: 'Пол',
  birthDate: 'Дата рождения',
  email: 'E-mail',
  card: 'Карта',
  balance: 'Баланс бонусов',
  level: 'Уровень',
  total: 'Сумма покупок',
  purchases: 'Количество покупок',
  comment: 'Комментарий',
};

// Normalised names (lower case, ё → е, letters and digits only).
const SYNONYMS: Record<Field, string[]> = {
  phone: ['телефон', 'номертелефона', 'мобильныйтелефон', 'телефонклиента', 'мобильный', 'тел', 'phone', 'phonenumber', 'mobile', 'tel', 'msisdn'],
  name: ['фио', 'клиент', 'имяклиента', 'покупатель', 'фиоклиента', 'name', 'fullname', 'fio', 'customer', 'clientname'],
  lastName: ['фамилия', 'lastname', 'surname'],
  firstName: ['имя', 'firstname'],
  middleName: ['отчество', 'middlename', 'patronymic'],
  gender: ['пол', 'gender', 'sex'],
  birthDate: ['датарождения', 'деньрождения', 'др', 'birthday', 'birthdate', 'dateofbirth', 'dob'],
  email: ['email', 'емейл', 'емайл', 'электроннаяпочта', 'почта', 'mail', 'емаил'],
  card: ['карта', 'номеркарты', 'дисконтнаякарта', 'бонуснаякарта', 'штрихкод', 'штрихкодкарты', 'card', 'cardnumber', 'barcode'],
  balance: ['баланс', 'бонусы', 'баллы', 'бонусныйбаланс', 'балансбонусов', 'остатокбонусов', 'доступнобонусов', 'активныебонусы', 'balance', 'bonuses', 'points'],
  level: ['уровень', 'статус', 'уровеньлояльности', 'группа', 'level', 'tier', 'status'],
  total: ['суммапокупок', 'общаясуммапокупок', 'суммапродаж', 'выручка', 'оборот', 'total', 'totalspent', 'purchasestotal', 'revenue'],
  purchases: ['количествопокупок', 'числопокупок', 'колвопокупок', 'покупок', 'количествочеков', 'числочеков', 'purchases', 'purchasecount', 'orders', 'visits'],
  comment: ['комментарий', 'примечание', 'заметка', 'comment', 'note', 'notes'],
};

export function normalizeHeader(h: string): string {
  return h.toLowerCase().replace(/ё/g, 'е').replace(/[^\p{L}\p{N}]/gu, '');
}

/** Column index by field. */
export type Mapping = Partial<Record<Field, number>>;

/**
 * A mapping from header names: an exact synonym first, then a header that begins with one
 * («Баланс бонусов, руб.»); each column and each field used once. «Имя» alone, without
 * «Фамилия», is the whole name.
 */
export function suggestMapping(headers: string[]): Mapping {
  const norm = headers.map(normalizeHeader);
  const m: Mapping = {};
  const used = new Set<number>();
  for (const pass of ['exact', 'prefix'] as const) {
    for (const field of FIELDS) {
      if (m[field] !== undefined) continue;
      const i = norm.findIndex((h, col) => !used.has(col) && SYNONYMS[field].some((s) => (pass === 'exact' ? h === s : s.length >= 4 && h.startsWith(s))));
      if (i >= 0) {
        m[field] = i;
        used.add(i);
      }
    }
  }
  if (m.firstName !== undefined && m.lastName === undefined && m.name === undefined) {
    m.name = m.firstName;
    delete m.firstName;
  }
  return m;
}

/** A mapping as the cabinet sends it: field → header name or column number (0-based). */
export const mappingSchema = z.partialRecord(z.enum(FIELDS), z.union([z.string().min(1).max(256), z.number().int().min(0).max(1000)]));
export type MappingInput = z.infer<typeof mappingSchema>;

/** Resolves header names to columns. Errors: INVALID_INPUT (a header not in the file, no phone column). */
export function resolveMapping(headers: string[], input: MappingInput): Mapping {
  const m: Mapping = {};
  for (const [field, ref] of Object.entries(input) as [Field, string | number][]) {
    const col = typeof ref === 'number' ? ref : headers.findIndex((h) => h === ref || normalizeHeader(h) === normalizeHeader(ref));
    if (col < 0 || col >= headers.length) {
      throw new KopilkaError('INVALID_INPUT', `Для поля «${FIELD_TITLES[field]}» указан столбец «${ref}», которого нет в файле`, { field: `mapping.${field}`, headers });
    }
    m[field] = col;
  }
  if (m.phone === undefined) throw new KopilkaError('INVALID_INPUT', 'Укажите столбец с телефоном: клиенты импортируются по номеру телефона', { field: 'mapping.phone' });
  return m;
}

/** The mapping with header names, for the preview. */
export function namedMapping(headers: string[], m: Mapping): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const f of FIELDS) if (m[f] !== undefined) out[f] = headers[m[f]!]!;
  return out;
}
