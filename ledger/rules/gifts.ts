import { DAY_MS } from '../lots.ts';
import type { CompiledProgram, Gift } from '../program.ts';

export type RegistrationGiftKind = 'welcome' | 'registration' | 'selfRegistration';

/** Gifts a newly registered customer receives: the first level's welcome bonus and the program's. */
export function registrationGifts(p: CompiledProgram, source: string | null): { kind: RegistrationGiftKind; gift: Gift }[] {
  const out: { kind: RegistrationGiftKind; gift: Gift }[] = [];
  const welcome = p.levels[0]!.welcomeBonus;
  if (welcome !== null) out.push({ kind: 'welcome', gift: welcome });
  const g = p.source.gifts;
  if (g.registration != null) out.push({ kind: 'registration', gift: g.registration });
  // `self` or `self:<campaign or store>`: a registration by the shop's link, whichever link it was.
  if (source !== null && (source === 'self' || source.startsWith('self:')) && g.selfRegistration != null) out.push({ kind: 'selfRegistration', gift: g.selfRegistration });
  return out;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * The birthday a gift is due for on `today` ('YYYY-MM-DD'), given daysBefore: the occurrence
 * (as 'YYYY-MM-DD') that falls exactly daysBefore days after today, or null. 29 February is
 * celebrated on 28 February in other years.
 */
export function birthdayDue(birthDate: string, today: string, daysBefore: number): string | null {
  const target = new Date(Date.parse(`${today}T00:00:00Z`) + daysBefore * DAY_MS);
  const y = target.getUTCFullYear();
  let month = Number(birthDate.slice(5, 7));
  let day = Number(birthDate.slice(8, 10));
  if (month === 2 && day === 29 && !isLeap(y)) day = 28;
  if (target.getUTCMonth() + 1 !== month || target.getUTCDate() !== day) return null;
  month = target.getUTCMonth() + 1;
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** True when a customer has not bought for `days` days (never-buyers count from registration). */
export function inactivityDue(lastPurchaseAt: number | null, registeredAt: number, now: number, days: number): boolean {
  return now - (lastPurchaseAt ?? registeredAt) >= days * DAY_MS;
}
