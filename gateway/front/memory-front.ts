import { LRUCache } from 'lru-cache';
import type { KopilkaEvent } from '../../ledger/events.ts';
import { runConsumer, tracked, type EventHandler, type StreamConsumeOptions, type StreamConsumer } from './consumer-loop.ts';
import type { CachedCustomer, Front, FrontLogger, RateDecision } from './front.ts';
import { MemoryStream } from './memory-stream.ts';
import { RetainedBytes } from './retained-bytes.ts';
import { bucketLifetimeMs, takeToken, type BucketState } from './token-bucket.ts';

// The front for a single node with no Redis: the same contract in process memory, every map an
// LRU cache with a cap and per-entry TTLs, swept of expired entries. Everything kept here is an
// optimisation, so evicting an entry early is always safe; without a cap a busy node keeping
// answers and summaries for days would grow without bound. Lost on restart, which the contract allows — including unconsumed events
// (a single node accepts that; run Redis when it matters).

export interface MemoryFrontOptions {
  logger?: FrontLogger;
  /** Cap per map (answers, summaries, generations, buckets); oldest evicted first. */
  maxEntries?: number;
  /** Events kept in the stream, like XADD MAXLEN ~. */
  streamMaxLen?: number;
  sweepEveryMs?: number;
}

/** A generation outlives any read that could still be in flight by a wide margin. */
export const GENERATION_TTL_S = 86_400;

const SEP = '\u0000';
/**
 * A map's key as one flat string. `a + SEP + b` makes a rope (V8's cons strings: two objects, three
 * with the key's own parts) that every full collection marks for as long as the entry is kept;
 * join() writes the characters once (558,000 cons strings in a heap snapshot of a busy gateway).
 */
const keyOf = (a: string, b: string): string => [a, b].join(SEP);

export class MemoryFront implements Front {
  readonly kind = 'memory' as const;
  readonly label = 'in-process (no REDIS_URL)';
  /**
   * As UTF-8 outside V8's heap: an answer is kept for days (or until the cap evicts it), so as a
   * string each one (~1 KB) was copied twice by young-generation collections before it settled.
   * In slabs of kept text only (retained-bytes.ts).
   */
  private readonly answers: LRUCache<string, Buffer>;
  private readonly answerBytes = new RetainedBytes();
  private readonly customers: LRUCache<string, string>;
  private readonly generations: LRUCache<string, number>;
  private readonly buckets: LRUCache<string, BucketState>;
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly stream: MemoryStream;
  private readonly consumers = new Set<StreamConsumer>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly logger: FrontLogger | undefined;

  constructor(opts: MemoryFrontOptions = {}) {
    // lru-cache allocates its slots up front (a few arrays of `max` each, per map), and every full
    // GC walks them: 100,000 per map keeps start-up and GC pauses small (500,000 cost 0.5 s to start
    // and pauses the SOAP flood test saw). Past it the least recently used entries go first.
    const max = opts.maxEntries ?? 100_000;
    this.answers = new LRUCache({ max });
    this.customers = new LRUCache({ max });
    this.generations = new LRUCache({ max });
    this.buckets = new LRUCache({ max });
    this.stream = new MemoryStream(opts.streamMaxLen ?? 100_000);
    this.logger = opts.logger;
    this.sweeper = setInterval(() => {
      // Expired entries are dropped on read anyway; this returns their memory without reads.
      for (const m of [this.answers, this.customers, this.generations, this.buckets]) m.purgeStale();
    }, opts.sweepEveryMs ?? 60_000);
    this.sweeper.unref(); // never the reason a process stays alive
  }

  async getAnswer(tenantId: string, key: string): Promise<string | null> {
    return this.answers.get(keyOf(tenantId, key))?.toString() ?? null;
  }

  async putAnswer(tenantId: string, key: string, answer: string, ttlSeconds: number): Promise<void> {
    this.answers.set(keyOf(tenantId, key), this.answerBytes.copy(answer), expiring(ttlSeconds * 1000));
  }

