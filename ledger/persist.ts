import type pg from 'pg';
import type { Lot, Posting } from './account.ts';
import type { BatchState, CheckEntry, CustomerEntry, GiftLogRow, SpendRow } from './batch-state.ts';
import { arrayLiteral, jsonColumn } from './array-literal.ts';
import { binaryArray, isBinaryElement } from './binary-array.ts';
import { iso } from './rows.ts';
import { couponCtes } from './coupons.ts';
import { rollupCte, salesDaily } from './rollups.ts';
import { budgetCte } from './budgets.ts';
import { giftcardCtes } from './giftcards.ts';
import { promotionDaily, promotionRollupCte } from './promotion-rollups.ts';
import { usageRollupCte } from './usage.ts';

// Persist: everything a batch changed, written in one statement (one CTE per table). A row that
// another process wrote meanwhile is not overwritten: the counts tell, and the batch runs again.

/** Another process wrote a check or customer this batch also wrote: roll back and run again. */
export class BatchConflict extends Error {}

interface Changes {
  newCustomers: CustomerEntry[];
  changedCustomers: CustomerEntry[];
  newLots: [string, Lot][];
  changedLots: [string, Lot][];
  postings: [string, Posting][];
  newChecks: CheckEntry[];
  qtyChecks: CheckEntry[];
  newGifts: GiftLogRow[];
  newSpends: SpendRow[];
}

/** Query parameters, numbered as they are added from `offset` on; a column of rows is one array parameter. */
class Params {
  readonly values: unknown[] = [];
  /** Rows in the longest column asked for: none, and the CTE writes nothing. */
  rows = 0;

  constructor(private readonly offset = 0) {}

  col<T>(rows: readonly T[], f: (r: T) => unknown, type: string): string {
    this.rows = Math.max(this.rows, rows.length);
    const column = rows.map(f);
    const json = type === 'json' || type === 'jsonb' ? jsonColumn(column, type) : null;
    if (json !== null) {
      this.values.push(json.param);
      return json.expression(`$${this.offset + this.values.length}`);
    }
    const binary = isBinaryElement(type) ? binaryArray(column, type) : null;
    // Times come as epoch milliseconds (sent in binary); a column that cannot go so goes as ISO text.
    this.values.push(binary ?? arrayLiteral(type === 'timestamptz' ? column.map(isoIfMs) : column) ?? column);
    return `$${this.offset + this.values.length}::${type}[]`;
  }
}

function isoIfMs(v: unknown): unknown {
  return typeof v === 'number' ? iso(v) : v;
}

/**
 * The statement's CTEs, each kept only when it has rows to write. A CTE over empty arrays writes
 * nothing, but Postgres still plans it, binds its parameters, and locks and opens its table and
 * indexes: a plain sale has rows for 6 of the 20 CTEs, and the other 14 were a third of the
 * statement's time in Postgres (issue #17). The text then depends on which tables a batch writes;
 * ledger/statements.ts keeps one prepared statement per text.
 */
class Ctes {
  readonly values: unknown[] = [];
  private readonly parts: string[] = [];
  private readonly names = new Set<string>();

