import type pg from 'pg';
import type { Lot } from './account.ts';
import { KopilkaError } from './errors.ts';
import type { KopilkaEvent } from './events.ts';
import { IdBlocks } from './ids.ts';
import { spendable } from './account.ts';
import type { BatchEvaluator } from './evaluator.ts';
import {
  applyOp,
  assumedState,
  BatchState,
  customerState,
  findCustomer,
  type CheckDetail,
  type CheckEntry,
  type CustomerEntry,
  type LedgerOp,
  type OpOutcome,
  type SaleOp,
} from './operations.ts';
import type { Program } from './program.ts';
import type { CustomerState } from './rules/evaluate.ts';
import type { ProgramCache } from './programs.ts';
import { CUSTOMER_COLUMNS, customerFromRow, iso, LOT_COLUMNS, lotFromRow, type CustomerDbRow, type LotDbRow } from './rows.ts';

// One batch, one transaction: load what the operations touch (locking customers in id order),
// apply the operations in memory in arrival order, write everything in one statement.
// A handful of round trips per batch, whatever its size: that is what group commit buys.

/** Another process wrote a check or customer this batch also wrote: roll back and run again. */
export class BatchConflict extends Error {}

export interface BatchOutput {
  outcomes: OpOutcome[];
  events: KopilkaEvent[];
}

