import { createHash } from 'node:crypto';
import type pg from 'pg';
import { KopilkaError } from './errors.ts';

// The review queue (migrations/004_review.sql, 005): documents a cash system sent that could not
// be recorded as they are, kept whole so that nothing a till sent is lost silently. Nothing here
// moves a point; a person decides what the document should have been (ledger/closed.ts applies
// the decision through the ledger).

/** The ledger request a document was translated to: what applying the item runs again. */
export type ReviewRequest =
  | { kind: 'sale'; check: Record<string, unknown> }
  | { kind: 'refund'; saleExternalId: string; refund: Record<string, unknown> };

export interface ReviewItem {
  system: string;
  /** What the document is in its system's terms (SELL, PAYBACK…), or sale / refund. */
  kind: string;
  externalId: string;
  /** A stable code an integrator can branch on (IDEMPOTENCY_CONFLICT…). */
  reasonCode: string;
  /** The same Russian message the system was answered with. */
  reason: string;
  /** The system's own document, as it was sent. */
  payload: unknown;
  channel?: string | null;
  request?: ReviewRequest | null;
  /** What makes two items the same document (a resend adds nothing); the payload by default. */
  dedupeKey?: string;
}

export type ReviewResolution = 'apply' | 'link' | 'dismiss';

export interface StoredReviewItem extends ReviewItem {
  id: string;
  createdAt: string;
  status: 'open' | 'resolved';
  channel: string | null;
  request: ReviewRequest | null;
  resolvedAt: string | null;
  resolution: ReviewResolution | null;
  resolvedBy: string | null;
  resolutionComment: string | null;
  resolutionDetail: Record<string, unknown> | null;
}

export type ReviewStatus = 'open' | 'resolved' | 'all';

const COLUMNS = `id::text, system, kind, external_id, reason_code, reason, payload, created_at, channel, request,
  resolved_at, resolution, resolved_by, resolution_comment, resolution_detail`;

interface ItemRow {
  id: string;
  system: string;
  kind: string;
  external_id: string;
  reason_code: string;
  reason: string;
  payload: unknown;
  created_at: Date;
  channel: string | null;
  request: ReviewRequest | null;
  resolved_at: Date | null;
  resolution: ReviewResolution | null;
  resolved_by: string | null;
  resolution_comment: string | null;
  resolution_detail: Record<string, unknown> | null;
}

