import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSegment, type Segment } from '../audience.ts';
import { DAY_MS } from '../lots.ts';
import { compileProgram, parseProgram, type ProgramInput } from '../program.ts';
import { inSegment, yearsBefore } from './audience.ts';
import { evaluateCheck, type CustomerState } from './evaluate.ts';
import { check, customer, thrown } from './testkit.ts';

// A promotion's audience by segment: the pure rule field by field (with the campaigns' meaning
// of each: Ledger.segment), the program's validation of it, and two properties — the rule agrees
// with a plain model written from the definitions, and a promotion with a segment gives nothing
// to a customer outside it (and gives to every customer inside).

const AT = Date.parse('2026-11-22T12:00:00+03:00');
const TODAY = { at: AT, localDay: '2026-11-22' };
const seg = (s: Segment) => compileSegment(s);
const is = (s: Segment, c: Partial<CustomerState> | null, o: { level?: string; at?: typeof TODAY } = {}) =>
  inSegment(seg(s), c === null ? null : customer(c), o.level ?? 'base', o.at ?? TODAY);

describe('segment rule: each field as the campaigns read it, at the check\'s time', () => {
  it('an anonymous check is in no segment, not even an empty one; a named customer is in the empty one', () => {
    expect(is({}, null)).toBe(false);
    expect(is({}, {})).toBe(true);
  });

  it('levels (the level the check is priced at), sources and gender; an unknown source or gender is outside', () => {
    expect(is({ levels: ['gold'] }, {}, { level: 'gold' })).toBe(true);
    expect(is({ levels: ['gold'] }, {}, { level: 'base' })).toBe(false);
    expect(is({ sources: ['self', 'pos'] }, { source: 'pos' })).toBe(true);
    expect(is({ sources: ['self'] }, { source: 'pos' })).toBe(false);
    expect(is({ sources: ['self'] }, { source: null })).toBe(false);
    expect(is({ gender: 'female' }, { gender: 'female' })).toBe(true);
    expect(is({ gender: 'female' }, { gender: 'male' })).toBe(false);
    expect(is({ gender: 'female' }, { gender: null })).toBe(false);
  });

  it('purchases, revenue and balance: inclusive bounds', () => {
    expect([2, 3, 5, 6].map((n) => is({ minPurchases: 3, maxPurchases: 5 }, { purchases: n }))).toEqual([false, true, true, false]);
    expect([99_999, 100_000].map((s) => is({ minSpent: 100_000 }, { totalSpent: s }))).toEqual([false, true]);
    expect([50_000, 50_001].map((b) => is({ maxBalance: 50_000 }, { available: b }))).toEqual([true, false]);
  });

  it('average check: revenue ÷ purchases, exactly; a customer without purchases is outside either bound', () => {
    expect(is({ minAverageCheck: 1 }, { purchases: 0, totalSpent: 0 })).toBe(false);
    expect(is({ maxAverageCheck: 1_000_000 }, { purchases: 0, totalSpent: 0 })).toBe(false);
    expect(is({ minAverageCheck: 50_000 }, { purchases: 3, totalSpent: 150_000 })).toBe(true);
    expect(is({ minAverageCheck: 50_000 }, { purchases: 3, totalSpent: 149_999 })).toBe(false);
    expect(is({ maxAverageCheck: 33_333 }, { purchases: 3, totalSpent: 100_000 })).toBe(false); // 33 333,33…
  });

  it('days without a purchase from the check\'s time: never bought meets a minimum and fails a maximum', () => {
    const last = (days: number, ms = 0) => ({ lastPurchaseAt: AT - days * DAY_MS + ms });
    expect(is({ minDaysWithoutPurchase: 30 }, last(30))).toBe(true);
    expect(is({ minDaysWithoutPurchase: 30 }, last(30, 1))).toBe(false);
    expect(is({ maxDaysWithoutPurchase: 7 }, last(7))).toBe(true);
    expect(is({ maxDaysWithoutPurchase: 7 }, last(7, -1))).toBe(false);
    expect(is({ minDaysWithoutPurchase: 30 }, { lastPurchaseAt: null })).toBe(true);
    expect(is({ maxDaysWithoutPurchase: 30 }, { lastPurchaseAt: null })).toBe(false);
    // The same customer, judged at an older check (a till-closed one): fewer days had passed then.
    expect(is({ minDaysWithoutPurchase: 30 }, last(30), { at: { at: AT - DAY_MS, localDay: '2026-11-21' } })).toBe(false);
  });

  it('age in full years on the till\'s date: of age on the birthday; 29 February turns a year older on 1 March', () => {
    expect(is({ minAge: 18 }, { birthDate: '2008-11-22' })).toBe(true);
    expect(is({ minAge: 18 }, { birthDate: '2008-11-23' })).toBe(false);
    expect(is({ maxAge: 17 }, { birthDate: '2008-11-23' })).toBe(true);
    expect(is({ maxAge: 17 }, { birthDate: '2008-11-22' })).toBe(false);
    expect(is({ minAge: 18 }, { birthDate: null })).toBe(false);
    expect(is({ maxAge: 99 }, { birthDate: null })).toBe(false);
    const leap = { birthDate: '2008-02-29' };
    expect(is({ minAge: 19 }, leap, { at: { at: AT, localDay: '2027-02-28' } })).toBe(false);
    expect(is({ minAge: 19 }, leap, { at: { at: AT, localDay: '2027-03-01' } })).toBe(true);
    expect(yearsBefore('2028-02-29', 1)).toBe('2027-02-28');
  });
});

