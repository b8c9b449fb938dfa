import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSettings } from '../config/settings.ts';
import { startKopilka } from './app.ts';

// `npm start`: the service on the embedded default (a Postgres of its own, the in-process front)
// unless DATABASE_URL / REDIS_URL name real servers. Prints the ports and the demo keys.

async function operatorToken(dataDir: string, fromEnv: string | undefined): Promise<{ token: string; generated: boolean }> {
  if (fromEnv !== undefined) return { token: fromEnv, generated: false };
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'operator-token');
  try {
    return { token: (await readFile(file, 'utf8')).trim(), generated: true };
  } catch {
    const token = `kp_operator_${randomBytes(24).toString('base64url')}`;
    await writeFile(file, token);
    await chmod(file, 0o600);
    return { token, generated: true };
  }
}

const settings = loadSettings();

// Last resort, for bugs only: every known source of a stray error has its own handler (each pg
// client, the Redis clients, both HTTP servers). A promise rejected with nobody listening is
// logged with its stack and the tills keep being served. An exception thrown out of a callback
// leaves the process in a state nobody knows: it is logged, then the process drains and exits 1
// for its supervisor to start it again.
process.on('unhandledRejection', (reason) => {
  console.error('kopilka: unhandled promise rejection (a bug; please report it):', reason);
});
let onFatal: (err: unknown) => void = (err) => {
  console.error('kopilka: uncaught exception before start; exiting:', err);
  process.exit(1);
};
process.on('uncaughtException', (err) => onFatal(err));

if (cluster.isWorker) {
  // An extra POS process (POS_PROCESSES > 1): the primary passed the database and the token.
  const app = await startKopilka({ ...settings, OPERATOR_TOKEN: settings.OPERATOR_TOKEN! }, 'pos');
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    app.stop().then(
      () => process.exit(code),
      (e: unknown) => (console.error(e), process.exit(1)),
    );
  };
  onFatal = (err) => (console.error('kopilka: uncaught exception (a bug; please report it); stopping:', err), stop(1));
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => {}); // the primary decides when to stop
} else {
  await primary();
}

async function primary(): Promise<void> {
  const op = await operatorToken(settings.DATA_DIR, settings.OPERATOR_TOKEN);
  const app = await startKopilka({ ...settings, OPERATOR_TOKEN: op.token });
  // Further processes share the POS port (SO_REUSEPORT): one event loop each.
  for (let i = 1; i < settings.POS_PROCESSES; i++) cluster.fork({ DATABASE_URL: app.databaseUrl, OPERATOR_TOKEN: op.token });

  const lines = [
    '',
    'Kopilka is running.',
    `  POS port (checks, customers):   http://127.0.0.1:${app.posPort}${settings.POS_PROCESSES > 1 ? ` (${settings.POS_PROCESSES} processes)` : ''}`,
    `  API port (admin, billing, SOAP): http://127.0.0.1:${app.apiPort}   health: /health   metrics: /metrics   API: /openapi.json`,
    `  Pages: owner's cabinet http://127.0.0.1:${app.apiPort}/cabinet (admin key)   cashier workplace http://127.0.0.1:${app.apiPort}/cashier (a «cashier» key)`,
    `  Postgres: ${app.databaseLabel}`,
    `  Redis:    ${app.frontLabel}`,
  ];
  if (op.generated) lines.push(`  Operator token (kept in ${join(settings.DATA_DIR, 'operator-token')}): ${op.token}`);
  if (app.demo !== null) {
    lines.push(
      `  Demo tenant: ${app.demo.tenantId} («Демо-кофейня»)`,
      `    admin key:   ${app.demo.adminKey}`,
      `    cashier key: ${app.demo.cashierKey}`,
      '',
      '  Try it:',
      `    curl -s -X POST http://127.0.0.1:${app.posPort}/v1/checks -H "Authorization: Bearer ${app.demo.cashierKey}" \\`,
      `      -H 'Content-Type: application/json' -d '{"externalId":"demo-1","occurredAt":"${new Date().toISOString().slice(0, 19)}+00:00",` +
        `"customer":{"phone":"+79991234567"},"lines":[{"lineNo":1,"productId":"sku-1","quantity":1000,"price":55000,"amount":55000}],"payments":[{"type":"card","amount":55000}]}'`,
    );
  }
  console.log(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: draining in-flight commits, then stopping…`);
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    Promise.all(workers.map((w) => new Promise((r) => (w.once('exit', r), w.kill('SIGTERM')))))
      .then(() => app.stop())
      .then(() => process.exit(code))
      .catch((e) => {
        console.error(e);
        process.exit(1);
      });
  };
  onFatal = (err) => (console.error('kopilka: uncaught exception (a bug; please report it); stopping:', err), stop('uncaught exception', 1));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop(sig, 0));
}
