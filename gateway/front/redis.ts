import { createClient } from 'redis';
import type { KopilkaEvent } from '../../ledger/events.ts';
import type { CachedCustomer, ConsumeOptions, Consumer, Front, FrontLogger, RateDecision } from './front.ts';

// The front on Redis. Per-tenant keys carry the tenant as a {hash tag}, so on Redis Cluster a
// tenant's keys share a slot and its scripts stay single-slot. Caches fail open: with Redis down
// a lookup is a miss and a write is skipped, and the ledger answers from Postgres.

function makeClient(url: string) {
  return createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: (n: number) => Math.min(n * 100, 2000) } });
}
type Client = ReturnType<typeof makeClient>;

// Token bucket in one atomic step, on Redis's own clock so gateways' clocks don't matter.
const RATE_LIMIT = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local allowed, retry = 0, 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 else retry = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, retry}`;

// Cache a summary only if no commit invalidated the customer since the reader saw `generation`.
const SET_IF_GENERATION = `
local g = tonumber(redis.call('GET', KEYS[1]) or '0')
if g ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`;

const INVALIDATE = `
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 86400)
redis.call('DEL', KEYS[2])
return 1`;

export interface RedisFrontOptions {
  url: string;
  prefix?: string;
  logger?: FrontLogger;
  /** Events kept in the stream (approximate), enough for consumers to catch up after a pause. */
  streamMaxLen?: number;
}

export class RedisFront implements Front {
  readonly kind = 'redis' as const;
  private readonly prefix: string;
  private readonly stream: string;
  private readonly consumers = new Set<Client>();

  private constructor(
    private readonly client: Client,
    private readonly o: RedisFrontResolved,
  ) {
    this.prefix = o.prefix;
    this.stream = `${o.prefix}:events`;
  }

  static async connect(o: RedisFrontOptions): Promise<RedisFront> {
    const client = makeClient(o.url);
    client.on('error', (e: Error) => o.logger?.warn({ err: e.message }, 'redis front: connection error'));
    await client.connect();
    return new RedisFront(client, { url: o.url, prefix: o.prefix ?? 'kp', logger: o.logger, streamMaxLen: o.streamMaxLen ?? 1_000_000 });
  }

  private key(tenantId: string, ...rest: string[]): string {
    return `${this.prefix}:{${tenantId}}:${rest.join(':')}`;
  }

  private async soft<T>(what: string, fallback: T, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      this.o.logger?.warn({ err: (e as Error).message }, `redis front: ${what} skipped`);
      return fallback;
    }
  }

  getAnswer(tenantId: string, key: string): Promise<string | null> {
    return this.soft('answer lookup', null, () => this.client.get(this.key(tenantId, 'answer', key)));
  }

  async putAnswer(tenantId: string, key: string, answer: string, ttlSeconds: number): Promise<void> {
    await this.soft('answer store', null, () => this.client.set(this.key(tenantId, 'answer', key), answer, { EX: ttlSeconds }));
  }

  getCustomer(tenantId: string, customerId: string): Promise<CachedCustomer> {
    return this.soft('customer lookup', { json: null, generation: -1 }, async () => {
      const [gen, json] = await this.client.mGet([this.key(tenantId, 'cgen', customerId), this.key(tenantId, 'customer', customerId)]);
      return { json: json ?? null, generation: Number(gen ?? 0) };
    });
  }

  setCustomer(tenantId: string, customerId: string, json: string, generation: number, ttlSeconds: number): Promise<boolean> {
    if (generation < 0) return Promise.resolve(false);
    return this.soft('customer store', false, async () => {
      const r = await this.client.eval(SET_IF_GENERATION, {
        keys: [this.key(tenantId, 'cgen', customerId), this.key(tenantId, 'customer', customerId)],
        arguments: [String(generation), json, String(ttlSeconds)],
      });
      return r === 1;
    });
  }

  async invalidateCustomer(tenantId: string, customerId: string): Promise<void> {
    // Not soft: a stale summary served after a commit is worse than a slower answer, so an
    // invalidation that fails is reported to the caller.
    await this.client.eval(INVALIDATE, { keys: [this.key(tenantId, 'cgen', customerId), this.key(tenantId, 'customer', customerId)], arguments: [] });
  }

  rateLimit(tenantId: string, bucket: string, perSecond: number, burst: number): Promise<RateDecision> {
    return this.soft('rate limit', { allowed: true, retryAfterMs: 0 }, async () => {
      const r = (await this.client.eval(RATE_LIMIT, { keys: [this.key(tenantId, 'rate', bucket)], arguments: [String(perSecond), String(burst)] })) as [number, number];
      return { allowed: r[0] === 1, retryAfterMs: r[1] };
    });
  }

  async incrCounters(entries: readonly { tenantId: string; name: string; by: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const m = this.client.multi();
    for (const e of entries) m.hIncrBy(this.key(e.tenantId, 'usage'), e.name, e.by);
    await m.exec();
  }

  async readCounters(tenantId: string, prefix: string): Promise<Record<string, number>> {
    const all = await this.client.hGetAll(this.key(tenantId, 'usage'));
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(all)) if (k.startsWith(prefix)) out[k] = Number(v);
    return out;
  }

  async setCounter(tenantId: string, name: string, value: number): Promise<void> {
    await this.client.hSet(this.key(tenantId, 'usage'), name, String(value));
  }

  async publish(events: readonly KopilkaEvent[]): Promise<void> {
    if (events.length === 0) return;
    const m = this.client.multi();
    for (const e of events) {
      m.addCommand(['XADD', this.stream, 'MAXLEN', '~', String(this.o.streamMaxLen), '*', 'e', JSON.stringify(e)]);
    }
    await m.exec();
  }

  consume(group: string, consumer: string, handler: (events: KopilkaEvent[]) => Promise<void>, opts: ConsumeOptions = {}): Consumer {
    const batch = String(opts.batch ?? 500);
    const block = String(opts.blockMs ?? 1000);
    const claimAfter = String(opts.claimAfterMs ?? 30_000);
    // A blocking read holds its connection: each consumer gets one of its own.
    const conn = this.client.duplicate();
    conn.on('error', (e: Error) => this.o.logger?.warn({ err: e.message }, 'redis front: consumer connection error'));
    this.consumers.add(conn);
    let running = true;
    const parse = (entries: [string, string[]][]) =>
      entries.filter((x) => x !== null && Array.isArray(x[1])).map(([id, fields]) => ({ ...(JSON.parse(fields[1]!) as KopilkaEvent), id }));
    const loop = (async () => {
      await conn.connect();
      try {
        await conn.sendCommand(['XGROUP', 'CREATE', this.stream, group, '0', 'MKSTREAM']);
      } catch (e) {
        if (!/BUSYGROUP/.test((e as Error).message)) throw e;
      }
      while (running) {
        try {
          // First what others took and never acknowledged, then what is new.
          const claimed = (await conn.sendCommand(['XAUTOCLAIM', this.stream, group, consumer, claimAfter, '0', 'COUNT', batch])) as [string, [string, string[]][]];
          let events = parse(claimed[1] ?? []);
          if (events.length === 0) {
            const r = (await conn.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', batch, 'BLOCK', block, 'STREAMS', this.stream, '>'])) as
              | [string, [string, string[]][]][]
              | Record<string, [string, string[]][]>
              | null;
            // The client hands a stream reply back as [[name, entries]] or as { name: entries }.
            const entries = r === null ? [] : Array.isArray(r) ? (r[0]?.[1] ?? []) : (Object.values(r)[0] ?? []);
            events = parse(entries);
          }
          if (events.length === 0) continue;
          await handler(events);
          await conn.sendCommand(['XACK', this.stream, group, ...events.map((e) => e.id!)]);
        } catch (e) {
          if (!running) break;
          this.o.logger?.warn({ err: (e as Error).message, group }, 'redis front: consumer will retry');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
    return {
      stop: async () => {
        running = false;
        // Closing the connection ends a blocking read at once.
        await conn.destroy();
        this.consumers.delete(conn);
        await loop.catch(() => {});
      },
    };
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    for (const c of this.consumers) c.destroy();
    await this.client.close();
  }

  /** Deletes every key under this front's prefix: for tests, which run under a prefix of their own. */
  async destroyAll(): Promise<void> {
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await this.client.del(keys);
    }
  }
}

interface RedisFrontResolved {
  url: string;
  prefix: string;
  logger: FrontLogger | undefined;
  streamMaxLen: number;
}

export async function createFront(o: { redisUrl?: string; prefix?: string; logger?: FrontLogger }): Promise<Front> {
  if (o.redisUrl === undefined) return new (await import('./memory.ts')).MemoryFront();
  return RedisFront.connect({ url: o.redisUrl, prefix: o.prefix, logger: o.logger });
}
