import { KopilkaError, formatPoints } from '../errors.ts';
import { apportion } from './apportion.ts';

// Paying with bonuses. Each line may be paid up to its share (basis points of what is left after
// the discount; excluded lines not at all); the check's cap is the exact sum of those shares,
// floored to a kopeck. One point-hundredth pays one kopeck.

export interface RedeemPlan {
  /** The program's cap for this check, whatever the balance. */
  cap: number;
  /** What this customer may pay now: min(cap, balance); 0 without a customer. */
  maxRedeem: number;
  redeemed: number;
  /** The payment split over lines in proportion to their shares (largest remainder). */
  lines: number[];
}

export function planRedeem(
  requested: number | 'max',
  afterDiscount: readonly number[],
  shareBp: readonly number[],
  available: number,
  hasCustomer: boolean,
): RedeemPlan {
  const weights = afterDiscount.map((a, i) => BigInt(a) * BigInt(shareBp[i]!));
  let sum = 0n;
  for (const w of weights) sum += w;
  const cap = Number(sum / 10000n);
  const maxRedeem = hasCustomer ? Math.max(0, Math.min(cap, available)) : 0;
  const want = requested === 'max' ? maxRedeem : requested;
  if (want > 0 && !hasCustomer) {
    throw new KopilkaError('REDEEM_WITHOUT_CUSTOMER', 'Списать бонусы можно только с картой или телефоном клиента', { requested: want });
  }
  if (want > available) {
    throw new KopilkaError('NOT_ENOUGH_BONUSES', `Недостаточно бонусов: доступно ${formatPoints(available)}, запрошено ${formatPoints(want)}`, {
      requested: want,
      available,
      maxRedeem,
    });
  }
  if (want > cap) {
    const pct = shareBp.length > 0 && shareBp.every((b) => b === shareBp[0]) ? ` (${shareBp[0]! / 100}% суммы чека)` : '';
    throw new KopilkaError('REDEEM_EXCEEDS_LIMIT', `Можно списать не больше ${formatPoints(cap)} бонусов${pct}`, {
      requested: want,
      maxRedeem,
      cap,
    });
  }
  return { cap, maxRedeem, redeemed: want, lines: want === 0 ? afterDiscount.map(() => 0) : apportion(want, weights) };
}
