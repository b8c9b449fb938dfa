import { z } from 'zod';
import { MAX_AMOUNT } from './check.ts';
import { idText } from './validation.ts';

// A promotion's audience by segment (`promotions[].when.segment`): the campaigns' vocabulary
// (CustomerSegment, Ledger.segment) applied to the customer a check names, judged by the pure
// rule in rules/audience.ts. Every field is optional and every bound inclusive; money in kopecks,
// balance in hundredths of a point, days and ages counted at the check's own time.
//
// `nameContains` is left out on purpose: a customer's name is free text the pricing rules never
// carry (their state travels to worker threads and into the pre-evaluation key), a discount by
// a substring of a name would change with a typo fixed in the profile, and an offer for a named
// person is a personal offer (boosts), not a promotion.

const count = z.number().int().min(0).max(1_000_000_000);
const money = z.number().int().min(0).max(MAX_AMOUNT);
const days = z.number().int().min(0).max(36_600);
const age = z.number().int().min(0).max(150);

/** The bounds a segment may set, with the words an owner reads in an error. */
export const SEGMENT_RANGES = [
  { key: 'Purchases', what: 'число покупок' },
  { key: 'Spent', what: 'сумма покупок' },
  { key: 'AverageCheck', what: 'средний чек' },
  { key: 'Balance', what: 'баланс' },
  { key: 'DaysWithoutPurchase', what: 'дней без покупок' },
  { key: 'Age', what: 'возраст' },
] as const;

export const segmentSchema = z
  .object({
    levels: z.array(idText(64)).min(1, 'уровни: список пуст — уберите поле или назовите уровни').max(50).optional(),
    /** Registration sources: `pos` (registered by a sale), `cashier`, `self`, `import`, `api`, a connector's name… */
    sources: z.array(idText(32)).min(1, 'источники: список пуст — уберите поле или назовите источники').max(50).optional(),
    gender: z.enum(['male', 'female'], { message: 'пол: male или female' }).optional(),
    minPurchases: count.optional(),
    maxPurchases: count.optional(),
    minSpent: money.optional(),
    maxSpent: money.optional(),
    minAverageCheck: money.optional(),
    maxAverageCheck: money.optional(),
    minBalance: money.optional(),
    maxBalance: money.optional(),
    minDaysWithoutPurchase: days.optional(),
    maxDaysWithoutPurchase: days.optional(),
    minAge: age.optional(),
    maxAge: age.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const r of SEGMENT_RANGES) {
      const lo = s[`min${r.key}`];
      const hi = s[`max${r.key}`];
      if (lo !== undefined && hi !== undefined && lo > hi) {
        ctx.addIssue({ code: 'custom', path: [`max${r.key}`], message: `${r.what}: «от» (${lo}) больше «до» (${hi}) — в сегмент не попадёт никто` });
      }
    }
  });

export type Segment = z.output<typeof segmentSchema>;

/** Inclusive bounds; null: no bound on that side. */
export interface Bounds {
  min: number | null;
  max: number | null;
}

export interface CompiledSegment {
  levels: Set<string> | null;
  sources: Set<string> | null;
  gender: string | null;
  purchases: Bounds | null;
  spent: Bounds | null;
  averageCheck: Bounds | null;
  balance: Bounds | null;
  daysWithoutPurchase: Bounds | null;
  age: Bounds | null;
}

function bounds(min: number | undefined, max: number | undefined): Bounds | null {
  return min === undefined && max === undefined ? null : { min: min ?? null, max: max ?? null };
}

export function compileSegment(s: Segment): CompiledSegment {
  return {
    levels: s.levels === undefined ? null : new Set(s.levels),
    sources: s.sources === undefined ? null : new Set(s.sources),
    gender: s.gender ?? null,
    purchases: bounds(s.minPurchases, s.maxPurchases),
    spent: bounds(s.minSpent, s.maxSpent),
    averageCheck: bounds(s.minAverageCheck, s.maxAverageCheck),
    balance: bounds(s.minBalance, s.maxBalance),
    daysWithoutPurchase: bounds(s.minDaysWithoutPurchase, s.maxDaysWithoutPurchase),
    age: bounds(s.minAge, s.maxAge),
  };
}
