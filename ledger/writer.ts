import type pg from 'pg';
import { batchClient } from './statements.ts';
import { BatchConflict, executeBatch, type BatchOutput } from './batch.ts';
import { KopilkaError } from './errors.ts';
import type { KopilkaEvent } from './events.ts';
import { IdBlocks } from './ids.ts';
import type { BatchEvaluator } from './evaluator.ts';
import type { LedgerOp, OpOutcome, OutcomeOf } from './operations.ts';
import type { ProgramCache } from './programs.ts';
import type { FreshRecord, SummaryCache } from './summary-cache.ts';

// Group commit. Operations queue up while a batch is being written; when it commits, the next
// batch takes everything that arrived meanwhile (up to maxBatch). At low load every operation is
// written at once, alone; under load batches grow by themselves, and one fsync serves hundreds
// of checks. No operation is answered before the transaction holding it has committed.

export interface WriterOptions {
  /** Most operations in one transaction. */
  maxBatch: number;
  /** Batches written at the same time (each on its own connection). */
  concurrency: number;
  /** Runs of a batch that raced another writer or deadlocked, before giving up. */
  attempts: number;
  /** The batch's statements as named prepared statements (ledger/statements.ts). */
  preparedStatements: boolean;
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = { maxBatch: 1000, concurrency: 2, attempts: 5, preparedStatements: true };

interface Pending {
  op: LedgerOp;
  /** The customer the operation touches, as referenced: two batches in flight never share one. */
  customerKey: string | null;
  resolve: (o: OpOutcome) => void;
}

export interface WriterStats {
  batches: number;
  operations: number;
  retries: number;
  largestBatch: number;
}

const RETRYABLE_PG = new Set(['40001', '40P01']);

/**
 * A batch this small runs the prepared statements' generic plans, made once per connection,
 * instead of Postgres planning each statement again for its parameters: for a few checks the
 * lookups by key cost more to plan than to run (their binds 0.46, 0.27 and 0.16 ms against 0.10,
 * 0.07 and 0.04 ms; issue #17, README "The eighth pass"). A generic plan assumes an array of 100
 * elements; a large batch is planned for its own size, which at 80 checks a batch was some 10 %
 * cheaper. SET LOCAL ends with the transaction, and goes in the same round trip as BEGIN.
 */
const GENERIC_PLANS_UP_TO = 32;
const BEGIN_GENERIC = 'BEGIN; SET LOCAL plan_cache_mode = force_generic_plan';

export class GroupCommitWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private closed = false;
  private idle: (() => void)[] = [];
  /** Operations with the same idempotency key run one after another, never in two batches at once. */
  private readonly keyed = new Map<string, Promise<unknown>>();
  /** Customers of the batches being written. */
  private readonly busy = new Set<string>();
  private readonly ids = new IdBlocks();
  readonly stats: WriterStats = { batches: 0, operations: 0, retries: 0, largestBatch: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly programs: ProgramCache,
    private readonly opts: WriterOptions = DEFAULT_WRITER_OPTIONS,
    private readonly onCommitted: (events: KopilkaEvent[]) => void = () => {},
    private readonly now: () => number = Date.now,
    private readonly evaluator: BatchEvaluator | null = null,
    private readonly summaries: SummaryCache | null = null,
    /** Told of the records the cache is refreshed with, before anyone is answered (reads.ts learns their phones). */
    private readonly onFresh: (records: readonly FreshRecord[]) => void = () => {},
  ) {}

  /** The operation's outcome, typed by its kind, once the transaction holding it has committed. */
  submit<O extends LedgerOp>(op: O): Promise<OutcomeOf<O>> {
    // The batch answers each operation with applyOp(op), whose outcome is OutcomeOf<O>; the queue
    // holds every kind, so the type is restored here, once.
    return this.submitAny(op) as Promise<OutcomeOf<O>>;
  }

  private submitAny(op: LedgerOp): Promise<OpOutcome> {
    if (this.closed) {
      return Promise.resolve({ ok: false, error: new KopilkaError('STORAGE_UNAVAILABLE', 'Сервис останавливается: повторите запрос через несколько секунд') });
    }
    const key = idempotencyKey(op);
    if (key === null) return this.enqueue(op);
    const previous = this.keyed.get(key);
    const run = (previous ?? Promise.resolve()).then(() => this.enqueue(op));
    this.keyed.set(key, run);
    void run.finally(() => {
      if (this.keyed.get(key) === run) this.keyed.delete(key);
    });
    return run;
  }

