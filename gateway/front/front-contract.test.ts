import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KopilkaEvent } from '../../ledger/events.ts';
import type { EventHandler, StreamConsumeOptions, StreamConsumer } from './consumer-loop.ts';
import type { FrontLogger } from './front.ts';
import { MemoryFront } from './memory-front.ts';
import { RedisFront } from './redis-front.ts';

// The contract of memory-front.ts and redis-front.ts, run against both. The Redis suite needs a
// real Redis (REDIS_URL, else 127.0.0.1:6379); if none answers, every test of those suites fails
// with the connect error (rethrown in beforeEach, since vitest shows tests under a failed
// beforeAll as "skipped") — deliberately never skipped.

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type AnyFront = MemoryFront | RedisFront;

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function event(tenantId: string, n: number): KopilkaEvent {
  return { type: 'checkCommitted', tenantId, externalId: `sale-${n}`, amount: n * 100, at: new Date().toISOString() };
}

describe.each([
  ['memory', async () => new MemoryFront()],
  ['redis', async () => RedisFront.connect({ url: REDIS_URL, prefix: `kptest-${randomUUID().slice(0, 8)}`, connectTimeoutMs: 3000 })],
] as const)('front contract (%s)', (_name, make) => {
  let front: AnyFront;
  const consumers: StreamConsumer[] = [];
  const tenant = () => `t-${randomUUID().slice(0, 8)}`;
  const consume = (group: string, consumer: string, handler: EventHandler, opts?: StreamConsumeOptions) => {
    const c = front.consume(group, consumer, handler, opts);
    consumers.push(c);
    return c;
  };

  let unreachable: unknown = null;
  beforeAll(async () => {
    try {
      front = await make();
    } catch (err) {
      unreachable = err;
    }
  });
  beforeEach(() => {
    if (unreachable !== null) throw unreachable;
  });

  it('answers ping', async () => {
    expect(await front.ping()).toBe(true);
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    if (front instanceof RedisFront) await front.destroyAll();
    await front?.close();
  });

  it('stores answers per tenant and lets them expire', async () => {
    const [a, b] = [tenant(), tenant()];
    await front.putAnswer(a, 'cashier:sale:1', 'hash\n{"ok":true}', 0.3);
    expect(await front.getAnswer(a, 'cashier:sale:1')).toBe('hash\n{"ok":true}');
    expect(await front.getAnswer(b, 'cashier:sale:1')).toBeNull();
    await sleep(400);
    expect(await front.getAnswer(a, 'cashier:sale:1')).toBeNull();
  });

  it('caches a summary, and refuses a stale set after an invalidation', async () => {
    const t = tenant();
    const fresh = await front.getCustomer(t, 'c1');
    expect(fresh).toEqual({ json: null, generation: 0 });
    expect(await front.setCustomer(t, 'c1', '{"v":1}', fresh.generation, 30)).toBe(true);
    expect((await front.getCustomer(t, 'c1')).json).toBe('{"v":1}');

    // A slow reader looks, a commit invalidates, the reader then tries to cache what it read.
    const slow = await front.getCustomer(t, 'c1');
    await front.invalidateCustomer(t, 'c1');
    expect(await front.setCustomer(t, 'c1', '{"v":"stale"}', slow.generation, 30)).toBe(false);
    const after = await front.getCustomer(t, 'c1');
    expect(after.json).toBeNull();
    expect(after.generation).toBeGreaterThan(slow.generation);
    expect(await front.setCustomer(t, 'c1', '{"v":2}', after.generation, 30)).toBe(true);
    expect((await front.getCustomer(t, 'c1')).json).toBe('{"v":2}');
  });

  it('a writer refreshes a record only if nothing moved the generation since it read it', async () => {
    const t = tenant();
    const [g1, g2] = await front.customerGenerations([
      { tenantId: t, customerId: 'c1' },
      { tenantId: t, customerId: 'c2' },
    ]);
    expect([g1, g2]).toEqual([0, 0]);
    // A reader looks before the commit; the writer's refresh lands; the reader's late set is refused.
    const reader = await front.getCustomer(t, 'c1');
    await front.invalidateCustomer(t, 'c2'); // someone else wrote c2 after the writer read its generation
    await front.refreshCustomers([
      { tenantId: t, customerId: 'c1', generation: g1!, json: '{"v":"fresh"}', ttlSeconds: 30 },
      { tenantId: t, customerId: 'c2', generation: g2!, json: '{"v":"overtaken"}', ttlSeconds: 30 },
    ]);
    expect((await front.getCustomer(t, 'c1')).json).toBe('{"v":"fresh"}');
    expect(await front.setCustomer(t, 'c1', '{"v":"stale"}', reader.generation, 30)).toBe(false);
    expect((await front.getCustomer(t, 'c1')).json).toBe('{"v":"fresh"}');
    const c2 = await front.getCustomer(t, 'c2');
    expect(c2.json).toBeNull(); // dropped, not filled
    expect(c2.generation).toBeGreaterThan(g2!);
    // An older writer arriving after a newer one (its generation is stale by then) only drops.
    await front.refreshCustomers([{ tenantId: t, customerId: 'c1', generation: g1!, json: '{"v":"older"}', ttlSeconds: 30 }]);
    expect((await front.getCustomer(t, 'c1')).json).toBeNull();
    // Unknown (-1) never fills.
    const now = (await front.customerGenerations([{ tenantId: t, customerId: 'c1' }]))[0]!;
    await front.refreshCustomers([{ tenantId: t, customerId: 'c1', generation: -1, json: '{}', ttlSeconds: 30 }]);
    expect((await front.getCustomer(t, 'c1')).json).toBeNull();
    expect((await front.getCustomer(t, 'c1')).generation).toBeGreaterThan(now);
  });

  it('rate limit: burst, then refusal with a wait, then recovery', async () => {
    const t = tenant();
    const r = [];
    for (let i = 0; i < 3; i++) r.push(await front.rateLimit(t, 'key-1', 10, 3));
    expect(r.every((x) => x.allowed && x.retryAfterMs === 0)).toBe(true);
    const refused = await front.rateLimit(t, 'key-1', 10, 3);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(100);
    expect((await front.rateLimit(t, 'key-2', 10, 3)).allowed).toBe(true); // buckets are separate
    await sleep(refused.retryAfterMs + 30);
    expect((await front.rateLimit(t, 'key-1', 10, 3)).allowed).toBe(true);
  });

  it('counters: increment, read by prefix, reset from the truth', async () => {
    const t = tenant();
    await front.incrCounters([
      { tenantId: t, name: 'checks:2026-11:api', by: 1 },
      { tenantId: t, name: 'checks:2026-11:api', by: 1 },
      { tenantId: t, name: 'checks:2026-11:moysklad', by: 2 },
      { tenantId: t, name: 'sms:2026-11', by: 5 },
    ]);
    expect(await front.readCounters(t, 'checks:2026-11:')).toEqual({ 'checks:2026-11:api': 2, 'checks:2026-11:moysklad': 2 });
    await front.setCounter(t, 'checks:2026-11:api', 40);
    expect(await front.readCounters(t, 'checks:')).toEqual({ 'checks:2026-11:api': 40, 'checks:2026-11:moysklad': 2 });
    expect(await front.readCounters(tenant(), '')).toEqual({});
    await expect(front.incrCounters([{ tenantId: t, name: 'x', by: 0.5 }])).rejects.toThrow(/integer/);
  });

  it('a group gets every event at least once, spread over its consumers', async () => {
    const t = tenant();
    const group = `g-${randomUUID()}`;
    const seen: string[] = [];
    const handler = async (evs: KopilkaEvent[]) => {
      for (const e of evs) if (e.tenantId === t) seen.push(e.externalId!);
    };
    const a = consume(group, 'a', handler, { blockMs: 50, batch: 4, from: 'new' });
    const b = consume(group, 'b', handler, { blockMs: 50, batch: 4, from: 'new' });
    await Promise.all([a.ready, b.ready]);
    const events = Array.from({ length: 20 }, (_, i) => event(t, i));
    await front.publish(events);
    await waitFor(() => new Set(seen).size === 20);
    expect(new Set(seen)).toEqual(new Set(events.map((e) => e.externalId)));
    expect(seen).toHaveLength(20); // nothing failed, so nothing was delivered twice
  });

  it('two groups each get every event, with the stream id and the same content', async () => {
    const t = tenant();
    const got: Record<string, KopilkaEvent[]> = { g1: [], g2: [] };
    for (const g of ['g1', 'g2'] as const) {
      const c = consume(`${g}-${t}`, 'only', async (evs) => void got[g]!.push(...evs.filter((e) => e.tenantId === t)), { blockMs: 50, from: 'new' });
      await c.ready;
    }
    await front.publish([event(t, 1), event(t, 2), event(t, 3)]);
    await waitFor(() => got.g1!.length === 3 && got.g2!.length === 3);
    expect(got.g1!.map((e) => e.externalId)).toEqual(['sale-1', 'sale-2', 'sale-3']);
    expect(got.g2!.map((e) => e.id)).toEqual(got.g1!.map((e) => e.id));
    expect(got.g1![0]).toMatchObject({ type: 'checkCommitted', tenantId: t, amount: 100 });
    expect(typeof got.g1![0]!.id).toBe('string');
  });

  it('a group that takes some types gets only those, and the others are not left pending', async () => {
    const t = tenant();
    const group = `g-${randomUUID()}`;
    const got: string[] = [];
    const handler = async (evs: KopilkaEvent[]) => void got.push(...evs.filter((e) => e.tenantId === t).map((e) => `${e.type}:${e.externalId}`));
    const c1 = consume(group, 'c1', handler, { blockMs: 50, batch: 2, from: 'new', types: ['checkCommitted', 'sms'] });
    await c1.ready;
    const others: KopilkaEvent[] = Array.from({ length: 5 }, (_, i) => ({ type: 'accrued', tenantId: t, externalId: `acc-${i}`, points: 10, at: new Date().toISOString() }));
    // Taken ones between runs of others longer than a batch: a batch of nothing taken must not stall the group.
    await front.publish([...others, event(t, 1), ...others, { type: 'sms', tenantId: t, externalId: 'sms-1', at: new Date().toISOString() }, ...others, event(t, 2)]);
    await waitFor(() => got.length === 3);
    await sleep(200);
    expect(got).toEqual(['checkCommitted:sale-1', 'sms:sms-1', 'checkCommitted:sale-2']);
    await c1.stop();
    // Nothing of the group is left pending: a new consumer claiming idle entries finds none.
    const c2 = consume(group, 'c2', handler, { blockMs: 50, claimAfterMs: 100, types: ['checkCommitted', 'sms'] });
    await c2.ready;
    await sleep(400);
    expect(got).toHaveLength(3);
  });

  it('acked events are not delivered again, even to a new consumer of the group', async () => {
    const t = tenant();
    const group = `g-${randomUUID()}`;
    const first: string[] = [];
    const c1 = consume(group, 'c1', async (evs) => void first.push(...evs.map((e) => e.id!)), { blockMs: 50, from: 'new' });
    await c1.ready;
    await front.publish([event(t, 1), event(t, 2)]);
    await waitFor(() => first.length === 2);
    await c1.stop();

    const second: string[] = [];
    const c2 = consume(group, 'c2', async (evs) => void second.push(...evs.map((e) => e.externalId!)), { blockMs: 50, claimAfterMs: 100 });
    await c2.ready;
    await sleep(400); // several claim rounds: nothing pending to take over
    expect(second).toEqual([]);
    await front.publish([event(t, 3)]);
    await waitFor(() => second.length === 1);
    expect(second).toEqual(['sale-3']);
  });

  it('unacked events go to another consumer once idle past claimAfterMs', async () => {
    const t = tenant();
    const group = `g-${randomUUID()}`;
    const crashed: string[] = [];
    const a = consume(group, 'a', async (evs) => {
      crashed.push(...evs.map((e) => e.id!));
      throw new Error('simulated crash before ack');
    }, { blockMs: 50, claimAfterMs: 300, from: 'new' });
    await a.ready;
    await front.publish([event(t, 1), event(t, 2), event(t, 3)]);
    await waitFor(() => crashed.length >= 3);
    await a.stop();

    const taken: string[] = [];
    const started = Date.now();
    const b = consume(group, 'b', async (evs) => void taken.push(...evs.map((e) => e.id!)), { blockMs: 50, claimAfterMs: 300 });
    await b.ready;
    await waitFor(() => taken.length >= 3);
    expect(new Set(taken)).toEqual(new Set(crashed.slice(0, 3)));
    expect(Date.now() - started).toBeLessThan(3000);
    await sleep(700); // b acked them: no further redelivery
    expect(taken).toHaveLength(3);
  });

  it('a consumer restarted under the same name gets its own unacked events at once', async () => {
    const t = tenant();
    const group = `g-${randomUUID()}`;
    let fail = true;
    const seen: string[] = [];
    const handler = async (evs: KopilkaEvent[]) => {
      seen.push(...evs.map((e) => e.externalId!));
      if (fail) throw new Error('crash');
    };
    const x = consume(group, 'x', handler, { blockMs: 50, claimAfterMs: 60_000, from: 'new' });
    await x.ready;
    await front.publish([event(t, 7)]);
    await waitFor(() => seen.length === 1);
    await x.stop();
    fail = false;
    const again = consume(group, 'x', handler, { blockMs: 50, claimAfterMs: 60_000 });
    await again.ready;
    await waitFor(() => seen.length === 2, 2000); // not 60 s: its own pending list is read first
    expect(seen).toEqual(['sale-7', 'sale-7']);
  });

  it('a new group starts from the oldest retained event by default (metering must not miss any)', async () => {
    const t = tenant();
    await front.publish([event(t, 1)]); // before the group exists
    const got: string[] = [];
    const c = consume(`g-${t}`, 'c', async (evs) => void got.push(...evs.filter((e) => e.tenantId === t).map((e) => e.externalId!)), { blockMs: 50 });
    await c.ready;
    await front.publish([event(t, 2)]);
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['sale-1', 'sale-2']);
  });

  it('publish refuses an event that cannot be serialised, appending nothing', async () => {
    const t = tenant();
    const got: KopilkaEvent[] = [];
    const c = consume(`g-${t}`, 'c', async (evs) => void got.push(...evs.filter((e) => e.tenantId === t)), { blockMs: 50, from: 'new' });
    await c.ready;
    const bad = { ...event(t, 1), data: { big: 1n } } as unknown as KopilkaEvent;
    await expect(front.publish([event(t, 0), bad])).rejects.toThrow(/BigInt/);
    await front.publish([event(t, 2)]);
    await waitFor(() => got.length === 1);
    expect(got.map((e) => e.externalId)).toEqual(['sale-2']);
  });
});