describe('segment in the program: validated, with messages an owner can act on', () => {
  const promo = (segment: unknown): ProgramInput => ({
    levels: [{ code: 'base', name: 'Базовая', threshold: 0, accrual: { type: 'percent', percent: 5 } }],
    promotions: [{ id: 'vip', name: 'Для своих', when: { segment } as never, effect: { type: 'percent', percent: 10 } }],
  });
  const message = (segment: unknown) => (thrown(() => parseProgram(promo(segment))) as Error).message;

  it('min above max is refused, naming the field and the bound', () => {
    expect(message({ minAge: 30, maxAge: 20 })).toContain('«promotions.0.when.segment.maxAge» — возраст: «от» (30) больше «до» (20)');
    expect(message({ minAverageCheck: 5, maxAverageCheck: 4 })).toContain('средний чек');
    expect(message({ minDaysWithoutPurchase: 10, maxDaysWithoutPurchase: 9 })).toContain('дней без покупок');
  });

  it('a name is not an audience for a promotion; unknown gender, negative or fractional bounds, empty lists are refused', () => {
    expect(message({ nameContains: 'Анна' })).toContain('promotions.0.when.segment');
    expect(message({ gender: 'f' })).toContain('пол: male или female');
    expect(message({ minPurchases: -1 })).toContain('minPurchases');
    expect(message({ minSpent: 1.5 })).toContain('minSpent');
    expect(message({ sources: [] })).toContain('источники: список пуст');
  });

  it('a valid segment compiles; a promotion without one has none', () => {
    const p = compileProgram(parseProgram(promo({ sources: ['self'], minAge: 18, maxAge: 18 })));
    expect(p.promotions[0]!.segment).toMatchObject({ sources: new Set(['self']), age: { min: 18, max: 18 }, purchases: null });
    const none = compileProgram(parseProgram({ ...promo(undefined), promotions: [{ id: 'a', name: 'А', effect: { type: 'percent', percent: 1 } }] }));
    expect(none.promotions[0]!.segment).toBeNull();
  });
});

// ── properties ─────────────────────────────────────────────────────────────────────────────

/** The definitions, written plainly: full years by month and day, days as elapsed time, averages by division. */
function model(s: Segment, c: CustomerState | null, level: string, at: number, today: string): boolean {
  if (c === null) return false;
  const inRange = (v: number, lo?: number, hi?: number) => (lo === undefined || v >= lo) && (hi === undefined || v <= hi);
  if (s.levels && !s.levels.includes(level)) return false;
  if (s.sources && !s.sources.includes(c.source as string)) return false;
  if (s.gender && c.gender !== s.gender) return false;
  if (!inRange(c.purchases, s.minPurchases, s.maxPurchases)) return false;
  if (!inRange(c.totalSpent, s.minSpent, s.maxSpent)) return false;
  if (!inRange(c.available, s.minBalance, s.maxBalance)) return false;
  if (s.minAverageCheck !== undefined || s.maxAverageCheck !== undefined) {
    if (c.purchases === 0 || !inRange(c.totalSpent / c.purchases, s.minAverageCheck, s.maxAverageCheck)) return false;
  }
  if (s.minDaysWithoutPurchase !== undefined || s.maxDaysWithoutPurchase !== undefined) {
    if (c.lastPurchaseAt === null) {
      if (s.maxDaysWithoutPurchase !== undefined) return false;
    } else if (!inRange((at - c.lastPurchaseAt) / DAY_MS, s.minDaysWithoutPurchase, s.maxDaysWithoutPurchase)) return false;
  }
  if (s.minAge !== undefined || s.maxAge !== undefined) {
    if (c.birthDate === null) return false;
    const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
    const [by, bm, bd] = c.birthDate.split('-').map(Number) as [number, number, number];
    const age = ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
    if (!inRange(age, s.minAge, s.maxAge)) return false;
  }
  return true;
}

