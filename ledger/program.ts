import { z } from 'zod';
import { compileSegment, segmentSchema, type CompiledSegment } from './audience.ts';
import { MAX_AMOUNT } from './check.ts';
import { idText, lineText, parseInput } from './validation.ts';

// The loyalty program a tenant configures (PUT /v1/program). Percentages may carry two decimals
// and multipliers three; both are compiled to integers (basis points, thousandths) once, so the
// rules never multiply money by a float.

const decimals = (n: number) => (v: number) => Math.abs(v * 10 ** n - Math.round(v * 10 ** n)) < 1e-6;
const percent = z.number().min(0).max(100).refine(decimals(2), 'не больше двух знаков после запятой');
const multiplier = z.number().gt(0).max(100).refine(decimals(3), 'не больше трёх знаков после запятой');
const kopecks = z.number().int().min(0).max(MAX_AMOUNT);
const points = z.number().int().min(0).max(MAX_AMOUNT);
const days = z.number().int().min(0).max(3660);
// Codes name products, groups, stores, cashiers and levels: ids, so no NUL, lone surrogates or controls.
const code = idText(64);

const progressiveSteps = z
  .array(z.object({ from: kopecks, percent }).strict())
  .min(1)
  .max(50)
  .refine((s) => s.every((x, i) => i === 0 || x.from > s[i - 1]!.from), 'ступени по возрастанию «from»');

const accrualSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('percent'), percent }).strict(),
  z.object({ type: z.literal('perAmount'), every: kopecks.min(1), points }).strict(),
  z.object({ type: z.literal('progressive'), steps: progressiveSteps }).strict(),
]);

const discountSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('percent'), percent }).strict(),
  z.object({ type: z.literal('progressive'), steps: progressiveSteps }).strict(),
]);

const giftSchema = z.object({ points: points.min(1), ttlDays: days.min(1).nullish(), activationDays: days.default(0) }).strict();
const datedGiftSchema = giftSchema.extend({ daysBefore: days.max(60).default(0) }).strict();
const inactivitySchema = giftSchema.extend({ days: days.min(1) }).strict();

const levelSchema = z
  .object({
    code,
    name: lineText(128).min(1),
    threshold: kopecks,
    accrual: accrualSchema,
    discount: discountSchema.nullish().transform((d) => d ?? null),
    maxRedeemPercent: percent.default(100),
    welcomeBonus: giftSchema.nullish().transform((g) => g ?? null),
  })
  .strict();

const hhmm = z.number().int().min(0).max(24);
// What a modifier or a promotion may ask of a check (rules/modifiers.ts checkMatches, lineMatches).
const conditions = {
  productIds: z.array(code).max(10_000).optional(),
  groupIds: z.array(code).max(10_000).optional(),
  hours: z.object({ from: hhmm, to: hhmm }).strict().refine((h) => h.from !== h.to, 'часы «from» и «to» совпадают').optional(),
  weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
  paymentTypes: z.array(code).min(1).optional(),
  cashierIds: z.array(code).min(1).optional(),
  storeIds: z.array(code).min(1).optional(),
  levels: z.array(code).min(1).optional(),
};
const modifierSchema = z
  .object({
    when: z.object(conditions).strict(),
    accrualPercent: percent.optional(),
    accrualMultiplier: multiplier.optional(),
    maxRedeemPercent: percent.optional(),
    /** Bonuses for these lines become spendable after this many days (instead of the program's activationDays). */
    activationDays: days.optional(),
    /** …and burn this many days after accrual, whatever the program's expiry mode for its other bonuses. */
    lifetimeDays: days.min(1).optional(),
  })
  .strict()
  .refine(
    (m) => [m.accrualPercent, m.accrualMultiplier, m.maxRedeemPercent, m.activationDays, m.lifetimeDays].some((x) => x !== undefined),
    'модификатор ничего не меняет: нужен accrualPercent, accrualMultiplier, maxRedeemPercent, activationDays или lifetimeDays',
  )
  .refine((m) => m.lifetimeDays === undefined || m.activationDays === undefined || m.lifetimeDays > m.activationDays, {
    path: ['lifetimeDays'],
    message: 'бонусы сгорят раньше, чем станут доступны: lifetimeDays должен быть больше activationDays',
  });