  /** `build` writes one or more CTEs (the first named `name`) from the columns it asks for; kept if any has rows, or as `keep` says. */
  add(name: string, build: (p: Params) => string, keep?: boolean): void {
    const p = new Params(this.values.length);
    const sql = build(p);
    if (!(keep ?? p.rows > 0)) return;
    this.values.push(...p.values);
    this.parts.push(sql);
    this.names.add(name);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** The rows a kept CTE returned, or 0 for one left out. */
  count(name: string): string {
    return this.has(name) ? `(SELECT count(*) FROM ${name})::int` : '0';
  }

  get sql(): string {
    return this.parts.join(',\n  ');
  }
}

export async function persist(client: pg.PoolClient, state: BatchState): Promise<void> {
  const c = changesOf(state);
  if (c.newCustomers.length + c.changedCustomers.length + c.newChecks.length + c.postings.length === 0) return;
  const w = new Ctes();
  w.add('new_customers', (p) => newCustomersCte(p, c.newCustomers));
  w.add('changed_customers', (p) => changedCustomersCte(p, c.changedCustomers));
  w.add('new_checks', (p) => newChecksCte(p, c.newChecks));
  w.add('refunded_checks', (p) => refundedChecksCte(p, c.qtyChecks));
  w.add('new_lots', (p) => newLotsCte(p, c.newLots));
  w.add('changed_lots', (p) => changedLotsCte(p, c.changedLots));
  w.add('new_postings', (p) => postingsCte(p, c.postings));
  w.add('new_gifts', (p) => giftsCte(p, c.newGifts));
  w.add('new_spends', (p) => spendsCte(p, c.newSpends));
  w.add('sales_rollup', (p) => rollupCte(p, salesDaily(state, c.newChecks)));
  w.add('usage_rollup', () => usageRollupCte(), w.has('new_checks'));
  w.add('coupon_left', (p) => couponCtes(p, state));
  w.add('giftcards_changed', (p) => giftcardCtes(p, state.giftcards));
  w.add('budgets_spent', (p) => budgetCte(p, state.budgets));
  w.add('promotions_rollup', (p) => promotionRollupCte(p, promotionDaily(state.promotionDays)));
  // Data-modifying CTEs run to completion whether or not the query reads them: the counts are
  // read only to tell a batch that raced another writer.
  const sql = `WITH
  ${w.sql}
SELECT ${w.count('new_customers')} AS customers, ${w.count('new_checks')} AS checks, ${w.count('new_gifts')} AS gifts`;
  const r = await client.query<{ customers: number; checks: number; gifts: number }>(sql, w.values);
  const row = r.rows[0]!;
  if (row.customers !== c.newCustomers.length || row.checks !== c.newChecks.length || row.gifts !== c.newGifts.length) {
    throw new BatchConflict(`batch raced another writer: ${c.newCustomers.length - row.customers} customers, ${c.newChecks.length - row.checks} checks already there`);
  }
}

/** What changed: customers (their balances taken from their accounts), lots, postings, checks, logs. */
function changesOf(state: BatchState): Changes {
  const c: Changes = { newCustomers: [], changedCustomers: [], newLots: [], changedLots: [], postings: [], newChecks: [], qtyChecks: [], newGifts: state.newGiftLog, newSpends: state.newSpends };
  for (const e of state.customers.values()) {
    if (e.isNew) c.newCustomers.push(e);
    else if (e.dirty) c.changedCustomers.push(e);
    const acc = e.account;
    if (acc === null) continue;
    e.row.available = acc.available;
    e.row.pending = acc.pending;
    e.row.debt = acc.debt;
    const t = e.row.tenantId;
    for (const l of acc.newLots) c.newLots.push([t, l]);
    for (const l of acc.changedLots) c.changedLots.push([t, l]);
    for (const p of acc.postings) c.postings.push([t, p]);
  }
  const checks = state.checks();
  c.newChecks = checks.filter((x) => x.isNew);
  c.qtyChecks = checks.filter((x) => !x.isNew && x.qtyChanged);
  return c;
}

function newCustomersCte(p: Params, n: readonly CustomerEntry[]): string {
  return `new_customers AS (
    INSERT INTO customers (tenant_id, id, phone, card_number, name, gender, birth_date, email, address, comment, relatives,
                           referral_code, referrer_id, source, assigned_level, level_code, total_spent, purchases,
                           last_purchase_at, available, pending, debt, registered_at)
    SELECT * FROM unnest(${p.col(n, (e) => e.row.tenantId, 'text')}, ${p.col(n, (e) => e.row.id, 'bigint')},
      ${p.col(n, (e) => e.row.phone, 'text')}, ${p.col(n, (e) => e.row.cardNumber, 'text')},
      ${p.col(n, (e) => e.row.name, 'text')}, ${p.col(n, (e) => e.row.gender, 'text')},
      ${p.col(n, (e) => e.row.birthDate, 'date')}, ${p.col(n, (e) => e.row.email, 'text')},
      ${p.col(n, (e) => e.row.address, 'text')}, ${p.col(n, (e) => e.row.comment, 'text')},
      ${p.col(n, (e) => JSON.stringify(e.row.relatives), 'jsonb')}, ${p.col(n, (e) => e.row.referralCode, 'text')},
      ${p.col(n, (e) => e.row.referrerId, 'bigint')}, ${p.col(n, (e) => e.row.source, 'text')},
      ${p.col(n, (e) => e.row.assignedLevel, 'text')}, ${p.col(n, (e) => e.row.levelCode, 'text')},
      ${p.col(n, (e) => e.row.totalSpent, 'bigint')}, ${p.col(n, (e) => e.row.purchases, 'int')},
      ${p.col(n, (e) => e.row.lastPurchaseAt, 'timestamptz')}, ${p.col(n, (e) => e.row.available, 'bigint')},
      ${p.col(n, (e) => e.row.pending, 'bigint')}, ${p.col(n, (e) => e.row.debt, 'bigint')},
      ${p.col(n, (e) => e.row.registeredAt, 'timestamptz')})
    ON CONFLICT DO NOTHING
    RETURNING 1)`;
}

function changedCustomersCte(p: Params, u: readonly CustomerEntry[]): string {
  return `changed_customers AS (
    UPDATE customers c SET level_code = u.level_code, total_spent = u.total_spent, purchases = u.purchases,
           last_purchase_at = u.last_purchase_at, available = u.available, pending = u.pending, debt = u.debt, updated_at = now()
      FROM unnest(${p.col(u, (e) => e.row.tenantId, 'text')}, ${p.col(u, (e) => e.row.id, 'bigint')},
                  ${p.col(u, (e) => e.row.levelCode, 'text')}, ${p.col(u, (e) => e.row.totalSpent, 'bigint')},
                  ${p.col(u, (e) => e.row.purchases, 'int')}, ${p.col(u, (e) => e.row.lastPurchaseAt, 'timestamptz')},
                  ${p.col(u, (e) => e.row.available, 'bigint')}, ${p.col(u, (e) => e.row.pending, 'bigint')},
                  ${p.col(u, (e) => e.row.debt, 'bigint')})
           AS u(tenant_id, id, level_code, total_spent, purchases, last_purchase_at, available, pending, debt)
     WHERE c.tenant_id = u.tenant_id AND c.id = u.id
    RETURNING 1)`;
}

function newChecksCte(p: Params, n: readonly CheckEntry[]): string {
  return `new_checks AS (
    INSERT INTO checks (tenant_id, id, channel, kind, external_id, original_id, customer_id, store_id, occurred_at, request_hash,
                        request, result, amount, discount, redeemed, accrued, detail, cashier_id)
    SELECT * FROM unnest(${p.col(n, (x) => x.tenantId, 'text')}, ${p.col(n, (x) => x.id, 'bigint')},
      ${p.col(n, (x) => x.channel, 'text')}, ${p.col(n, (x) => x.kind, 'text')}, ${p.col(n, (x) => x.externalId, 'text')},
      ${p.col(n, (x) => x.originalId, 'bigint')}, ${p.col(n, (x) => x.customerId, 'bigint')},
      ${p.col(n, (x) => x.storeId, 'text')}, ${p.col(n, (x) => x.occurredAt, 'timestamptz')},
      ${p.col(n, (x) => x.requestHash, 'text')}, ${p.col(n, (x) => JSON.stringify(x.request), 'json')},
      ${p.col(n, (x) => x.result, 'json')}, ${p.col(n, (x) => x.amount, 'bigint')},
      ${p.col(n, (x) => x.discount, 'bigint')}, ${p.col(n, (x) => x.redeemed, 'bigint')},
      ${p.col(n, (x) => x.accrued, 'bigint')}, ${p.col(n, (x) => JSON.stringify(x.detail), 'jsonb')},
      ${p.col(n, (x) => x.cashierId, 'text')})
    ON CONFLICT DO NOTHING
    -- What usage_rollup counts: only the rows written here (a check already there returns none).
    RETURNING tenant_id, channel, kind)`;
}

function refundedChecksCte(p: Params, q: readonly CheckEntry[]): string {
  return `refunded_checks AS (
    UPDATE checks c SET refunded_qty = u.q
      FROM unnest(${p.col(q, (x) => x.tenantId, 'text')}, ${p.col(q, (x) => x.id, 'bigint')},
                  ${p.col(q, (x) => JSON.stringify(x.refundedQty), 'jsonb')}) AS u(tenant_id, id, q)
     WHERE c.tenant_id = u.tenant_id AND c.id = u.id
    RETURNING 1)`;
}

function newLotsCte(p: Params, n: readonly [string, Lot][]): string {
  return `new_lots AS (
    INSERT INTO lots (tenant_id, id, customer_id, check_id, kind, amount, remaining, activates_at, expires_at, state)
    SELECT * FROM unnest(${p.col(n, ([t]) => t, 'text')}, ${p.col(n, ([, l]) => l.id, 'bigint')},
      ${p.col(n, ([, l]) => l.customerId, 'bigint')}, ${p.col(n, ([, l]) => l.checkId, 'bigint')},
      ${p.col(n, ([, l]) => l.kind, 'text')}, ${p.col(n, ([, l]) => l.amount, 'bigint')},
      ${p.col(n, ([, l]) => l.remaining, 'bigint')}, ${p.col(n, ([, l]) => l.activatesAt, 'timestamptz')},
      ${p.col(n, ([, l]) => l.expiresAt, 'timestamptz')}, ${p.col(n, ([, l]) => l.state, 'text')})
    RETURNING 1)`;
}

function changedLotsCte(p: Params, u: readonly [string, Lot][]): string {
  return `changed_lots AS (
    UPDATE lots l SET remaining = u.remaining, state = u.state
      FROM unnest(${p.col(u, ([t]) => t, 'text')}, ${p.col(u, ([, l]) => l.id, 'bigint')},
                  ${p.col(u, ([, l]) => l.remaining, 'bigint')}, ${p.col(u, ([, l]) => l.state, 'text')})
           AS u(tenant_id, id, remaining, state)
     WHERE l.tenant_id = u.tenant_id AND l.id = u.id
    RETURNING 1)`;
}

function postingsCte(p: Params, ps: readonly [string, Posting][]): string {
  return `new_postings AS (
    INSERT INTO postings (tenant_id, customer_id, debit, credit, amount, kind, check_id, lot_id, at)
    SELECT * FROM unnest(${p.col(ps, ([t]) => t, 'text')}, ${p.col(ps, ([, x]) => x.customerId, 'bigint')},
      ${p.col(ps, ([, x]) => x.debit, 'text')}, ${p.col(ps, ([, x]) => x.credit, 'text')},
      ${p.col(ps, ([, x]) => x.amount, 'bigint')}, ${p.col(ps, ([, x]) => x.kind, 'text')},
      ${p.col(ps, ([, x]) => x.checkId, 'bigint')}, ${p.col(ps, ([, x]) => x.lotId, 'bigint')},
      ${p.col(ps, ([, x]) => x.at, 'timestamptz')})
    RETURNING 1)`;
}

function giftsCte(p: Params, g: readonly GiftLogRow[]): string {
  return `new_gifts AS (
    INSERT INTO gift_log (tenant_id, customer_id, occasion, lot_id, reason)
    SELECT * FROM unnest(${p.col(g, (x) => x.tenantId, 'text')}, ${p.col(g, (x) => x.customerId, 'bigint')},
      ${p.col(g, (x) => x.occasion, 'text')}, ${p.col(g, (x) => x.lotId, 'bigint')}, ${p.col(g, (x) => x.reason, 'text')})
    ON CONFLICT DO NOTHING
    RETURNING 1)`;
}

function spendsCte(p: Params, s: readonly SpendRow[]): string {
  return `new_spends AS (
    INSERT INTO spends (tenant_id, check_id, seq, lot_id, amount)
    SELECT * FROM unnest(${p.col(s, (x) => x.tenantId, 'text')}, ${p.col(s, (x) => x.checkId, 'bigint')},
      ${p.col(s, (x) => x.seq, 'int')}, ${p.col(s, (x) => x.lotId, 'bigint')}, ${p.col(s, (x) => x.amount, 'bigint')})
    RETURNING 1)`;
}