const NUMERIC_ID = /^[1-9]\d{0,17}$/;
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
): Promise<BatchOutput> {
  const tenantIds = [...new Set(ops.map((o) => o.tenantId))];
  const compiled = await programs.forBatchWithin(client, tenantIds, PROGRAM_MAX_AGE_MS);

  const need = { checks: 0, lots: 0, customers: 0 };
  for (const op of ops) {
    if (op.kind === 'sale') Object.assign(need, { checks: need.checks + 1, lots: need.lots + 8, customers: need.customers + 1 });
    else if (op.kind === 'refund') need.checks += 1;
    else if (op.kind === 'register') Object.assign(need, { lots: need.lots + 4, customers: need.customers + 1 });
    else if (op.kind === 'gift') need.lots += 1;
  }
  const allocated = await ids.take(client, need);
  const state = new BatchState(now, compiled, { checks: [...allocated.checks], lots: [...allocated.lots], customers: [...allocated.customers] });

  await loadChecks(client, state, ops);
  await loadCustomers(client, state, ops);
  await loadSpends(client, state);
  await loadGiftLog(client, state, ops);

  if (evaluator !== null) await preEvaluate(state, ops, evaluator);
  const outcomes = ops.map((op) => (compiled.has(op.tenantId) ? applyOp(state, op) : unknownTenant()));
  await write(client, state);
  // What the batch did not use goes back for the next one.
  for (const kind of ['checks', 'lots', 'customers'] as const) {
    const used = new Set(collectUsed(state, kind));
    ids.giveBack(kind, allocated[kind].filter((id) => !used.has(id)));
  }
  return { outcomes, events: state.events };
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
        cs = { id: '', totalSpent: 0, purchases: 0, assignedLevel: null, available: 0, pending: 0, referrerId: null, registeredAt: op.check.at };
      } else {
        key = k(op.tenantId, entry.row.id);
        const acc = state.account(entry);
        cs = customerState(entry, spendable(acc), acc.pending);
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

function collectUsed(state: BatchState, kind: 'checks' | 'lots' | 'customers'): string[] {
  if (kind === 'checks') return [...state.checks.values()].filter((c) => c.isNew).map((c) => c.id);
  if (kind === 'customers') return [...state.customers.values()].filter((c) => c.isNew).map((c) => c.row.id);
  const out: string[] = [];
  for (const c of state.customers.values()) if (c.account !== null) for (const l of c.account.newLots) out.push(l.id);
  return out;
}

async function loadChecks(client: pg.PoolClient, state: BatchState, ops: readonly LedgerOp[]): Promise<void> {
  const t: string[] = [], ch: string[] = [], kind: string[] = [], ext: string[] = [];
  const add = (a: string, b: string, c: string, d: string) => (t.push(a), ch.push(b), kind.push(c), ext.push(d));
  for (const op of ops) {
    if (op.kind === 'sale') add(op.tenantId, op.channel, 'sale', op.check.externalId);
    else if (op.kind === 'refund') {
      add(op.tenantId, op.channel, 'refund', op.request.externalId);
      add(op.tenantId, op.channel, 'sale', op.saleExternalId);
    }
  }
  if (t.length === 0) return;
  const r = await client.query(
    `SELECT c.tenant_id, c.id::text, c.channel, c.kind, c.external_id, c.original_id::text, c.customer_id::text, c.store_id,
            c.occurred_at, c.request_hash, c.result::text AS result, c.amount, c.discount, c.redeemed, c.accrued, c.detail, c.refunded_qty
       FROM checks c
       JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS q(t, ch, kind, ext)
         ON c.tenant_id = q.t AND c.channel = q.ch AND c.kind = q.kind AND c.external_id = q.ext
      ORDER BY c.tenant_id, c.id
        FOR UPDATE OF c`,
    [t, ch, kind, ext],
  );
  for (const row of r.rows) {
    const entry: CheckEntry = {
      tenantId: row.tenant_id,
      id: row.id,
      channel: row.channel,
      kind: row.kind,
      externalId: row.external_id,
      originalId: row.original_id,
      customerId: row.customer_id,
      storeId: row.store_id,
      occurredAt: (row.occurred_at as Date).getTime(),
      requestHash: row.request_hash,
      request: null,
      result: row.result,
      amount: Number(row.amount),
      discount: Number(row.discount),
      redeemed: Number(row.redeemed),
      accrued: Number(row.accrued),
      detail: row.detail as CheckDetail,
      refundedQty: row.refunded_qty as Record<string, number>,
      isNew: false,
      qtyChanged: false,
    };
    state.addCheck(entry);
  }
}

async function loadCustomers(client: pg.PoolClient, state: BatchState, ops: readonly LedgerOp[]): Promise<void> {
  const byId: [string[], string[]] = [[], []];
  const byPhone: [string[], string[]] = [[], []];
  const byCard: [string[], string[]] = [[], []];
  const byCode: [string[], string[]] = [[], []];
  for (const op of ops) {
    if (op.kind === 'sale' && op.check.customer != null) {
      const c = op.check.customer;
      if ('id' in c) {
        if (NUMERIC_ID.test(c.id)) (byId[0].push(op.tenantId), byId[1].push(c.id));
      } else if ('phone' in c) (byPhone[0].push(op.tenantId), byPhone[1].push(c.phone));
      else (byCard[0].push(op.tenantId), byCard[1].push(c.cardNumber));
    } else if (op.kind === 'refund') {
      const sale = state.findCheck(op.tenantId, op.channel, 'sale', op.saleExternalId);
      if (sale?.customerId != null) (byId[0].push(op.tenantId), byId[1].push(sale.customerId));
      if (sale?.detail.referral != null) (byId[0].push(op.tenantId), byId[1].push(sale.detail.referral.referrerId));
    } else if (op.kind === 'register') {
      byPhone[0].push(op.tenantId), byPhone[1].push(op.customer.phone);
      if (op.customer.cardNumber != null) (byCard[0].push(op.tenantId), byCard[1].push(op.customer.cardNumber));
      if (op.customer.referrerCode != null) (byCode[0].push(op.tenantId), byCode[1].push(op.customer.referrerCode.toUpperCase()));
    } else if (op.kind === 'settle') {
      for (const id of op.customerIds) if (NUMERIC_ID.test(id)) (byId[0].push(op.tenantId), byId[1].push(id));
    } else if (op.kind === 'gift') {
      if (NUMERIC_ID.test(op.customerId)) (byId[0].push(op.tenantId), byId[1].push(op.customerId));
    }
  }
  if (byId[0].length + byPhone[0].length + byCard[0].length + byCode[0].length === 0) return;
  // UNION of index lookups, then one locking pass in (tenant, id) order: every batch locks
  // customers in the same order, so two batches never wait on each other in a cycle.
  const loaded = await lockCustomers(
    client,
    `SELECT c.tenant_id, c.id FROM customers c JOIN unnest($1::text[], $2::bigint[]) q(t, v) ON c.tenant_id = q.t AND c.id = q.v
     UNION SELECT c.tenant_id, c.id FROM customers c JOIN unnest($3::text[], $4::text[]) q(t, v) ON c.tenant_id = q.t AND c.phone = q.v
     UNION SELECT c.tenant_id, c.id FROM customers c JOIN unnest($5::text[], $6::text[]) q(t, v) ON c.tenant_id = q.t AND c.card_number = q.v
     UNION SELECT c.tenant_id, c.id FROM customers c JOIN unnest($7::text[], $8::text[]) q(t, v) ON c.tenant_id = q.t AND c.referral_code = q.v`,
    [...byId, ...byPhone, ...byCard, ...byCode],
    state,
  );
  // Referrers earn on their friends' purchases, so they are written too. They are locked after
  // the first set, out of order: a rare deadlock is resolved by Postgres and the batch retried.
  const refT: string[] = [], refId: string[] = [];
  for (const e of loaded) {
    const r = e.row.referrerId;
    if (r !== null && !state.customers.has(k(e.row.tenantId, r))) (refT.push(e.row.tenantId), refId.push(r));
  }
  if (refT.length > 0) {
    await lockCustomers(client, `SELECT c.tenant_id, c.id FROM customers c JOIN unnest($1::text[], $2::bigint[]) q(t, v) ON c.tenant_id = q.t AND c.id = q.v`, [refT, refId], state);
  }
  const lt: string[] = [], lc: string[] = [];
  for (const e of state.customers.values()) (lt.push(e.row.tenantId), lc.push(e.row.id));
  const lots = await client.query<LotDbRow>(
    `SELECT ${LOT_COLUMNS} FROM lots l JOIN unnest($1::text[], $2::bigint[]) q(t, c) ON l.tenant_id = q.t AND l.customer_id = q.c
      WHERE l.state <> 'closed'`,
    [lt, lc],
  );
  for (const row of lots.rows) {
    const lot = lotFromRow(row);
    const key = k(row.tenant_id, lot.customerId);
    let list = state.openLots.get(key);
    if (list === undefined) state.openLots.set(key, (list = []));
    list.push(lot);
  }
}

async function lockCustomers(client: pg.PoolClient, keysSql: string, params: unknown[], state: BatchState): Promise<CustomerEntry[]> {
  const r = await client.query<CustomerDbRow>(
    `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE (tenant_id, id) IN (${keysSql}) ORDER BY tenant_id, id FOR UPDATE`,
    params,
  );
  const out: CustomerEntry[] = [];
  for (const row of r.rows) {
    const entry: CustomerEntry = { row: customerFromRow(row), isNew: false, dirty: false, account: null };
    state.addCustomer(entry);
    out.push(entry);
  }
  return out;
}

async function loadSpends(client: pg.PoolClient, state: BatchState): Promise<void> {
  const sales = [...state.checks.values()].filter((c) => c.kind === 'sale' && c.redeemed > 0);
  if (sales.length === 0) return;
  const r = await client.query(
    `SELECT s.check_id::text AS spend_check_id, s.amount AS spend_amount, ${LOT_COLUMNS.replace(/(^|, )/g, '$1l.')}
       FROM spends s
       JOIN unnest($1::text[], $2::bigint[]) q(t, c) ON s.tenant_id = q.t AND s.check_id = q.c
       JOIN lots l ON l.tenant_id = s.tenant_id AND l.id = s.lot_id
      ORDER BY s.tenant_id, s.check_id, s.seq`,
    [sales.map((s) => s.tenantId), sales.map((s) => s.id)],
  );
  for (const row of r.rows) {
    const key = k(row.tenant_id, row.spend_check_id);
    let list = state.spends.get(key);
    if (list === undefined) state.spends.set(key, (list = []));
    list.push({ lotId: row.id, amount: Number(row.spend_amount) });
    if (row.state === 'closed') state.lotsById.set(row.id, lotFromRow(row as LotDbRow));
  }
}

async function loadGiftLog(client: pg.PoolClient, state: BatchState, ops: readonly LedgerOp[]): Promise<void> {
  const gifts = ops.filter((o): o is Extract<LedgerOp, { kind: 'gift' }> => o.kind === 'gift');
  if (gifts.length === 0) return;
  const r = await client.query<{ tenant_id: string; customer_id: string; occasion: string }>(
    `SELECT g.tenant_id, g.customer_id::text, g.occasion FROM gift_log g
       JOIN unnest($1::text[], $2::bigint[], $3::text[]) q(t, c, o) ON g.tenant_id = q.t AND g.customer_id = q.c AND g.occasion = q.o`,
    [gifts.map((g) => g.tenantId), gifts.map((g) => g.customerId), gifts.map((g) => g.occasion)],
  );
  for (const row of r.rows) state.givenGifts.add(k(row.tenant_id, row.customer_id, row.occasion));
}

async function write(client: pg.PoolClient, state: BatchState): Promise<void> {
  const newCustomers: CustomerEntry[] = [];
  const changedCustomers: CustomerEntry[] = [];
  const newLots: [string, Lot][] = [];
  const changedLots: [string, Lot][] = [];
  const postings: [string, import('./account.ts').Posting][] = [];
  for (const e of state.customers.values()) {
    if (e.isNew) newCustomers.push(e);
    else if (e.dirty) changedCustomers.push(e);
    const acc = e.account;
    if (acc === null) continue;
    e.row.available = acc.available;
    e.row.pending = acc.pending;
    e.row.debt = acc.debt;
    const t = e.row.tenantId;
    for (const l of acc.newLots) newLots.push([t, l]);
    for (const l of acc.changedLots) changedLots.push([t, l]);
    for (const p of acc.postings) postings.push([t, p]);
  }
  const newChecks = [...state.checks.values()].filter((c) => c.isNew);
  const qtyChecks = [...state.checks.values()].filter((c) => !c.isNew && c.qtyChanged);
  if (newCustomers.length + changedCustomers.length + newChecks.length + postings.length === 0) return;

  const col = <T, R>(rows: T[], f: (r: T) => R): R[] => rows.map(f);
  const params: unknown[] = [];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);

  const sql = `WITH
  new_customers AS (
    INSERT INTO customers (tenant_id, id, phone, card_number, name, gender, birth_date, email, address, comment, relatives,
                           referral_code, referrer_id, source, assigned_level, level_code, total_spent, purchases,
                           last_purchase_at, available, pending, debt, registered_at)
    SELECT * FROM unnest(${p(col(newCustomers, (e) => e.row.tenantId))}::text[], ${p(col(newCustomers, (e) => e.row.id))}::bigint[],
      ${p(col(newCustomers, (e) => e.row.phone))}::text[], ${p(col(newCustomers, (e) => e.row.cardNumber))}::text[],
      ${p(col(newCustomers, (e) => e.row.name))}::text[], ${p(col(newCustomers, (e) => e.row.gender))}::text[],
      ${p(col(newCustomers, (e) => e.row.birthDate))}::date[], ${p(col(newCustomers, (e) => e.row.email))}::text[],
      ${p(col(newCustomers, (e) => e.row.address))}::text[], ${p(col(newCustomers, (e) => e.row.comment))}::text[],
      ${p(col(newCustomers, (e) => JSON.stringify(e.row.relatives)))}::jsonb[], ${p(col(newCustomers, (e) => e.row.referralCode))}::text[],
      ${p(col(newCustomers, (e) => e.row.referrerId))}::bigint[], ${p(col(newCustomers, (e) => e.row.source))}::text[],
      ${p(col(newCustomers, (e) => e.row.assignedLevel))}::text[], ${p(col(newCustomers, (e) => e.row.levelCode))}::text[],
      ${p(col(newCustomers, (e) => e.row.totalSpent))}::bigint[], ${p(col(newCustomers, (e) => e.row.purchases))}::int[],
      ${p(col(newCustomers, (e) => iso(e.row.lastPurchaseAt)))}::timestamptz[], ${p(col(newCustomers, (e) => e.row.available))}::bigint[],
      ${p(col(newCustomers, (e) => e.row.pending))}::bigint[], ${p(col(newCustomers, (e) => e.row.debt))}::bigint[],
      ${p(col(newCustomers, (e) => iso(e.row.registeredAt)))}::timestamptz[])
    ON CONFLICT DO NOTHING
    RETURNING 1),
  changed_customers AS (
    UPDATE customers c SET level_code = u.level_code, total_spent = u.total_spent, purchases = u.purchases,
           last_purchase_at = u.last_purchase_at, available = u.available, pending = u.pending, debt = u.debt, updated_at = now()
      FROM unnest(${p(col(changedCustomers, (e) => e.row.tenantId))}::text[], ${p(col(changedCustomers, (e) => e.row.id))}::bigint[],
                  ${p(col(changedCustomers, (e) => e.row.levelCode))}::text[], ${p(col(changedCustomers, (e) => e.row.totalSpent))}::bigint[],
                  ${p(col(changedCustomers, (e) => e.row.purchases))}::int[], ${p(col(changedCustomers, (e) => iso(e.row.lastPurchaseAt)))}::timestamptz[],
                  ${p(col(changedCustomers, (e) => e.row.available))}::bigint[], ${p(col(changedCustomers, (e) => e.row.pending))}::bigint[],
                  ${p(col(changedCustomers, (e) => e.row.debt))}::bigint[])
           AS u(tenant_id, id, level_code, total_spent, purchases, last_purchase_at, available, pending, debt)
     WHERE c.tenant_id = u.tenant_id AND c.id = u.id
    RETURNING 1),
  new_checks AS (
    INSERT INTO checks (tenant_id, id, channel, kind, external_id, original_id, customer_id, store_id, occurred_at, request_hash,
                        request, result, amount, discount, redeemed, accrued, detail)
    SELECT * FROM unnest(${p(col(newChecks, (c) => c.tenantId))}::text[], ${p(col(newChecks, (c) => c.id))}::bigint[],
      ${p(col(newChecks, (c) => c.channel))}::text[], ${p(col(newChecks, (c) => c.kind))}::text[], ${p(col(newChecks, (c) => c.externalId))}::text[],
      ${p(col(newChecks, (c) => c.originalId))}::bigint[], ${p(col(newChecks, (c) => c.customerId))}::bigint[],
      ${p(col(newChecks, (c) => c.storeId))}::text[], ${p(col(newChecks, (c) => iso(c.occurredAt)))}::timestamptz[],
      ${p(col(newChecks, (c) => c.requestHash))}::text[], ${p(col(newChecks, (c) => JSON.stringify(c.request)))}::json[],
      ${p(col(newChecks, (c) => c.result))}::json[], ${p(col(newChecks, (c) => c.amount))}::bigint[],
      ${p(col(newChecks, (c) => c.discount))}::bigint[], ${p(col(newChecks, (c) => c.redeemed))}::bigint[],
      ${p(col(newChecks, (c) => c.accrued))}::bigint[], ${p(col(newChecks, (c) => JSON.stringify(c.detail)))}::jsonb[])
    ON CONFLICT DO NOTHING
    RETURNING 1),
  refunded_checks AS (
    UPDATE checks c SET refunded_qty = u.q
      FROM unnest(${p(col(qtyChecks, (c) => c.tenantId))}::text[], ${p(col(qtyChecks, (c) => c.id))}::bigint[],
                  ${p(col(qtyChecks, (c) => JSON.stringify(c.refundedQty)))}::jsonb[]) AS u(tenant_id, id, q)
     WHERE c.tenant_id = u.tenant_id AND c.id = u.id
    RETURNING 1),
  new_lots AS (
    INSERT INTO lots (tenant_id, id, customer_id, check_id, kind, amount, remaining, activates_at, expires_at, state)
    SELECT * FROM unnest(${p(col(newLots, ([t]) => t))}::text[], ${p(col(newLots, ([, l]) => l.id))}::bigint[],
      ${p(col(newLots, ([, l]) => l.customerId))}::bigint[], ${p(col(newLots, ([, l]) => l.checkId))}::bigint[],
      ${p(col(newLots, ([, l]) => l.kind))}::text[], ${p(col(newLots, ([, l]) => l.amount))}::bigint[],
      ${p(col(newLots, ([, l]) => l.remaining))}::bigint[], ${p(col(newLots, ([, l]) => iso(l.activatesAt)))}::timestamptz[],
      ${p(col(newLots, ([, l]) => iso(l.expiresAt)))}::timestamptz[], ${p(col(newLots, ([, l]) => l.state))}::text[])
    RETURNING 1),
  changed_lots AS (
    UPDATE lots l SET remaining = u.remaining, state = u.state
      FROM unnest(${p(col(changedLots, ([t]) => t))}::text[], ${p(col(changedLots, ([, l]) => l.id))}::bigint[],
                  ${p(col(changedLots, ([, l]) => l.remaining))}::bigint[], ${p(col(changedLots, ([, l]) => l.state))}::text[])
           AS u(tenant_id, id, remaining, state)
     WHERE l.tenant_id = u.tenant_id AND l.id = u.id
    RETURNING 1),
  new_postings AS (
    INSERT INTO postings (tenant_id, customer_id, debit, credit, amount, kind, check_id, lot_id, at)
    SELECT * FROM unnest(${p(col(postings, ([t]) => t))}::text[], ${p(col(postings, ([, x]) => x.customerId))}::bigint[],
      ${p(col(postings, ([, x]) => x.debit))}::text[], ${p(col(postings, ([, x]) => x.credit))}::text[],
      ${p(col(postings, ([, x]) => x.amount))}::bigint[], ${p(col(postings, ([, x]) => x.kind))}::text[],
      ${p(col(postings, ([, x]) => x.checkId))}::bigint[], ${p(col(postings, ([, x]) => x.lotId))}::bigint[],
      ${p(col(postings, ([, x]) => iso(x.at)))}::timestamptz[])
    RETURNING 1),
  new_gifts AS (
    INSERT INTO gift_log (tenant_id, customer_id, occasion, lot_id)
    SELECT * FROM unnest(${p(col(state.newGiftLog, (g) => g.tenantId))}::text[], ${p(col(state.newGiftLog, (g) => g.customerId))}::bigint[],
      ${p(col(state.newGiftLog, (g) => g.occasion))}::text[], ${p(col(state.newGiftLog, (g) => g.lotId))}::bigint[])
    ON CONFLICT DO NOTHING
    RETURNING 1),
  new_spends AS (
    INSERT INTO spends (tenant_id, check_id, seq, lot_id, amount)
    SELECT * FROM unnest(${p(col(state.newSpends, (s) => s.tenantId))}::text[], ${p(col(state.newSpends, (s) => s.checkId))}::bigint[],
      ${p(col(state.newSpends, (s) => s.seq))}::int[], ${p(col(state.newSpends, (s) => s.lotId))}::bigint[],
      ${p(col(state.newSpends, (s) => s.amount))}::bigint[])
    RETURNING 1)
SELECT (SELECT count(*) FROM new_customers)::int AS customers, (SELECT count(*) FROM new_checks)::int AS checks,
       (SELECT count(*) FROM changed_customers)::int AS changed, (SELECT count(*) FROM refunded_checks)::int AS refunded,
       (SELECT count(*) FROM new_lots)::int AS lots, (SELECT count(*) FROM changed_lots)::int AS changed_lots,
       (SELECT count(*) FROM new_postings)::int AS postings, (SELECT count(*) FROM new_spends)::int AS spends,
       (SELECT count(*) FROM new_gifts)::int AS gifts`;
  const r = await client.query<{ customers: number; checks: number; gifts: number }>(sql, params);
  const row = r.rows[0]!;
  if (row.customers !== newCustomers.length || row.checks !== newChecks.length || row.gifts !== state.newGiftLog.length) {
    throw new BatchConflict(`batch raced another writer: ${newCustomers.length - row.customers} customers, ${newChecks.length - row.checks} checks already there`);
  }
}
