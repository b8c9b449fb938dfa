import type pg from 'pg';

// Read-only pages for exports (reports/export.ts): keyset order, one page in memory at a time,
// each page its own short query — no transaction held open across a download a person may stall.

export interface CustomerExportRow {
  id: string;
  phone: string | null;
  cardNumber: string | null;
  name: string | null;
  gender: string | null;
  birthDate: string | null;
  email: string | null;
  comment: string | null;
  registeredAt: Date;
  levelCode: string;
  /** Hundredths of a point, as the ledger caches them on the customer. */
  available: number;
  pending: number;
  purchases: number;
  /** Kopecks. */
  totalSpent: number;
  lastPurchaseAt: Date | null;
}

export interface CheckExportRow {
  id: string;
  kind: 'sale' | 'refund';
  occurredAt: Date;
  storeId: string | null;
  phone: string | null;
  cardNumber: string | null;
  /** Kopecks. */
  amount: number;
  discount: number;
  /** Hundredths of a point. */
  redeemed: number;
  accrued: number;
  /** The customer's level name as the check's answer gave it. */
  level: string | null;
}

const PAGE = 2000;

export async function* customerPages(pool: pg.Pool, tenantId: string, o: { pageSize?: number } = {}): AsyncGenerator<CustomerExportRow[]> {
  let after = '0';
  for (;;) {
    const r = await pool.query(
      `SELECT id::text, phone, card_number, name, gender, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, email, comment,
              registered_at, level_code, available, pending, purchases, total_spent, last_purchase_at
         FROM customers WHERE tenant_id = $1 AND customers.id > $2::bigint ORDER BY customers.id LIMIT $3`,
      [tenantId, after, o.pageSize ?? PAGE],
    );
    if (r.rows.length === 0) return;
    yield r.rows.map((x) => ({
      id: x.id,
      phone: x.phone,
      cardNumber: x.card_number,
      name: x.name,
      gender: x.gender,
      birthDate: x.birth_date,
      email: x.email,
      comment: x.comment,
      registeredAt: x.registered_at,
      levelCode: x.level_code,
      available: Number(x.available),
      pending: Number(x.pending),
      purchases: x.purchases,
      totalSpent: Number(x.total_spent),
      lastPurchaseAt: x.last_purchase_at,
    }));
    after = r.rows[r.rows.length - 1].id;
  }
}

export async function* checkPages(pool: pg.Pool, tenantId: string, o: { from?: Date; to?: Date; pageSize?: number } = {}): AsyncGenerator<CheckExportRow[]> {
  // The cursor keeps Postgres's microseconds (a JS Date would cut them and repeat rows).
  let at = (o.from ?? new Date(0)).toISOString();
  let after = '0';
  const to = o.to ?? new Date('9999-01-01T00:00:00Z');
  for (;;) {
    const r = await pool.query(
      `SELECT c.id::text, c.kind, c.occurred_at, c.committed_at::text AS cursor_at, c.store_id, c.amount, c.discount, c.redeemed, c.accrued,
              cu.phone, cu.card_number, c.result->'customer'->'level'->>'name' AS level
         FROM checks c LEFT JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
        WHERE c.tenant_id = $1 AND (c.committed_at, c.id) > ($2::timestamptz, $3::bigint) AND c.committed_at < $4
        ORDER BY c.committed_at, c.id LIMIT $5`,
      [tenantId, at, after, to, o.pageSize ?? PAGE],
    );
    if (r.rows.length === 0) return;
    yield r.rows.map((x) => ({
      id: x.id,
      kind: x.kind,
      occurredAt: x.occurred_at,
      storeId: x.store_id,
      phone: x.phone,
      cardNumber: x.card_number,
      amount: Number(x.amount),
      discount: Number(x.discount),
      redeemed: Number(x.redeemed),
      accrued: Number(x.accrued),
      level: x.level,
    }));
    const last = r.rows[r.rows.length - 1];
    [at, after] = [last.cursor_at, last.id];
  }
}

export interface LiabilityRow {
  /** The store of the check that accrued the bonuses; null for gifts, grants and imports. */
  storeId: string | null;
  /** The month the bonuses were accrued, in the tenant's zone ("2026-11"). */
  month: string;
  /** Hundredths of a point still open: spendable now, and not yet active. */
  available: number;
  pending: number;
  lots: number;
}

/** Hundredths of a point burnt and spent over the 12 months before `at`. */
export interface BurnHistory {
  expired: number;
  redeemed: number;
}

export interface BurnRow {
  /** The month open bonuses expire in, in the tenant's zone. */
  month: string;
  amount: number;
}

/**
 * Outstanding bonuses (open lots' remainders) by store and accrual month, and when they are due
 * to burn by the lots' own expiry, as of `at`. Lots past their expiry that the sweeper has not
 * closed yet are not owed. Bonuses burning N days after the last purchase have no fixed date on
 * the lot and are not in the burn schedule.
 */
export async function liability(pool: pg.Pool, tenantId: string, timeZone: string, at: Date): Promise<{ rows: LiabilityRow[]; burn: BurnRow[]; history: BurnHistory }> {
  const open = `l.tenant_id = $1 AND l.state <> 'closed' AND l.remaining > 0 AND (l.expires_at IS NULL OR l.expires_at > $3)`;
  const [rows, burn, history] = await Promise.all([
    pool.query(
      `SELECT c.store_id, to_char(l.created_at AT TIME ZONE $2, 'YYYY-MM') AS month,
              coalesce(sum(l.remaining) FILTER (WHERE l.activates_at <= $3), 0) AS available,
              coalesce(sum(l.remaining) FILTER (WHERE l.activates_at > $3), 0) AS pending, count(*) AS lots
         FROM lots l LEFT JOIN checks c ON c.tenant_id = l.tenant_id AND c.id = l.check_id
        WHERE ${open} GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2`,
      [tenantId, timeZone, at],
    ),
    pool.query(
      `SELECT to_char(l.expires_at AT TIME ZONE $2, 'YYYY-MM') AS month, sum(l.remaining) AS amount
         FROM lots l WHERE ${open} AND l.expires_at IS NOT NULL GROUP BY 1 ORDER BY 1`,
      [tenantId, timeZone, at],
    ),
    // What became of bonuses over the last year: spent or burnt. A scan of the year's postings:
    // fine for a monthly accountant's report, not for a dashboard at a million customers.
    pool.query(
      `SELECT coalesce(sum(amount) FILTER (WHERE credit = 'expired'), 0) AS expired, coalesce(sum(amount) FILTER (WHERE credit = 'redeemed'), 0) AS redeemed
         FROM postings WHERE tenant_id = $1 AND at > $2::timestamptz - interval '12 months' AND at <= $2`,
      [tenantId, at],
    ),
  ]);
  const h = history.rows[0];
  return {
    history: { expired: Number(h.expired), redeemed: Number(h.redeemed) },
    rows: rows.rows.map((r) => ({ storeId: r.store_id, month: r.month, available: Number(r.available), pending: Number(r.pending), lots: Number(r.lots) })),
    burn: burn.rows.map((r) => ({ month: r.month, amount: Number(r.amount) })),
  };
}
