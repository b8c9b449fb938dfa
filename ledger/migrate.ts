import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

const DIR = new URL('./migrations/', import.meta.url);
// Any constant works; it only has to be the same for every Kopilka process on this database.
const LOCK_KEY = 4_217_001;

/**
 * Applies the SQL files in ledger/migrations in name order, each once, each in its own
 * transaction. An advisory lock lets several gateways start at once against one database.
 */
export async function migrate(pool: pg.Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const files = (await readdir(DIR)).filter((f) => f.endsWith('.sql')).sort();
    const applied: string[] = [];
    for (const f of files) {
      if (done.has(f)) continue;
      const sql = await readFile(new URL(f, DIR), 'utf8');
      await client.query('BEGIN');
      try {
        // Not the pool's 30 s: a migration that fills a table from the rows already there (026, 028)
        // takes minutes on a database of 10,000,000 customers, and must not fail the start for it.
        await client.query('SET LOCAL statement_timeout = 0');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [f]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${f} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(f);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
}
