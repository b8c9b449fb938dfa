import type { CheckTotals, LineResult, ParsedCheck } from '../check.ts';
import { formatPoints, formatRub } from '../errors.ts';
import { accrualLotTimes } from '../lots.ts';
import { localDate } from '../time-zone.ts';
import { effectiveLevel, type CompiledLevel, type CompiledProgram, type Gift } from '../program.ts';
import { accrue } from './accrual.ts';
import { lineDiscounts } from './discount.ts';
import { isExcluded, lineTerms } from './modifiers.ts';
import { planRedeem } from './redeem.ts';
import { referralReward } from './referral.ts';

// One check through the program: discount, bonus payment, accrual, gifts, referral reward and
// the level after it. Pure: the ledger supplies the customer's state and records the outcome.

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

export function evaluateCheck(p: CompiledProgram, check: ParsedCheck, customer: CustomerState | null): Evaluation {
  const lines = check.lines;
  const n = lines.length;
  const level = customer === null ? p.levels[0]! : effectiveLevel(p, customer.totalSpent, customer.assignedLevel);
  const amounts = lines.map((l) => l.amount);
  const eligible = lines.map((l) => customer !== null && !isExcluded(p, l));
  const amount = amounts.reduce((s, a) => s + a, 0);

  const discounts = lineDiscounts(level.discount, amounts, eligible);
  const afterDiscount = amounts.map((a, i) => a - discounts[i]!);
  const terms = lineTerms(p, check, customer === null ? null : level.code, level.maxRedeemBp);
  const redeem = planRedeem(
    check.redeem,
    afterDiscount,
    terms.map((t, i) => (eligible[i] ? t.maxRedeemBp : 0)),
    customer?.available ?? 0,
    customer !== null,
  );
  const base = afterDiscount.map((a, i) => (eligible[i] ? a - redeem.lines[i]! : 0));
  let progressiveAmount = 0;
  afterDiscount.forEach((a, i) => (progressiveAmount += eligible[i] ? a : 0));
  const accrual = customer === null ? { total: 0, lines: amounts.map(() => 0) } : accrue({ accrual: level.accrual, base, eligible, terms, progressiveAmount, rounding: p.source.rounding });

  const discount = discounts.reduce((s, d) => s + d, 0);
  const purchaseAmount = amount - discount;
  const levelAfter = customer === null ? level : effectiveLevel(p, customer.totalSpent + purchaseAmount, customer.assignedLevel);

  const gifts: Evaluation['gifts'] = [];
  if (customer !== null && customer.purchases === 0 && p.source.gifts.firstPurchase != null) gifts.push({ kind: 'firstPurchase', gift: p.source.gifts.firstPurchase });
  if (levelAfter.rank > level.rank && levelAfter.welcomeBonus !== null) gifts.push({ kind: 'levelWelcome', gift: levelAfter.welcomeBonus });
  const paid = base.reduce((s, b) => s + b, 0);
  const referral = customer === null ? null : referralReward(p, check, customer, paid);

  const activatesAt = accrualLotTimes(p.source, check.at).activatesAt;
  const tz = p.source.timezone;
  const messages: string[] = [];
  if (discount > 0) messages.push(`Скидка ${formatRub(discount)} по уровню «${level.name}»`);
  if (redeem.redeemed > 0) messages.push(`Списано ${formatPoints(redeem.redeemed)} бонусов`);
  if (accrual.total > 0) {
    messages.push(
      activatesAt > check.at
        ? `Начислено ${formatPoints(accrual.total)} бонусов, станут доступны ${ddmmyyyy(activatesAt, tz)}`
        : `Начислено ${formatPoints(accrual.total)} бонусов`,
    );
  }
  if (levelAfter.rank !== level.rank) messages.push(`Новый уровень: ${levelAfter.name}`);
  for (const g of gifts) {
    messages.push(g.kind === 'firstPurchase' ? `Подарок за первую покупку: ${formatPoints(g.gift.points)} бонусов` : `Подарок за новый уровень: ${formatPoints(g.gift.points)} бонусов`);
  }

  const out: LineResult[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { lineNo: lines[i]!.lineNo, discount: discounts[i]!, redeemed: redeem.lines[i]!, accrued: accrual.lines[i]! };
  return {
    level,
    levelAfter,
    purchaseAmount,
    lines: out,
    totals: {
      amount,
      discount,
      redeemed: redeem.redeemed,
      toPay: amount - discount - redeem.redeemed,
      accrued: accrual.total,
      maxRedeem: redeem.maxRedeem,
    },
    gifts,
    referral,
    activatesAt,
    messages,
  };
}
