// The program editor's form ↔ the program on the wire (ledger/program.ts). The form mirrors the
// program's own shape, so that a server error's path (`promotions.1.period.from`) is the form's
// field name as it stands; only the units differ: rubles for kopecks, points for hundredths,
// pieces for thousandths. Whatever the form does not show (a welcome bonus's lifetime, unknown
// conditions of a promotion, a future setting) is copied from the program it was loaded from.

export type Program = Record<string, any> & { levels: any[] };
type Any = Record<string, any>;

const rub = (k: number | null | undefined) => (k == null ? null : k / 100);
const kop = (r: number | null | undefined) => Math.round(Number(r ?? 0) * 100);
const pts = rub;
const hundredths = kop;
/** An empty list is "no condition": the schema wants a condition absent, not empty. */
const list = <T>(a: T[] | null | undefined): T[] | undefined => (a && a.length > 0 ? a : undefined);
const GIFTS = ['registration', 'selfRegistration', 'firstPurchase', 'birthday', 'relativeBirthday', 'inactivity'] as const;

const stepsIn = (s: Any[] | undefined) => (s ?? []).map((x) => ({ from: rub(x.from), percent: x.percent }));
const stepsOut = (s: Any[] | undefined) => (s ?? []).map((x) => ({ from: kop(x.from), percent: x.percent }));

function levelIn(l: Any): Any {
  const a = l.accrual ?? { type: 'percent', percent: 0 };
  const d = l.discount;
  return {
    source: l,
    code: l.code,
    name: l.name,
    threshold: rub(l.threshold),
    // The other kinds' fields start filled, so that switching the kind shows something to edit.
    accrual: { type: a.type, percent: a.percent ?? 5, every: rub(a.every) ?? 100, points: pts(a.points) ?? 1, steps: a.steps ? stepsIn(a.steps) : [{ from: 0, percent: a.percent ?? 5 }] },
    discount: { type: d ? d.type : 'none', percent: d?.percent ?? 3, steps: d?.steps ? stepsIn(d.steps) : [{ from: 0, percent: d?.percent ?? 3 }] },
    maxRedeemPercent: l.maxRedeemPercent ?? 100,
    welcome: pts(l.welcomeBonus?.points),
  };
}

function levelOut(l: Any): Any {
  const a = l.accrual;
  const accrual = a.type === 'perAmount' ? { type: 'perAmount', every: kop(a.every), points: hundredths(a.points) } : a.type === 'progressive' ? { type: 'progressive', steps: stepsOut(a.steps) } : { type: 'percent', percent: a.percent ?? 0 };
  const d = l.discount;
  const discount = d.type === 'percent' ? { type: 'percent', percent: d.percent ?? 0 } : d.type === 'progressive' ? { type: 'progressive', steps: stepsOut(d.steps) } : null;
  const welcomeBonus = l.welcome ? { ...(l.source?.welcomeBonus ?? {}), points: hundredths(l.welcome) } : null;
  return { ...(l.source ?? {}), code: l.code, name: l.name, threshold: kop(l.threshold), accrual, discount, maxRedeemPercent: l.maxRedeemPercent ?? 100, welcomeBonus };
}

function giftIn(g: Any | null | undefined): Any {
  return { on: !!g, points: pts(g?.points) ?? 100, ttlDays: g?.ttlDays ?? null, activationDays: g?.activationDays ?? 0, daysBefore: g?.daysBefore ?? 0, days: g?.days ?? 90 };
}

function giftOut(kind: (typeof GIFTS)[number], g: Any): Any | undefined {
  if (!g.on) return undefined;
  const base: Any = { points: hundredths(g.points), ttlDays: g.ttlDays ?? undefined, activationDays: g.activationDays ?? 0 };
  if (kind === 'birthday' || kind === 'relativeBirthday') base.daysBefore = g.daysBefore ?? 0;
  if (kind === 'inactivity') base.days = g.days;
  return base;
}

const CONDITIONS = ['productIds', 'groupIds', 'weekdays', 'paymentTypes', 'cashierIds', 'storeIds', 'levels'] as const;

function whenIn(w: Any | undefined): Any {
  return { ...Object.fromEntries(CONDITIONS.map((k) => [k, w?.[k] ?? []])), hoursOn: !!w?.hours, hours: w?.hours ?? { from: 9, to: 12 }, newCustomers: w?.newCustomers ?? false };
}

