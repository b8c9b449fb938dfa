import { z } from 'zod';
import { parseInput, zoneOffset } from '../ledger/index.ts';

// Billing months: calendar months in the operator's zone, as the ledger counts them
// (ledger.usage). The zone's offsets come from the ledger's one time-zone module (zoneOffset).

/** Must equal BILLING_TIME_ZONE in ledger/usage.ts: the months billing names are the ones the ledger counts. */
export const BILLING_TIME_ZONE = 'Europe/Moscow';

const billingOffset = zoneOffset(BILLING_TIME_ZONE);

export const monthSchema = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'месяц в виде YYYY-MM, например 2026-11')
    // Postgres has no year 0 (0000-01-01 is a 500), and no bill is older or further than this.
    .refine((m) => m >= '2000-01' && m <= '2999-12', 'месяц от 2000-01 до 2999-12')
    .optional(),
});

/** 'YYYY-MM' of an instant in the billing zone. */
export function billingMonthOf(at: number): string {
  return new Date(at + billingOffset(at) * 60_000).toISOString().slice(0, 7);
}

export function currentMonth(now = new Date()): string {
  return billingMonthOf(now.getTime());
}

/** The `month` query parameter, the current month when absent. Errors: INVALID_INPUT. */
export function parseMonth(query: Record<string, string>): string {
  return parseInput(monthSchema, query, 'период').month ?? currentMonth();
}

let lastMonth = { hour: '', month: '' };
/** The billing month of an event's time (ISO 8601). */
export function usageMonth(at: string): string {
  // Events of one hour share a month (the zone's offset is whole hours); the zone lookup is the
  // expensive part of metering an event.
  const hour = at.slice(0, 13);
  if (hour === lastMonth.hour) return lastMonth.month;
  lastMonth = { hour, month: billingMonthOf(new Date(at).getTime()) };
  return lastMonth.month;
}
