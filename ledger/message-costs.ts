import type pg from 'pg';
import { z } from 'zod';
import { isoDateText, parseInput } from './validation.ts';

// What talking to customers cost, for a period: messages (communications/, migration 010) sent
// and failed with the provider's cost, plus the SMS recorded the older way (sms_messages, POST
// /v1/sms/sent), whose cost nobody recorded — counted apart so a sum never passes for complete.
// Grouped by topic, channel or month (the tenant's zone). Money in kopecks.

export const messageCostsQuerySchema = z
  .object({
    from: isoDateText,
    to: isoDateText,
    by: z.enum(['topic', 'channel', 'month']).default('topic'),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'начало периода позже конца', path: ['from'] })
  .meta({ title: 'отчёт о сообщениях' });

export interface MessageCostRow {
  key: string;
  /** Accepted by the provider. */
  sent: number;
  failed: number;
  /** SMS segments are the provider's business: this is what it charged for the sent ones, kopecks. */
  cost: number;
  /** SMS recorded without a cost (sms_messages). */
  uncosted: number;
}

const KEY = { topic: 'topic', channel: 'channel', month: `to_char(at AT TIME ZONE $4, 'YYYY-MM')` } as const;

export async function messageCosts(pool: pg.Pool, tenantId: string, timeZone: string, input: unknown): Promise<{ by: string; rows: MessageCostRow[] }> {
  const q = parseInput(messageCostsQuerySchema, input, 'отчёт о сообщениях');
  const r = await pool.query<{ key: string; sent: number; failed: number; cost: string; uncosted: number }>(
    `WITH b AS (SELECT ($2::date::timestamp AT TIME ZONE $4) AS lo, (($3::date + 1)::timestamp AT TIME ZONE $4) AS hi),
          x AS (SELECT m.topic, m.channel, coalesce(m.sent_at, m.created_at) AS at, m.status, m.cost, false AS legacy
                  FROM messages m, b WHERE m.tenant_id = $1 AND m.status IN ('sent', 'failed')
                   AND coalesce(m.sent_at, m.created_at) >= b.lo AND coalesce(m.sent_at, m.created_at) < b.hi
                UNION ALL
                SELECT s.topic, 'sms', s.sent_at, 'sent', 0, true FROM sms_messages s, b WHERE s.tenant_id = $1 AND s.sent_at >= b.lo AND s.sent_at < b.hi)
     SELECT ${KEY[q.by]} AS key,
            count(*) FILTER (WHERE status = 'sent' AND NOT legacy)::int AS sent,
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            coalesce(sum(cost) FILTER (WHERE status = 'sent'), 0)::bigint AS cost,
            count(*) FILTER (WHERE legacy)::int AS uncosted
       FROM x GROUP BY 1 ORDER BY 1`,
    [tenantId, q.from, q.to, timeZone],
  );
  return { by: q.by, rows: r.rows.map((x) => ({ key: x.key, sent: x.sent, failed: x.failed, cost: Number(x.cost), uncosted: x.uncosted })) };
}