  async getCustomer(tenantId: string, customerId: string): Promise<CachedCustomer> {
    const k = keyOf(tenantId, customerId);
    return { json: this.customers.get(k) ?? null, generation: this.generations.get(k) ?? 0 };
  }

  async setCustomer(tenantId: string, customerId: string, json: string, generation: number, ttlSeconds: number): Promise<boolean> {
    const k = keyOf(tenantId, customerId);
    if ((this.generations.get(k) ?? 0) !== generation) return false;
    this.customers.set(k, json, expiring(ttlSeconds * 1000));
    return true;
  }

  async invalidateCustomer(tenantId: string, customerId: string): Promise<void> {
    this.nextGeneration(keyOf(tenantId, customerId));
  }

  async customerGenerations(customers: readonly { tenantId: string; customerId: string }[]): Promise<number[]> {
    return customers.map((c) => this.generations.get(keyOf(c.tenantId, c.customerId)) ?? 0);
  }

  async refreshCustomers(records: readonly { tenantId: string; customerId: string; generation: number; json: string; ttlSeconds: number }[]): Promise<void> {
    for (const r of records) {
      const k = keyOf(r.tenantId, r.customerId);
      const current = (this.generations.get(k) ?? 0) === r.generation;
      this.nextGeneration(k);
      if (current) this.customers.set(k, r.json, expiring(r.ttlSeconds * 1000));
    }
  }

  /** Moves a customer's generation on and drops the cached entry. */
  private nextGeneration(k: string): void {
    // The rule of refreshCustomer in redis-scripts.ts: strictly growing, and never a value
    // issued before the entry was lost, so a reader holding an old generation cannot match.
    const next = Math.max((this.generations.get(k) ?? 0) + 1, Date.now() * 1000);
    this.generations.set(k, next, expiring(GENERATION_TTL_S * 1000));
    this.customers.delete(k);
  }

  async rateLimit(tenantId: string, bucket: string, perSecond: number, burst: number): Promise<RateDecision> {
    const k = keyOf(tenantId, bucket);
    const { state, result } = takeToken(this.buckets.get(k), Date.now(), perSecond, burst);
    this.buckets.set(k, state, expiring(bucketLifetimeMs(perSecond, burst)));
    return result;
  }

  async incrCounters(entries: readonly { tenantId: string; name: string; by: number }[]): Promise<void> {
    for (const e of entries) assertInteger(e.by, 'by'); // all or nothing, as MULTI is in Redis
    for (const e of entries) {
      const m = this.tenantCounters(e.tenantId);
      m.set(e.name, (m.get(e.name) ?? 0) + e.by);
    }
  }

  async readCounters(tenantId: string, prefix: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [name, value] of this.counters.get(tenantId) ?? []) if (name.startsWith(prefix)) out[name] = value;
    return out;
  }

  async setCounter(tenantId: string, name: string, value: number): Promise<void> {
    assertInteger(value, 'value');
    this.tenantCounters(tenantId).set(name, value);
  }

  async publish(events: readonly KopilkaEvent[]): Promise<void> {
    if (events.length > 0) this.stream.append(events);
  }

  consume(group: string, consumer: string, handler: EventHandler, opts: StreamConsumeOptions = {}): StreamConsumer {
    const open = async () => {
      this.stream.ensureGroup(group, opts.from ?? 'start');
      return this.stream.reader(group, consumer, opts.types === undefined ? undefined : new Set(opts.types));
    };
    const inner = runConsumer(open, handler, opts, { group, consumer, logger: this.logger });
    return tracked(this.consumers, inner);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.consumers].map((c) => c.stop()));
  }

  private tenantCounters(tenantId: string): Map<string, number> {
    let m = this.counters.get(tenantId);
    if (m === undefined) this.counters.set(tenantId, (m = new Map()));
    return m;
  }
}

/** An entry's lifetime as lru-cache takes it; it reads 0 as "never expires", we mean "already gone". */
function expiring(ms: number): { ttl: number } {
  return { ttl: Math.max(ms, 1) };
}

export function assertInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n)) throw new TypeError(`counter ${what} must be a safe integer, got ${n}`);
}
