import pg from 'pg';
import { LEDGER_TYPES } from './pg-timestamp.ts';

export interface PoolOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

/**
 * A pool with the settings the ledger relies on: bigint stays a string (exact), timestamps are
 * read quickly, and a statement that hangs does not hold a till forever.
 */
export function createPool(o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.connectionString,
    max: o.max ?? 10,
    application_name: o.applicationName ?? 'kopilka',
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
    // A server that vanished without a word (failover, cable) is noticed by TCP, not in hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // timestamptz read without pg's regular expressions (ledger/pg-timestamp.ts); the same Dates.
    types: LEDGER_TYPES,
  } as pg.PoolConfig);
  // An idle client's connection dropping must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // A client checked out (by the writer for a batch, by pool.query, by anyone) has no listener of
  // the pool's while it is out: a Postgres restart then emits 'error' on it with nobody to hear,
  // and Node kills the process. Every client gets one here, the moment it is made, whoever takes
  // it. The error itself reaches the caller through its failing query (answered 503 and logged
  // there); the client is no longer queryable and the pool drops it on release.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}
