import pg from 'pg';

export interface PoolOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

/**
 * A pool with the settings the ledger relies on: bigint stays a string (exact), and a
 * statement that hangs does not hold a till forever.
 */
export function createPool(o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.connectionString,
    max: o.max ?? 10,
    application_name: o.applicationName ?? 'kopilka',
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
  } as pg.PoolConfig);
  // An idle client's connection dropping must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}
