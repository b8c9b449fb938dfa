import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresServer } from '../test/postgres-server.ts';

// A throw-away database for a benchmark, on the server test/postgres-server.ts finds or starts
// (BENCH_DATABASE_URL, else 127.0.0.1:5432, else embedded). Dropped at the end.

export interface BenchDatabase {
  url: string;
  label: string;
  drop(): Promise<void>;
}

export async function benchDatabase(): Promise<BenchDatabase> {
  const server = await postgresServer({ variable: 'BENCH_DATABASE_URL', url: process.env.BENCH_DATABASE_URL }, 'bench');
  const name = `kopilka_bench_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    label: server.label,
    async drop() {
      const d = new pg.Client({ connectionString: server.url });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
      await server.stop();
    },
  };
}
