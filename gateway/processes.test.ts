import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisFront } from './front/redis-front.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { REDIS_URL } from '../test/service.ts';

// POS_PROCESSES=2: two processes share the POS port, both record checks, a replay sent to either
// is answered from the first, and SIGTERM stops them all.

const OPERATOR = 'processes-operator-token-0123456789';
let db: TestDatabase;
const prefix = `kpp${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  const f = await RedisFront.connect({ url: REDIS_URL, prefix });
  await f.destroyAll();
  await f.close();
  await db?.drop();
});

describe('POS_PROCESSES', () => {
  it('serves the POS port from several processes and stops them all', async () => {
    const port = 21_000 + Math.floor(Math.random() * 500) * 2;
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      env: { ...process.env, DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix, POS_PROCESSES: '2', POS_PORT: String(port), API_PORT: String(port + 1), HOST: '127.0.0.1', OPERATOR_TOKEN: OPERATOR, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pids = new Set<number>();
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/"pid":(\d+)[^\n]*"role":"(all|pos)"[^\n]*kopilka started/g)) pids.add(Number(m[1]));
    });
    for (let i = 0; i < 300 && pids.size < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.size).toBe(2);
    const post = async (path: string, key: string, body: unknown, p = port) =>
      fetch(`http://127.0.0.1:${p}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const t = await (await post('/v1/tenants', OPERATOR, { name: 'x' }, port + 1)).json();
    const check = (i: number) => ({ externalId: `p-${i}`, occurredAt: '2026-11-22T12:00:00+03:00', customer: { phone: `+7999000${String(i % 50).padStart(4, '0')}` }, lines: [{ lineNo: 1, productId: 'a', quantity: 1000, price: 1000, amount: 1000 }] });
    const first = await Promise.all(Array.from({ length: 200 }, (_, i) => post('/v1/checks', t.adminKey, check(i)).then((r) => r.status)));
    expect(first.every((s) => s === 201)).toBe(true);
    const again = await Promise.all(Array.from({ length: 200 }, (_, i) => post('/v1/checks', t.adminKey, check(i)).then((r) => r.status)));
    expect(again.every((s) => s === 200)).toBe(true);
    const n = await db.pool.query("SELECT count(*)::int AS n FROM checks WHERE kind = 'sale'");
    expect(n.rows[0].n).toBe(200);
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