const day = fc
  .record({ y: fc.integer({ min: 1930, max: 2030 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) })
  .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(Math.min(d, new Date(Date.UTC(y, m, 0)).getUTCDate())).padStart(2, '0')}`);
// Checks dated on any day, often on the edges of February.
const checkDay = fc.oneof(day.filter((d) => d >= '2000-01-01'), fc.constantFrom('2027-02-28', '2028-02-28', '2028-02-29', '2028-03-01', '2026-03-01'));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Two optional bounds, in order when both are given (the schema refuses the other way). */
const pair = (a: fc.Arbitrary<number>) => fc.tuple(opt(a), opt(a)).map(([x, y]) => (x !== undefined && y !== undefined && x > y ? [y, x] : [x, y]));

const segmentArb: fc.Arbitrary<Segment> = fc
  .record({
    levels: opt(fc.subarray(['base', 'gold'], { minLength: 1 })),
    sources: opt(fc.subarray(['pos', 'self', 'import'], { minLength: 1 })),
    gender: opt(fc.constantFrom('male' as const, 'female' as const)),
    purchases: pair(fc.integer({ min: 0, max: 20 })),
    spent: pair(fc.integer({ min: 0, max: 2_000_000 })),
    average: pair(fc.integer({ min: 0, max: 200_000 })),
    balance: pair(fc.integer({ min: 0, max: 100_000 })),
    days: pair(fc.integer({ min: 0, max: 400 })),
    age: pair(fc.integer({ min: 0, max: 90 })),
  })
  .map((r) => {
    const s: Record<string, unknown> = { levels: r.levels, sources: r.sources, gender: r.gender };
    const set = (k: string, [lo, hi]: (number | undefined)[]) => ((s[`min${k}`] = lo), (s[`max${k}`] = hi));
    set('Purchases', r.purchases), set('Spent', r.spent), set('AverageCheck', r.average), set('Balance', r.balance), set('DaysWithoutPurchase', r.days), set('Age', r.age);
    return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as Segment;
  });

const customerArb = fc.option(
  fc.record({
    purchases: fc.integer({ min: 0, max: 20 }),
    spentPer: fc.integer({ min: 0, max: 150_000 }),
    available: fc.integer({ min: 0, max: 100_000 }),
    source: fc.constantFrom('pos', 'self', 'import', null),
    gender: fc.constantFrom('male', 'female', null),
    birthDate: fc.option(day, { nil: null }),
    // Since the last purchase: whole days (the edges) or any time up to ~400 days.
    since: fc.option(fc.oneof(fc.integer({ min: 0, max: 400 }).map((d) => d * DAY_MS), fc.integer({ min: 0, max: 400 * DAY_MS })), { nil: null }),
    extra: fc.integer({ min: 0, max: 1_000 }),
  }),
  { nil: null },
);

const GOLD = 1_000_000;
const programWith = (segment: Segment) =>
  compileProgram(
    parseProgram({
      levels: [
        { code: 'base', name: 'Базовая', threshold: 0, accrual: { type: 'percent', percent: 5 } },
        { code: 'gold', name: 'Золотая', threshold: GOLD, accrual: { type: 'percent', percent: 7 } },
      ],
      promotions: [{ id: 'seg', name: 'Для сегмента', when: { segment }, effect: { type: 'percent', percent: 10 } }],
    }),
  );

describe('segment properties', () => {
  it('the rule agrees with the plain model, whatever the customer, segment and day', () => {
    fc.assert(
      fc.property(segmentArb, customerArb, checkDay, fc.integer({ min: 0, max: DAY_MS - 1 }), (s, r, today, msOfDay) => {
        const at = Date.parse(`${today}T00:00:00Z`) + msOfDay;
        const c =
          r === null
            ? null
            : customer({ purchases: r.purchases, totalSpent: r.purchases * r.spentPer + (r.purchases > 0 ? r.extra : 0), available: r.available, source: r.source, gender: r.gender, birthDate: r.birthDate, lastPurchaseAt: r.since === null ? null : at - r.since });
        const level = c !== null && c.totalSpent >= GOLD ? 'gold' : 'base';
        expect(inSegment(compileSegment(s), c, level, { at, localDay: today })).toBe(model(s, c, level, at, today));
      }),
      { numRuns: 3000 },
    );
  });

  it('a promotion with a segment gives to every customer inside it and to no one outside (an anonymous check included)', () => {
    fc.assert(
      fc.property(segmentArb, customerArb, checkDay, (s, r, today) => {
        const occurredAt = `${today}T12:00:00+03:00`;
        const at = Date.parse(occurredAt);
        const c =
          r === null
            ? null
            : customer({ purchases: r.purchases, totalSpent: r.purchases * r.spentPer, available: r.available, source: r.source, gender: r.gender, birthDate: r.birthDate, lastPurchaseAt: r.since === null ? null : at - r.since });
        const ev = evaluateCheck(programWith(s), check([{ amount: 50_000 }], { occurredAt, customer: c === null ? null : { id: c.id } }), c);
        const given = ev.lines[0]!.promotions?.some((g) => g.id === 'seg') ?? false;
        const level = c !== null && c.totalSpent >= GOLD ? 'gold' : 'base';
        expect(given).toBe(model(s, c, level, at, today));
      }),
      { numRuns: 1500 },
    );
  });
});
