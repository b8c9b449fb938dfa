import pg from 'pg';
import { Ledger } from '../ledger/ledger.ts';

// The same-rows ceiling: what Postgres does with exactly the statements Kopilka's writer sends,
// when nothing else runs. Two steps:
//
//   record  the real ledger (ledger.commit → group-commit writer → executeBatch: prefetch,
//           persist) commits the sales on one copy of the seeded database, through a pool whose
//           clients keep every statement of every committed transaction, with its parameters.
//           The SQL is Kopilka's own by construction, not a copy of it; so are the batch sizes,
//           since the writer forms them (same maxBatch, same number of writers, as many sales in
//           flight as the HTTP run has connections).
//   replay  the recorded transactions are sent again, bare, on another copy of the same seeded
//           database: BEGIN, the same reads and locks, the same one-statement write, COMMIT. No
//           HTTP, no validation, no rules, no JSON: only Postgres's share of a check is left.
//
// Each replayed write returns the checks, customers and gifts it inserted; a replay that wrote
// other counts than the recording says so.

/** One statement as the writer sent it. */
export interface Statement {
  text: string;
  values: unknown[] | undefined;
  /** The prepared statement's name when the writer named it (ledger/statements.ts): replayed named too. */
  name?: string;
  /** The write statement's answer: the checks, customers and gifts it inserted (persist.ts's final SELECT). */
  written?: Record<string, number>;
}

/** One committed transaction of the writer. */
export interface RecordedTxn {
  statements: Statement[];
  /** Transactions that had committed when this one began (in commit order): replay keeps that order. */
  after: number;
  /** Checks it wrote. */
  checks: number;
}

/** The batch's one write statement (ledger/persist.ts): it answers with the checks, customers and gifts it inserted. */
const WRITE = /^WITH\b[\s\S]*\bINSERT INTO checks\b/;

/** The writer's BEGIN, alone or with the SET LOCAL of a small batch's generic plans (ledger/writer.ts). */
export const BEGINS = /^BEGIN\b/;

/** A pg.Client that keeps the statements of each BEGIN … COMMIT it runs. */
function recordingClient(out: RecordedTxn[]): typeof pg.Client {
  return class RecordingClient extends pg.Client {
    private txn: RecordedTxn | null = null;

    // pg's query() has many overloads; the ledger calls query(text, values?) and, for the batch's
    // named statements, query({ name, text, values }).
    override query(...args: unknown[]): never {
      const config = typeof args[0] === 'object' && args[0] !== null ? (args[0] as { name?: string; text?: string; values?: unknown[] }) : null;
      const text = typeof args[0] === 'string' ? args[0] : config?.text;
      if (text !== undefined && BEGINS.test(text)) this.txn = { statements: [], after: out.length, checks: 0 };
      const txn = this.txn;
      const values = config !== null ? config.values : Array.isArray(args[1]) ? args[1] : undefined;
      const st: Statement | null = txn !== null && text !== undefined ? { text, values, ...(config?.name !== undefined ? { name: config.name } : {}) } : null;
      if (st !== null) txn!.statements.push(st);
      const r = (super.query as (...a: unknown[]) => unknown)(...args);
      if (st !== null && WRITE.test(st.text) && r instanceof Promise) {
        void r.then((res: pg.QueryResult) => {
          st.written = res.rows[0] as Record<string, number>;
          txn!.checks = st.written.checks ?? 0;
        }, () => {});
      }
      if (text === 'COMMIT' && txn !== null) {
        this.txn = null;
        if (r instanceof Promise) void r.then(() => out.push(txn), () => {});
      } else if (text === 'ROLLBACK') this.txn = null;
      return r as never;
    }
  };
}

export interface Recording {
  txns: RecordedTxn[];
  checks: number;
  failed: number;
  seconds: number;
  /** Checks per transaction, on average and at most. */
  meanBatch: number;
  largestBatch: number;
}

