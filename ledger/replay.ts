import type pg from 'pg';
import type { Lot } from './account.ts';
import type { SaleLine } from './refunds.ts';

// Read-only sources for the what-if replay (reports/replay*.ts): the tenant's recorded checks in
// the order the ledger applied them, each customer's standing as it was when the replay starts,
// and the real holdings at month ends to compare against. Nothing here writes to the ledger's
// tables; the replay's own job row (replay_jobs, migration 020) is its only record.

export interface ReplayCheckRow {
  id: string;
  kind: 'sale' | 'refund';
  customerId: string | null;
  /** A refund: the sale it returns. */
  originalId: string | null;
  /** When the ledger applied it (its state at that moment is what priced it). */
  committedAt: number;
  /** The request as recorded: a check's (native JSON) or a refund's. */
  request: Record<string, unknown>;
  lines: SaleLine[];
  referral: { referrerId: string; points: number } | null;
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
}

/** A customer as they stood at the replay's start: purchase figures, bonus buckets and open lots. */
export interface ReplayStart {
  id: string;
  totalSpent: number;
  purchases: number;
  assignedLevel: string | null;
  referrerId: string | null;
  registeredAt: number;
  lastPurchaseAt: number | null;
  /** What a promotion's segment asks (today's values: the replay does not go back on profile edits). */
  source: string | null;
  gender: string | null;
  birthDate: string | null;
  available: number;
  pending: number;
  /** Lots holding points at the start, `remaining` what they held then. */
  lots: Lot[];
}

const PAGE = 2000;
/** What a posting does to the customer's holding (pending + available). */
const HOLDING = `(CASE WHEN credit IN ('pending', 'available') THEN amount ELSE 0 END - CASE WHEN debit IN ('pending', 'available') THEN amount ELSE 0 END)`;

/** Checks committed in [from, to), in the order they were applied, in keyset pages. */
export async function* replayCheckPages(pool: pg.Pool, tenantId: string, from: Date, to: Date, pageSize = PAGE): AsyncGenerator<ReplayCheckRow[]> {
  // The cursor keeps Postgres's microseconds (a JS Date would cut them and repeat rows).
  let at = from.toISOString();
  let id = '0';
  for (;;) {
    const r = await pool.query(
      `SELECT id::text, kind, customer_id::text, original_id::text, committed_at, committed_at::text AS cursor_at, request, detail, amount, discount, redeemed, accrued
         FROM checks
        WHERE tenant_id = $1 AND committed_at < $2 AND (committed_at, id) > ($3::timestamptz, $4::bigint)
        ORDER BY checks.committed_at, checks.id LIMIT $5`,
      [tenantId, to, at, id, pageSize],
    );
    if (r.rows.length === 0) return;
    yield r.rows.map((x) => ({
      id: x.id,
      kind: x.kind,
      customerId: x.customer_id,
      originalId: x.original_id,
      committedAt: x.committed_at.getTime(),
      request: x.request,
      lines: x.detail.lines,
      referral: x.detail.referral ?? null,
      amount: Number(x.amount),
      discount: Number(x.discount),
      redeemed: Number(x.redeemed),
      accrued: Number(x.accrued),
    }));
    const last = r.rows[r.rows.length - 1]!;
    at = last.cursor_at;
    id = last.id;
    if (r.rows.length < pageSize) return;
  }
}

/**
 * Customers as they stood at `at`: today's figures less what every check committed since did
 * (a refund given with no lines counts as the whole sale back), and their lots' holdings from
 * the postings dated before `at`.
 */
