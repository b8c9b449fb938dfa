import { KopilkaError } from '../../ledger/index.ts';

// Cash systems speak decimal roubles ("123.45", 62.95) and decimal quantities (1.5 kg); the
// ledger speaks integers (kopecks, thousandths). The conversion is done on the decimal text,
// digit by digit, never by multiplying floats: 0.1 + 0.2 must be 30 kopecks, not 30.000000000000004.

/**
 * "123.45" (or 123.45, "123,45") at scale 2 → 12345. More decimals than the scale are refused,
 * except zeros ("1.500" at scale 2 is 150), so nothing is silently rounded away.
 */
export function toMinor(value: unknown, scale: number, field: string, o: { allowNegative?: boolean } = {}): number {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw bad(field, value, 'не число');
    // The shortest text that round-trips is the decimal the sender wrote (123.45 → "123.45").
    text = numberToPlain(value);
  } else if (typeof value === 'string') text = value.trim().replace(',', '.');
  else throw bad(field, value, 'ожидается число');
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (m === null) throw bad(field, value, 'не десятичное число');
  if (m[1] === '-' && !o.allowNegative) throw bad(field, value, 'отрицательное значение');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > scale) throw bad(field, value, `больше ${scale} знаков после запятой`);
  const digits = `${m[2]}${frac.padEnd(scale, '0')}`;
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) throw bad(field, value, 'слишком большое значение');
  return m[1] === '-' ? -n : n;
}

/** 12345 at scale 2 → "123.45". */
export function fromMinor(minor: number, scale: number): string {
  const neg = minor < 0;
  const s = String(Math.abs(minor)).padStart(scale + 1, '0');
  const out = scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return neg ? `-${out}` : out;
}

/** 12345 at scale 2 → 123.45 as a JSON number (exact: the text is the shortest form). */
export function minorToNumber(minor: number, scale: number): number {
  return Number(fromMinor(minor, scale));
}

/** Kopecks of `quantity` (thousandths) units at `price` kopecks, rounded half up to a kopeck. */
export function lineAmount(priceKopecks: number, quantityThousandths: number): number {
  const p = BigInt(priceKopecks) * BigInt(quantityThousandths);
  return Number((p + 500n) / 1000n);
}

function numberToPlain(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // 1e-7 and 1e21 forms: expand exactly.
  const [mant, expS] = s.toLowerCase().split('e') as [string, string];
  const exp = Number(expS);
  const neg = mant.startsWith('-');
  const [int, frac = ''] = mant.replace('-', '').split('.') as [string, string?];
  const digits = int + frac;
  const point = int.length + exp;
  const out = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (neg ? '-' : '') + out;
}

function bad(field: string, value: unknown, why: string): KopilkaError {
  return new KopilkaError('INVALID_INPUT', `Поле «${field}»: ${why} (${JSON.stringify(value)})`, { field });
}
