import type { Expiry, Gift, Program } from './program.ts';
import { localDate, zonedMidnight } from './time-zone.ts';

// When a lot of bonuses becomes spendable and when it burns. Pure: the program and the moment of
// accrual in, two instants out. Calendar rules (burn dates) are read in the tenant's time zone.

export const DAY_MS = 86_400_000;

export interface LotTimes {
  activatesAt: number;
  /** null: the lot does not burn by itself (mode `never`, or `afterLastPurchase`, which burns per customer). */
  expiresAt: number | null;
}

export function accrualLotTimes(program: Program, accruedAt: number): LotTimes {
  const activatesAt = accruedAt + program.activationDays * DAY_MS;
  return { activatesAt, expiresAt: programExpiry(program.expiry, program.timezone, accruedAt, activatesAt) };
}

/**
 * An accrual under a modifier's own terms (activationDays, lifetimeDays): what it does not name
 * comes from the program. A lifetime burns the lot that many days after accrual in any expiry mode.
 */
export function ruleLotTimes(program: Program, accruedAt: number, t: { activationDays: number | null; lifetimeDays: number | null }): LotTimes {
  const activatesAt = accruedAt + (t.activationDays ?? program.activationDays) * DAY_MS;
  const expiresAt = t.lifetimeDays !== null ? accruedAt + t.lifetimeDays * DAY_MS : programExpiry(program.expiry, program.timezone, accruedAt, activatesAt);
  return { activatesAt, expiresAt };
}

/** Gifts carry their own life (ttlDays); without one they burn as the program's accruals do. */
export function giftLotTimes(program: Program, gift: Gift, givenAt: number): LotTimes {
  const activatesAt = givenAt + gift.activationDays * DAY_MS;
  if (gift.ttlDays != null) return { activatesAt, expiresAt: activatesAt + gift.ttlDays * DAY_MS };
  return { activatesAt, expiresAt: programExpiry(program.expiry, program.timezone, givenAt, activatesAt) };
}

function programExpiry(expiry: Expiry, timeZone: string, accruedAt: number, activatesAt: number): number | null {
  switch (expiry.mode) {
    case 'never':
    case 'afterLastPurchase':
      return null;
    case 'afterAccrual':
      return accruedAt + expiry.days * DAY_MS;
    case 'dates':
      // Counted from activation, so a lot accrued just before a burn date is not burnt unborn.
      return nextBurnInstant(expiry.dates, timeZone, activatesAt);
  }
}

/**
 * Bonuses "burn on 12-31": they are usable through that local day and gone at the next local
 * midnight. Returns that midnight for the first listed date on or after `from`'s local date.
 */
export function nextBurnInstant(dates: string[], timeZone: string, from: number): number {
  const local = localDate(from, timeZone);
  let best = Infinity;
  for (const year of [local.year, local.year + 1]) {
    for (const md of dates) {
      const month = Number(md.slice(0, 2));
      const day = Math.min(Number(md.slice(3, 5)), daysInMonth(year, month));
      const onOrAfter = year > local.year || month > local.month || (month === local.month && day >= local.day);
      if (!onOrAfter) continue;
      const next = new Date(Date.UTC(year, month - 1, day + 1));
      best = Math.min(best, zonedMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone));
    }
  }
  return best;
}

/** When a customer's bonuses burn in mode afterLastPurchase: N days after the last purchase. */
export function customerBurnAt(expiry: Expiry, lastPurchaseAt: number | null): number | null {
  if (expiry.mode !== 'afterLastPurchase' || lastPurchaseAt === null) return null;
  return lastPurchaseAt + expiry.days * DAY_MS;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

