import type pg from 'pg';
import { z } from 'zod';
import { isoDateText, parseInput } from './validation.ts';

// Customer reports, read from the customers table's own running figures (purchases, total_spent,
// last_purchase_at — kept by every check in the same transaction), never from checks or postings:
// the totals from the rollups of migrations/015_customer_report_indexes.sql, the lost list from the
// last-purchase log of migrations/028_last_purchase_log.sql.
// Money in kopecks.

export const customerReportQuerySchema = z
  .object({
    /** A customer who bought before and has not for this many days is lost. */
    lostDays: z.coerce.number().int().min(1).max(3650).default(90),
    /** Attraction by source: customers registered in this period (the shop's calendar days, inclusive). */
    from: isoDateText.nullish(),
    to: isoDateText.nullish(),
  })
  .strict()
  .refine((q) => q.from == null || q.to == null || q.from <= q.to, { message: 'начало периода позже конца', path: ['from'] })
  .meta({ title: 'отчёт о клиентах' });

export const lostQuerySchema = z
  .object({
    days: z.coerce.number().int().min(1).max(3650).default(90),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The `next` of the previous page. */
    after: z.string().regex(/^\d{1,17}~\d{1,19}$/, 'курсор из поля next предыдущей страницы').nullish(),
  })
  .strict()
  .meta({ title: 'потерянные клиенты' });

export interface CustomerTotals {
  total: number;
  /** Customers by their number of purchases: none yet, exactly 1, exactly 2, 3 and more. */
  segments: { none: number; one: number; two: number; threePlus: number };
  lostDays: number;
  /** Bought at least once, not in the last `lostDays` days. */
  lost: number;
  /** Everything customers have paid, kopecks. */
  revenue: number;
  /** revenue ÷ customers who bought at least once. */
  revenuePerBuyer: number;
  /** revenue ÷ all customers. */
  revenuePerCustomer: number;
}

export interface SourceRow {
  /** customers.source; '' for customers registered without one. */
  source: string;
  customers: number;
  /** Bought at least once. */
  buyers: number;
  /** Bought twice or more. */
  repeatBuyers: number;
  purchases: number;
  /** total_spent ÷ purchases of the source's buyers, kopecks. */
  averageCheck: number;
  /** total_spent ÷ buyers, kopecks. */
  averageRevenue: number;
  /**
   * Mean over repeat buyers of (last purchase − registration) ÷ (purchases − 1), days; null when
   * none. An approximation: the first purchase is taken to be on the registration day (a customer
   * is mostly registered at the till buying), since the customer row keeps no first-purchase date.
   */
  averageDaysBetween: number | null;
}

export interface CustomerReport extends CustomerTotals {
  from: string | null;
  to: string | null;
  sources: SourceRow[];
}

export interface LostCustomer {
  id: string;
  phone: string | null;
  name: string | null;
  purchases: number;
  totalSpent: number;
  lastPurchaseAt: string;
}

const n = (x: string | null | undefined) => (x == null ? 0 : Number(x));
const per = (a: number, b: number) => (b === 0 ? 0 : Math.floor(a / b));

export async function customerReport(pool: pg.Pool, tenantId: string, timeZone: string, input: unknown, now = new Date()): Promise<CustomerReport> {
  const q = parseInput(customerReportQuerySchema, input, 'отчёт о клиентах');
  const [totals, sources] = await Promise.all([customerTotals(pool, tenantId, timeZone, q.lostDays, now), bySource(pool, tenantId, q.from ?? null, q.to ?? null)]);
  return { ...totals, from: q.from ?? null, to: q.to ?? null, sources };
}

/** The shop's local midnight that starts the day `days` days before today: last purchases before it are lost. */
const LOST_CUT = `((($2::timestamptz AT TIME ZONE $3)::date - $4::int)::timestamp AT TIME ZONE $3)`;

async function customerTotals(pool: pg.Pool, tenantId: string, timeZone: string, lostDays: number, now: Date): Promise<CustomerTotals> {
  // last_day is the shop's local day, so "before the cut day" is exactly "before the cut's midnight".
  const r = await pool.query<Record<string, string | null>>(
    `SELECT sum(customers) AS total, sum(customers) FILTER (WHERE bucket = 0) AS none, sum(customers) FILTER (WHERE bucket = 1) AS one,
            sum(customers) FILTER (WHERE bucket = 2) AS two, sum(customers) FILTER (WHERE bucket = 3) AS three,
            sum(customers) FILTER (WHERE bucket > 0 AND last_day < ($2::timestamptz AT TIME ZONE $3)::date - $4::int) AS lost,
            sum(revenue) AS revenue
       FROM customer_activity_stats WHERE tenant_id = $1`,
    [tenantId, now.toISOString(), timeZone, lostDays],
  );
  const row = r.rows[0]!;
  const total = n(row.total);
  const revenue = n(row.revenue);
  const buyers = total - n(row.none);
  return {
    total,
    segments: { none: n(row.none), one: n(row.one), two: n(row.two), threePlus: n(row.three) },
    lostDays,
    lost: n(row.lost),
    revenue,
    revenuePerBuyer: per(revenue, buyers),
    revenuePerCustomer: per(revenue, total),
  };
}

