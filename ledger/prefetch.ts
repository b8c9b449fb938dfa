import type pg from 'pg';
import { BatchState, type CustomerEntry } from './batch-state.ts';
import { loadCoupons } from './coupons.ts';
import { loadBudgets } from './budgets.ts';
import { loadGiftcards } from './giftcards.ts';
import type { GiftOp, LedgerOp } from './operations.ts';
import { CHECK_COLUMNS, checkFromRow, CUSTOMER_COLUMNS, customerFromRow, LOT_COLUMNS, lotFromRow, type CheckDbRow, type CustomerDbRow, type LotDbRow } from './rows.ts';

// Prefetch: everything a batch's operations touch, loaded into its state in a few round trips
// whatever the batch's size. Checks are locked first, then customers in (tenant, id) order, so
// two batches never wait on each other in a cycle.

const NUMERIC_ID = /^[1-9]\d{0,17}$/;
const k = BatchState.key;

export async function prefetch(client: pg.PoolClient, state: BatchState, ops: readonly LedgerOp[]): Promise<void> {
  await loadChecks(client, state, ops);
  await loadCustomers(client, state, ops);
  await loadSpends(client, state);
  await loadGiftLog(client, state, ops);
  await loadCoupons(client, state, ops);
  await loadGiftcards(client, state.giftcards, ops, (op) => (op.kind === 'refund' ? state.findSale(op.tenantId, op.channel, op.saleExternalId)?.id : undefined));
  await loadBudgets(client, state.budgets, state.programs, ops);
}

/** The checks the operations name: a sale's own id (a replay?), a refund's own id and its sale. */
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
  const r = await client.query<CheckDbRow>(
    `SELECT ${CHECK_COLUMNS}
       FROM checks c
       JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS q(t, ch, kind, ext)
         ON c.tenant_id = q.t AND c.channel = q.ch AND c.kind = q.kind AND c.external_id = q.ext
      ORDER BY c.tenant_id, c.id
        FOR UPDATE OF c`,
    [t, ch, kind, ext],
  );
  for (const row of r.rows) state.addCheck(checkFromRow(row));
}

/** (tenant, value) pairs to look customers up by, one list per index. */
class CustomerKeys {
  readonly byId: [string[], string[]] = [[], []];
  readonly byPhone: [string[], string[]] = [[], []];
  readonly byCard: [string[], string[]] = [[], []];
  readonly byCode: [string[], string[]] = [[], []];

  add(list: [string[], string[]], tenantId: string, value: string): void {
    list[0].push(tenantId);
    list[1].push(value);
  }

  /** Ids come from requests too: one that is not a bigint cannot name a customer (and would fail the query). */
  addId(tenantId: string, id: string): void {
    if (NUMERIC_ID.test(id)) this.add(this.byId, tenantId, id);
  }

  get size(): number {
    return this.byId[0].length + this.byPhone[0].length + this.byCard[0].length + this.byCode[0].length;
  }
}

function customerKeys(state: BatchState, ops: readonly LedgerOp[]): CustomerKeys {
  const keys = new CustomerKeys();
  for (const op of ops) {
    if (op.kind === 'sale' && op.check.customer != null) {
      const c = op.check.customer;
      if ('id' in c) keys.addId(op.tenantId, c.id);
      else if ('phone' in c) keys.add(keys.byPhone, op.tenantId, c.phone);
      else keys.add(keys.byCard, op.tenantId, c.cardNumber);
    } else if (op.kind === 'refund') {
      const sale = state.findSale(op.tenantId, op.channel, op.saleExternalId);
      if (sale?.customerId != null) keys.add(keys.byId, op.tenantId, sale.customerId);
      if (sale?.detail.referral != null) keys.add(keys.byId, op.tenantId, sale.detail.referral.referrerId);
    } else if (op.kind === 'register') {
      keys.add(keys.byPhone, op.tenantId, op.customer.phone);
      if (op.customer.cardNumber != null) keys.add(keys.byCard, op.tenantId, op.customer.cardNumber);
      if (op.customer.referrerCode != null) keys.add(keys.byCode, op.tenantId, op.customer.referrerCode.toUpperCase());
    } else if (op.kind === 'settle') {
      for (const id of op.customerIds) keys.addId(op.tenantId, id);
    } else if (op.kind === 'gift') {
      keys.addId(op.tenantId, op.customerId);
    }
  }
  return keys;
}

async function loadCustomers(client: pg.PoolClient, state: BatchState, ops: readonly LedgerOp[]): Promise<void> {
  const keys = customerKeys(state, ops);
  if (keys.size === 0) return;
  // UNION of index lookups, then one locking pass in (tenant, id) order: every batch locks
  // customers in the same order, so two batches never wait on each other in a cycle.
  const loaded = await lockCustomers(
    client,
    `SELECT c.tenant_id, c.id FROM customers c JOIN unnest($1::text[], $2::bigint[]) q(t, v) ON c.tenant_id = q.t AND c.id = q.v
     UNION SELECT c.tenant_id, c.id FROM customers c JOIN unnest($3::text[], $4::text[]) q(t, v) ON c.tenant_id = q.t AND c.phone = q.v
     UNION SELECT c.tenant_id, c.id FROM customers c JOIN unnest($5::text[], $6::text[]) q(t, v) ON c.tenant_id = q.t AND c.card_number = q.v
     UNION SELECT c.tenant_id, c.id FROM customers c JOIN unnest($7::text[], $8::text[]) q(t, v) ON c.tenant_id = q.t AND c.referral_code = q.v`,
    [...keys.byId, ...keys.byPhone, ...keys.byCard, ...keys.byCode],
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
  await loadOpenLots(client, state);
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

/** The loaded customers' open lots: their accounts are opened from these on first use. */
async function loadOpenLots(client: pg.PoolClient, state: BatchState): Promise<void> {
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

/** What the loaded sales were paid with, lot by lot: a refund gives it back to those lots. */
async function loadSpends(client: pg.PoolClient, state: BatchState): Promise<void> {
  const sales = [...state.sales.values()].filter((c) => c.redeemed > 0);
  if (sales.length === 0) return;
  const r = await client.query<LotDbRow & { spend_check_id: string; spend_amount: string }>(
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
    if (row.state === 'closed') state.lotsById.set(row.id, lotFromRow(row));
  }
}

/** Gift occasions already given: a gift is given once per occasion. */
async function loadGiftLog(client: pg.PoolClient, state: BatchState, ops: readonly LedgerOp[]): Promise<void> {
  const gifts = ops.filter((o): o is GiftOp => o.kind === 'gift');
  if (gifts.length === 0) return;
  const r = await client.query<{ tenant_id: string; customer_id: string; occasion: string }>(
    `SELECT g.tenant_id, g.customer_id::text, g.occasion FROM gift_log g
       JOIN unnest($1::text[], $2::bigint[], $3::text[]) q(t, c, o) ON g.tenant_id = q.t AND g.customer_id = q.c AND g.occasion = q.o`,
    [gifts.map((g) => g.tenantId), gifts.map((g) => g.customerId), gifts.map((g) => g.occasion)],
  );
  for (const row of r.rows) state.givenGifts.add(k(row.tenant_id, row.customer_id, row.occasion));
}
