import { createHash } from 'node:crypto';
import type pg from 'pg';

// The review queue (migrations/004_review.sql): documents a cash system sent that could not be
// recorded as they are, kept whole so that nothing a till sent is lost silently. Nothing here
// moves a point; a person decides what the document should have been.

export interface ReviewItem {
  system: string;
  /** What the document is in its system's terms (SELL, PAYBACK…). */
  kind: string;
  externalId: string;
  /** A stable code an integrator can branch on (IDEMPOTENCY_CONFLICT…). */
  reasonCode: string;
  /** The same Russian message the system was answered with. */
  reason: string;
  payload: unknown;
}

export interface StoredReviewItem extends ReviewItem {
  id: string;
  createdAt: string;
}

/** Keeps a document for review; the same document sent again (a retry) is kept once. */
export async function queueForReview(pool: pg.Pool, tenantId: string, item: ReviewItem): Promise<void> {
  const payload = JSON.stringify(item.payload ?? null);
  await pool.query(
    `INSERT INTO review_queue (tenant_id, system, kind, external_id, reason_code, reason, payload, payload_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id, system, kind, external_id, payload_hash) DO NOTHING`,
    [tenantId, item.system, item.kind, item.externalId, item.reasonCode, item.reason, payload, createHash('sha256').update(payload).digest('hex')],
  );
}

/** Unresolved items, newest first, and how many there are in all. */
export async function openReviewItems(pool: pg.Pool, tenantId: string, limit = 100): Promise<{ count: number; items: StoredReviewItem[] }> {
  const [count, rows] = await Promise.all([
    pool.query<{ n: string }>('SELECT count(*) AS n FROM review_queue WHERE tenant_id = $1 AND resolved_at IS NULL', [tenantId]),
    pool.query<{ id: string; system: string; kind: string; external_id: string; reason_code: string; reason: string; payload: unknown; created_at: Date }>(
      `SELECT id::text, system, kind, external_id, reason_code, reason, payload, created_at FROM review_queue
       WHERE tenant_id = $1 AND resolved_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2`,
      [tenantId, limit],
    ),
  ]);
  return {
    count: Number(count.rows[0]!.n),
    items: rows.rows.map((r) => ({
      id: r.id,
      system: r.system,
      kind: r.kind,
      externalId: r.external_id,
      reasonCode: r.reason_code,
      reason: r.reason,
      payload: r.payload,
      createdAt: r.created_at.toISOString(),
    })),
  };
}