async function bySource(pool: pg.Pool, tenantId: string, from: string | null, to: string | null): Promise<SourceRow[]> {
  const params: unknown[] = [tenantId];
  // registered_day is the shop's local calendar day.
  const period = [from === null ? '' : ` AND registered_day >= $${params.push(from)}::date`, to === null ? '' : ` AND registered_day <= $${params.push(to)}::date`].join('');
  const r = await pool.query<Record<string, string | null>>(
    `SELECT source, sum(customers) AS customers, sum(buyers) AS buyers, sum(repeat_buyers) AS repeat, sum(purchases) AS purchases,
            sum(spent) AS spent, sum(gap_days) AS gap_days, sum(gap_customers) AS gap_customers
       FROM customer_source_stats WHERE tenant_id = $1${period}
      GROUP BY 1 HAVING sum(customers) > 0 ORDER BY 2 DESC, 1`,
    params,
  );
  return r.rows.map((row: Record<string, string | null>) => {
    const buyers = n(row.buyers);
    const purchases = n(row.purchases);
    const spent = n(row.spent);
    const gaps = n(row.gap_customers);
    return {
      source: row.source!,
      customers: n(row.customers),
      buyers,
      repeatBuyers: n(row.repeat),
      purchases,
      averageCheck: per(spent, purchases),
      averageRevenue: per(spent, buyers),
      averageDaysBetween: gaps === 0 ? null : Math.round(Math.max(0, n(row.gap_days) / gaps) * 10) / 10,
    };
  });
}

/** A page of lost customers, the most recently lost first; `next` continues it, null at the end. */
export async function lostCustomers(pool: pg.Pool, tenantId: string, timeZone: string, input: unknown, now = new Date()): Promise<{ days: number; items: LostCustomer[]; next: string | null }> {
  const q = parseInput(lostQuerySchema, input, 'потерянные клиенты');
  const params: unknown[] = [tenantId, now.toISOString(), timeZone, q.days, q.limit];
  let after = '';
  if (q.after != null) {
    const [at, id] = q.after.split('~') as [string, string];
    // The cursor keeps the time in whole microseconds, Postgres's own precision: no row is skipped or repeated.
    after = ` AND (at, customer_id) < (timestamptz 'epoch' + $${params.push(at)}::bigint * interval '1 microsecond', $${params.push(id)}::bigint)`;
  }
  // The log's key read backwards from the cut, each entry looked up by its customer's key and kept
  // when it is still that customer's last purchase (migrations/028_last_purchase_log.sql). OFFSET 0
  // keeps the lookup a lookup: joined freely, Postgres hashed the tenant's whole log against its
  // customers (258 ms for a page at 100,000 customers, against 1.8 ms so).
  const r = await pool.query<{ id: string; phone: string | null; name: string | null; purchases: number; total_spent: string; last: Date; micros: string }>(
    `SELECT c.id::text AS id, c.phone, c.name, c.purchases, c.total_spent, p.at AS last,
            (extract(epoch FROM p.at) * 1000000)::bigint::text AS micros
       FROM (SELECT at, customer_id FROM last_purchase_log
              WHERE tenant_id = $1 AND at < ${LOST_CUT}${after}
              ORDER BY at DESC, customer_id DESC) p,
            LATERAL (SELECT id, phone, name, purchases, total_spent FROM customers
                      WHERE tenant_id = $1 AND id = p.customer_id AND last_purchase_at = p.at AND purchases > 0 OFFSET 0) c
      ORDER BY p.at DESC, p.customer_id DESC LIMIT $5`,
    params,
  );
  const cursor = r.rows.length === q.limit ? `${r.rows.at(-1)!.micros}~${r.rows.at(-1)!.id}` : null;
  const items = r.rows.map((c) => ({ id: c.id, phone: c.phone, name: c.name, purchases: c.purchases, totalSpent: Number(c.total_spent), lastPurchaseAt: c.last.toISOString() }));
  return { days: q.days, items, next: cursor };
}