export async function replayStarts(pool: pg.Pool, tenantId: string, ids: readonly string[], at: Date): Promise<ReplayStart[]> {
  if (ids.length === 0) return [];
  const [customers, since, before, buckets, lots] = await Promise.all([
    pool.query(`SELECT id::text, total_spent, purchases, assigned_level, referrer_id::text, registered_at, source, gender, to_char(birth_date, 'YYYY-MM-DD') AS birth_date FROM customers WHERE tenant_id = $1 AND id = ANY($2::bigint[])`, [tenantId, ids]),
    pool.query(
      `SELECT customer_id::text AS id,
              sum(CASE WHEN kind = 'sale' THEN amount - discount ELSE discount - amount END) AS spent,
              count(*) FILTER (WHERE kind = 'sale') AS sales,
              count(*) FILTER (WHERE kind = 'refund' AND (request->'lines' IS NULL OR json_typeof(request->'lines') = 'null')) AS whole
         FROM checks WHERE tenant_id = $1 AND customer_id = ANY($2::bigint[]) AND committed_at >= $3 GROUP BY 1`,
      [tenantId, ids, at],
    ),
    pool.query(`SELECT customer_id::text AS id, max(occurred_at) AS last FROM checks WHERE tenant_id = $1 AND customer_id = ANY($2::bigint[]) AND kind = 'sale' AND committed_at < $3 GROUP BY 1`, [tenantId, ids, at]),
    pool.query(
      `SELECT customer_id::text AS id,
              sum(CASE WHEN credit = 'available' THEN amount ELSE 0 END - CASE WHEN debit = 'available' THEN amount ELSE 0 END) AS available,
              sum(CASE WHEN credit = 'pending' THEN amount ELSE 0 END - CASE WHEN debit = 'pending' THEN amount ELSE 0 END) AS pending
         FROM postings WHERE tenant_id = $1 AND customer_id = ANY($2::bigint[]) AND at < $3 GROUP BY 1`,
      [tenantId, ids, at],
    ),
    pool.query(
      `SELECT l.id::text, l.customer_id::text, l.check_id::text, l.kind, h.holding, l.activates_at, l.expires_at
         FROM (SELECT lot_id, sum(${HOLDING}) AS holding FROM postings
                WHERE tenant_id = $1 AND customer_id = ANY($2::bigint[]) AND at < $3 AND lot_id IS NOT NULL GROUP BY lot_id) h
         JOIN lots l ON l.tenant_id = $1 AND l.id = h.lot_id
        WHERE h.holding > 0 ORDER BY l.id`,
      [tenantId, ids, at],
    ),
  ]);
  const sinceBy = new Map(since.rows.map((x) => [x.id as string, x]));
  const lastBy = new Map(before.rows.map((x) => [x.id as string, (x.last as Date).getTime()]));
  const bucketsBy = new Map(buckets.rows.map((x) => [x.id as string, x]));
  const lotsBy = new Map<string, Lot[]>();
  for (const x of lots.rows) {
    const holding = Number(x.holding);
    const activatesAt = x.activates_at.getTime();
    const lot: Lot = { id: x.id, customerId: x.customer_id, checkId: x.check_id, kind: x.kind, amount: holding, remaining: holding, activatesAt, expiresAt: x.expires_at?.getTime() ?? null, state: activatesAt <= at.getTime() ? 'active' : 'pending' };
    lotsBy.set(x.customer_id, [...(lotsBy.get(x.customer_id) ?? []), lot]);
  }
  return customers.rows.map((c) => {
    const s = sinceBy.get(c.id);
    const b = bucketsBy.get(c.id);
    return {
      id: c.id,
      totalSpent: Math.max(0, Number(c.total_spent) - Number(s?.spent ?? 0)),
      purchases: Math.max(0, c.purchases - Number(s?.sales ?? 0) + Number(s?.whole ?? 0)),
      assignedLevel: c.assigned_level,
      referrerId: c.referrer_id,
      registeredAt: c.registered_at.getTime(),
      lastPurchaseAt: lastBy.get(c.id) ?? null,
      source: c.source,
      gender: c.gender,
      birthDate: c.birth_date,
      available: Number(b?.available ?? 0),
      pending: Number(b?.pending ?? 0),
      lots: lotsBy.get(c.id) ?? [],
    };
  });
}

/** Lots credited in [from, to) outside any check (grants, imports, dated gifts, registration): the replay credits them as they came. */
export async function replayOutsideLots(pool: pg.Pool, tenantId: string, from: Date, to: Date): Promise<{ createdAt: number; lot: Lot }[]> {
  const r = await pool.query(
    `SELECT id::text, customer_id::text, kind, amount, activates_at, expires_at, created_at FROM lots
      WHERE tenant_id = $1 AND check_id IS NULL AND created_at >= $2 AND created_at < $3 ORDER BY lots.created_at, lots.id`,
    [tenantId, from, to],
  );
  return r.rows.map((x) => ({
    createdAt: x.created_at.getTime(),
    lot: { id: x.id, customerId: x.customer_id, checkId: null, kind: x.kind, amount: Number(x.amount), remaining: Number(x.amount), activatesAt: x.activates_at.getTime(), expiresAt: x.expires_at?.getTime() ?? null, state: 'pending' },
  }));
}

/** The holdings (pending + available) before `at`: the tenant's total and, for `ids`, each customer's. */
export async function holdingsAt(pool: pg.Pool, tenantId: string, at: Date, ids: readonly string[]): Promise<{ total: number; byCustomer: Map<string, number> }> {
  const total = await pool.query(`SELECT coalesce(sum(${HOLDING}), 0) AS h FROM postings WHERE tenant_id = $1 AND at < $2`, [tenantId, at]);
  const byCustomer = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 10_000) {
    const r = await pool.query(`SELECT customer_id::text AS id, sum(${HOLDING}) AS h FROM postings WHERE tenant_id = $1 AND customer_id = ANY($2::bigint[]) AND at < $3 GROUP BY 1`, [tenantId, ids.slice(i, i + 10_000), at]);
    for (const x of r.rows) byCustomer.set(x.id, Number(x.h));
  }
  return { total: Number(total.rows[0].h), byCustomer };
}

// ── the replay's job row ──

export interface ReplayJob {
  id: string;
  status: 'running' | 'done' | 'failed';
  total: number;
  processed: number;
  params: unknown;
  result: unknown;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export async function startReplayJob(pool: pg.Pool, tenantId: string, id: string, params: unknown, total: number): Promise<void> {
  await pool.query('INSERT INTO replay_jobs (tenant_id, id, params, total) VALUES ($1, $2, $3, $4)', [tenantId, id, JSON.stringify(params), total]);
}

export async function updateReplayJob(pool: pg.Pool, tenantId: string, id: string, processed: number, end?: { status: 'done' | 'failed'; result?: unknown; error?: string }): Promise<void> {
  if (end === undefined) {
    await pool.query('UPDATE replay_jobs SET processed = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, processed]);
    return;
  }
  await pool.query('UPDATE replay_jobs SET processed = $3, status = $4, result = $5, error = $6, finished_at = now() WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
    processed,
    end.status,
    end.result === undefined ? null : JSON.stringify(end.result),
    end.error ?? null,
  ]);
}

export async function replayJob(pool: pg.Pool, tenantId: string, id: string): Promise<ReplayJob | null> {
  const r = await pool.query('SELECT id, status, total, processed, params, result, error, started_at, finished_at FROM replay_jobs WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  const x = r.rows[0];
  if (x === undefined) return null;
  return { id: x.id, status: x.status, total: x.total, processed: x.processed, params: x.params, result: x.result, error: x.error, startedAt: x.started_at.toISOString(), finishedAt: x.finished_at?.toISOString() ?? null };
}
