import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { parseCheck, type CheckResult, type ParsedCheck } from './check.ts';
import { parseNewCustomer, type CustomerSummary } from './customers.ts';
import { KopilkaError } from './errors.ts';
import { createEvaluator } from './evaluator.ts';
import type { KopilkaEvent } from './events.ts';
import { migrate } from './migrate.ts';
import { requestHash, type Answer, type Outcome, type RefundResult } from './operations.ts';
import { DEFAULT_PROGRAM_INPUT, parseProgram, type CompiledProgram, type Program } from './program.ts';
import { ProgramCache } from './programs.ts';
import { Reads, type CustomerLookup, type PostingView, type SummaryCache } from './reads.ts';
import { refundRequestSchema } from './refunds.ts';
import { parseGrant } from './grants.ts';
import { pruneFor, type LogPosition, type PruneResult } from './last-purchase-log.ts';
import { sweep, sweepGifts, type SweepDeps } from './sweeper.ts';
import { stripDerived } from './transitions/sale.ts';
import { idText, parseInput } from './validation.ts';
import { DEFAULT_WRITER_OPTIONS, GroupCommitWriter, type WriterOptions } from './writer.ts';

// The ledger's core, which the face (index.ts) composes: writes go through the group-commit
// writer, reads (reads.ts) straight to Postgres, the sweeper (sweeper.ts) on a timer. Validated
// inputs in, typed answers or KopilkaErrors out.

export type { CustomerLookup, PostingView, SummaryCache } from './reads.ts';

const SALE_ID = idText(128);

export interface LedgerOptions {
  pool: pg.Pool;
  summaries?: SummaryCache;
  writer?: Partial<WriterOptions>;
  /** Worker threads evaluating the rules of a batch; 0 (default) evaluates on the event loop. */
  workers?: number;
  onEvents?: (events: KopilkaEvent[]) => void;
  now?: () => number;
}

/** A recorded document's answer (a replay returns the first one: `json` byte for byte). */
export interface Committed<T = unknown> extends Answer<T> {
  replay: boolean;
}

export interface PreparedSale {
  check: ParsedCheck;
  hash: string;
}

export class Ledger {
  /** Transition (issue #9): public for the legacy connectors only; the face keeps it private. */
  readonly pool: pg.Pool;
  readonly writer: GroupCommitWriter;
  readonly programs = new ProgramCache();
  private readonly now: () => number;
  private readonly reads: Reads;
  private readonly sweeper: SweepDeps;
  /** Where the last-purchase log's upkeep goes on (a new process starts a pass from the beginning). */
  private logPosition: LogPosition = null;

  private constructor(o: LedgerOptions) {
    this.pool = o.pool;
    this.now = o.now ?? Date.now;
    const writer = { ...DEFAULT_WRITER_OPTIONS, ...o.writer };
    this.reads = new Reads(o.pool, this.programs, o.summaries ?? null, this.now, writer.preparedStatements);
    this.writer = new GroupCommitWriter(o.pool, this.programs, writer, o.onEvents, this.now, createEvaluator(o.workers ?? 0), o.summaries ?? null, (records) =>
      this.reads.rememberRefs(records),
    );
    this.sweeper = { pool: o.pool, writer: this.writer, now: this.now, program: (t) => this.reads.program(t) };
  }

  static async open(o: LedgerOptions): Promise<Ledger> {
    await migrate(o.pool);
    return new Ledger(o);
  }

  async close(): Promise<void> {
    await this.writer.close();
  }

  // ── tenants and programs ──

  async createTenant(name: string, plan = 'month', programInput: unknown = DEFAULT_PROGRAM_INPUT): Promise<{ id: string; program: Program }> {
    const program = parseProgram(programInput);
    const id = `t_${randomBytes(8).toString('hex')}`;
    await this.pool.query('INSERT INTO tenants (id, name, plan, program) VALUES ($1, $2, $3, $4)', [id, name, plan, JSON.stringify(program)]);
    return { id, program };
  }

  async setProgram(tenantId: string, input: unknown): Promise<Program> {
    const program = parseProgram(input);
    const r = await this.pool.query('UPDATE tenants SET program = $2, program_version = program_version + 1, updated_at = now() WHERE id = $1', [
      tenantId,
      JSON.stringify(program),
    ]);
    if (r.rowCount === 0) throw new KopilkaError('NOT_FOUND', 'Организация не найдена');
    this.programs.forget(tenantId);
    return program;
  }