  private enqueue(op: LedgerOp): Promise<OpOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ op, customerKey: customerKey(op), resolve });
      this.pump();
    });
  }

  /**
   * Starts batches while there is room. A customer's operations are applied in arrival order: an
   * operation whose customer is in a batch still being written waits for the next batch, since
   * two batches in flight may take their locks in either order.
   */
  private pump(): void {
    while (this.inFlight < this.opts.concurrency && this.queue.length > 0) {
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      const taken = new Set<string>();
      const waiting = new Set<string>();
      for (const p of this.queue) {
        const key = p.customerKey;
        // An operation may not overtake an earlier one of the same customer left waiting.
        if (batch.length >= this.opts.maxBatch || (key !== null && (this.busy.has(key) || waiting.has(key)))) {
          rest.push(p);
          if (key !== null) waiting.add(key);
        } else {
          batch.push(p);
          if (key !== null) taken.add(key);
        }
      }
      if (batch.length === 0) return;
      this.queue = rest;
      for (const key of taken) this.busy.add(key);
      this.inFlight++;
      void this.run(batch).finally(() => {
        for (const key of taken) this.busy.delete(key);
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) for (const f of this.idle.splice(0)) f();
      });
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    this.stats.batches++;
    this.stats.operations += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    try {
      const out = await this.write(batch.map((p) => p.op));
      // Before anyone is answered: the cached records are replaced here (sent before the answers,
      // on the same connection), so a till that reads right after its commit never sees the
      // summary from before it.
      if (out.fresh.length > 0) {
        this.onFresh(out.fresh);
        void this.summaries?.refreshCustomers(out.fresh).catch(() => {});
      }
      if (out.events.length > 0) {
        try {
          this.onCommitted(out.events);
        } catch {
          // Consumers must not undo a commit; they recount from Postgres.
        }
      }
      batch.forEach((p, i) => p.resolve(out.outcomes[i]!));
    } catch (e) {
      if (batch.length > 1 && !isStorageFailure(e)) {
        // A bug tripped by one operation must not fail its neighbours: run them one by one.
        for (const p of batch) await this.run([p]);
        return;
      }
      const error = isStorageFailure(e)
        ? new KopilkaError('STORAGE_UNAVAILABLE', 'База данных недоступна, чек не записан. Повторите запрос', { reason: (e as Error).message })
        : new KopilkaError('INTERNAL', 'Внутренняя ошибка, чек не записан. Повторите запрос; если ошибка повторится, сообщите в поддержку');
      if (!isStorageFailure(e)) console.error('ledger: batch failed', e);
      for (const p of batch) p.resolve({ ok: false, error });
    }
  }

  private async write(ops: LedgerOp[]): Promise<BatchOutput> {
    for (let attempt = 1; ; attempt++) {
      // A refused connection (Postgres away) throws from here: the batch is answered 503.
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query(ops.length <= GENERIC_PLANS_UP_TO ? BEGIN_GENERIC : 'BEGIN');
        const out = await executeBatch(batchClient(client, this.opts.preparedStatements), ops, this.programs, this.ids, this.now(), this.evaluator, this.summaries);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        const retryable = e instanceof BatchConflict || RETRYABLE_PG.has((e as { code?: string }).code ?? '');
        // A connection lost mid-batch is not reused: release(err) makes the pool drop it.
        if (!retryable && isStorageFailure(e)) broken = e as Error;
        else await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed));
        if (!retryable || attempt >= this.opts.attempts) throw e;
        this.stats.retries++;
      } finally {
        client.release(broken);
      }
    }
  }

  /** Resolves when everything submitted so far has been written. */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Refuses new operations, then waits for the queued ones: graceful shutdown. */
  async close(): Promise<void> {
    await Promise.all([...this.keyed.values()].map((p) => p.catch(() => {})));
    this.closed = true;
    await this.drain();
    await this.evaluator?.close();
  }
}

function customerKey(op: LedgerOp): string | null {
  if (op.kind === 'sale') return op.check.customer == null ? null : `${op.tenantId}\u0000${JSON.stringify(op.check.customer)}`;
  if (op.kind === 'refund') return `${op.tenantId}\u0000sale\u0000${op.saleExternalId}`;
  if (op.kind === 'register') return `${op.tenantId}\u0000${JSON.stringify({ phone: op.customer.phone })}`;
  return null;
}

function idempotencyKey(op: LedgerOp): string | null {
  if (op.kind === 'sale') return `${op.tenantId}\u0000${op.channel}\u0000sale\u0000${op.check.externalId}`;
  if (op.kind === 'refund') return `${op.tenantId}\u0000${op.channel}\u0000refund\u0000${op.request.externalId}`;
  if (op.kind === 'register') return `${op.tenantId}\u0000phone\u0000${op.customer.phone}`;
  return null;
}

/** Errors of the database or the connection, as opposed to a bug: the client may retry. */
export function isStorageFailure(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string') {
    // Postgres SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention, 58 system.
    if (/^(08|53|57|58)/.test(code) || RETRYABLE_PG.has(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
  }
  const msg = (e as Error)?.message ?? '';
  return (
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|not currently accepting connections|the database system is (starting up|shutting down)/i.test(msg) ||
    e instanceof BatchConflict
  );
}
