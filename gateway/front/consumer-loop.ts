import type { KopilkaEvent } from '../../ledger/events.ts';
import type { ConsumeOptions, Consumer, FrontLogger } from './front.ts';
import { throttledWarn } from './log-throttle.ts';

// One consume loop for both fronts (memory-front.ts, redis-front.ts), so Redis Streams and the
// in-process queue cannot drift apart in their delivery guarantees. A backend only supplies a
// StreamReader (one group, one consumer).
//
// At least once: a batch is acked only after its handler resolved. Anything delivered but not
// acked — the handler threw, the process died, the ack was lost — stays pending in the group and
// is claimed by some consumer once it has been idle for claimAfterMs.

export type EventHandler = (events: KopilkaEvent[]) => Promise<void>;

export interface StreamConsumeOptions extends ConsumeOptions {
  /** Where a group that does not exist yet starts: every retained event (default), or only new ones. */
  from?: 'start' | 'new';
}

export interface StreamConsumer extends Consumer {
  /** Resolves once the group exists: events published after this are sure to reach it. */
  readonly ready: Promise<void>;
}

/**
 * An event as a stream entry keeps it: without its id, which is the entry's own (deliver puts it
 * back). An event without an id is written as it is, not copied (gateway/http/router.ts on why
 * hot objects are not spread copies).
 */
export function entryJson(e: KopilkaEvent): string {
  return JSON.stringify(e.id === undefined ? e : Object.assign({}, e, { id: undefined }));
}

export interface Delivery {
  id: string;
  /** null when the entry is gone (trimmed) or unreadable: it is acked and skipped. */
  event: KopilkaEvent | null;
}

export interface StreamReader {
  /** What this consumer name was given earlier and never acked (a restart after a crash), ids after `afterId`. */
  ownPending(afterId: string, count: number): Promise<Delivery[]>;
  /** Takes over entries of the group that were delivered to anyone and left unacked for minIdleMs. */
  claimIdle(minIdleMs: number, count: number): Promise<Delivery[]>;
  /** Entries never delivered to the group; waits up to blockMs for some. */
  readNew(count: number, blockMs: number): Promise<Delivery[]>;
  ack(ids: string[]): Promise<void>;
  /** Idempotent. Wakes a blocked readNew (which then returns empty or rejects). */
  close(): Promise<void>;
}

export interface ConsumerContext {
  group: string;
  consumer: string;
  logger: FrontLogger | undefined;
}

const RETRY_MS = 1000;

/** Handler failures are errors; the front's logger type only promises warn. */
function logError(logger: FrontLogger | undefined, obj: object, msg: string): void {
  const l = logger as (FrontLogger & { error?: (o: object, m: string) => void }) | undefined;
  if (l?.error) l.error(obj, msg);
  else l?.warn(obj, msg);
}

/** Sleeps that stop() can cut short. */
class Sleeper {
  private wakers = new Set<() => void>();
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
  wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }
}

export function runConsumer(
  open: () => Promise<StreamReader>,
  handler: EventHandler,
  opts: StreamConsumeOptions,
  ctx: ConsumerContext,
): StreamConsumer {
  const loop = new ConsumeLoop(handler, opts, ctx);
  const done = loop.run(open).catch((err: unknown) => {
    logError(ctx.logger, { err, group: ctx.group, consumer: ctx.consumer }, 'event consumer stopped unexpectedly');
  });
  return {
    ready: loop.ready,
    async stop() {
      await loop.stop();
      await done;
    },
  };
}

/** The loop's phases: open, drain what this consumer name held before, then claim and follow. */
class ConsumeLoop {
  readonly ready: Promise<void>;
  private markReady: () => void = () => {};
  private readonly batch: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly claimEveryMs: number;
  private readonly warn: ReturnType<typeof throttledWarn>;
  private readonly types: ReadonlySet<string> | null;
  private readonly sleeper = new Sleeper();
  private stopping = false;
  private reader: StreamReader | null = null;

