import type { KopilkaEvent } from '../ledger/events.ts';
import type { Consumer, Front } from './front/front.ts';

// Usage counters the billing team reads, kept in the front from the event stream: checks per
// tenant, month and sales channel. Postgres can always recount them (checks are rows there).

export function usageMonth(at: string): string {
  return at.slice(0, 7);
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