// Promotions (rules/promotions.ts): a discount for a period, hours, stores, audience, goods, or a
// coupon, stacked by a declared rule. Quantities are in thousandths, like a check's lines.
const isoDay = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'дата ГГГГ-ММ-ДД');
const quantitySteps = z
  .array(z.object({ from: z.number().int().min(1).max(1_000_000_000), percent }).strict())
  .min(1)
  .max(50)
  .refine((s) => s.every((x, i) => i === 0 || x.from > s[i - 1]!.from), 'ступени по возрастанию «from»');
const promotionSchema = z
  .object({
    id: code,
    name: lineText(128).min(1),
    period: z.object({ from: isoDay, to: isoDay }).strict().refine((p) => p.from <= p.to, 'начало периода позже конца').optional(),
    /** `newCustomers`: only a customer's first purchase; `segment`: only customers of it (audience.ts). */
    when: z
      .object({ ...conditions, newCustomers: z.boolean().optional(), segment: segmentSchema.optional() })
      .strict()
      .default({}),
    /** Applies only with one of these coupon codes on the check (case does not matter). */
    coupons: z.array(code).min(1).max(10_000).optional(),
    /** Applies only with a code issued for it (POST /v1/promotions/:id/coupons): limited uses, spent once. */
    issuedCoupons: z.boolean().optional(),
    effect: z.discriminatedUnion('type', [
      z.object({ type: z.literal('percent'), percent }).strict(),
      z.object({ type: z.literal('byQuantity'), steps: quantitySteps }).strict(),
      z.object({ type: z.literal('bySum'), steps: progressiveSteps }).strict(),
      z.object({ type: z.literal('bundle'), productIds: z.array(code).min(2).max(20), percent }).strict(),
      /** A product given free: up to `quantity` (thousandths) of it on the check costs nothing. */
      z.object({ type: z.literal('gift'), productId: code, quantity: z.number().int().min(1).max(1_000_000).default(1000) }).strict(),
      /** Bonuses on top of the accrual (hundredths), for a customer's check. */
      z.object({ type: z.literal('bonus'), points: points.min(1).max(100_000_000) }).strict(),
    ]),
    stacking: z.enum(['combinable', 'best', 'exclusive']).default('combinable'),
    priority: z.number().int().min(-1000).max(1000).default(0),
    /** Stops applying once it has given this much discount (kopecks; a `bonus` one: its points, hundredths) or to this many checks (budgets.ts). */
    budget: z
      .object({ discount: z.number().int().min(1).max(1e15).optional(), uses: z.number().int().min(1).max(1e9).optional() })
      .strict()
      .refine((b) => b.discount !== undefined || b.uses !== undefined, 'бюджет акции: discount (копейки) или uses (чеков)')
      .optional(),
  })
  .strict();

const expirySchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('never') }).strict(),
  z.object({ mode: z.literal('afterAccrual'), days: days.min(1) }).strict(),
  z.object({ mode: z.literal('afterLastPurchase'), days: days.min(1) }).strict(),
  z
    .object({ mode: z.literal('dates'), dates: z.array(z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'дата MM-DD')).min(1).max(12) })
    .strict(),
]);

