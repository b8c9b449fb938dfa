import type { KopilkaEvent } from '../ledger/index.ts';
import { usageMonth } from './month.ts';

// Usage counters the billing team reads, kept in the gateway's front from the event stream:
// checks per tenant, month and sales channel. Postgres can always recount them (usage_months,
// kept with the checks themselves). Billing names only what it uses of the front; the gateway's
// Front has all of it.

export interface MeteringConsumer {
  stop(): Promise<void>;
}

/** The part of the gateway's front metering uses (gateway/front/front.ts implements it). */
export interface CounterStore {
  consume(
    group: string,
    consumer: string,
    handler: (events: KopilkaEvent[]) => Promise<void>,
    opts?: { batch?: number; blockMs?: number; types?: readonly string[] },
  ): MeteringConsumer;
  incrCounters(entries: readonly { tenantId: string; name: string; by: number }[]): Promise<void>;
  setCounter(tenantId: string, name: string, value: number): Promise<void>;
}

/**
 * What reconcile reads checks per channel through. The ledger's face counts checks per tenant
 * (ledger.usage), not per channel, so reconcile still needs a query; a pg Pool fits.
 */
export interface CheckCountSource {
  query<R>(sql: string, params: unknown[]): Promise<{ rows: R[] }>;
}

export function startMetering(front: CounterStore, consumer: string, log: { warn(o: object, m: string): void }): MeteringConsumer {
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
    // Only sales and SMS are counted: the stream's other events never reach this group's handler.
    { batch: 1000, blockMs: 1000, types: ['checkCommitted', 'sms'] },
  );
}

/**
 * Sets the front's counters for a month to what Postgres holds: after a Redis loss, or to undo
 * double counts from at-least-once delivery. Returns how many counters it set.
 */
export async function reconcileCounters(front: CounterStore, pool: CheckCountSource, month: string): Promise<number> {
  // usage_months (migration 026) holds the month's sales per tenant and channel, kept by the writer
  // in the statement that inserts the checks, with months in BILLING_TIME_ZONE: a lookup, not a
  // scan of the month's checks. A channel with only refunds that month has no sales counter.
  const r = await pool.query<{ tenant_id: string; channel: string; n: string }>(
    `SELECT tenant_id, channel, checks AS n FROM usage_months
      WHERE month = ($1::text || '-01')::date AND checks > 0`,
    [month],
  );
  for (const row of r.rows) await front.setCounter(row.tenant_id, `${month}:checks:${row.channel}`, Number(row.n));
  return r.rows.length;
}
