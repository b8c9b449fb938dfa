import type pg from 'pg';
import { DAY_MS } from './lots.ts';
import type { GiftOp, SettleOp } from './operations.ts';
import type { CompiledProgram, Gift } from './program.ts';
import { localIsoDate } from './time-zone.ts';
import type { GroupCommitWriter } from './writer.ts';

// The sweeper: what time alone makes due. Activations and expiries are written as postings;
// gifts by date or by absence are given once per occasion (gift_log), whichever gateway's
// sweeper runs. Both go through the writer like any other operation.

export interface SweepDeps {
  pool: pg.Pool;
  writer: GroupCommitWriter;
  now: () => number;
  program: (tenantId: string) => Promise<CompiledProgram>;
}

/** Writes due activations and expiries as postings. Returns how many customers it settled. */
export async function sweep(d: SweepDeps, limit = 1000): Promise<number> {
  const r = await d.pool.query<{ tenant_id: string; customer_id: string }>(
    `SELECT DISTINCT tenant_id, customer_id::text FROM (
       (SELECT tenant_id, customer_id FROM lots WHERE state = 'pending' AND activates_at <= $1 LIMIT $2)
       UNION ALL
       (SELECT tenant_id, customer_id FROM lots WHERE state = 'active' AND expires_at <= $1 LIMIT $2)
       UNION ALL
       -- Mode afterLastPurchase: everything burns N days after the customer's last purchase.
       (SELECT c.tenant_id, c.id FROM customers c JOIN tenants t ON t.id = c.tenant_id
         WHERE t.program->'expiry'->>'mode' = 'afterLastPurchase' AND (c.available > 0 OR c.pending > 0)
           AND c.last_purchase_at + make_interval(days => (t.program->'expiry'->>'days')::int) <= $1
         LIMIT $2)) due`,
    [new Date(d.now()), limit],
  );
  const byTenant = new Map<string, string[]>();
  for (const row of r.rows) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row.customer_id]);
  const ops: SettleOp[] = [...byTenant].map(([tenantId, customerIds]) => ({ kind: 'settle', tenantId, customerIds }));
  for (const o of await Promise.all(ops.map((op) => d.writer.submit(op)))) if (!o.ok) throw o.error;
  return r.rows.length;
}

/**
 * Gives the gifts that are due by date or by absence: birthdays (daysBefore ahead), relatives'
 * birthdays, inactivity. Each once per occasion. Returns how many it gave.
 */
export async function sweepGifts(d: SweepDeps, limit = 1000): Promise<number> {
  const now = d.now();
  const tenants = await d.pool.query<{ id: string }>(
    `SELECT id FROM tenants WHERE program->'gifts'->'birthday' IS NOT NULL AND program->'gifts'->>'birthday' <> 'null'
        OR program->'gifts'->'relativeBirthday' IS NOT NULL AND program->'gifts'->>'relativeBirthday' <> 'null'
        OR program->'gifts'->'inactivity' IS NOT NULL AND program->'gifts'->>'inactivity' <> 'null'`,
  );
  const ops: GiftOp[] = [];
  for (const { id: tenantId } of tenants.rows) {
    const program = await d.program(tenantId);
    const g = program.source.gifts;
    const zone = program.source.timezone;
    if (g.birthday != null) ops.push(...(await birthdayGifts(d.pool, tenantId, g.birthday, giftDay(now, zone, g.birthday), limit)));
    if (g.relativeBirthday != null) ops.push(...(await relativeGifts(d.pool, tenantId, g.relativeBirthday, giftDay(now, zone, g.relativeBirthday), limit)));
    if (g.inactivity != null) ops.push(...(await inactivityGifts(d.pool, tenantId, g.inactivity, now, limit)));
  }
  const outcomes = await Promise.all(ops.map((op) => d.writer.submit(op)));
  return outcomes.filter((o) => o.ok && o.value).length;
}

interface GiftDay {
  year: number;
  /** Birthdays ("MM-DD") celebrated that day. */
  days: string[];
}

/** The day whose birthdays are celebrated today: daysBefore ahead, in the tenant's zone. */
function giftDay(now: number, timeZone: string, gift: { daysBefore: number }): GiftDay {
  const target = new Date(Date.parse(`${localIsoDate(now, timeZone)}T00:00:00Z`) + gift.daysBefore * DAY_MS);
  const year = target.getUTCFullYear();
  const md = target.toISOString().slice(5, 10);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  // 29 February is celebrated on 28 February in other years.
  return { year, days: md === '02-28' && !leap ? ['02-28', '02-29'] : [md] };
}

async function birthdayGifts(pool: pg.Pool, tenantId: string, gift: Gift, day: GiftDay, limit: number): Promise<GiftOp[]> {
  const occasion = `birthday:${day.year}`;
  const r = await pool.query<{ id: string }>(
    `SELECT c.id::text FROM customers c WHERE c.tenant_id = $1 AND to_char(c.birth_date, 'MM-DD') = ANY($2)
       AND NOT EXISTS (SELECT 1 FROM gift_log l WHERE l.tenant_id = c.tenant_id AND l.customer_id = c.id AND l.occasion = $3) LIMIT $4`,
    [tenantId, day.days, occasion, limit],
  );
  return r.rows.map((row) => ({ kind: 'gift', tenantId, customerId: row.id, lotKind: 'birthday', gift, occasion }));
}

async function relativeGifts(pool: pg.Pool, tenantId: string, gift: Gift, day: GiftDay, limit: number): Promise<GiftOp[]> {
  const r = await pool.query<{ id: string; occasion: string }>(
    `SELECT c.id::text, 'relative:' || (r.value->>'name') || ':' || $3 AS occasion
       FROM customers c, jsonb_array_elements(c.relatives) r
      WHERE c.tenant_id = $1 AND substr(r.value->>'birthDate', 6, 5) = ANY($2)
        AND NOT EXISTS (SELECT 1 FROM gift_log l WHERE l.tenant_id = c.tenant_id AND l.customer_id = c.id
                         AND l.occasion = 'relative:' || (r.value->>'name') || ':' || $3) LIMIT $4`,
    [tenantId, day.days, String(day.year), limit],
  );
  return r.rows.map((row) => ({ kind: 'gift', tenantId, customerId: row.id, lotKind: 'relativeBirthday', gift, occasion: row.occasion }));
}

async function inactivityGifts(pool: pg.Pool, tenantId: string, gift: Gift & { days: number }, now: number, limit: number): Promise<GiftOp[]> {
  // One gift per absence: the occasion names the purchase (or registration) it counts from.
  const r = await pool.query<{ id: string; occasion: string }>(
    `SELECT c.id::text, 'inactivity:' || (extract(epoch FROM COALESCE(c.last_purchase_at, c.registered_at)) * 1000)::bigint AS occasion
       FROM customers c
      WHERE c.tenant_id = $1 AND COALESCE(c.last_purchase_at, c.registered_at) <= $2 AND c.anonymised_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM gift_log l WHERE l.tenant_id = c.tenant_id AND l.customer_id = c.id
                         AND l.occasion = 'inactivity:' || (extract(epoch FROM COALESCE(c.last_purchase_at, c.registered_at)) * 1000)::bigint)
      LIMIT $3`,
    [tenantId, new Date(now - gift.days * DAY_MS), limit],
  );
  return r.rows.map((row) => ({ kind: 'gift', tenantId, customerId: row.id, lotKind: 'inactivity', gift, occasion: row.occasion }));
}