const referralSchema = z
  .object({
    reward: z.discriminatedUnion('type', [
      z.object({ type: z.literal('percent'), percent }).strict(),
      z.object({ type: z.literal('fixed'), points: points.min(1) }).strict(),
    ]),
    scope: z.enum(['firstPurchase', 'everyPurchase']).default('firstPurchase'),
    periodDays: days.min(1).default(365),
  })
  .strict();

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const programSchema = z
  .object({
    levels: z.array(levelSchema).min(1, 'нужен хотя бы один уровень').max(50),
    activationDays: days.default(0),
    expiry: expirySchema.default({ mode: 'never' }),
    rounding: z.enum(['floor', 'none']).default('floor'),
    exclusions: z
      .object({ productIds: z.array(code).max(100_000).default([]), groupIds: z.array(code).max(10_000).default([]) })
      .strict()
      .default({ productIds: [], groupIds: [] }),
    modifiers: z.array(modifierSchema).max(200).default([]),
    promotions: z.array(promotionSchema).max(200).default([]),
    /** Bonuses pay only for a check of at least this much, after discounts (kopecks); 0: any. */
    minCheckForRedeem: kopecks.default(0),
    gifts: z
      .object({
        registration: giftSchema.nullish(),
        selfRegistration: giftSchema.nullish(),
        firstPurchase: giftSchema.nullish(),
        birthday: datedGiftSchema.nullish(),
        relativeBirthday: datedGiftSchema.nullish(),
        inactivity: inactivitySchema.nullish(),
      })
      .strict()
      .default({}),
    referral: referralSchema.nullish().transform((r) => r ?? null),
    maxBackdateDays: days.default(90),
    timezone: z.string().default('Europe/Moscow').refine(isTimeZone, 'неизвестный часовой пояс IANA'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.expiry.mode === 'afterAccrual' && p.activationDays >= p.expiry.days) {
      ctx.addIssue({ code: 'custom', path: ['expiry', 'days'], message: 'бонусы сгорят раньше, чем станут доступны: срок должен быть больше activationDays' });
    }
    const promotionIds = new Set<string>();
    p.promotions.forEach((x, i) => {
      if (promotionIds.has(x.id)) ctx.addIssue({ code: 'custom', path: ['promotions', i, 'id'], message: 'код акции повторяется' });
      promotionIds.add(x.id);
    });
    const codes = new Set<string>();
    p.levels.forEach((l, i) => {
      if (codes.has(l.code)) ctx.addIssue({ code: 'custom', path: ['levels', i, 'code'], message: 'код уровня повторяется' });
      codes.add(l.code);
      if (i === 0 && l.threshold !== 0) ctx.addIssue({ code: 'custom', path: ['levels', 0, 'threshold'], message: 'у первого уровня порог 0' });
      if (i > 0 && l.threshold <= p.levels[i - 1]!.threshold)
        ctx.addIssue({ code: 'custom', path: ['levels', i, 'threshold'], message: 'пороги уровней должны возрастать' });
    });
  });

export type ProgramInput = z.input<typeof programSchema>;
export type Program = z.output<typeof programSchema>;
export type Level = Program['levels'][number];
export type Accrual = Level['accrual'];
export type Discount = NonNullable<Level['discount']>;
export type Modifier = Program['modifiers'][number];
export type Promotion = Program['promotions'][number];
export type Gift = z.output<typeof giftSchema>;
export type DatedGift = z.output<typeof datedGiftSchema>;
export type Expiry = Program['expiry'];

export function parseProgram(input: unknown): Program {
  return parseInput(programSchema, input, 'программа лояльности');
}

// ── compiled form: integers only ───────────────────────────────────────────────────────────

/** Percent as basis points: 10 → 1000, 2.5 → 250. */
export const bp = (percent: number): number => Math.round(percent * 100);
/** Multiplier as thousandths: 1.5 → 1500. */
export const milli = (m: number): number => Math.round(m * 1000);

export type CompiledAccrual =
  | { type: 'percent'; bp: number }
  | { type: 'perAmount'; every: number; points: number }
  | { type: 'progressive'; steps: { from: number; bp: number }[] };

export type CompiledDiscount = { type: 'percent'; bp: number } | { type: 'progressive'; steps: { from: number; bp: number }[] };