function whenOut(source: Any | undefined, w: Any, promotion: boolean): Any {
  const out: Any = { ...(source ?? {}) };
  for (const k of CONDITIONS) out[k] = list(w[k]);
  out.hours = w.hoursOn ? { from: w.hours.from, to: w.hours.to } : undefined;
  if (promotion) out.newCustomers = w.newCustomers ? true : undefined;
  if (promotion) out.segment = segmentOut(source?.segment, w);
  return out;
}

// A promotion's audience by segment (ledger/audience.ts): the switch says whether there is one
// (an empty segment is «any customer the check names»); bounds in rubles and points on the form.
// Its levels are not shown (the promotion's own «Уровни клиентов» say the same) and are kept.
const SEGMENT_COUNTS = ['Purchases', 'DaysWithoutPurchase', 'Age'] as const;
const SEGMENT_MONEY = ['Spent', 'AverageCheck', 'Balance'] as const;
const BOUNDS = (k: string) => [`min${k}`, `max${k}`];

function segmentIn(s: Any | undefined): Any {
  const f: Any = { sources: s?.sources ?? [], gender: s?.gender ?? '' };
  for (const k of SEGMENT_COUNTS.flatMap(BOUNDS)) f[k] = s?.[k] ?? null;
  for (const k of SEGMENT_MONEY.flatMap(BOUNDS)) f[k] = rub(s?.[k]);
  return { segmentOn: !!s, segment: f };
}

function segmentOut(source: Any | undefined, w: Any): Any | undefined {
  if (!w.segmentOn) return undefined;
  const f = w.segment ?? {};
  const out: Any = { ...(source ?? {}), sources: list(f.sources), gender: f.gender || undefined };
  for (const k of SEGMENT_COUNTS.flatMap(BOUNDS)) out[k] = f[k] == null ? undefined : f[k];
  for (const k of SEGMENT_MONEY.flatMap(BOUNDS)) out[k] = f[k] == null ? undefined : kop(f[k]);
  return out;
}

function effectIn(e: Any): Any {
  return {
    type: e.type,
    percent: e.percent ?? null,
    sumSteps: e.type === 'bySum' ? stepsIn(e.steps) : [{ from: 1000, percent: 5 }],
    qtySteps: e.type === 'byQuantity' ? e.steps.map((s: Any) => ({ from: s.from / 1000, percent: s.percent })) : [{ from: 2, percent: 10 }],
    productIds: e.productIds ?? [],
    giftProductId: e.type === 'gift' ? e.productId : '',
    giftQuantity: e.type === 'gift' ? (e.quantity ?? 1000) / 1000 : 1,
    bonusPoints: e.type === 'bonus' ? pts(e.points) : 50,
  };
}

function effectOut(e: Any): Any {
  if (e.type === 'bySum') return { type: 'bySum', steps: stepsOut(e.sumSteps) };
  if (e.type === 'byQuantity') return { type: 'byQuantity', steps: (e.qtySteps ?? []).map((s: Any) => ({ from: Math.round(Number(s.from) * 1000), percent: s.percent })) };
  if (e.type === 'bundle') return { type: 'bundle', productIds: e.productIds ?? [], percent: e.percent ?? 0 };
  if (e.type === 'gift') return { type: 'gift', productId: e.giftProductId ?? '', quantity: Math.round(Number(e.giftQuantity ?? 1) * 1000) };
  if (e.type === 'bonus') return { type: 'bonus', points: hundredths(e.bonusPoints) };
  return { type: 'percent', percent: e.percent ?? 0 };
}

export function toForm(p: Program): Any {
  const r = p.referral;
  return {
    levels: p.levels.map(levelIn),
    activationDays: p.activationDays ?? 0,
    expiry: { mode: p.expiry?.mode ?? 'never', days: p.expiry?.days ?? 30, dates: p.expiry?.dates ?? [] },
    rounding: p.rounding ?? 'floor',
    minCheckForRedeem: rub(p.minCheckForRedeem ?? 0),
    maxBackdateDays: p.maxBackdateDays ?? 90,
    timezone: p.timezone ?? 'Europe/Moscow',
    gifts: Object.fromEntries(GIFTS.map((k) => [k, giftIn(p.gifts?.[k])])),
    referral: { on: !!r, reward: { type: r?.reward.type ?? 'fixed', percent: r?.reward.percent ?? 5, points: pts(r?.reward.points) ?? 100 }, scope: r?.scope ?? 'firstPurchase', periodDays: r?.periodDays ?? 365 },
    exclusions: { productIds: p.exclusions?.productIds ?? [], groupIds: p.exclusions?.groupIds ?? [] },
    modifiers: (p.modifiers ?? []).map((m: Any) => ({ source: m, when: whenIn(m.when), accrualPercent: m.accrualPercent ?? null, accrualMultiplier: m.accrualMultiplier ?? null, maxRedeemPercent: m.maxRedeemPercent ?? null, activationDays: m.activationDays ?? null, lifetimeDays: m.lifetimeDays ?? null })),
    promotions: (p.promotions ?? []).map((x: Any) => ({
      source: x,
      id: x.id,
      name: x.name,
      periodOn: !!x.period,
      period: x.period ?? { from: '', to: '' },
      when: { ...whenIn(x.when), ...segmentIn(x.when?.segment) },
      coupons: x.coupons ?? [],
      issuedCoupons: x.issuedCoupons ?? false,
      effect: effectIn(x.effect),
      stacking: x.stacking ?? 'combinable',
      priority: x.priority ?? 0,
    })),
  };
}

