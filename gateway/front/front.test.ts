import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KopilkaEvent } from '../../ledger/events.ts';
import type { Front } from './front.ts';
import { MemoryFront } from './memory.ts';
import { RedisFront } from './redis.ts';

// One contract, two fronts: the same tests run in process memory and against a real Redis.
// A Redis that does not answer fails this suite loudly: the tests never skip it.

const REDIS_URL = process.env.REDIS_URL_TEST ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const fronts: [string, () => Promise<Front & { destroyAll?: () => Promise<void> }>][] = [
  ['memory', async () => new MemoryFront()],
  ['redis', () => RedisFront.connect({ url: REDIS_URL, prefix: `kptest${randomBytes(4).toString('hex')}` })],
];

const ev = (i: number): KopilkaEvent => ({ type: 'checkCommitted', tenantId: 't1', externalId: `e${i}`, amount: i, at: new Date().toISOString() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(fronts)('%s front', (_name, make) => {
  let front: Front & { destroyAll?: () => Promise<void> };
  beforeAll(async () => {
    front = await make();
  });
  afterAll(async () => {
    await front.destroyAll?.();
    await front.close();
  });

  it('answers ping', async () => {
    expect(await front.ping()).toBe(true);
  });

  it('stores answers per tenant, and they expire', async () => {
    await front.putAnswer('t1', 'api:sale:1', 'hash\n{"a":1}', 1);
    expect(await front.getAnswer('t1', 'api:sale:1')).toBe('hash\n{"a":1}');
    expect(await front.getAnswer('t2', 'api:sale:1')).toBeNull();
    await sleep(1100);
    expect(await front.getAnswer('t1', 'api:sale:1')).toBeNull();
  });

  it('never caches a summary read before an invalidation', async () => {
    const seen = await front.getCustomer('t1', 'c1');
    expect(seen.json).toBeNull();
    await front.invalidateCustomer('t1', 'c1'); // a commit lands meanwhile
    expect(await front.setCustomer('t1', 'c1', '{"stale":true}', seen.generation, 30)).toBe(false);
    const now = await front.getCustomer('t1', 'c1');
    expect(await front.setCustomer('t1', 'c1', '{"fresh":true}', now.generation, 30)).toBe(true);
    expect((await front.getCustomer('t1', 'c1')).json).toBe('{"fresh":true}');
    await front.invalidateCustomer('t1', 'c1');
    expect((await front.getCustomer('t1', 'c1')).json).toBeNull();
  });

  it('rate-limits: a burst passes, then refuses with a retry time, then recovers', async () => {
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await front.rateLimit('t1', 'k1', 5, 10));
    expect(results.slice(0, 10).every((r) => r.allowed)).toBe(true);
    const refused = results.slice(10).find((r) => !r.allowed);
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    await sleep(450);
    expect((await front.rateLimit('t1', 'k1', 5, 10)).allowed).toBe(true);
    expect((await front.rateLimit('t1', 'other', 5, 10)).allowed).toBe(true);
  });

  it('counts usage, reads it by prefix, and can be reset from the truth', async () => {
    await front.incrCounters([
      { tenantId: 't9', name: '2026-11:checks:api', by: 2 },
      { tenantId: 't9', name: '2026-11:checks:api', by: 3 },
      { tenantId: 't9', name: '2026-11:sms:promo', by: 1 },
      { tenantId: 't9', name: '2026-10:checks:api', by: 7 },
    ]);
    expect(await front.readCounters('t9', '2026-11:')).toEqual({ '2026-11:checks:api': 5, '2026-11:sms:promo': 1 });
    await front.setCounter('t9', '2026-11:checks:api', 42);
    expect((await front.readCounters('t9', '2026-11:checks'))['2026-11:checks:api']).toBe(42);
  });

  it('delivers every event to every group, at least once, and redelivers what was not acknowledged', async () => {
    const got: Record<string, string[]> = { a: [], b: [] };
    let failOnce = true;
    const ca = front.consume(`ga-${_name}`, 'a1', async (es) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('crash before ack');
      }
      got.a!.push(...es.map((e) => e.externalId!));
    }, { blockMs: 100, claimAfterMs: 300 });
    const cb = front.consume(`gb-${_name}`, 'b1', async (es) => void got.b!.push(...es.map((e) => e.externalId!)), { blockMs: 100 });
    await sleep(200);
    await front.publish([ev(1), ev(2), ev(3)]);
    await front.publish([ev(4)]);
    for (let i = 0; i < 50 && (got.a!.length < 4 || got.b!.length < 4); i++) await sleep(100);
    await ca.stop();
    await cb.stop();
    expect(new Set(got.a)).toEqual(new Set(['e1', 'e2', 'e3', 'e4']));
    expect(got.b).toEqual(['e1', 'e2', 'e3', 'e4']);
  });
});