// ── Redis going away ────────────────────────────────────────────────────────────────────────

/** A TCP proxy to Redis that a test can cut and restore, to simulate an outage. */
async function cuttableProxy(target: URL): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    await new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

describe('redis-front when Redis goes away', () => {
  const warnings: string[] = [];
  const logger: FrontLogger = { warn: (_o, msg) => void warnings.push(msg) };
  let proxy: Awaited<ReturnType<typeof cuttableProxy>>;
  let front: RedisFront;

  let unreachable: unknown = null;
  beforeAll(async () => {
    proxy = await cuttableProxy(new URL(REDIS_URL));
    const url = new URL(REDIS_URL);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    try {
      front = await RedisFront.connect({ url: url.toString(), prefix: `kptest-${randomUUID().slice(0, 8)}`, logger, opTimeoutMs: 200 });
    } catch (err) {
      unreachable = err;
    }
  });
  beforeEach(() => {
    if (unreachable !== null) throw unreachable;
  });

  afterAll(async () => {
    await front?.destroyAll().catch(() => {});
    await front?.close();
    await proxy?.close().catch(() => {});
  });

  it('degrades the optimisations, keeps a per-node rate limit, fails what must not be lost, and recovers', async () => {
    await front.putAnswer('t1', 'k', 'answer', 60);
    await proxy.cut();
    await waitFor(() => warnings.length > 0, 2000); // the connection loss itself is reported

    const started = Date.now();
    expect(await front.getAnswer('t1', 'k')).toBeNull();
    await front.putAnswer('t1', 'k2', 'x', 60);
    expect(await front.getCustomer('t1', 'c')).toEqual({ json: null, generation: -1 });
    expect(await front.setCustomer('t1', 'c', '{}', -1, 30)).toBe(false);
    await front.invalidateCustomer('t1', 'c');
    expect(await front.customerGenerations([{ tenantId: 't1', customerId: 'c' }])).toEqual([-1]);
    await front.refreshCustomers([{ tenantId: 't1', customerId: 'c', generation: 0, json: '{}', ttlSeconds: 30 }]);
    expect(Date.now() - started).toBeLessThan(1500); // misses, not hangs
    expect(await front.ping()).toBe(false);

    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push((await front.rateLimit('t1', 'key', 1, 2)).allowed);
    expect(decisions).toEqual([true, true, false]);

    await expect(front.publish([event('t1', 1)])).rejects.toThrow();
    await expect(front.incrCounters([{ tenantId: 't1', name: 'checks', by: 1 }])).rejects.toThrow();
    await expect(front.readCounters('t1', '')).rejects.toThrow();
    expect(warnings.length).toBeLessThan(20); // throttled, not one line per call

    await proxy.restore();
    const until = Date.now() + 10_000;
    while (!(await front.ping())) {
      if (Date.now() > until) throw new Error('did not reconnect');
      await sleep(100);
    }
    expect(await front.getAnswer('t1', 'k')).toBe('answer'); // Redis kept it; only the path was cut
  });

  it('connect() fails within its timeout when nothing answers', async () => {
    const started = Date.now();
    await expect(RedisFront.connect({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 })).rejects.toThrow(/does not answer/);
    // A hang would never end (node-redis retries forever); the bound only has to be far from it. 2 s
    // was once exceeded (2.3 s) while the whole suite shared two cores, so it is 5 s.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a generation never repeats after its key is lost, so an old reader stays refused', async () => {
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    try {
      await front.invalidateCustomer('t2', 'c');
      const old = await front.getCustomer('t2', 'c');
      const keys = await raw.keys(`*{t2}:cgen:c`);
      expect(keys.length).toBeGreaterThan(0);
      await raw.del(keys); // as if evicted
      await front.invalidateCustomer('t2', 'c');
      const now = await front.getCustomer('t2', 'c');
      expect(now.generation).not.toBe(old.generation);
      expect(await front.setCustomer('t2', 'c', '{"stale":true}', old.generation, 30)).toBe(false);
    } finally {
      await raw.close();
    }
  });
});

