import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { GATEWAY_NODE_FLAGS } from '../gateway/node-flags.ts';

// A gateway in a process of its own (gateway/main.ts, as `npm start` runs it), for tests where
// the process itself is the subject: does it survive a fault, does SIGTERM drain it, what does a
// till see after kill -9.

export const OPERATOR = 'fault-operator-token-0123456789';

export interface GatewayProcess {
  child: ChildProcess;
  pos: string;
  api: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** What the process wrote to stderr, for the failure message. */
  stderr(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `nodeArgs`: flags for node itself beyond those `npm start` gives (GATEWAY_NODE_FLAGS) (e.g. --cpu-prof, which NODE_OPTIONS does not allow).
 * `onStdout`: everything the process prints, as it comes (the bench reads V8's --trace-gc-nvp lines).
 */
export async function startGatewayProcess(env: Record<string, string>, ports?: { pos: number; api: number }, nodeArgs: string[] = [], onStdout?: (text: string) => void): Promise<GatewayProcess> {
  const pos = ports?.pos ?? (await freePort());
  const api = ports?.api ?? (await freePort());
  // GATEWAY_JS=dist: the gateway as `npm run build` compiled it (plain JavaScript: profiles name lines).
  const entry = process.env.GATEWAY_JS === 'dist' ? ['dist/gateway/main.js'] : ['--import', 'tsx', 'gateway/main.ts'];
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...nodeArgs, ...entry], {
    env: { ...process.env, POS_PORT: String(pos), API_PORT: String(api), HOST: '127.0.0.1', OPERATOR_TOKEN: OPERATOR, LOG_LEVEL: 'fatal', RATE_LIMIT_PER_KEY: '1000000', SWEEP_INTERVAL_MS: '3600000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('gateway did not start in 30 s')), 30_000);
    void exited.then((code) => reject(new Error(`gateway exited with ${code}: ${err}`)));
    // GATEWAY_STDOUT=<file>: what the gateway prints is kept there (e.g. V8's --trace-gc-nvp lines).
    const keep = process.env.GATEWAY_STDOUT;
    child.stdout!.on('data', (d: Buffer) => {
      if (keep) appendFileSync(keep, d);
      onStdout?.(d.toString());
      if (d.toString().includes('Kopilka is running')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return { child, pos: `http://127.0.0.1:${pos}`, api: `http://127.0.0.1:${api}`, exited, stderr: () => err };
}

export interface Answer {
  status: number;
  text: string;
}

/** No HTTP answer: `refused` when no connection could be made, else why it broke (reset, hang-up, timeout). */
export interface NoAnswer {
  refused: boolean;
  error: string;
}

/** One request, and what became of it. */
export async function attempt(base: string, method: string, path: string, key: string, body?: string, timeoutMs = 5000): Promise<Answer | NoAnswer> {
  try {
    const r = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: r.status, text: await r.text() };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (e as Error).name;
    return { refused: code === 'ECONNREFUSED', error: `${code}: ${cause?.message ?? (e as Error).message}` };
  }
}

/** One request; null when no HTTP answer came (refused, reset, hang-up, timeout). */
export async function send(base: string, method: string, path: string, key: string, body?: string, timeoutMs = 5000): Promise<Answer | null> {
  const r = await attempt(base, method, path, key, body, timeoutMs);
  return 'status' in r ? r : null;
}

/** The program the fault tests use: 10% accrual, half a check payable with bonuses, active at once. */
export const FAULT_PROGRAM = {
  levels: [{ code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 }],
  activationDays: 0,
  timezone: 'Europe/Moscow',
};

/** A tenant with FAULT_PROGRAM and a cashier key. */
export async function faultTenant(api: string, name: string): Promise<{ tenantId: string; key: string }> {
  const t = await send(api, 'POST', '/v1/tenants', OPERATOR, JSON.stringify({ name, program: FAULT_PROGRAM }));
  if (t?.status !== 201) throw new Error(`tenant not created: ${JSON.stringify(t)}`);
  const { id, adminKey } = JSON.parse(t.text) as { id: string; adminKey: string };
  const k = await send(api, 'POST', '/v1/keys', adminKey, JSON.stringify({ channel: 'cashier' }));
  if (k?.status !== 201) throw new Error(`key not issued: ${JSON.stringify(k)}`);
  return { tenantId: id, key: (JSON.parse(k.text) as { key: string }).key };
}
