import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool } from '../ledger/postgres.ts';

// Each test file gets a database of its own, made fresh and dropped at the end, on the server
// that test/global-setup.ts found or started. Tests never depend on what an earlier run left.

export function adminUrl(): string {
  const url = process.env.KOPILKA_TEST_PG_URL;
  if (url === undefined) throw new Error('KOPILKA_TEST_PG_URL is not set: run the tests with `npm test` (vitest globalSetup sets it)');
  return url;
}

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'kopilka_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  const pool = createPool({ connectionString: u.toString(), max: 8 });
  return {
    url: u.toString(),
    pool,
    async drop() {
      await pool.end();
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      // pool.end() resolves before its clients' sockets have closed: a FORCE drop that ends a
      // session still closing makes its client emit an error no one listens to any more, which
      // vitest counts against the run. Their sessions go within milliseconds; wait for that first.
      for (let i = 0; i < 100; i++) {
        const r = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        if (r.rows[0]!.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
