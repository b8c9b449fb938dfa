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

/**
 * A server for a benchmark with several databases: `npm run bench` seeds one and copies it (CREATE
 * DATABASE … TEMPLATE) for each phase, so every phase starts from the same customers and lots.
 */
export interface BenchServer {
  /** Admin URL (database `postgres`), with the password hidden in `label`. */
  url: string;
  label: string;
  urlOf(name: string): string;
  /** The database's name on the server (for pg_stat_activity). */
  databaseOf(name: string): string;
  create(name: string, template?: string): Promise<string>;
  drop(name: string): Promise<void>;
  /** Runs `f` on a connection to the server's admin database. */
  admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T>;
  /** Drops every database made here, then stops an embedded server. */
  close(): Promise<void>;
}

export async function benchServer(): Promise<BenchServer> {
  const server = await postgresServer({ variable: 'BENCH_DATABASE_URL', url: process.env.BENCH_DATABASE_URL }, 'bench');
  const prefix = `kopilka_bench_${randomBytes(3).toString('hex')}`;
  const made = new Set<string>();
  const admin = async <T>(f: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      return await f(c);
    } finally {
      await c.end();
    }
  };
  const urlOf = (name: string) => {
    const u = new URL(server.url);
    u.pathname = `/${prefix}_${name}`;
    return u.toString();
  };
  const drop = async (name: string) => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${prefix}_${name} WITH (FORCE)`));
    made.delete(name);
  };
  return {
    url: server.url,
    label: server.label,
    urlOf,
    databaseOf: (name) => `${prefix}_${name}`,
    async create(name, template) {
      await admin(async (c) => {
        if (template === undefined) await c.query(`CREATE DATABASE ${prefix}_${name}`);
        else {
          // A template must have no sessions; file_copy (Postgres 15+) copies files instead of logging every page.
          await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [`${prefix}_${template}`]);
          const v = Number((await c.query<{ v: string }>('SHOW server_version_num')).rows[0]!.v);
          await c.query(`CREATE DATABASE ${prefix}_${name} TEMPLATE ${prefix}_${template}${v >= 150000 ? ' STRATEGY file_copy' : ''}`);
        }
      });
      made.add(name);
      return urlOf(name);
    },
    drop,
    admin,
    async close() {
      for (const name of [...made]) await drop(name).catch(() => {});
      await server.stop();
    },
  };
}
