import type pg from 'pg';
import { expect } from 'vitest';

/**
 * The ledger's invariants, checked straight in Postgres:
 *  - every customer's cached buckets equal the sums of postings into and out of them;
 *  - lots explain the buckets: available = Σ remaining of active lots − debt, pending = Σ pending lots;
 *  - no bucket of a customer is negative except `available` by exactly its debt;
 *  - every bonus payment is covered by spends of the same amount.
 */
export async function expectLedgerInvariants(pool: pg.Pool): Promise<void> {
  const buckets = await pool.query(`
    SELECT c.tenant_id, c.id, c.available, c.pending, c.debt,
           COALESCE(SUM(CASE WHEN p.credit = 'available' THEN p.amount WHEN p.debit = 'available' THEN -p.amount ELSE 0 END), 0) AS posted_available,
           COALESCE(SUM(CASE WHEN p.credit = 'pending' THEN p.amount WHEN p.debit = 'pending' THEN -p.amount ELSE 0 END), 0) AS posted_pending
      FROM customers c LEFT JOIN postings p ON p.tenant_id = c.tenant_id AND p.customer_id = c.id
     GROUP BY c.tenant_id, c.id`);
  for (const r of buckets.rows) {
    expect({ id: r.id, available: r.available, pending: r.pending }).toEqual({ id: r.id, available: r.posted_available, pending: r.posted_pending });
    expect(Number(r.pending)).toBeGreaterThanOrEqual(0);
    expect(Number(r.available)).toBeGreaterThanOrEqual(-Number(r.debt));
  }
  const lots = await pool.query(`
    SELECT c.id, c.available, c.pending, c.debt,
           COALESCE(SUM(l.remaining) FILTER (WHERE l.state = 'active'), 0) AS active,
           COALESCE(SUM(l.remaining) FILTER (WHERE l.state = 'pending'), 0) AS pend
      FROM customers c LEFT JOIN lots l ON l.tenant_id = c.tenant_id AND l.customer_id = c.id
     GROUP BY c.tenant_id, c.id`);
  for (const r of lots.rows) {
    expect({ id: r.id, available: Number(r.available), pending: Number(r.pending) }).toEqual({
      id: r.id,
      available: Number(r.active) - Number(r.debt),
      pending: Number(r.pend),
    });
  }
  const spends = await pool.query(`
    SELECT ch.id, ch.redeemed, COALESCE(SUM(s.amount), 0) AS spent
      FROM checks ch LEFT JOIN spends s ON s.tenant_id = ch.tenant_id AND s.check_id = ch.id
     WHERE ch.kind = 'sale' GROUP BY ch.tenant_id, ch.id`);
  for (const r of spends.rows) expect({ id: r.id, spent: Number(r.spent) }).toEqual({ id: r.id, spent: Number(r.redeemed) });
  const redeemPostings = await pool.query(`
    SELECT ch.id, ch.redeemed, COALESCE(SUM(p.amount), 0) AS posted
      FROM checks ch LEFT JOIN postings p ON p.tenant_id = ch.tenant_id AND p.check_id = ch.id AND p.kind = 'redeem'
     WHERE ch.kind = 'sale' GROUP BY ch.tenant_id, ch.id`);
  for (const r of redeemPostings.rows) expect({ id: r.id, posted: Number(r.posted) }).toEqual({ id: r.id, posted: Number(r.redeemed) });
}
