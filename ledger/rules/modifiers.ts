import type { CheckLine, ParsedCheck } from '../check.ts';
import type { CompiledProgram, Conditions } from '../program.ts';

// Which program modifiers touch which line, and what they make of it. A modifier applies when
// all of its conditions hold. Product and group conditions look at the line (either list may
// name it); hours, weekdays, payment types, cashiers, stores and levels look at the whole check.

/** Stacked multipliers stop at ×100, the most a single modifier may set (program.ts). */
export const MAX_MULTIPLIER_MILLI = 100_000;

export interface LineTerms {
  /** Accrual percent in basis points that replaces the level's, or null to keep the level's. */
  accrualBp: number | null;
  /** Product of the accrual multipliers, in thousandths (1000 = ×1), each step floored, at most ×100. */
  multiplierMilli: number;
  /** Most of the line that may be paid with bonuses, in basis points. */
  maxRedeemBp: number;
  /** The line's bonuses' own activation delay and lifetime in days; null: the program's. */
  activationDays: number | null;
  lifetimeDays: number | null;
}

export function inMinutes(m: { from: number; to: number }, minute: number): boolean {
  return m.from < m.to ? minute >= m.from && minute < m.to : minute >= m.from || minute < m.to;
}

/** The check-level conditions (hours, weekdays, cashier, store, level, payment types). */
export function checkMatches(m: Conditions, check: ParsedCheck, levelCode: string | null): boolean {
  if (m.minutes !== null && !inMinutes(m.minutes, check.localMinuteOfDay)) return false;
  if (m.weekdays !== null && !m.weekdays.has(check.localWeekday)) return false;
  if (m.cashierIds !== null && (check.cashierId == null || !m.cashierIds.has(check.cashierId))) return false;
  if (m.storeIds !== null && (check.storeId == null || !m.storeIds.has(check.storeId))) return false;
  if (m.levels !== null && (levelCode === null || !m.levels.has(levelCode))) return false;
  if (m.paymentTypes !== null) {
    // Every money payment must be of a listed type: one kopeck in cash does not make a cash check.
    const paid = check.payments.filter((p) => p.amount > 0);
    if (paid.length === 0 || !paid.every((p) => m.paymentTypes!.has(p.type))) return false;
  }
  return true;
}

/** The line-level conditions: productIds or groupIds (either list may name the line); none → every line. */
export function lineMatches(m: Conditions, line: CheckLine): boolean {
  if (m.productIds === null && m.groupIds === null) return true;
  if (m.productIds !== null && m.productIds.has(line.productId)) return true;
  return m.groupIds !== null && line.groupId != null && m.groupIds.has(line.groupId);
}

export function isExcluded(p: CompiledProgram, line: CheckLine): boolean {
  return p.excludedProducts.has(line.productId) || (line.groupId != null && p.excludedGroups.has(line.groupId));
}

/** Terms per line, in check order, starting from the level's maximum redeem share. */
export function lineTerms(p: CompiledProgram, check: ParsedCheck, levelCode: string | null, levelMaxRedeemBp: number): LineTerms[] {
  const active = p.modifiers.filter((m) => checkMatches(m, check, levelCode));
  return check.lines.map((line) => {
    const t: LineTerms = { accrualBp: null, multiplierMilli: 1000, maxRedeemBp: levelMaxRedeemBp, activationDays: null, lifetimeDays: null };
    for (const m of active) {
      if (!lineMatches(m, line)) continue;
      if (m.accrualBp !== null) t.accrualBp = m.accrualBp;
      if (m.multiplierMilli !== null) t.multiplierMilli = Math.min(MAX_MULTIPLIER_MILLI, Math.floor((t.multiplierMilli * m.multiplierMilli) / 1000));
      if (m.maxRedeemBp !== null) t.maxRedeemBp = m.maxRedeemBp;
      if (m.activationDays !== null) t.activationDays = m.activationDays;
      if (m.lifetimeDays !== null) t.lifetimeDays = m.lifetimeDays;
    }
    return t;
  });
}
