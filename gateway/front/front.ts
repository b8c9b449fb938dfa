import type { KopilkaEvent } from '../../ledger/events.ts';

// "Postgres is the truth; Redis is a front" (shared/ARCHITECTURE.md). Everything behind this
// interface may be lost and rebuilt: idempotency answers (the ledger still judges replays),
// cached customer summaries, rate-limit buckets, usage counters (reset from Postgres), and the
// event stream (at-least-once; consumers must tolerate duplicates). Two implementations:
// RedisFront (shared by every gateway node) and MemoryFront (one node, no Redis).

export type { KopilkaEvent, EventType } from '../../ledger/events.ts';

/** The subset of a pino logger the front uses, so tests can pass a recorder. */
export interface FrontLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RateLimitResult {
  allowed: boolean;
  /** 0 when allowed; otherwise how long until one request would be allowed. */
  retryAfterMs: number;
}

export interface CustomerLookup {
  summary: string | null;
  /** Pass to setCustomer after reading the truth; -1 means "unknown", and such a set is refused. */
  generation: number;
}

export interface ConsumeOptions {
  /** Events per handler call (default 100). */
  batch?: number;
  /** How long one read waits for new events before checking for stale pending ones (default 1000). */
  blockMs?: number;
  /** An event delivered but not acked for this long is taken over by any consumer of the group (default 30000). */
  claimIdleMs?: number;
  /** Where a group that does not exist yet starts: only events published from now on (default), or all retained. */
  from?: 'new' | 'start';
}

export interface ConsumerHandle {
  /** Resolves once the group exists: events published after this are guaranteed to reach the group. */
  readonly ready: Promise<void>;
  /** Stops reading; waits for the batch in hand to finish (and be acked) first. */
  stop(): Promise<void>;
}

export type EventHandler = (events: KopilkaEvent[]) => Promise<void>;

export interface Front {
  readonly kind: 'redis' | 'memory';
  /** For logs and the startup banner; never contains a password. */
  readonly label: string;

  // Idempotency answers: the first answer of a committed check, keyed by tenant and e.g.
  // `${channel}:sale:${externalId}`. A miss is always safe: the ledger answers replays itself.
  getAnswer(tenantId: string, key: string): Promise<string | null>;
  putAnswer(tenantId: string, key: string, answer: string, ttlSeconds: number): Promise<void>;

  // Cached customer summaries (JSON). Protocol for a reader:
  //   const { summary, generation } = await lookupCustomer(...)   (or customerGeneration + getCustomer)
  //   if (summary === null) { read Postgres; await setCustomer(..., json, generation, ttl) }
  // and for a writer: invalidateCustomer after each commit that touches the customer.
  // invalidate bumps the customer's generation, so a reader that fetched before the commit holds
  // an older generation and its set is refused: stale data is never resurrected.
  getCustomer(tenantId: string, customerId: string): Promise<string | null>;
  lookupCustomer(tenantId: string, customerId: string): Promise<CustomerLookup>;
  setCustomer(tenantId: string, customerId: string, summary: string, generation: number, ttlSeconds: number): Promise<boolean>;
  customerGeneration(tenantId: string, customerId: string): Promise<number>;
  invalidateCustomer(tenantId: string, customerId: string): Promise<void>;

  /** Token bucket: `burst` requests at once, refilled at `limitPerSecond`. */
  rateLimit(tenantId: string, bucket: string, limitPerSecond: number, burst: number): Promise<RateLimitResult>;

  // Usage counters (metering), e.g. `checks:2026-11:moysklad`. Integers only. Errors propagate:
  // a metering consumer that cannot count must not ack its events.
  incrCounter(tenantId: string, name: string, by: number): Promise<void>;
  /** Every counter of the tenant whose name starts with `prefix`, by full name. */
  readCounters(tenantId: string, prefix: string): Promise<Record<string, number>>;
  setCounter(tenantId: string, name: string, value: number): Promise<void>;

  /** Appends to the event stream. Errors propagate: the caller decides (retry, or outbox). */
  publish(events: KopilkaEvent[]): Promise<void>;
  /**
   * Delivers every event to one consumer of each group, at least once: a batch is acked only
   * after the handler resolves; a batch whose handler throws (or whose process died) is
   * redelivered to some consumer of the group after `claimIdleMs`.
   */
  consume(group: string, consumer: string, handler: EventHandler, opts?: ConsumeOptions): ConsumerHandle;

  ping(): Promise<boolean>;
  /** Stops this front's consumers, then releases connections and timers. */
  close(): Promise<void>;
}
