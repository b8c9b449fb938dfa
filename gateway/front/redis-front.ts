import { createClient } from 'redis';
import type { KopilkaEvent } from '../../ledger/events.ts';
import {
  entryJson,
  runConsumer,
  tracked,
  type Delivery,
  type EventHandler,
  type StreamConsumeOptions,
  type StreamConsumer,
  type StreamReader,
} from './consumer-loop.ts';
import type { CachedCustomer, Front, FrontLogger, RateDecision } from './front.ts';
import { frontKeys, DEFAULT_PREFIX, type FrontKeys } from './keys.ts';
import { throttledWarn } from './log-throttle.ts';
import { assertInteger, GENERATION_TTL_S, MemoryFront } from './memory-front.ts';
import { FRONT_SCRIPTS } from './redis-scripts.ts';

// The front on Redis (node-redis v6), shared by every gateway node. A drop-in for redis.ts (same
// Front interface, same keys), differing in how it behaves when Redis is slow or away:
//
// Failure policy, by what each operation is for:
// - pure optimisations (answers, summaries) degrade: a failure or a slow reply (> opTimeoutMs)
//   is a miss / a skipped write, logged at warn at most every few seconds. The ledger still
//   judges replays; a failed invalidation leaves a summary stale for at most its TTL.
// - rate limits fall back to a per-node bucket in memory: still a limit, not a free-for-all.
// - counters, publish and the stream propagate errors: the caller must know it did not happen.
//
// RESP2 and sendCommand throughout: replies are plain arrays and strings, the same on every
// node-redis version. Lua scripts are the client's own methods (FRONT_SCRIPTS: EVALSHA, loaded
// on NOSCRIPT). disableOfflineQueue makes commands fail at once while Redis is away instead of
// queueing behind the reconnect.

export interface RedisFrontOptions {
  url: string;
  prefix?: string;
  logger?: FrontLogger;
  /** Budget for an optimisation round trip before it counts as a miss (default 250 ms). */
  opTimeoutMs?: number;
  /** How long connect() may take at startup before it fails (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Approximate cap of the event stream (XADD MAXLEN ~; default 1,000,000). */
  streamMaxLen?: number;
}

type Client = ReturnType<typeof makeClient>;

function makeClient(url: string, connectTimeoutMs: number) {
  return createClient({
    url,
    RESP: 2,
    disableOfflineQueue: true,
    scripts: FRONT_SCRIPTS,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Keep trying forever, quickly at first: Redis is optional for correctness, not for speed.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
  });
}