// ── Scripts and caps ────────────────────────────────────────────────────────────────────────

describe('redis-front scripts (node-redis defineScript)', () => {
  it('run again after Redis forgets them (SCRIPT FLUSH: NOSCRIPT, then loaded by EVAL)', async () => {
    const warnings: string[] = [];
    const front = await RedisFront.connect({ url: REDIS_URL, prefix: `kptest-${randomUUID().slice(0, 8)}`, logger: { warn: (_o, m) => void warnings.push(m) } });
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    try {
      for (let round = 0; round < 2; round++) {
        await raw.sendCommand(['SCRIPT', 'FLUSH']);
        const t = `t-${randomUUID().slice(0, 8)}`;
        await front.invalidateCustomer(t, 'c1');
        const g = await front.getCustomer(t, 'c1');
        expect(g.generation).toBeGreaterThan(0); // invalidateCustomer ran
        expect(await front.setCustomer(t, 'c1', '{"v":1}', g.generation, 30)).toBe(true);
        expect((await front.rateLimit(t, 'k', 10, 1)).allowed).toBe(true);
        expect((await front.rateLimit(t, 'k', 10, 1)).allowed).toBe(false);
      }
      expect(warnings).toEqual([]); // no script call fell back
    } finally {
      await raw.close();
      await front.destroyAll();
      await front.close();
    }
  });
});

describe('memory-front caps', () => {
  it('keeps at most maxEntries per map, evicting the least recently used', async () => {
    const front = new MemoryFront({ maxEntries: 2 });
    try {
      await front.putAnswer('t', 'a', 'A', 60);
      await front.putAnswer('t', 'b', 'B', 60);
      expect(await front.getAnswer('t', 'a')).toBe('A'); // a is now the most recently used
      await front.putAnswer('t', 'c', 'C', 60);
      expect(await front.getAnswer('t', 'b')).toBeNull();
      expect(await front.getAnswer('t', 'a')).toBe('A');
      expect(await front.getAnswer('t', 'c')).toBe('C');
      await front.putAnswer('t', 'gone', 'G', 0); // a zero lifetime is gone at once, not kept forever
      await sleep(5);
      expect(await front.getAnswer('t', 'gone')).toBeNull();
    } finally {
      await front.close();
    }
  });
});
