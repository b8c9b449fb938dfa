import type { KopilkaEvent } from '../../ledger/events.ts';

// "Redis is a front": what can be lost or rebuilt sits here: stored answers of committed checks,
// cached customer summaries, rate-limit buckets, usage counters and the event stream. Postgres
// stays the truth; a front that loses everything costs speed, never a point.

export interface CachedCustomer {
  json: string | null;
  /** Bumped by every invalidation: a summary read before a commit cannot be cached after it. */
  generation: number;
}

export interface RateDecision {
  allowed: boolean;
  retryAfterMs: number;
}

export interface ConsumeOptions {
  batch?: number;
  blockMs?: number;
  /** An event a consumer took but did not acknowledge for this long goes to another consumer. */
  claimAfterMs?: number;
  /**
   * Only events of these types reach the handler (the same for every consumer of a group); the
   * others are acknowledged without it, and the in-process stream does not even read them.
   */
  types?: readonly string[];
}

export interface Consumer {
  stop(): Promise<void>;
}

export interface Front {
  readonly kind: 'redis' | 'memory';
  getAnswer(tenantId: string, key: string): Promise<string | null>;
  putAnswer(tenantId: string, key: string, answer: string, ttlSeconds: number): Promise<void>;
  getCustomer(tenantId: string, customerId: string): Promise<CachedCustomer>;
  /** Caches a summary only if no invalidation happened since `generation` was read. */
  setCustomer(tenantId: string, customerId: string, json: string, generation: number, ttlSeconds: number): Promise<boolean>;
  invalidateCustomer(tenantId: string, customerId: string): Promise<void>;
  /** Generations of many customers (-1 where unknown), for a batch to compare against after it commits. */
  customerGenerations(customers: readonly { tenantId: string; customerId: string }[]): Promise<number[]>;
  /** Each: stored if its generation is still `generation`, else the entry dropped; the generation moves on in both cases. */
  refreshCustomers(records: readonly { tenantId: string; customerId: string; generation: number; json: string; ttlSeconds: number }[]): Promise<void>;
  /** Token bucket: `perSecond` refill, `burst` capacity. */
  rateLimit(tenantId: string, bucket: string, perSecond: number, burst: number): Promise<RateDecision>;
  incrCounters(entries: readonly { tenantId: string; name: string; by: number }[]): Promise<void>;
  readCounters(tenantId: string, prefix: string): Promise<Record<string, number>>;
  setCounter(tenantId: string, name: string, value: number): Promise<void>;
  publish(events: readonly KopilkaEvent[]): Promise<void>;
  /** At-least-once delivery to a consumer group; every group sees every event. */
  consume(group: string, consumer: string, handler: (events: KopilkaEvent[]) => Promise<void>, opts?: ConsumeOptions): Consumer;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface FrontLogger {
  warn(obj: object, msg: string): void;
}
