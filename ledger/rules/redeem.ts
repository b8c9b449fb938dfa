import { KopilkaError, formatBonuses, formatPoints } from '../errors.ts';
import { apportion } from './apportion.ts';

// Paying with bonuses. Each line may be paid up to its share (basis points of what is left after
// the discount; excluded lines not at all); the check's cap is the exact sum of those shares,
// floored to a kopeck. One point-hundredth pays one kopeck.
//
// The payment is split over lines by largest remainder with the lines' exact shares as weights,
// so the parts add up to the payment, and a line gets at most its exact share rounded up to a
// kopeck (never more than the line costs, since a share is at most 100%).

export interface RedeemPlan {
  /** The program's cap for this check, whatever the balance. */
  cap: number;
  /** What this customer may pay now: min(cap, balance); 0 without a customer. */
  maxRedeem: number;
  redeemed: number;
  /** The payment split over lines in proportion to their shares (largest remainder). */
  lines: number[];
}

/** 3000 bp → "30", 2550 → "25,5", 1234 → "12,34". */
export function formatPercent(bp: number): string {
  const whole = Math.floor(bp / 100);
  const frac = bp % 100;
  return frac === 0 ? String(whole) : `${whole},${String(frac).padStart(2, '0').replace(/0$/, '')}`;
}

/**
 * The one share every line that may be paid with bonuses has, and whether that is every line of
 * the check (then the cap is that percent of the check after discounts); null when they differ.
 */
function uniformShare(afterDiscount: readonly number[], shareBp: readonly number[]): { bp: number; wholeCheck: boolean } | null {
  let bp = -1;
  let wholeCheck = true;
  for (let i = 0; i < shareBp.length; i++) {
    if (afterDiscount[i]! === 0) continue;
    const s = shareBp[i]!;
    if (s === 0) {
      wholeCheck = false;
      continue;
    }
    if (bp === -1) bp = s;
    else if (bp !== s) return null;
  }
  return bp === -1 ? null : { bp, wholeCheck };
}

function limitMessage(cap: number, afterDiscount: readonly number[], shareBp: readonly number[]): { message: string; percent: number | null } {
  const u = uniformShare(afterDiscount, shareBp);
  const percent = u === null ? (cap === 0 ? 0 : null) : u.bp / 100;
  if (cap === 0) return { message: 'Этот чек нельзя оплатить бонусами', percent };
  if (u === null) return { message: `Можно списать не больше ${formatBonuses(cap, { genitive: true })}`, percent };
  const where = u.wholeCheck ? 'суммы чека' : 'суммы товаров, которые можно оплатить бонусами';
  return { message: `Можно списать не больше ${formatBonuses(cap, { genitive: true })} (${formatPercent(u.bp)}% ${where})`, percent };
}

/**
 * @param requested hundredths of a point, or 'max' for everything allowed.
 * @param afterDiscount per line: amount − discount (kopecks).
 * @param shareBp per line: the most of it bonuses may pay, in basis points (0 for excluded lines).
 * @throws KopilkaError REDEEM_WITHOUT_CUSTOMER, NOT_ENOUGH_BONUSES, REDEEM_EXCEEDS_LIMIT.
 */
export function planRedeem(
  requested: number | 'max',
  afterDiscount: readonly number[],
  shareBp: readonly number[],
  available: number,
  hasCustomer: boolean,
): RedeemPlan {
  const n = afterDiscount.length;
  const weights: bigint[] = new Array(n);
  let sum = 0n;
  for (let i = 0; i < n; i++) {
    const w = BigInt(afterDiscount[i]!) * BigInt(shareBp[i]!);
    weights[i] = w;
    sum += w;
  }
  const cap = Number(sum / 10000n);
  const maxRedeem = hasCustomer ? Math.max(0, Math.min(cap, available)) : 0;
  const want = requested === 'max' ? maxRedeem : requested;
  if (want > 0 && !hasCustomer) {
    throw new KopilkaError('REDEEM_WITHOUT_CUSTOMER', 'Списать бонусы можно только с картой или телефоном клиента', { requested: want });
  }
  if (want > available) {
    throw new KopilkaError('NOT_ENOUGH_BONUSES', `Недостаточно бонусов: доступно ${formatPoints(Math.max(0, available))}, запрошено ${formatPoints(want)}`, {
      requested: want,
      available,
      maxRedeem,
    });
  }
  if (want > cap) {
    const { message, percent } = limitMessage(cap, afterDiscount, shareBp);
    throw new KopilkaError('REDEEM_EXCEEDS_LIMIT', message, { requested: want, maxRedeem, maxRedeemPercent: percent, cap });
  }
  return { cap, maxRedeem, redeemed: want, lines: want === 0 ? new Array<number>(n).fill(0) : apportion(want, weights) };
}
