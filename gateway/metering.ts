import type { KopilkaEvent } from '../ledger/events.ts';
import { BILLING_TIME_ZONE, monthBounds } from '../ledger/usage.ts';
import type { Consumer, Front } from './front/front.ts';

// Usage counters the billing team reads, kept in the front from the event stream: checks per
// tenant, month and sales channel. Postgres can always recount them (checks are rows there).

const monthFormat = new Intl.DateTimeFormat('sv-SE', { timeZone: BILLING_TIME_ZONE, year: 'numeric', month: '2-digit' });
/** The billing month of an event, in the operator's time zone (as ledger/usage.ts counts). */
let lastMonth = { hour: '', month: '' };
export function usageMonth(at: string): string {
  // Events of one hour share a month; Intl is the expensive part of metering an event.
  const hour = at.slice(0, 13);
  if (hour === lastMonth.hour) return lastMonth.month;
  lastMonth = { hour, month: monthFormat.format(new Date(at)) };
  return lastMonth.month;
}

export function startMetering(front: Front, consumer: string, log: { warn(o: object, m: string): void }): Consumer {
  return front.consume(
    'metering',
    consumer,
    async (events: KopilkaEvent[]) => {
      const incs: { tenantId: string; name: string; by: number }[] = [];
      for (const e of events) {
        if (e.type === 'checkCommitted') incs.push({ tenantId: e.tenantId, name: `${usageMonth(e.at)}:checks:${e.channel ?? 'api'}`, by: 1 });
        else if (e.type === 'sms') incs.push({ tenantId: e.tenantId, name: `${usageMonth(e.at)}:sms:${String(e.data?.topic ?? 'other')}`, by: 1 });
      }
      try {
        await front.incrCounters(incs);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'metering: counters not updated, will be redelivered');
        throw e;
      }
    },
    { batch: 1000, blockMs: 1000 },
  );
}

/**
 * Sets the front's counters for a month to what Postgres holds: after a Redis loss, or to undo
 * double counts from at-least-once delivery. Returns how many counters it set.
 */
export async function reconcileCounters(front: Front, pool: import('pg').Pool, month: string): Promise<number> {
  const { from, to } = monthBounds(month);
  const r = await pool.query<{ tenant_id: string; channel: string; n: string }>(
    `SELECT tenant_id, channel, count(*) AS n FROM checks
      WHERE kind = 'sale' AND committed_at >= ($1::date::timestamp AT TIME ZONE $3) AND committed_at < ($2::date::timestamp AT TIME ZONE $3)
      GROUP BY tenant_id, channel`,
    [from, to, BILLING_TIME_ZONE],
  );
  for (const row of r.rows) await front.setCounter(row.tenant_id, `${month}:checks:${row.channel}`, Number(row.n));
  return r.rows.length;
}