/**
 * Commits up to `n` sales (body(i)) through the real ledger on `url`, `inFlight` at a time, with the
 * writer's batch size and number of writers, and returns the transactions it committed.
 */
export async function recordSales(o: {
  url: string;
  tenantId: string;
  channel: string;
  n: number;
  /** Stop taking new sales after this long (the recording runs at the ledger's speed, not Postgres's). */
  seconds: number;
  inFlight: number;
  writer: { maxBatch: number; concurrency: number };
  body: (i: number) => unknown;
}): Promise<Recording> {
  const txns: RecordedTxn[] = [];
  // The settings of ledger/postgres.ts createPool, with the recording client.
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.writer.concurrency + 2,
    application_name: 'kopilka-bench-record',
    statement_timeout: 60_000,
    Client: recordingClient(txns),
  } as pg.PoolConfig);
  pool.on('error', () => {});
  const ledger = await Ledger.open({ pool, writer: o.writer, workers: 0 });
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const until = started + o.seconds * 1000;
  await Promise.all(
    Array.from({ length: Math.min(o.inFlight, o.n) }, async () => {
      while (next < o.n && performance.now() < until) {
        const i = next++;
        await ledger.commit(o.tenantId, o.channel, o.body(i)).catch(() => failed++);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await ledger.close();
  await pool.end();
  // Only the writer's batches are replayed (not, say, the migration check Ledger.open runs); each
  // one's `after` is recounted among them.
  const kept: number[] = [0];
  for (const t of txns) kept.push(kept[kept.length - 1]! + (t.checks > 0 ? 1 : 0));
  const batches = txns.filter((t) => t.checks > 0).map((t) => ({ ...t, after: kept[t.after]! }));
  const checks = batches.reduce((s, t) => s + t.checks, 0);
  return { txns: batches, checks, failed, seconds, meanBatch: checks / Math.max(1, batches.length), largestBatch: batches.reduce((m, t) => Math.max(m, t.checks), 0) };
}

export interface Replay {
  checks: number;
  txns: number;
  seconds: number;
  /** Replayed writes whose rows-per-table differ from the recording's (should be 0). */
  mismatches: number;
  /** Whether the recording ran out before the time did. */
  exhausted: boolean;
}

/** Connections for a replay, opened before the CPU is measured and closed after. */
export async function connect(url: string, n: number): Promise<pg.Client[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: 'kopilka-bench-replay', statement_timeout: 60_000 } as pg.ClientConfig);
      await c.connect();
      return c;
    }),
  );
}

/**
 * Sends the recorded transactions over `clients`, for at most `seconds`. A transaction starts only
 * once every transaction that had committed before it began in the recording has committed here:
 * a customer's batches keep their order, as the writer keeps it.
 */
export async function replay(clients: readonly pg.Client[], txns: readonly RecordedTxn[], seconds: number): Promise<Replay> {
  const done = new Uint8Array(txns.length);
  let prefix = 0; // txns[0..prefix) have all committed
  let next = 0;
  let checks = 0;
  let count = 0;
  let mismatches = 0;
  let wake: (() => void)[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  const worker = async (c: pg.Client) => {
    while (next < txns.length && performance.now() < until) {
      const j = next;
      if (txns[j]!.after > prefix) {
        await new Promise<void>((r) => wake.push(r));
        continue;
      }
      next++;
      for (const st of txns[j]!.statements) {
        const r = await (st.name === undefined ? c.query(st.text, st.values) : c.query({ name: st.name, text: st.text, values: st.values }));
        if (st.written !== undefined && JSON.stringify(r.rows[0]) !== JSON.stringify(st.written)) mismatches++;
      }
      done[j] = 1;
      checks += txns[j]!.checks;
      count++;
      while (prefix < txns.length && done[prefix] === 1) prefix++;
      const w = wake;
      wake = [];
      for (const f of w) f();
    }
  };
  await Promise.all(clients.map(worker));
  return { checks, txns: count, seconds: (performance.now() - started) / 1000, mismatches, exhausted: next >= txns.length };
}
