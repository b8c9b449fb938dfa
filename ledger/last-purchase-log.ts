import type pg from 'pg';

// The last-purchase log's upkeep (migrations/028_last_purchase_log.sql). Each sale appends the
// customer's new purchase time and leaves the old entry behind, superseded; the lost-customer list
// steps over superseded entries, so they are deleted here, a slice of the log at a time in key order
// (the log's pages one after another, each customer looked up by key). The sweeper gives it a few
// seconds a tick, in slices small enough to stay far from the statement timeout on a cold disk; a
// pass over a large log is then many ticks (96,000 entries a second at 1,000,000 customers, 25,000
// at 10,000,000), which is enough: an entry only matters to the list once it is older than the cut.

/** Entries per statement. */
const LOG_SLICE = 2_000;

/** Where the next slice starts: the key after which it reads; null from the log's beginning. */
export type LogPosition = { tenantId: string; at: string; customerId: string } | null;

export interface PruneResult {
  /** Entries read. */
  read: number;
  /** Superseded entries deleted (the customer bought later, or is gone). */
  deleted: number;
  /** Where the next slice starts; null when this one reached the log's end (the next pass begins). */
  next: LogPosition;
}

/** Reads `limit` entries after `from` and deletes those that are no longer their customer's last purchase. */
export async function pruneLastPurchaseLog(pool: pg.Pool, from: LogPosition, limit: number): Promise<PruneResult> {
  const r = await pool.query<{ read: string; deleted: string; tenant_id: string | null; at: string | null; customer_id: string | null }>(
    `WITH slice AS (
       SELECT tenant_id, at, customer_id FROM last_purchase_log
        WHERE $1::text IS NULL OR (tenant_id, at, customer_id) > ($1::text, $2::timestamptz, $3::bigint)
        ORDER BY tenant_id, at, customer_id LIMIT $4
     ), gone AS (
       DELETE FROM last_purchase_log p USING slice s
        WHERE p.tenant_id = s.tenant_id AND p.at = s.at AND p.customer_id = s.customer_id
          AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = s.tenant_id AND c.id = s.customer_id AND c.last_purchase_at = s.at)
       RETURNING 1
     ), last AS (
       SELECT tenant_id, at, customer_id FROM slice ORDER BY tenant_id DESC, at DESC, customer_id DESC LIMIT 1
     )
     SELECT (SELECT count(*) FROM slice)::text AS read, (SELECT count(*) FROM gone)::text AS deleted,
            l.tenant_id, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, l.customer_id::text
       FROM (SELECT 1) one LEFT JOIN last l ON true`,
    [from?.tenantId ?? null, from?.at ?? null, from?.customerId ?? null, limit],
  );
  const row = r.rows[0]!;
  const read = Number(row.read);
  const next = read < limit || row.tenant_id === null ? null : { tenantId: row.tenant_id, at: row.at!, customerId: row.customer_id! };
  return { read, deleted: Number(row.deleted), next };
}

/** Slices from `from` on until `budgetMs` has passed or the log's end is reached; what they did together. */
export async function pruneFor(pool: pg.Pool, from: LogPosition, budgetMs: number): Promise<PruneResult> {
  const until = performance.now() + budgetMs;
  const done: PruneResult = { read: 0, deleted: 0, next: from };
  do {
    const r = await pruneLastPurchaseLog(pool, done.next, LOG_SLICE);
    done.read += r.read;
    done.deleted += r.deleted;
    done.next = r.next;
  } while (done.next !== null && performance.now() < until);
  return done;
}
