import type { Boost } from '../boosts.ts';
import type { CheckTotals, LineResult, ParsedCheck } from '../check.ts';
import { formatBonuses, formatPoints, formatRub } from '../errors.ts';
import { accrualLotTimes, ruleLotTimes } from '../lots.ts';
import { effectiveLevel, type CompiledLevel, type CompiledProgram, type Gift } from '../program.ts';
import { localDate } from '../time-zone.ts';
import type { PromotionOutcome } from './promotions.ts';
import { referralReward } from './referral.ts';

// What follows once a check is priced, whoever priced it (Kopilka's rules or the till): the
// level the purchase reaches, gifts, the referrer's reward, when the accrual activates, and the
// cashier's messages.

export interface CustomerState {
  id: string;
  totalSpent: number;
  purchases: number;
  assignedLevel: string | null;
  /** Bonuses the customer may spend now. */
  available: number;
  pending: number;
  referrerId: string | null;
  registeredAt: number;
  /** What a promotion's segment asks of the customer (rules/audience.ts); null: never told. */
  source: string | null;
  gender: string | null;
  /** YYYY-MM-DD. */
  birthDate: string | null;
  /** When the last purchase was made (the check's time), ms; null: never bought. */
  lastPurchaseAt: number | null;
  /** Personal offers (boosts.ts); the rules use those running at the check's time. */
  boosts?: readonly Boost[];
}

export interface Evaluation {
  /** The level the check is priced at: the customer's level before it. */
  level: CompiledLevel;
  /** The level once this purchase counts: a threshold is reached right after the crossing check. */
  levelAfter: CompiledLevel;
  /** What the check adds to the customer's purchase total: amount − discount. */
  purchaseAmount: number;
  lines: LineResult[];
  totals: CheckTotals;
  gifts: { kind: 'firstPurchase' | 'levelWelcome'; gift: Gift }[];
  referral: { referrerId: string; points: number } | null;
  activatesAt: number;
  messages: string[];
  /** An issued coupon the check used (one use is spent when it is recorded), or null. */
  couponUsed: string | null;
  /** Per line, bonuses' own activation and lifetime (modifiers); null when every line's follow the program. */
  lotTerms: LotTerms[] | null;
}

export interface LotTerms {
  activationDays: number | null;
  lifetimeDays: number | null;
}

/** The lines' own lot terms, or null when none has any (the usual case: one lot per check). */
export function lotTermsOf(terms: readonly LotTerms[]): LotTerms[] | null {
  if (terms.every((t) => t.activationDays === null && t.lifetimeDays === null)) return null;
  return terms.map((t) => ({ activationDays: t.activationDays, lifetimeDays: t.lifetimeDays }));
}

/** A priced check: per line what it was discounted, paid with bonuses and accrued. */
export interface Priced {
  level: CompiledLevel;
  amount: number;
  discounts: readonly number[];
  redeemed: { total: number; lines: readonly number[]; maxRedeem: number };
  accrual: { total: number; lines: readonly number[] };
  /** Money the customer paid on lines that earn bonuses (the referrer's reward is a share of it). */
  paid: number;
  /** Till-priced only: the bonus payment the till took that the customer's balance did not cover. */
  shortfall?: number;
  /** What promotions gave (part of `discounts`), when the program has any or the check a coupon. */
  promotions?: PromotionOutcome | null;
  lotTerms?: LotTerms[] | null;
}

// Formatting a date through Intl costs more than the rest of a check's rules; checks of one
// minute share the answer.
let lastDate = { minute: -1, timeZone: '', text: '' };
function ddmmyyyy(at: number, timeZone: string): string {
  const minute = Math.floor(at / 60_000);
  if (lastDate.minute === minute && lastDate.timeZone === timeZone) return lastDate.text;
  const d = localDate(at, timeZone);
  const text = `${String(d.day).padStart(2, '0')}.${String(d.month).padStart(2, '0')}.${d.year}`;
  lastDate = { minute, timeZone, text };
  return text;
}

/**
 * «Начислено N бонусов» and when they become spendable. Lines under a modifier's own activation
 * (bonuses for promotional goods spendable at once) say their part apart: the program's date for
 * the whole accrual would tell the customer that bonuses already spendable are not.
 */
