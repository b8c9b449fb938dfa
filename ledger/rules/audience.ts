import type { Bounds, CompiledSegment } from '../audience.ts';
import { DAY_MS } from '../lots.ts';
import type { CustomerState } from './outcome.ts';

// Whether the customer a check names is in a promotion's segment (ledger/audience.ts), with the
// meaning the campaigns' SQL gives each field (Ledger.segment), but at the check's own time:
// days and ages count from `check.at` and the till's date, never the clock, so a calculate and
// its commit agree and a check the till closed long ago is judged as of when it was closed.
//
//   - an anonymous check is in no segment;
//   - levels: the level the check is priced at;
//   - sources, gender, age: a customer without one (never told) is outside any bound on it;
//   - average check: revenue ÷ purchases, compared without dividing; no purchases: outside;
//   - days without a purchase: never bought matches a minimum and fails a maximum;
//   - balance: the bonuses the customer may spend at the check.

function within(b: Bounds | null, v: number): boolean {
  return b === null || ((b.min === null || v >= b.min) && (b.max === null || v <= b.max));
}

/** `day` (YYYY-MM-DD) `years` earlier, the 29th of February becoming the 28th, as Postgres does. */
export function yearsBefore(day: string, years: number): string {
  const y = Number(day.slice(0, 4)) - years;
  const m = Number(day.slice(5, 7));
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const d = Math.min(Number(day.slice(8, 10)), last);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function averageWithin(b: Bounds | null, spent: number, purchases: number): boolean {
  if (b === null) return true;
  if (purchases <= 0) return false;
  // total ≥ min × purchases: exact in bigint, where min × purchases may pass 2^53.
  const total = BigInt(spent);
  const n = BigInt(purchases);
  return (b.min === null || total >= BigInt(b.min) * n) && (b.max === null || total <= BigInt(b.max) * n);
}

function daysWithout(b: Bounds | null, lastPurchaseAt: number | null, at: number): boolean {
  if (b === null) return true;
  if (lastPurchaseAt === null) return b.max === null;
  return (b.min === null || lastPurchaseAt <= at - b.min * DAY_MS) && (b.max === null || lastPurchaseAt >= at - b.max * DAY_MS);
}

function ageWithin(b: Bounds | null, birthDate: string | null, today: string): boolean {
  if (b === null) return true;
  if (birthDate === null) return false;
  // Of age `min` on the birthday itself; younger than max + 1 up to the day before it.
  return (b.min === null || birthDate <= yearsBefore(today, b.min)) && (b.max === null || birthDate > yearsBefore(today, b.max + 1));
}

export function inSegment(s: CompiledSegment, customer: CustomerState | null, levelCode: string | null, check: { at: number; localDay: string }): boolean {
  if (customer === null) return false;
  if (s.levels !== null && (levelCode === null || !s.levels.has(levelCode))) return false;
  if (s.sources !== null && (customer.source === null || !s.sources.has(customer.source))) return false;
  if (s.gender !== null && customer.gender !== s.gender) return false;
  return (
    within(s.purchases, customer.purchases) &&
    within(s.spent, customer.totalSpent) &&
    averageWithin(s.averageCheck, customer.totalSpent, customer.purchases) &&
    within(s.balance, customer.available) &&
    daysWithout(s.daysWithoutPurchase, customer.lastPurchaseAt, check.at) &&
    ageWithin(s.age, customer.birthDate, check.localDay)
  );
}