  async program(tenantId: string): Promise<CompiledProgram> {
    return this.reads.program(tenantId);
  }

  // ── customers ──

  async registerCustomer(tenantId: string, input: unknown): Promise<CustomerSummary> {
    const customer = parseNewCustomer(input);
    const id = unwrap(await this.writer.submit({ kind: 'register', tenantId, customer }));
    return this.customer(tenantId, { id });
  }

  /** The summary, and when time alone will change it next (a lot activating or burning). */
  async customerView(tenantId: string, by: CustomerLookup): Promise<{ summary: CustomerSummary; changesAt: number | null }> {
    return this.reads.customerView(tenantId, by);
  }

  /** The summary, from the front's cache when current, else from Postgres. */
  async customer(tenantId: string, by: CustomerLookup): Promise<CustomerSummary> {
    return this.reads.customer(tenantId, by);
  }

  async transactions(tenantId: string, customerId: string, o: { limit?: number; before?: string } = {}): Promise<PostingView[]> {
    return this.reads.transactions(tenantId, customerId, o);
  }

  // ── checks ──

  /** Prices a check: discount, accrual, the most bonuses it may take. Records nothing. */
  async calculate(tenantId: string, input: unknown): Promise<CheckResult> {
    return this.reads.calculate(tenantId, input);
  }

  /** Records a check exactly once per (tenant, channel, externalId). */
  async commit(tenantId: string, channel: string, input: unknown): Promise<Committed<CheckResult>> {
    return this.commitPrepared(tenantId, channel, this.prepareSale(input));
  }

  /** Validates a check and hashes it: the hash tells a replay from a conflicting reuse of its id. */
  prepareSale(input: unknown): PreparedSale {
    const check = parseCheck(input);
    return { check, hash: requestHash(stripDerived(check)) };
  }

  async commitPrepared(tenantId: string, channel: string, s: PreparedSale): Promise<Committed<CheckResult>> {
    return committed(await this.writer.submit({ kind: 'sale', tenantId, channel, check: s.check, hash: s.hash }));
  }

  async refund(tenantId: string, channel: string, saleExternalId: string, input: unknown): Promise<Committed<RefundResult>> {
    // The sale's id often comes from a URL path (%00 decodes to NUL): the writer must never see it.
    const saleId = SALE_ID.safeParse(saleExternalId);
    if (!saleId.success) {
      throw new KopilkaError('INVALID_INPUT', `Неверный номер чека продажи: ${saleId.error.issues[0]!.message}`, { field: 'saleExternalId' });
    }
    const request = parseInput(refundRequestSchema, input, 'возврат');
    const hash = requestHash({ saleExternalId, ...request });
    return committed(await this.writer.submit({ kind: 'refund', tenantId, channel, saleExternalId, request, hash }));
  }

  // ── time ──

  /** Grants bonuses outside a sale; false when this key was granted before (nothing more given). */
  async grant(tenantId: string, customerId: string, input: unknown): Promise<boolean> {
    const g = parseGrant(input);
    await this.customer(tenantId, { id: customerId }); // CUSTOMER_NOT_FOUND before anything is queued
    return unwrap(await this.writer.submit({ kind: 'gift', tenantId, customerId, lotKind: g.kind, gift: g.gift, occasion: g.occasion, reason: g.reason }));
  }

  /** Gives the gifts due by date or absence (once per occasion); returns how many it gave. */
  async sweepGifts(limit = 1000): Promise<number> {
    return sweepGifts(this.sweeper, limit);
  }

  /** Writes due activations and expiries as postings. Returns how many customers it settled. */
  async sweep(limit = 1000): Promise<number> {
    return sweep(this.sweeper, limit);
  }

  /**
   * Deletes superseded entries from the last-purchase log (the lost-customer list's), going on from
   * where the last call stopped, for about `budgetMs` or to the log's end.
   */
  async pruneLastPurchases(budgetMs = 2000): Promise<PruneResult> {
    const r = await pruneFor(this.pool, this.logPosition, budgetMs);
    this.logPosition = r.next;
    return r;
  }
}

function unwrap<T>(o: Outcome<T>): T {
  if (!o.ok) throw o.error;
  return o.value;
}

function committed<T>(o: Outcome<Answer<T>>): Committed<T> {
  const { answer, json } = unwrap(o);
  return { answer, json, replay: o.ok && o.replay };
}
