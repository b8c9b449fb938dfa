import type pg from 'pg';

// How many rows an export or a replay will go through, told before the first is sent: the
// download's total (X-Total-Rows) and a replay job's `total`.

export async function countChecks(pool: pg.Pool, tenantId: string, from?: Date, to?: Date): Promise<number> {
  const r = await pool.query('SELECT count(*)::int AS n FROM checks WHERE tenant_id = $1 AND committed_at >= $2 AND committed_at < $3', [
    tenantId,
    from ?? new Date(0),
    to ?? new Date('9999-01-01T00:00:00Z'),
  ]);
  return r.rows[0].n;
}

export async function countCustomers(pool: pg.Pool, tenantId: string): Promise<number> {
  return (await pool.query('SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1', [tenantId])).rows[0].n;
}