export interface CompiledLevel {
  code: string;
  name: string;
  threshold: number;
  rank: number;
  accrual: CompiledAccrual;
  discount: CompiledDiscount | null;
  maxRedeemBp: number;
  welcomeBonus: Gift | null;
}

/** A modifier's or a promotion's conditions, compiled. */
export type Conditions = Pick<CompiledModifier, 'productIds' | 'groupIds' | 'minutes' | 'weekdays' | 'paymentTypes' | 'cashierIds' | 'storeIds' | 'levels'>;

export interface CompiledModifier {
  productIds: Set<string> | null;
  groupIds: Set<string> | null;
  /** [from, to) in minutes of the local day; from > to wraps past midnight. */
  minutes: { from: number; to: number } | null;
  weekdays: Set<number> | null;
  paymentTypes: Set<string> | null;
  cashierIds: Set<string> | null;
  storeIds: Set<string> | null;
  levels: Set<string> | null;
  accrualBp: number | null;
  multiplierMilli: number | null;
  maxRedeemBp: number | null;
  activationDays: number | null;
  lifetimeDays: number | null;
}

export type CompiledEffect =
  | { type: 'percent'; bp: number }
  | { type: 'byQuantity'; steps: { from: number; bp: number }[] }
  | { type: 'bySum'; steps: { from: number; bp: number }[] }
  | { type: 'bundle'; productIds: string[]; bp: number }
  | { type: 'gift'; productId: string; quantity: number }
  | { type: 'bonus'; points: number };

export interface CompiledPromotion extends Conditions {
  id: string;
  name: string;
  period: { from: string; to: string } | null;
  newCustomers: boolean;
  /** Only customers of this segment (rules/audience.ts); null: anyone. */
  segment: CompiledSegment | null;
  /** Upper-cased codes; null: no coupon needed. */
  coupons: Set<string> | null;
  /** Needs a code issued for it, checked against storage by the ledger (coupons.ts). */
  issued: boolean;
  effect: CompiledEffect;
  stacking: 'combinable' | 'best' | 'exclusive';
  priority: number;
  /** Limits on what it may give in all (budgets.ts); null: none. */
  budget: { discount: number | null; uses: number | null } | null;
}

export interface CompiledProgram {
  source: Program;
  levels: CompiledLevel[];
  excludedProducts: Set<string>;
  excludedGroups: Set<string>;
  modifiers: CompiledModifier[];
  /** In the order they apply: priority high first, then id. */
  promotions: CompiledPromotion[];
}

const setOrNull = (a: string[] | undefined) => (a === undefined ? null : new Set(a));

