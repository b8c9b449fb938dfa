import { z } from 'zod';
import { bonusWord, formatPoints } from '../ledger/index.ts';

// Automatic messages: which ledger events speak to the customer, in what words, and when not to.
// Pure rules; the rows are in store.ts and the I/O in automatic.ts.

export const AUTOMATIC_EVENTS = [
  'customerRegistered', 'firstPurchase', 'accrued', 'redeemed', 'levelChanged', 'gift', 'expired', 'activated', 'referralAccrued', 'burnSoon', 'birthday', 'relativeBirthday',
] as const;
export type AutomaticEvent = (typeof AUTOMATIC_EVENTS)[number];

/** `{relative}` is filled only in relativeBirthday (the relative's name); elsewhere it is empty. */
export const PLACEHOLDERS = ['name', 'points', 'balance', 'level', 'date', 'relative'] as const;

/** The texts a tenant starts with; `enabled` the default on/off. */
export const DEFAULT_TEMPLATES: Record<AutomaticEvent, { body: string; enabled: boolean }> = {
  customerRegistered: { body: '{name}, добро пожаловать в программу лояльности! На вашем счёте {balance} бонусов.', enabled: true },
  firstPurchase: { body: '{name}, спасибо за первую покупку! Бонусы копятся с каждой покупкой.', enabled: false },
  accrued: { body: 'Начислено {points} бонусов. Баланс: {balance}.', enabled: true },
  redeemed: { body: 'Списано {points} бонусов. Баланс: {balance}.', enabled: true },
  levelChanged: { body: '{name}, ваш уровень теперь «{level}»!', enabled: true },
  gift: { body: '{name}, вам подарок: {points} бонусов. Баланс: {balance}.', enabled: true },
  expired: { body: 'Сгорело {points} бонусов. Баланс: {balance}.', enabled: false },
  // Pending bonuses that became spendable (the sweeper), summed per customer and sweep.
  activated: { body: '{name}, {points} бонусов стали доступны для оплаты. Баланс: {balance}.', enabled: true },
  // To the referrer, for a referred friend's purchase (instead of the generic `gift`).
  referralAccrued: { body: '{name}, ваш друг сделал покупку — вам начислено {points} бонусов. Баланс: {balance}.', enabled: true },
  // Sweeps (reminders.ts), not ledger events: N days before bonuses burn; on the birthday (the
  // birthday gift itself, when the program has one, speaks through `gift`).
  burnSoon: { body: '{name}, {points} бонусов сгорят {date}. Успейте потратить!', enabled: true },
  birthday: { body: '{name}, с днём рождения! Ждём вас в гости.', enabled: false },
  // On a relative's birthday (the customer's list of relatives); the relative's gift, when the
  // program has one, speaks through `gift`.
  relativeBirthday: { body: '{name}, сегодня день рождения у {relative}! Поздравляем и ждём вас за подарком.', enabled: false },
};

export const templateSchema = z
  .object({
    body: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .refine((s) => [...s.matchAll(/\{(\w+)\}/g)].every((m) => (PLACEHOLDERS as readonly string[]).includes(m[1]!)), {
        message: `неизвестная подстановка: допустимы ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      }),
    enabled: z.boolean().default(true),
  })
  .strict()
  .meta({ title: 'шаблон сообщения' });

/**
 * Points as a customer reads them: the ledger counts hundredths of a point, a message says
 * bonuses — 5500 → "55", 5550 → "55,5", 5505 → "55,05" (the ledger's own formatting, as on receipts).
 */
export const bonusText = formatPoints;

export function render(template: string, values: Partial<Record<(typeof PLACEHOLDERS)[number], string | number | null>>): string {
  return template
    .replace(/\{(\w+)\}/g, (_, k: string) => {
      const v = values[k as keyof typeof values];
      return v === null || v === undefined ? '' : String(v);
    })
    .replace(/\s+([,.!])/g, '$1')
    .replace(/^[,\s]+/, '')
    .replace(BONUSES_AFTER_NUMBER, (_, whole: string, frac: string | undefined) => `${whole}${frac === undefined ? '' : `,${frac}`} ${bonusWord(Number(whole) * 100 + (frac === undefined ? 0 : Number(frac.padEnd(2, '0'))))}`);
}

/**
 * «{points} бонусов» in a template (the defaults', and every owner's copy of them) said with the
 * word in the form the number asks for: «Начислено 22 бонуса», «1 бонус», «1,5 бонуса».
 */
const BONUSES_AFTER_NUMBER = /(?<![\d,])(\d+)(?:,(\d{1,2}))? бонусов/g;

/** HH:MM → minutes after midnight. */
function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'время ЧЧ:ММ');

/**
 * The instant quiet hours end, when `at` falls inside them (from 21:00 to 09:00 crosses
 * midnight); null when a message may go now. `offsetMinutes` is the tenant zone's offset at `at`.
 */
export function quietUntil(at: number, offsetMinutes: number, quiet: { from: string; to: string } | null): Date | null {
  if (quiet === null || quiet.from === quiet.to) return null;
  const local = at + offsetMinutes * 60_000;
  const dayStart = Math.floor(local / 86_400_000) * 86_400_000;
  const now = Math.floor((local - dayStart) / 60_000);
  const [from, to] = [minutes(quiet.from), minutes(quiet.to)];
  const inside = from < to ? now >= from && now < to : now >= from || now < to;
  if (!inside) return null;
  const endLocal = dayStart + to * 60_000 + (from > to && now >= from ? 86_400_000 : 0);
  return new Date(endLocal - offsetMinutes * 60_000);
}

/** The instant the local day of `at` began (the daily cap counts from it). */
export function localMidnight(at: number, offsetMinutes: number): Date {
  const local = at + offsetMinutes * 60_000;
  return new Date(Math.floor(local / 86_400_000) * 86_400_000 - offsetMinutes * 60_000);
}
