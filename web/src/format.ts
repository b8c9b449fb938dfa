// Money is integer kopecks and bonuses are hundredths of a point on the wire; people see rubles
// and points with two decimals, Russian style.

const rub = new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB', minimumFractionDigits: 2 });
const num = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 0, maximumFractionDigits: 2 });

export const money = (kopecks: number): string => rub.format(kopecks / 100);
export const points = (hundredths: number): string => num.format(hundredths / 100);
/** Points with the word in its form: «1 бонус», «2 бонуса», «5 бонусов», «1,5 бонуса» (as ledger/errors.ts formatBonuses says them on receipts). */
export function bonuses(hundredths: number): string {
  const n = Math.abs(hundredths / 100);
  const word = hundredths % 100 !== 0 ? 'бонуса' : n % 10 === 1 && n % 100 !== 11 ? 'бонус' : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 'бонуса' : 'бонусов';
  return `${points(hundredths)} ${word}`;
}
/** "123,45" or "123.45" typed by a person → hundredths; null when it is not a number. */
export function parseHundredths(text: string): number | null {
  const t = text.replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
  return Math.round(Number(t) * 100);
}
export const dateTime = (iso: string | null): string => (iso === null ? '—' : new Date(iso).toLocaleString('ru-RU', { dateStyle: 'short', timeStyle: 'short' }));

export interface Customer {
  id: string;
  phone: string | null;
  cardNumber: string | null;
  name: string | null;
  level: { code: string; name: string };
  balance: { available: number; pending: number };
  totalSpent: number;
  purchases: number;
  lastPurchaseAt: string | null;
  nextLevel: { code: string; name: string; remaining: number } | null;
  referralCode: string;
  registeredAt: string;
}

export interface Posting {
  id: string;
  kind: string;
  amount: number;
  change: number;
  checkId: string | null;
  at: string;
  [k: string]: unknown;
}

/** What each kind of posting means to a shop owner. */
export const POSTING_KINDS: Record<string, string> = {
  accrual: 'Начисление за покупку',
  gift: 'Подарок / начисление вручную',
  referral: 'За приглашённого друга',
  activation: 'Бонусы стали доступны',
  redeem: 'Оплата бонусами',
  expiry: 'Сгорание',
  reversal: 'Отмена при возврате',
  return: 'Возврат бонусов',
};
