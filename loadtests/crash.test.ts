import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { checkBody } from './scenarios.ts';

// kill -9 during load: the gateway dies with commits in flight. Afterwards every check it
// acknowledged is in Postgres exactly once, balances equal postings, and a till that sends
// everything again (as tills do after a timeout) gets its first answers back and records
// nothing twice. Bounded: loopback only, about 10 seconds.

const OPERATOR = 'crash-operator-token-0123456789';
const CUSTOMERS = 200;

let db: TestDatabase;
let child: ChildProcess | null = null;

async function startGateway(port: number): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    env: { ...process.env, DATABASE_URL: db.url, POS_PORT: String(port), API_PORT: String(port + 1), HOST: '127.0.0.1', OPERATOR_TOKEN: OPERATOR, LOG_LEVEL: 'fatal', RATE_LIMIT_PER_KEY: '1000000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('gateway did not start in 30 s')), 30_000);
    c.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    c.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Kopilka is running')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  c.removeAllListeners('exit');
  return c;
}

async function post(base: string, path: string, key: string, body: string): Promise<{ status: number; text: string } | null> {
  try {
    const r = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
    return { status: r.status, text: await r.text() };
  } catch {
    return null; // the connection died with the gateway: not acknowledged
  }
}

beforeAll(async () => {
  db = await createTestDatabase('kopilka_crash');
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await db?.drop();
});

describe('crash', () => {
  it('after kill -9 under load, acknowledged checks are there exactly once and balances equal postings', async () => {
    const port = 19_000 + Math.floor(Math.random() * 500) * 2;
    const base = `http://127.0.0.1:${port}`;
    child = await startGateway(port);
    const tenant = JSON.parse((await post(`http://127.0.0.1:${port + 1}`, '/v1/tenants', OPERATOR, JSON.stringify({ name: 'crash' })))!.text);
    const key = JSON.parse((await post(`http://127.0.0.1:${port + 1}`, '/v1/keys', tenant.adminKey, JSON.stringify({ channel: 'cashier' })))!.text).key as string;

    const o = { customers: CUSTOMERS, run: 'crash' };
    // A till resends the very same body (same occurredAt), so keep each one.
    const bodies: string[] = [];
    const bodyOf = (i: number) => (bodies[i] ??= checkBody(i, o));
    const acked = new Map<number, string>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed && next < 100_000) {
        const i = next++;
        const r = await post(base, '/v1/checks', key, bodyOf(i));
        if (r !== null && r.status === 201) acked.set(i, r.text);
      }
    };
    const load = Promise.all(Array.from({ length: 64 }, worker));
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGKILL');
    killed = true;
    await load;
    const sent = next;
    expect(acked.size).toBeGreaterThan(100);

    const rows = await db.pool.query<{ external_id: string; n: number }>("SELECT external_id, count(*)::int AS n FROM checks WHERE kind = 'sale' GROUP BY channel, external_id");
    const stored = new Map(rows.rows.map((r) => [r.external_id, r.n]));
    for (const i of acked.keys()) expect(stored.get(`crash-${i}`), `acknowledged check crash-${i}`).toBe(1);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    await expectLedgerInvariants(db.pool);

    // The tills send everything again after the restart.
    child = await startGateway(port);
    const again = await Promise.all(Array.from({ length: sent }, (_, i) => post(base, '/v1/checks', key, bodyOf(i))));
    again.forEach((r, i) => {
      expect(r?.status === 200 || r?.status === 201).toBe(true);
      if (acked.has(i)) expect([r!.status, r!.text]).toEqual([200, acked.get(i)]);
    });
    const total = await db.pool.query("SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS d FROM checks WHERE kind = 'sale'");
    expect(total.rows[0]).toEqual({ n: sent, d: sent });
    await expectLedgerInvariants(db.pool);
    console.log(`crash test: ${sent} checks sent before kill -9, ${acked.size} acknowledged, ${stored.size} in Postgres; all ${sent} recorded once after the resend`);
  }, 120_000);
});
