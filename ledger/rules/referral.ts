import type { ParsedCheck } from '../check.ts';
import { DAY_MS } from '../lots.ts';
import type { CompiledProgram } from '../program.ts';
import { bp } from '../program.ts';
import { percentOf } from './steps.ts';

/**
 * The referrer's reward for a friend's purchase: a share of the money the friend paid (or fixed
 * points), on the first purchase or on every purchase, within periodDays of the friend's
 * registration. Rounded as accruals are.
 */
export function referralReward(
  p: CompiledProgram,
  check: ParsedCheck,
  customer: { referrerId: string | null; purchases: number; registeredAt: number },
  paid: number,
): { referrerId: string; points: number } | null {
  const r = p.source.referral;
  if (r === null || customer.referrerId === null) return null;
  if (r.scope === 'firstPurchase' && customer.purchases > 0) return null;
  if (check.at >= customer.registeredAt + r.periodDays * DAY_MS) return null;
  let points = r.reward.type === 'fixed' ? r.reward.points : percentOf(paid, bp(r.reward.percent));
  if (p.source.rounding === 'floor') points -= points % 100;
  return points > 0 ? { referrerId: customer.referrerId, points } : null;
}
