import type pg from 'pg';
import { assumedState, BatchState, findCustomer, newcomerState, stateOf, type CustomerEntry } from './batch-state.ts';
import { KopilkaError } from './errors.ts';
import type { KopilkaEvent } from './events.ts';
import type { IdBlocks, IdKind } from './ids.ts';
import type { BatchEvaluator } from './evaluator.ts';
import type { LedgerOp, OpOutcome, SaleOp } from './operations.ts';
import { persist } from './persist.ts';
import { prefetch } from './prefetch.ts';
import type { Program } from './program.ts';
import type { CustomerState } from './rules/evaluate.ts';
import type { ProgramCache } from './programs.ts';
import { recordJson, RECORD_TTL_S, type FreshRecord, type SummaryCache } from './summary-cache.ts';
import { applyOp } from './transitions/index.ts';

// One batch, one transaction: load what the operations touch (prefetch.ts, locking customers in
// id order), apply the operations in memory in arrival order (transitions/), write everything in
// one statement (persist.ts). A handful of round trips per batch, whatever its size: that is
// what group commit buys.

export { BatchConflict } from './persist.ts';

export interface BatchOutput {
  outcomes: OpOutcome[];
  events: KopilkaEvent[];
  /** The records of the customers the batch wrote, for the front's cache once it has committed. */
  fresh: FreshRecord[];
}

/** How stale a program a batch may use: a change on another gateway is in force within this. */
const PROGRAM_MAX_AGE_MS = 250;
const k = BatchState.key;

export async function executeBatch(
  client: pg.PoolClient,
  ops: readonly LedgerOp[],
  programs: ProgramCache,
  ids: IdBlocks,
  now: number,
  evaluator: BatchEvaluator | null = null,
  summaries: SummaryCache | null = null,
): Promise<BatchOutput> {
  const tenantIds = [...new Set(ops.map((o) => o.tenantId))];
  const compiled = await programs.forBatchWithin(client, tenantIds, PROGRAM_MAX_AGE_MS);
  const allocated = await ids.take(client, idsNeeded(ops));
  const state = new BatchState(now, compiled, { checks: [...allocated.checks], lots: [...allocated.lots], customers: [...allocated.customers] });

  await prefetch(client, state, ops);
  if (evaluator !== null) await preEvaluate(state, ops, evaluator);
  const outcomes = ops.map((op): OpOutcome => (compiled.has(op.tenantId) ? applyOp(state, op) : unknownTenant()));
  // Read while the batch holds its customers locked (new ones nobody else can see yet), awaited
  // before it commits: no other write can slip between this read and the commit.
  const written = [...state.customers.values()].filter((e) => e.dirty || e.isNew);
  const generations = summaries === null || written.length === 0 ? null : readGenerations(summaries, written);
  await persist(client, state);
  // What the batch did not use goes back for the next one.
  for (const kind of ['checks', 'lots', 'customers'] as const) {
    const used = new Set(collectUsed(state, kind));
    ids.giveBack(kind, allocated[kind].filter((id) => !used.has(id)));
  }
  return { outcomes, events: state.events, fresh: generations === null ? [] : freshRecords(state, written, await generations) };
}

function readGenerations(summaries: SummaryCache, written: CustomerEntry[]): Promise<number[]> {
  const read = summaries.customerGenerations(written.map((e) => ({ tenantId: e.row.tenantId, customerId: e.row.id })));
  return read.catch(() => written.map(() => -1)); // unknown: the customers' cache is emptied, never filled
}

/** The written customers' records as persist stored them (their rows, their lots not closed). */
function freshRecords(state: BatchState, written: CustomerEntry[], generations: number[]): FreshRecord[] {
  return written.map((e, i) => {
    const lots = e.account?.lots ?? state.openLots.get(k(e.row.tenantId, e.row.id)) ?? [];
    const { tenantId, id: customerId, phone, cardNumber } = e.row;
    return { tenantId, customerId, generation: generations[i] ?? -1, json: recordJson(e.row, lots), ttlSeconds: RECORD_TTL_S, phone, cardNumber };
  });
}

/** Ids an operation may use at most (a sale: its check, lots for accrual and gifts, a registration). */
function idsNeeded(ops: readonly LedgerOp[]): Record<IdKind, number> {
  const need = { checks: 0, lots: 0, customers: 0 };
  for (const op of ops) {
    if (op.kind === 'sale') Object.assign(need, { checks: need.checks + 1, lots: need.lots + 8, customers: need.customers + 1 });
    else if (op.kind === 'refund') need.checks += 1;
    else if (op.kind === 'register') Object.assign(need, { lots: need.lots + 4, customers: need.customers + 1 });
    else if (op.kind === 'gift') need.lots += 1;
  }
  return need;
}

/**
 * Evaluates the batch's sales in worker threads before they are applied in order. A customer
 * with several checks in the batch is left to inline evaluation: each of those checks sees the
 * state the previous one left.
 */
async function preEvaluate(state: BatchState, ops: readonly LedgerOp[], evaluator: BatchEvaluator): Promise<void> {
  const sales: { op: SaleOp; cs: CustomerState | null; key: string | null }[] = [];
  const seen = new Map<string, number>();
  for (const op of ops) {
    if (op.kind !== 'sale' || !state.programs.has(op.tenantId)) continue;
    let cs: CustomerState | null = null;
    let key: string | null = null;
    const ref = op.check.customer;
    if (ref != null) {
      const entry = findCustomer(state, op.tenantId, ref);
      if (entry === undefined) {
        if (!('phone' in ref)) continue;
        key = k(op.tenantId, 'phone', ref.phone);
        cs = newcomerState(op.check.at);
      } else {
        key = k(op.tenantId, entry.row.id);
        cs = stateOf(state, entry);
      }
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    sales.push({ op, cs, key });
  }
  const once = sales.filter((x) => x.key === null || seen.get(x.key) === 1);
  if (once.length < 2 * evaluator.threads) return;
  const programs: Record<string, Program> = {};
  for (const x of once) programs[x.op.tenantId] = state.program(x.op.tenantId).source;
  const evs = await evaluator.evaluate({ programs, items: once.map((x) => ({ tenantId: x.op.tenantId, check: x.op.check, customer: x.cs })) });
  once.forEach((x, i) => state.preEvaluated.set(x.op, { ev: evs[i]!, assumed: assumedState(x.cs) }));
}

function unknownTenant(): OpOutcome {
  return { ok: false, error: new KopilkaError('NOT_FOUND', 'Организация не найдена') };
}

function collectUsed(state: BatchState, kind: IdKind): string[] {
  if (kind === 'checks') return state.checks().filter((c) => c.isNew).map((c) => c.id);
  if (kind === 'customers') return [...state.customers.values()].filter((c) => c.isNew).map((c) => c.row.id);
  const out: string[] = [];
  for (const c of state.customers.values()) if (c.account !== null) for (const l of c.account.newLots) out.push(l.id);
  return out;
}