function itemFromRow(r: ItemRow): StoredReviewItem {
  return {
    id: r.id,
    system: r.system,
    kind: r.kind,
    externalId: r.external_id,
    reasonCode: r.reason_code,
    reason: r.reason,
    payload: r.payload,
    createdAt: r.created_at.toISOString(),
    status: r.resolved_at === null ? 'open' : 'resolved',
    channel: r.channel,
    request: r.request,
    resolvedAt: r.resolved_at === null ? null : r.resolved_at.toISOString(),
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    resolutionComment: r.resolution_comment,
    resolutionDetail: r.resolution_detail,
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Keeps a document for review and returns the item; the same document sent again (a retry) is
 * kept once and gets the item it has (open or already resolved).
 */
export async function queueForReview(pool: pg.Pool, tenantId: string, item: ReviewItem): Promise<StoredReviewItem> {
  const payload = JSON.stringify(item.payload ?? null);
  const hash = sha256(item.dedupeKey ?? payload);
  const key = [tenantId, item.system, item.kind, item.externalId, hash];
  const inserted = await pool.query<ItemRow>(
    `INSERT INTO review_queue (tenant_id, system, kind, external_id, payload_hash, reason_code, reason, payload, channel, request)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (tenant_id, system, kind, external_id, payload_hash) DO NOTHING RETURNING ${COLUMNS}`,
    [...key, item.reasonCode, item.reason, payload, item.channel ?? null, item.request == null ? null : JSON.stringify(item.request)],
  );
  if (inserted.rows[0] !== undefined) return itemFromRow(inserted.rows[0]);
  // Kept before (or by a concurrent retry, committed by now: ON CONFLICT waited for it).
  const existing = await pool.query<ItemRow>(
    `SELECT ${COLUMNS} FROM review_queue WHERE tenant_id = $1 AND system = $2 AND kind = $3 AND external_id = $4 AND payload_hash = $5`,
    key,
  );
  if (existing.rows[0] === undefined) throw new Error('review queue: an item that conflicted on insert is not there');
  return itemFromRow(existing.rows[0]);
}

/** Items newest first (open ones by default), and how many match in all. Errors: INVALID_INPUT. */
export async function reviewItems(pool: pg.Pool, tenantId: string, o: { limit?: number; status?: ReviewStatus } = {}): Promise<{ count: number; items: StoredReviewItem[] }> {
  const limit = o.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new KopilkaError('INVALID_INPUT', 'Параметр limit — целое число от 1 до 1000', { field: 'limit' });
  }
  const status = o.status ?? 'open';
  if (status !== 'open' && status !== 'resolved' && status !== 'all') {
    throw new KopilkaError('INVALID_INPUT', 'Параметр status — open, resolved или all', { field: 'status' });
  }
  const where = status === 'open' ? 'AND resolved_at IS NULL' : status === 'resolved' ? 'AND resolved_at IS NOT NULL' : '';
  const [count, rows] = await Promise.all([
    pool.query<{ n: string }>(`SELECT count(*) AS n FROM review_queue WHERE tenant_id = $1 ${where}`, [tenantId]),
    pool.query<ItemRow>(`SELECT ${COLUMNS} FROM review_queue WHERE tenant_id = $1 ${where} ORDER BY created_at DESC, id DESC LIMIT $2`, [tenantId, limit]),
  ]);
  return { count: Number(count.rows[0]!.n), items: rows.rows.map(itemFromRow) };
}

/** Unresolved items, newest first, and how many there are in all (the legacy admin route). */
export async function openReviewItems(pool: pg.Pool, tenantId: string, limit = 100): Promise<{ count: number; items: StoredReviewItem[] }> {
  return reviewItems(pool, tenantId, { limit, status: 'open' });
}

/** Open items by reason. */
export async function reviewCounts(pool: pg.Pool, tenantId: string): Promise<{ open: number; byReason: Record<string, number> }> {
  const r = await pool.query<{ reason_code: string; n: string }>(
    'SELECT reason_code, count(*) AS n FROM review_queue WHERE tenant_id = $1 AND resolved_at IS NULL GROUP BY reason_code ORDER BY reason_code',
    [tenantId],
  );
  const byReason: Record<string, number> = {};
  let open = 0;
  for (const row of r.rows) {
    byReason[row.reason_code] = Number(row.n);
    open += Number(row.n);
  }
  return { open, byReason };
}

/** An open item, or null (no such item, or resolved already). */
export async function openReviewItem(pool: pg.Pool, tenantId: string, id: string): Promise<StoredReviewItem | null> {
  if (!/^[1-9]\d{0,17}$/.test(id)) return null;
  const r = await pool.query<ItemRow>(`SELECT ${COLUMNS} FROM review_queue WHERE tenant_id = $1 AND id = $2 AND resolved_at IS NULL`, [tenantId, id]);
  return r.rows[0] === undefined ? null : itemFromRow(r.rows[0]);
}

/** Marks an open item resolved, once: null when it was resolved meanwhile (or never open). */
export async function markResolved(
  pool: pg.Pool,
  tenantId: string,
  id: string,
  r: { resolution: ReviewResolution; by: string | null; comment: string | null; detail: Record<string, unknown> | null },
): Promise<StoredReviewItem | null> {
  const row = await pool.query<ItemRow>(
    `UPDATE review_queue SET resolved_at = now(), resolution = $3, resolved_by = $4, resolution_comment = $5, resolution_detail = $6
      WHERE tenant_id = $1 AND id = $2 AND resolved_at IS NULL RETURNING ${COLUMNS}`,
    [tenantId, id, r.resolution, r.by, r.comment, r.detail === null ? null : JSON.stringify(r.detail)],
  );
  return row.rows[0] === undefined ? null : itemFromRow(row.rows[0]);
}

/** The answer a recorded document got (its JSON text, byte for byte), or null. */
export async function recordedAnswer(pool: pg.Pool, tenantId: string, channel: string, kind: 'sale' | 'refund', externalId: string): Promise<string | null> {
  const r = await pool.query<{ result: string }>('SELECT result::text AS result FROM checks WHERE tenant_id = $1 AND channel = $2 AND kind = $3 AND external_id = $4', [
    tenantId,
    channel,
    kind,
    externalId,
  ]);
  return r.rows[0]?.result ?? null;
}
