import type { KopilkaEvent } from '../../ledger/events.ts';
import type { CachedCustomer, ConsumeOptions, Consumer, Front, RateDecision } from './front.ts';

// The front of a single node with no Redis: the same contract in process memory.

interface Expiring {
  value: string;
  until: number;
}

interface Group {
  next: number;
  pending: Map<number, { consumer: string; since: number }>;
}

export class MemoryFront implements Front {
  readonly kind = 'memory' as const;
  private readonly answers = new Map<string, Expiring>();
  private readonly customers = new Map<string, Expiring>();
  private readonly generations = new Map<string, number>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly log: KopilkaEvent[] = [];
  /** Events before this index were acknowledged by every group and dropped from memory. */
  private base = 0;
  private readonly groups = new Map<string, Group>();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  private static get(m: Map<string, Expiring>, k: string, now: number): string | null {
    const e = m.get(k);
    if (e === undefined) return null;
    if (e.until <= now) {
      m.delete(k);
      return null;
    }
    return e.value;
  }

  async getAnswer(tenantId: string, key: string): Promise<string | null> {
    return MemoryFront.get(this.answers, `${tenantId}\u0000${key}`, this.now());
  }

  async putAnswer(tenantId: string, key: string, answer: string, ttlSeconds: number): Promise<void> {
    if (this.answers.size > 200_000) this.sweep(this.answers);
    this.answers.set(`${tenantId}\u0000${key}`, { value: answer, until: this.now() + ttlSeconds * 1000 });
  }

  private sweep(m: Map<string, Expiring>): void {
    const now = this.now();
    for (const [k, v] of m) if (v.until <= now) m.delete(k);
    // Still full: forget the oldest half; everything here can be rebuilt.
    if (m.size > 150_000) [...m.keys()].slice(0, m.size / 2).forEach((k) => m.delete(k));
  }

  async getCustomer(tenantId: string, customerId: string): Promise<CachedCustomer> {
    const k = `${tenantId}\u0000${customerId}`;
    return { json: MemoryFront.get(this.customers, k, this.now()), generation: this.generations.get(k) ?? 0 };
  }

  async setCustomer(tenantId: string, customerId: string, json: string, generation: number, ttlSeconds: number): Promise<boolean> {
    const k = `${tenantId}\u0000${customerId}`;
    if ((this.generations.get(k) ?? 0) !== generation) return false;
    if (this.customers.size > 200_000) this.sweep(this.customers);
    this.customers.set(k, { value: json, until: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async invalidateCustomer(tenantId: string, customerId: string): Promise<void> {
    const k = `${tenantId}\u0000${customerId}`;
    this.generations.set(k, (this.generations.get(k) ?? 0) + 1);
    this.customers.delete(k);
  }

  async rateLimit(tenantId: string, bucket: string, perSecond: number, burst: number): Promise<RateDecision> {
    const k = `${tenantId}\u0000${bucket}`;
    const now = this.now();
    const b = this.buckets.get(k) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) * perSecond) / 1000);
    b.at = now;
    this.buckets.set(k, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - b.tokens) * 1000) / perSecond) };
  }

  async incrCounters(entries: readonly { tenantId: string; name: string; by: number }[]): Promise<void> {
    for (const e of entries) {
      let m = this.counters.get(e.tenantId);
      if (m === undefined) this.counters.set(e.tenantId, (m = new Map()));
      m.set(e.name, (m.get(e.name) ?? 0) + e.by);
    }
  }

  async readCounters(tenantId: string, prefix: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.counters.get(tenantId) ?? []) if (k.startsWith(prefix)) out[k] = v;
    return out;
  }

  async setCounter(tenantId: string, name: string, value: number): Promise<void> {
    let m = this.counters.get(tenantId);
    if (m === undefined) this.counters.set(tenantId, (m = new Map()));
    m.set(name, value);
  }

  async publish(events: readonly KopilkaEvent[]): Promise<void> {
    for (const e of events) this.log.push({ ...e, id: String(this.base + this.log.length) });
    for (const w of this.waiters.splice(0)) w();
  }

  consume(group: string, consumer: string, handler: (events: KopilkaEvent[]) => Promise<void>, opts: ConsumeOptions = {}): Consumer {
    const batch = opts.batch ?? 500;
    const claimAfter = opts.claimAfterMs ?? 30_000;
    let g = this.groups.get(group);
    if (g === undefined) this.groups.set(group, (g = { next: this.base, pending: new Map() }));
    const grp = g;
    let running = true;
    const loop = (async () => {
      while (running && !this.closed) {
        const now = this.now();
        // Redeliver what a consumer took and never acknowledged (it crashed or its handler failed).
        const stale = [...grp.pending].filter(([, p]) => now - p.since >= claimAfter).map(([i]) => i);
        const fresh: number[] = [];
        while (fresh.length + stale.length < batch && grp.next < this.base + this.log.length) fresh.push(grp.next++);
        const take = [...stale, ...fresh];
        if (take.length === 0) {
          await new Promise<void>((r) => {
            const t = setTimeout(r, Math.min(opts.blockMs ?? 1000, claimAfter));
            this.waiters.push(() => (clearTimeout(t), r()));
          });
          continue;
        }
        for (const i of take) grp.pending.set(i, { consumer, since: now });
        try {
          await handler(take.map((i) => this.log[i - this.base]!));
          for (const i of take) grp.pending.delete(i);
          this.compact();
        } catch {
          // Left pending: claimed again after claimAfterMs, by this consumer or another.
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    return {
      stop: async () => {
        running = false;
        for (const w of this.waiters.splice(0)) w();
        await loop;
      },
    };
  }

  /** Drops events every group has acknowledged. */
  private compact(): void {
    let low = this.base + this.log.length;
    for (const g of this.groups.values()) {
      low = Math.min(low, g.next);
      for (const i of g.pending.keys()) low = Math.min(low, i);
    }
    if (low - this.base > 10_000) {
      this.log.splice(0, low - this.base);
      this.base = low;
    }
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }
}