/** Rejects after ms; the original promise keeps running and its late outcome is ignored. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis ${what}: no reply within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis (unparseable URL)';
  }
}

type RawEntry = [id: string, fields: string[] | null];

function toDeliveries(entries: RawEntry[] | null | undefined): Delivery[] {
  const out: Delivery[] = [];
  for (const [id, fields] of entries ?? []) {
    let event: KopilkaEvent | null = null;
    if (fields !== null) {
      const i = fields.indexOf('e');
      try {
        if (i >= 0 && i % 2 === 0) event = JSON.parse(fields[i + 1]!) as KopilkaEvent;
      } catch {
        event = null; // unreadable forever: acked and skipped rather than redelivered forever
      }
    }
    out.push({ id, event });
  }
  return out;
}

export class RedisFront implements Front {
  readonly kind = 'redis' as const;
  readonly label: string;
  private readonly keys: FrontKeys;
  private readonly opTimeoutMs: number;
  private readonly streamMaxLen: number;
  private readonly connectTimeoutMs: number;
  private readonly warn: ReturnType<typeof throttledWarn>;
  /** Per-node buckets used only while Redis cannot answer. */
  private readonly fallback = new MemoryFront({ maxEntries: 100_000 });
  private readonly consumers = new Set<StreamConsumer>();

  private constructor(
    private readonly client: Client,
    private readonly opts: RedisFrontOptions,
  ) {
    this.label = redactUrl(opts.url);
    this.keys = frontKeys(opts.prefix ?? DEFAULT_PREFIX);
    this.opTimeoutMs = opts.opTimeoutMs ?? 250;
    this.streamMaxLen = opts.streamMaxLen ?? 1_000_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.warn = throttledWarn(opts.logger);
  }

  /** Connects, or fails within connectTimeoutMs: a wrong REDIS_URL should stop startup loudly. */
  static async connect(opts: RedisFrontOptions): Promise<RedisFront> {
    const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    const client = makeClient(opts.url, connectTimeoutMs);
    const front = new RedisFront(client, opts);
    // node-redis emits every failed reconnect as 'error'; without a listener it would crash us.
    client.on('error', (err: unknown) => front.warn('connection', err, `Redis ${front.label} unreachable; the front degrades`));
    try {
      await withTimeout(client.connect(), connectTimeoutMs, 'connect');
    } catch (err) {
      client.destroy();
      throw new Error(`Redis at ${front.label} does not answer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return front;
  }

  private cmd<T>(args: string[]): Promise<T> {
    return this.client.sendCommand<T>(args);
  }

  /** An optimisation: bounded in time, and any failure becomes `fallback`. */
  private async soft<T>(what: string, fallback: T, f: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(f(), this.opTimeoutMs, what);
    } catch (err) {
      this.warn(what, err, `Redis ${what} failed; carrying on without it`);
      return fallback;
    }
  }

  /** Must happen or fail visibly; bounded so a hung Redis cannot hang the caller. */
  private hard<T>(what: string, f: () => Promise<T>): Promise<T> {
    return withTimeout(f(), Math.max(this.opTimeoutMs * 8, 2000), what);
  }

  getAnswer(tenantId: string, key: string): Promise<string | null> {
    return this.soft('getAnswer', null, () => this.cmd<string | null>(['GET', this.keys.answer(tenantId, key)]));
  }

  async putAnswer(tenantId: string, key: string, answer: string, ttlSeconds: number): Promise<void> {
    await this.soft('putAnswer', null, () =>
      this.cmd(['SET', this.keys.answer(tenantId, key), answer, 'PX', String(Math.ceil(ttlSeconds * 1000))]),
    );
  }

  getCustomer(tenantId: string, customerId: string): Promise<CachedCustomer> {
    // One round trip: both keys share the tenant's hash tag, so MGET is legal on Cluster too.
    // generation -1 on failure: setCustomer refuses it, so nothing is cached on a guess.
    return this.soft('getCustomer', { json: null, generation: -1 }, async () => {
      const [gen, json] = await this.cmd<[string | null, string | null]>([
        'MGET',
        this.keys.customerGeneration(tenantId, customerId),
        this.keys.customer(tenantId, customerId),
      ]);
      return { json, generation: gen === null ? 0 : Number(gen) };
    });
  }

  async setCustomer(tenantId: string, customerId: string, json: string, generation: number, ttlSeconds: number): Promise<boolean> {
    if (generation < 0) return false; // the reader could not learn the generation: never guess
    const ok = await this.soft('setCustomer', 0, () =>
      this.client.setCustomer(
        this.keys.customerGeneration(tenantId, customerId),
        this.keys.customer(tenantId, customerId),
        generation,
        json,
        Math.ceil(ttlSeconds * 1000),
      ),
    );
    return ok === 1;
  }

  async invalidateCustomer(tenantId: string, customerId: string): Promise<void> {
    // Soft, unlike redis.ts: the caller runs this after a commit, and failing the POS request for
    // a check already recorded helps nobody (a replay does not invalidate again). A summary left
    // behind is stale for at most its TTL; while Redis is away nothing new gets cached anyway.
    await this.soft('invalidateCustomer', 0, () =>
      // The refresh that never stores: -1 matches no generation, so the entry is dropped and the generation moves on.
      this.client.refreshCustomer(this.keys.customerGeneration(tenantId, customerId), this.keys.customer(tenantId, customerId), -1, '', 1, GENERATION_TTL_S),
    );
  }

  async customerGenerations(customers: readonly { tenantId: string; customerId: string }[]): Promise<number[]> {
    // One MGET per tenant: a tenant's keys share a hash tag, so each is legal on Cluster too.
    const byTenant = new Map<string, number[]>();
    customers.forEach((c, i) => (byTenant.get(c.tenantId) ?? byTenant.set(c.tenantId, []).get(c.tenantId)!).push(i));
    return this.soft('customerGenerations', customers.map(() => -1), async () => {
      const out = customers.map(() => -1);
      await Promise.all(
        [...byTenant].map(async ([tenantId, at]) => {
          const gens = await this.cmd<(string | null)[]>(['MGET', ...at.map((i) => this.keys.customerGeneration(tenantId, customers[i]!.customerId))]);
          at.forEach((i, j) => (out[i] = gens[j] == null ? 0 : Number(gens[j])));
        }),
      );
      return out;
    });
  }

  async refreshCustomers(records: readonly { tenantId: string; customerId: string; generation: number; json: string; ttlSeconds: number }[]): Promise<void> {
    // Soft, as invalidateCustomer: the checks are recorded; a lost refresh leaves the old record
    // for at most its TTL. -1 (unknown) can never equal a stored generation, so it only drops.
    await this.soft('refreshCustomers', null, async () => {
      await Promise.all(
        records.map((r) =>
          this.client.refreshCustomer(
            this.keys.customerGeneration(r.tenantId, r.customerId),
            this.keys.customer(r.tenantId, r.customerId),
            r.generation,
            r.json,
            Math.ceil(r.ttlSeconds * 1000),
            GENERATION_TTL_S,
          ),
        ),
      );
      return null;
    });
  }

  async rateLimit(tenantId: string, bucket: string, limitPerSecond: number, burst: number): Promise<RateDecision> {
    try {
      return await withTimeout(this.client.rateLimit(this.keys.rateBucket(tenantId, bucket), limitPerSecond, burst), this.opTimeoutMs, 'rateLimit');
    } catch (err) {
      this.warn('rateLimit', err, 'Redis rate limit failed; limiting per node meanwhile');
      return this.fallback.rateLimit(tenantId, bucket, limitPerSecond, burst);
    }
  }

  async incrCounters(entries: readonly { tenantId: string; name: string; by: number }[]): Promise<void> {
    if (entries.length === 0) return;
    for (const e of entries) assertInteger(e.by, 'by');
    // MULTI: a batch of events is counted whole or not at all, so a retried batch (not acked)
    // is not half double-counted. Keys of several tenants may sit on several Cluster nodes;
    // there each tenant's share would need its own MULTI.
    await this.hard('incrCounters', async () => {
      const m = this.client.multi();
      for (const e of entries) m.addCommand(['HINCRBY', this.keys.counters(e.tenantId), e.name, String(e.by)]);
      await m.exec();
    });
  }

  async readCounters(tenantId: string, prefix: string): Promise<Record<string, number>> {
    // A tenant has a handful of counters per month, so one HGETALL beats an HSCAN walk.
    const flat = await this.hard('readCounters', () => this.cmd<string[]>(['HGETALL', this.keys.counters(tenantId)]));
    const out: Record<string, number> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i]!.startsWith(prefix)) out[flat[i]!] = Number(flat[i + 1]);
    return out;
  }

  async setCounter(tenantId: string, name: string, value: number): Promise<void> {
    assertInteger(value, 'value');
    await this.hard('setCounter', () => this.cmd(['HSET', this.keys.counters(tenantId), name, String(value)]));
  }

  async publish(events: readonly KopilkaEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Serialise all first, so a bad event fails the publish before anything is appended.
    const jsons = events.map(entryJson);
    const maxLen = String(this.streamMaxLen);
    // Issued in one tick, node-redis pipelines them into one write.
    await this.hard('publish', () =>
      Promise.all(jsons.map((json) => this.cmd(['XADD', this.keys.events, 'MAXLEN', '~', maxLen, '*', 'e', json]))),
    );
  }

  consume(group: string, consumer: string, handler: EventHandler, opts: StreamConsumeOptions = {}): StreamConsumer {
    const inner = runConsumer(() => this.openReader(group, consumer, opts.from ?? 'start'), handler, opts, {
      group,
      consumer,
      logger: this.opts.logger,
    });
    return tracked(this.consumers, inner);
  }

  /** Creates the group if it does not exist (BUSYGROUP is success), and the stream with it. */
  private async createGroup(group: string, startId: '0' | '$'): Promise<void> {
    try {
      await this.cmd(['XGROUP', 'CREATE', this.keys.events, group, startId, 'MKSTREAM']);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('BUSYGROUP')) throw err;
    }
  }

  private async openReader(group: string, consumer: string, from: 'start' | 'new'): Promise<StreamReader> {
    const stream = this.keys.events;
    await this.createGroup(group, from === 'new' ? '$' : '0');
    /**
     * Redis restarted empty (or the stream was deleted): the group is gone and every read answers
     * NOGROUP, forever. Recreate it and read again. From '0': whatever the stream holds now was
     * appended after the loss, so this group has not seen any of it.
     */
    const regrouping = async <T>(f: () => Promise<T>): Promise<T> => {
      try {
        return await f();
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOGROUP')) throw err;
        this.warn('regroup', err, `event stream: group ${group} was lost (Redis restarted empty?); recreating it`);
        await this.createGroup(group, '0');
        return f();
      }
    };
    // XREADGROUP BLOCK holds its connection: give each consumer its own, so the shared client
    // keeps serving the hot path. Acks and claims stay on the shared client.
    const blocking = this.client.duplicate();
    blocking.on('error', (err: unknown) => this.warn('stream connection', err, 'Redis stream connection lost; reconnecting'));
    try {
      await withTimeout(blocking.connect(), this.connectTimeoutMs, 'connect (stream reader)');
    } catch (err) {
      blocking.destroy();
      throw err;
    }
    let closed = false;
    const read = (client: Client, args: string[]) =>
      client.sendCommand<[string, RawEntry[]][] | null>(['XREADGROUP', 'GROUP', group, consumer, ...args]);
    return {
      ownPending: async (afterId, count) =>
        toDeliveries((await regrouping(() => read(this.client, ['COUNT', String(count), 'STREAMS', stream, afterId])))?.[0]?.[1]),
      claimIdle: async (minIdleMs, count) => {
        const r = await regrouping(() =>
          this.cmd<[string, RawEntry[], string[]]>(['XAUTOCLAIM', stream, group, consumer, String(minIdleMs), '0-0', 'COUNT', String(count)]),
        );
        return toDeliveries(r[1]);
      },
      readNew: async (count, blockMs) =>
        toDeliveries(
          (await regrouping(() => read(blocking, ['COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', stream, '>'])))?.[0]?.[1],
        ),
      ack: async (ids) => {
        if (ids.length > 0) await this.cmd(['XACK', stream, group, ...ids]);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        blocking.destroy(); // rejects a read blocked on it; nothing else uses this connection
      },
    };
  }

  async ping(): Promise<boolean> {
    try {
      return (await withTimeout(this.cmd<string>(['PING']), this.opTimeoutMs * 4, 'ping')) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Deletes every key under this front's prefix: for tests, which run under a prefix of their own. */
  async destroyAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.cmd<[string, string[]]>(['SCAN', cursor, 'MATCH', this.keys.all, 'COUNT', '1000']);
      if (keys.length > 0) await this.cmd(['UNLINK', ...keys]);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await this.fallback.close();
    try {
      await withTimeout(this.client.close(), 2000, 'close');
    } catch {
      this.client.destroy();
    }
  }
}