function accrualMessage(p: CompiledProgram, check: ParsedCheck, accrual: Priced['accrual'], lotTerms: readonly LotTerms[] | null, activatesAt: number): string {
  const when = (at: number) => (at > check.at ? `станут доступны ${ddmmyyyy(at, p.source.timezone)}` : 'доступны сразу');
  const byTime = new Map<number, number>();
  if (lotTerms === null) byTime.set(activatesAt, accrual.total);
  else {
    accrual.lines.forEach((x, i) => {
      if (x === 0) return;
      const at = ruleLotTimes(p.source, check.at, lotTerms[i]!).activatesAt;
      byTime.set(at, (byTime.get(at) ?? 0) + x);
    });
  }
  const head = `Начислено ${formatBonuses(accrual.total)}`;
  if (byTime.size <= 1) {
    const at = byTime.size === 0 ? activatesAt : [...byTime.keys()][0]!;
    return at > check.at ? `${head}, ${when(at)}` : head;
  }
  return `${head}: ${[...byTime].sort((a, b) => a[0] - b[0]).map(([at, x]) => `${formatPoints(x)} ${when(at)}`).join(', ')}`;
}

export function completeEvaluation(p: CompiledProgram, check: ParsedCheck, customer: CustomerState | null, priced: Priced): Evaluation {
  const { level, amount, redeemed, accrual } = priced;
  const discount = priced.discounts.reduce((s, d) => s + d, 0);
  const purchaseAmount = amount - discount;
  const levelAfter = customer === null ? level : effectiveLevel(p, customer.totalSpent + purchaseAmount, customer.assignedLevel);

  const gifts: Evaluation['gifts'] = [];
  if (customer !== null && customer.purchases === 0 && p.source.gifts.firstPurchase != null) gifts.push({ kind: 'firstPurchase', gift: p.source.gifts.firstPurchase });
  if (levelAfter.rank > level.rank && levelAfter.welcomeBonus !== null) gifts.push({ kind: 'levelWelcome', gift: levelAfter.welcomeBonus });
  const referral = customer === null ? null : referralReward(p, check, customer, priced.paid);

  const activatesAt = accrualLotTimes(p.source, check.at).activatesAt;
  const shortfall = priced.shortfall ?? 0;
  const promo = priced.promotions ?? null;
  const messages: string[] = promo === null ? [] : [...promo.messages];
  const levelDiscount = promo === null ? discount : discount - promo.discounts.reduce((s, d) => s + d, 0);
  if (levelDiscount > 0) messages.push(`Скидка ${formatRub(levelDiscount)} по уровню «${level.name}»`);
  if (redeemed.total > 0) messages.push(`Списано ${formatBonuses(redeemed.total)}`);
  if (shortfall > 0) messages.push(`Не хватило ${formatBonuses(shortfall, { genitive: true })} для оплаты, принятой кассой: чек передан на разбор`);
  if (accrual.total > 0) messages.push(accrualMessage(p, check, accrual, priced.lotTerms ?? null, activatesAt));
  if (levelAfter.rank !== level.rank) messages.push(`Новый уровень: ${levelAfter.name}`);
  for (const g of gifts) {
    messages.push(g.kind === 'firstPurchase' ? `Подарок за первую покупку: ${formatBonuses(g.gift.points)}` : `Подарок за новый уровень: ${formatBonuses(g.gift.points)}`);
  }

  const n = check.lines.length;
  const lines: LineResult[] = new Array(n);
  for (let i = 0; i < n; i++) {
    lines[i] = { lineNo: check.lines[i]!.lineNo, discount: priced.discounts[i]!, redeemed: redeemed.lines[i]!, accrued: accrual.lines[i]! };
    if (promo !== null && promo.byLine[i]!.length > 0) lines[i]!.promotions = promo.byLine[i]!;
  }
  const totals: CheckTotals = {
    amount,
    discount,
    redeemed: redeemed.total,
    // What the customer paid in money: the shortfall was taken off by the till all the same.
    toPay: amount - discount - redeemed.total - shortfall,
    accrued: accrual.total,
    maxRedeem: redeemed.maxRedeem,
  };
  if (priced.shortfall !== undefined) totals.shortfall = priced.shortfall;
  return { level, levelAfter, purchaseAmount, lines, totals, gifts, referral, activatesAt, messages, couponUsed: promo?.couponUsed ?? null, lotTerms: priced.lotTerms ?? null };
}