export function fromForm(p: Program, v: Any): Program {
  const nullIfEmpty = (n: number | null | undefined) => (n == null ? undefined : n);
  const e = v.expiry;
  const expiry = e.mode === 'never' ? { mode: 'never' } : e.mode === 'dates' ? { mode: 'dates', dates: e.dates ?? [] } : { mode: e.mode, days: e.days };
  const r = v.referral;
  return {
    ...p,
    levels: v.levels.map(levelOut),
    activationDays: v.activationDays ?? 0,
    expiry,
    rounding: v.rounding,
    minCheckForRedeem: kop(v.minCheckForRedeem),
    maxBackdateDays: v.maxBackdateDays ?? 90,
    timezone: v.timezone,
    gifts: { ...(p.gifts ?? {}), ...Object.fromEntries(GIFTS.map((k) => [k, giftOut(k, v.gifts[k])])) },
    referral: r.on ? { reward: r.reward.type === 'percent' ? { type: 'percent', percent: r.reward.percent ?? 0 } : { type: 'fixed', points: hundredths(r.reward.points) }, scope: r.scope, periodDays: r.periodDays } : null,
    exclusions: { ...(p.exclusions ?? {}), productIds: v.exclusions.productIds ?? [], groupIds: v.exclusions.groupIds ?? [] },
    modifiers: (v.modifiers ?? []).map((m: Any) => ({
      ...(m.source ?? {}),
      when: whenOut(m.source?.when, m.when, false),
      accrualPercent: nullIfEmpty(m.accrualPercent),
      accrualMultiplier: nullIfEmpty(m.accrualMultiplier),
      maxRedeemPercent: nullIfEmpty(m.maxRedeemPercent),
      activationDays: nullIfEmpty(m.activationDays),
      lifetimeDays: nullIfEmpty(m.lifetimeDays),
    })),
    promotions: (v.promotions ?? []).map((x: Any) => ({
      ...(x.source ?? {}),
      id: x.id,
      name: x.name,
      period: x.periodOn ? { from: x.period.from, to: x.period.to } : undefined,
      when: whenOut(x.source?.when, x.when, true),
      coupons: list(x.coupons),
      issuedCoupons: x.issuedCoupons ? true : undefined,
      effect: effectOut(x.effect),
      stacking: x.stacking,
      priority: x.priority ?? 0,
    })),
  };
}

/**
 * The form field a server error names: the longest registered field its path starts with
 * (`levels.0.accrual.steps.1.from` → that step's «from»; `gifts.birthday` → the gift's points).
 * Paths inside a promotion's effect name the form's own step lists.
 */
export function fieldOfPath(path: string, registered: (string | number)[][]): (string | number)[] | null {
  const parts: (string | number)[] = path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const key = (n: (string | number)[]) => n.join('.');
  const ei = parts.indexOf('effect');
  if (parts[0] === 'promotions' && ei > 0 && parts[ei + 1] === 'steps') {
    // The form keeps a promotion's steps by kind: whichever of the two lists is on the page.
    const shown = registered.some((r) => key(r).startsWith(`${key(parts.slice(0, ei + 1))}.qtySteps`));
    parts.splice(ei + 1, 1, shown ? 'qtySteps' : 'sumSteps');
  }
  const known = new Set(registered.map(key));
  for (let n = parts.length; n > 0; n--) {
    const cand = parts.slice(0, n);
    if (known.has(key(cand))) return cand;
    // A whole object or a union (`accrual`, `gifts.birthday`): its first field shown.
    const inside = registered.find((r) => key(r).startsWith(`${key(cand)}.`));
    if (inside) return inside;
  }
  return null;
}