export function compileProgram(p: Program): CompiledProgram {
  const compileSteps = (s: { from: number; percent: number }[]) => s.map((x) => ({ from: x.from, bp: bp(x.percent) }));
  return {
    source: p,
    levels: p.levels.map((l, rank) => ({
      code: l.code,
      name: l.name,
      threshold: l.threshold,
      rank,
      accrual:
        l.accrual.type === 'percent'
          ? { type: 'percent', bp: bp(l.accrual.percent) }
          : l.accrual.type === 'perAmount'
            ? { type: 'perAmount', every: l.accrual.every, points: l.accrual.points }
            : { type: 'progressive', steps: compileSteps(l.accrual.steps) },
      discount:
        l.discount === null
          ? null
          : l.discount.type === 'percent'
            ? { type: 'percent', bp: bp(l.discount.percent) }
            : { type: 'progressive', steps: compileSteps(l.discount.steps) },
      maxRedeemBp: bp(l.maxRedeemPercent),
      welcomeBonus: l.welcomeBonus,
    })),
    excludedProducts: new Set(p.exclusions.productIds),
    excludedGroups: new Set(p.exclusions.groupIds),
    modifiers: p.modifiers.map((m) => ({
      ...compileConditions(m.when),
      accrualBp: m.accrualPercent === undefined ? null : bp(m.accrualPercent),
      multiplierMilli: m.accrualMultiplier === undefined ? null : milli(m.accrualMultiplier),
      maxRedeemBp: m.maxRedeemPercent === undefined ? null : bp(m.maxRedeemPercent),
      activationDays: m.activationDays ?? null,
      lifetimeDays: m.lifetimeDays ?? null,
    })),
    promotions: p.promotions.map((x) => compilePromotion(x, compileSteps)).sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

function compileConditions(w: Modifier['when']): Conditions {
  return {
    productIds: setOrNull(w.productIds),
    groupIds: setOrNull(w.groupIds),
    minutes: w.hours ? { from: w.hours.from * 60, to: w.hours.to * 60 } : null,
    weekdays: w.weekdays ? new Set(w.weekdays) : null,
    paymentTypes: setOrNull(w.paymentTypes),
    cashierIds: setOrNull(w.cashierIds),
    storeIds: setOrNull(w.storeIds),
    levels: setOrNull(w.levels),
  };
}

function compilePromotion(x: Promotion, compileSteps: (s: { from: number; percent: number }[]) => { from: number; bp: number }[]): CompiledPromotion {
  const e = x.effect;
  return {
    id: x.id,
    name: x.name,
    period: x.period ?? null,
    ...compileConditions(x.when),
    newCustomers: x.when.newCustomers === true,
    segment: x.when.segment === undefined ? null : compileSegment(x.when.segment),
    coupons: x.coupons === undefined ? null : new Set(x.coupons.map((c) => c.toUpperCase())),
    issued: x.issuedCoupons === true,
    effect:
      e.type === 'percent'
        ? { type: 'percent', bp: bp(e.percent) }
        : e.type === 'bySum'
          ? { type: 'bySum', steps: compileSteps(e.steps) }
          : e.type === 'byQuantity'
            ? { type: 'byQuantity', steps: e.steps.map((s) => ({ from: s.from, bp: bp(s.percent) })) }
            : e.type === 'bundle'
              ? { type: 'bundle', productIds: e.productIds, bp: bp(e.percent) }
              : e,
    stacking: x.stacking,
    priority: x.priority,
    budget: x.budget === undefined ? null : { discount: x.budget.discount ?? null, uses: x.budget.uses ?? null },
  };
}

/** The level a purchase total earns: the highest whose threshold it reaches. */
export function levelForTotal(p: CompiledProgram, totalSpent: number): CompiledLevel {
  let level = p.levels[0]!;
  for (const l of p.levels) if (totalSpent >= l.threshold) level = l;
  return level;
}

export function levelByCode(p: CompiledProgram, code: string | null | undefined): CompiledLevel | undefined {
  return code == null ? undefined : p.levels.find((l) => l.code === code);
}

/**
 * A customer's level: what the purchase total earns, or a level the business assigned by hand
 * if that one is higher. Refunds can lower the earned level; an assigned level stays.
 */
export function effectiveLevel(p: CompiledProgram, totalSpent: number, assignedCode: string | null | undefined): CompiledLevel {
  const earned = levelForTotal(p, totalSpent);
  const assigned = levelByCode(p, assignedCode);
  return assigned !== undefined && assigned.rank > earned.rank ? assigned : earned;
}

/** The program a new tenant starts with; the README's demo and the tests' worked examples use it. */
export const DEFAULT_PROGRAM_INPUT: ProgramInput = {
  levels: [
    {
      code: 'standard',
      name: 'Стандартная',
      threshold: 0,
      accrual: { type: 'percent', percent: 10 },
      discount: null,
      maxRedeemPercent: 30,
    },
    {
      code: 'silver',
      name: 'Серебряная',
      threshold: 1_000_000,
      accrual: { type: 'percent', percent: 10 },
      discount: { type: 'percent', percent: 3 },
      maxRedeemPercent: 50,
    },
  ],
  activationDays: 14,
  expiry: { mode: 'afterAccrual', days: 30 },
  rounding: 'floor',
};