  constructor(
    private readonly handler: EventHandler,
    opts: StreamConsumeOptions,
    private readonly ctx: ConsumerContext,
  ) {
    this.batch = Math.max(1, opts.batch ?? 100);
    this.blockMs = Math.max(1, opts.blockMs ?? 1000);
    this.claimIdleMs = Math.max(1, opts.claimAfterMs ?? 30_000);
    // Look for abandoned entries a few times per idle period, but not more often than needed.
    this.claimEveryMs = Math.min(5000, Math.max(50, Math.floor(this.claimIdleMs / 2)));
    this.warn = throttledWarn(ctx.logger);
    this.types = opts.types === undefined ? null : new Set(opts.types);
    this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
  }

  async run(open: () => Promise<StreamReader>): Promise<void> {
    while (this.reader === null && !this.stopping) this.reader = await this.attempt('open', open);
    if (this.reader === null) return;
    const r = this.reader;
    this.markReady();
    try {
      await this.drainOwn(r);
      await this.follow(r);
    } finally {
      await r.close().catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.sleeper.wakeAll();
    // Wakes a blocked read; a handler in progress still finishes and acks (acks do not need it).
    await this.reader?.close().catch(() => {});
  }

  /** Phase 1: what this consumer name held when it last stopped or crashed. */
  private async drainOwn(r: StreamReader): Promise<void> {
    let after = '0-0';
    while (!this.stopping) {
      const own = await this.attempt('read pending', () => r.ownPending(after, this.batch));
      if (own === null) continue;
      if (own.length === 0) return;
      after = own[own.length - 1]!.id;
      await this.deliver(r, own);
    }
  }

  /** Phase 2: abandoned entries of the group, then new ones, until stopped. */
  private async follow(r: StreamReader): Promise<void> {
    let lastClaim = 0;
    while (!this.stopping) {
      if (Date.now() - lastClaim >= this.claimEveryMs) {
        lastClaim = Date.now();
        const claimed = await this.attempt('claim', () => r.claimIdle(this.claimIdleMs, this.batch));
        if (claimed !== null && claimed.length > 0) {
          if (claimed.length === this.batch) lastClaim = 0; // a backlog: keep claiming
          await this.deliver(r, claimed);
          continue;
        }
      }
      const fresh = await this.attempt('read', () => r.readNew(this.batch, Math.min(this.blockMs, this.claimEveryMs)));
      if (fresh !== null && fresh.length > 0) await this.deliver(r, fresh);
    }
  }

  /** Runs a reader call; on failure (Redis away) logs, backs off, and returns null. */
  private async attempt<T>(what: string, f: () => Promise<T>): Promise<T | null> {
    try {
      return await f();
    } catch (err) {
      if (this.stopping) return null; // close() interrupted a blocked read: not an error
      this.warn(what, err, `event stream: ${what} failed for ${this.ctx.group}/${this.ctx.consumer}; retrying`);
      await this.sleeper.sleep(RETRY_MS);
      return null;
    }
  }

  private async deliver(r: StreamReader, deliveries: Delivery[]): Promise<void> {
    const events: KopilkaEvent[] = [];
    // Object.assign, not `{ ...event, id }`: the same keys in the same order, without V8 11's new
    // hidden class per spread copy that gains a property (gateway/http/router.ts, issue #17).
    // An event of a type the group does not take is acknowledged with the rest, never handled.
    for (const d of deliveries) if (d.event !== null && (this.types === null || this.types.has(d.event.type))) events.push(Object.assign({}, d.event, { id: d.id }));
    if (events.length > 0) {
      try {
        await this.handler(events);
      } catch (err) {
        // Not acked: the batch stays pending and is claimed again after claimIdleMs.
        const { group, consumer } = this.ctx;
        logError(this.ctx.logger, { err, group, consumer, ids: events.map((e) => e.id) }, 'event handler failed; the batch will be redelivered');
        await this.sleeper.sleep(Math.min(RETRY_MS, this.claimIdleMs));
        return;
      }
    }
    await this.attempt('ack', () => r.ack(deliveries.map((d) => d.id)));
  }
}

/** Keeps a consumer in its front's set until it stops, so closing the front stops them all. */
export function tracked(consumers: Set<StreamConsumer>, inner: StreamConsumer): StreamConsumer {
  const handle: StreamConsumer = {
    ready: inner.ready,
    stop: async () => {
      consumers.delete(handle);
      await inner.stop();
    },
  };
  consumers.add(handle);
  return handle;
}
