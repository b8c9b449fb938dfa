import { KopilkaError } from './errors.ts';

/**
 * Normalises a Russian-market phone to E.164: "8 (999) 123-45-67", "+7 999 1234567" and
 * "9991234567" all become "+79991234567". Other countries must be written with "+".
 */
export function normalizePhone(raw: string): string | null {
  const trimmed = raw.trim();
  const digits = trimmed.replace(/[\s()\-.]/g, '');
  if (!/^\+?\d+$/.test(digits)) return null;
  let d = digits.startsWith('+') ? digits.slice(1) : digits;
  if (!digits.startsWith('+')) {
    if (d.length === 11 && (d.startsWith('8') || d.startsWith('7'))) d = `7${d.slice(1)}`;
    else if (d.length === 10 && d.startsWith('9')) d = `7${d}`;
    else return null;
  }
  if (d.length < 8 || d.length > 15 || d.startsWith('0')) return null;
  if (d.startsWith('7') && d.length !== 11) return null;
  return `+${d}`;
}

export function requirePhone(raw: string, field = 'phone'): string {
  const p = normalizePhone(raw);
  if (p === null) {
    throw new KopilkaError('INVALID_INPUT', `Неверный номер телефона «${raw}»: нужен формат +79991234567`, { field });
  }
  return p;
}
