import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { KeyStore } from '../gateway/keys.ts';
import { migrate } from '../ledger/migrate.ts';
import { createPool } from '../ledger/postgres.ts';
import { parseProgram, type Program } from '../ledger/program.ts';
import { BILLING_TIME_ZONE } from '../ledger/usage.ts';
import { BENCH_PROGRAM, phoneOf } from './scenarios.ts';

// The size seeder (issue #17): a database as a large shop's would be after months of trading —
// N customers (10,000,000 by default), each with 2–3 purchases, their lots and ~5 postings —
// written with COPY in minutes instead of the hours the ledger would take check by check.
//
// The rows keep the ledger's invariants (test/invariants.ts): buckets equal the sums of postings,
// open lots explain the buckets, each bonus payment is covered by spends. Per customer, in time:
//   older purchases: a lot accrued pending, activated a day later, partly spent on the next
//     purchase and the rest burnt ("cycle", 4 postings), or spent whole ("full", 3 postings);
//   the last purchase (3–7 days ago): a lot still pending (activates within the next 7 days) or
//     active (burns within the next 28 days), spread evenly, so the sweeper has a steady share
//     due every minute from the moment the seed ends.
// Customers are phoneOf(0..N-1) (the wrk scripts' phones), ids 1..N; the tenant runs BENCH_PROGRAM.
//
// Speed: each of the five tables is filled by one COPY … FREEZE on its own connection, in a
// transaction that empties the table first and builds its indexes after the rows are in (an index
// built once is far cheaper than one kept row by row). The customer-report triggers (migration 015)
// are off for the COPY (session_replication_role = replica) and their tables are filled once
// afterwards, as the migration itself does for customers already there; so are the last-purchase log,
// sales_daily and usage_months.
// The five tables must be empty: seed a fresh database.

const DAY = 86_400_000;
const CHANNEL = 'cashier';
const TABLES = ['customers', 'checks', 'lots', 'postings', 'spends'] as const;
type Table = (typeof TABLES)[number];
/** Customers generated per chunk written to a COPY stream. */
const CHUNK = 2_000;

export interface SizeSeedOptions {
  customers?: number;
  postingsPerCustomer?: number;
  /** The seed's "now" (ms): lots fall due relative to it. Default: when the seed starts. */
  now?: number;
  log?: (line: string) => void;
}

export interface SizeSeedResult {
  tenantId: string;
  cashierKey: string;
  adminKey: string;
  customers: number;
  rows: Record<Table, number>;
  /** Seconds per phase, and per table its COPY and index build. */
  seconds: { total: number; copy: number; derived: number; analyze: number };
  tables: Record<Table, { rows: number; copySeconds: number; indexSeconds: number; rowsPerSecond: number; bytes: number }>;
  databaseBytes: number;
}

// ── the plan of one customer: a pure function of (i, postings per customer, now) ──

type LotKind = 'cycle' | 'full' | 'activated' | 'active' | 'final';
interface LotPlan {
  kind: LotKind;
  id: number;
  checkId: number;
  checkAt: number;
  checkAmount: number;
  /** Bonuses this lot's check paid with (taken from the previous lot). */
  redeemed: number;
  amount: number;
  remaining: number;
  state: 'pending' | 'active' | 'closed';
  activatesAt: number;
  expiresAt: number;
}
interface Posting {
  debit: string;
  credit: string;
  amount: number;
  kind: string;
  checkId: number;
  lotId: number;
  at: number;
}
interface CustomerPlan {
  id: number;
  lots: LotPlan[];
  postings: Posting[];
  available: number;
  pending: number;
  totalSpent: number;
  registeredAt: number;
  lastPurchaseAt: number;
}

/** A deterministic fraction in [0, 1) per (i, salt): spreads times and amounts without a PRNG's state. */
function frac(i: number, salt: number): number {
  let h = Math.imul(i ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

/** The lots of a customer, oldest first; their postings add up to exactly `postings`. */
export function lotKinds(i: number, postings: number): LotKind[] {
  const kinds: LotKind[] = [];
  let r = postings - 1; // the last purchase's lot takes one
  while (r >= 4) {
    if (i % 2 === 1 && r === 4) kinds.push('full', 'active');
    else kinds.push('cycle');
    r -= 4;
  }
  if (r === 3) kinds.push('full');
  if (r === 2) kinds.push('activated');
  if (r === 1) kinds.push('active');
  kinds.push('final');
  return kinds;
}

/** Lot (and check) ids per customer: customer i has ids i·stride + 1 … — a pure function of i, so tables are generated apart. */
export function lotStride(postings: number): number {
  return Math.max(lotKinds(0, postings).length, lotKinds(1, postings).length);
}

/** Customer i (id i + 1): lots oldest first, their checks, postings in time order, and the cached figures. */
export function planCustomer(i: number, postings: number, now: number, stride = lotStride(postings)): CustomerPlan {
  const kinds = lotKinds(i, postings);
  const n = kinds.length;
  const last = now - 3 * DAY - Math.floor(frac(i, 1) * 4 * DAY); // the last purchase: 3–7 days ago
  const lots: LotPlan[] = [];
  const ps: Posting[] = [];
  let prev: LotPlan | null = null;
  for (let k = 0; k < n; k++) {
    const kind = kinds[k]!;
    const checkAt = last - (n - 1 - k) * 20 * DAY;
    const checkAmount = 50_000 + Math.floor(frac(i, 10 + k) * 4_000) * 100; // 500–4,500 ₽
    const lot = { kind, id: i * stride + k + 1, checkId: i * stride + k + 1, checkAt, checkAmount, redeemed: 0 } as LotPlan;
    if (prev !== null && (prev.kind === 'cycle' || prev.kind === 'full')) {
      // The previous lot pays for part of this check: a redeem posting and a spend (posted first, as the ledger does).
      lot.redeemed = prev.kind === 'full' ? prev.amount : Math.max(1, Math.floor(prev.amount * (0.2 + 0.6 * frac(i, 20 + k))));
      ps.push({ debit: 'available', credit: 'redeemed', amount: lot.redeemed, kind: 'redeem', checkId: lot.checkId, lotId: prev.id, at: checkAt });
      const rest = prev.amount - lot.redeemed;
      if (rest > 0) ps.push({ debit: 'available', credit: 'expired', amount: rest, kind: 'expiry', checkId: prev.checkId, lotId: prev.id, at: prev.expiresAt });
    }
    lot.amount = Math.floor((checkAmount - lot.redeemed) / 10); // BENCH_PROGRAM: 10 %
    placeLot(lot, i, now);
    ps.push({ debit: 'issuer', credit: lot.activatesAt > checkAt ? 'pending' : 'available', amount: lot.amount, kind: 'accrual', checkId: lot.checkId, lotId: lot.id, at: checkAt });
    if (lot.activatesAt > checkAt && lot.activatesAt <= now) {
      ps.push({ debit: 'pending', credit: 'available', amount: lot.amount, kind: 'activation', checkId: lot.checkId, lotId: lot.id, at: lot.activatesAt });
    }
    lots.push(lot);
    prev = lot;
  }
  ps.sort((a, b) => a.at - b.at); // stable: same-time postings keep the ledger's order
  let available = 0;
  let pending = 0;
  let totalSpent = 0;
  for (const l of lots) {
    if (l.state === 'active') available += l.remaining;
    if (l.state === 'pending') pending += l.remaining;
    totalSpent += l.checkAmount;
  }
  return { id: i + 1, lots, postings: ps, available, pending, totalSpent, registeredAt: lots[0]!.checkAt - DAY, lastPurchaseAt: last };
}

/** When a lot activates and burns, and its state now. */
function placeLot(lot: LotPlan, i: number, now: number): void {
  const { kind, checkAt } = lot;
  if (kind === 'cycle' || kind === 'full') {
    // Active a day after the purchase, spent on the next one 20 days later, burnt 2 days after that (before now).
    lot.activatesAt = checkAt + DAY;
    lot.expiresAt = checkAt + 22 * DAY;
    lot.state = 'closed';
    lot.remaining = 0;
    return;
  }
  const burnsAt = now + 60_000 + Math.floor(frac(i, 30 + lot.id) * 28 * DAY); // from a minute on, over 4 weeks
  if (kind === 'final' && frac(i, 2) < 0.4) {
    lot.activatesAt = now + 60_000 + Math.floor(frac(i, 3) * 7 * DAY); // pending: activates within a week
    lot.expiresAt = lot.activatesAt + 30 * DAY;
    lot.state = 'pending';
  } else {
    lot.activatesAt = kind === 'activated' ? checkAt + DAY : checkAt;
    lot.expiresAt = burnsAt;
    lot.state = 'active';
  }
  lot.remaining = lot.amount;
}

// ── rows, in COPY text format (no value here holds a tab, newline or backslash) ──

const iso = (ms: number) => new Date(ms).toISOString();

function referralCode(i: number): string {
  // '0' is not in the ledger's code alphabet (ledger/customers.ts): a seeded code never meets a new one.
  return `0${i.toString(36).toUpperCase().padStart(7, '0')}`;
}

function levelOf(program: Program, totalSpent: number): string {
  let code = program.levels[0]!.code;
  for (const l of program.levels) if (totalSpent >= l.threshold) code = l.code;
  return code;
}

type RowWriter = (c: CustomerPlan, i: number, out: string[]) => void;

function rowWriters(tenant: string, program: Program): Record<Table, RowWriter> {
  const levelRefs = new Map(program.levels.map((l) => [l.code, JSON.stringify({ code: l.code, name: l.name })]));
  return {
    customers: (c, i, out) => {
      out.push(
        `${tenant}\t${c.id}\t${phoneOf(i)}\t${referralCode(i)}\tpos\t${levelOf(program, c.totalSpent)}\t${c.totalSpent}\t${c.lots.length}\t${iso(c.lastPurchaseAt)}\t${c.available}\t${c.pending}\t${iso(c.registeredAt)}\n`,
      );
    },
    checks: (c, i, out) => {
      const level = levelRefs.get(levelOf(program, c.totalSpent));
      for (const l of c.lots) {
        const ext = `size-${i}-${l.checkId}`;
        const accrued = l.amount;
        const at = iso(l.checkAt);
        // A whole check as the ledger stores it (a refund prices its sale again from it); one line, to stay small.
        const line = `{"lineNo":1,"productId":"sku-${i % 97}","groupId":"coffee","quantity":1000,"price":${l.checkAmount},"amount":${l.checkAmount}}`;
        const request =
          `{"externalId":"${ext}","occurredAt":"${at}","storeId":"shop-${i % 7}","cashierId":"cashier-${i % 13}","customer":{"phone":"${phoneOf(i)}"},` +
          `"lines":[${line}],"payments":[{"type":"card","amount":${l.checkAmount - l.redeemed}}],"redeem":${l.redeemed},"localDay":"${at.slice(0, 10)}"}`;
        // The answer as the ledger stores it (a refund reads its lines); the balance shown is today's, not the day's.
        const result =
          `{"externalId":"${ext}","status":"committed","customer":{"id":"${c.id}","level":${level},"balance":{"available":${c.available},"pending":${c.pending}}},` +
          `"totals":{"amount":${l.checkAmount},"discount":0,"redeemed":${l.redeemed},"toPay":${l.checkAmount - l.redeemed},"accrued":${accrued},"maxRedeem":${l.redeemed}},` +
          `"lines":[{"lineNo":1,"discount":0,"redeemed":${l.redeemed},"accrued":${accrued}}],"messages":[]}`;
        const detail = `{"lines":[{"amount":${l.checkAmount},"lineNo":1,"accrued":${accrued},"discount":0,"quantity":1000,"redeemed":${l.redeemed}}],"referral":null}`;
        out.push(
          `${tenant}\t${l.checkId}\t${CHANNEL}\tsale\t${ext}\t${c.id}\tshop-${i % 7}\t${at}\t${at}\tseed\t${request}\t${result}\t${l.checkAmount}\t0\t${l.redeemed}\t${accrued}\t${detail}\tcashier-${i % 13}\n`,
        );
      }
    },
    lots: (c, _i, out) => {
      for (const l of c.lots) {
        out.push(`${tenant}\t${l.id}\t${c.id}\t${l.checkId}\taccrual\t${l.amount}\t${l.remaining}\t${iso(l.activatesAt)}\t${iso(l.expiresAt)}\t${l.state}\t${iso(l.checkAt)}\n`);
      }
    },
    postings: (c, _i, out) => {
      let id = (c.id - 1) * c.postings.length; // every customer has the same count: ids are dense
      for (const p of c.postings) {
        out.push(`${tenant}\t${++id}\t${c.id}\t${p.debit}\t${p.credit}\t${p.amount}\t${p.kind}\t${p.checkId}\t${p.lotId}\t${iso(p.at)}\t${iso(p.at)}\n`);
      }
    },
    spends: (c, _i, out) => {
      for (const p of c.postings) if (p.kind === 'redeem') out.push(`${tenant}\t${p.checkId}\t0\t${p.lotId}\t${p.amount}\n`);
    },
  };
}

const COLUMNS: Record<Table, string> = {
  customers: 'tenant_id, id, phone, referral_code, source, level_code, total_spent, purchases, last_purchase_at, available, pending, registered_at',
  checks:
    'tenant_id, id, channel, kind, external_id, customer_id, store_id, occurred_at, committed_at, request_hash, request, result, amount, discount, redeemed, accrued, detail, cashier_id',
  lots: 'tenant_id, id, customer_id, check_id, kind, amount, remaining, activates_at, expires_at, state, created_at',
  postings: 'tenant_id, id, customer_id, debit, credit, amount, kind, check_id, lot_id, at, recorded_at',
  spends: 'tenant_id, check_id, seq, lot_id, amount',
};

// ── loading ──

interface Seed {
  tenant: string;
  program: Program;
  customers: number;
  postings: number;
  now: number;
}

/** One table's rows as a stream, generated a chunk of customers at a time as COPY takes them. */
function tableStream(s: Seed, table: Table, progress: { customers: number; rows: number }): Readable {
  const write = rowWriters(s.tenant, s.program)[table];
  const stride = lotStride(s.postings);
  let next = 0;
  return new Readable({
    read() {
      // Each chunk on a later turn of the event loop: made synchronously, a table whose COPY takes
      // rows fast keeps the loop to itself and the other tables' connections wait (measured: 15 s).
      setImmediate(() => {
        if (next >= s.customers) {
          this.push(null);
          return;
        }
        const end = Math.min(s.customers, next + CHUNK);
        const out: string[] = [];
        for (let i = next; i < end; i++) write(planCustomer(i, s.postings, s.now, stride), i, out);
        progress.customers = end;
        progress.rows += out.length;
        next = end;
        this.push(out.join(''));
      });
    },
  });
}

interface IndexDef {
  name: string;
  def: string;
  /** The constraint (primary key, unique) the index backs, if any. */
  constraint: { name: string; type: 'p' | 'u' } | null;
}

async function indexesOf(c: pg.ClientBase, table: Table): Promise<IndexDef[]> {
  const r = await c.query<{ name: string; def: string; conname: string | null; contype: 'p' | 'u' | null }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def, c.conname, c.contype
       FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('p', 'u')
      WHERE i.indrelid = $1::regclass`,
    [table],
  );
  return r.rows.map((x) => ({ name: x.name, def: x.def, constraint: x.conname === null ? null : { name: x.conname, type: x.contype! } }));
}

/**
 * One table: emptied, its indexes dropped, filled by COPY FREEZE, its indexes built again — in one
 * transaction, so a failed seed leaves the table as it was, indexes included.
 */
async function loadTable(url: string, s: Seed, table: Table, progress: { customers: number; rows: number }) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`SET session_replication_role = replica; SET maintenance_work_mem = '512MB'; SET synchronous_commit = off`);
    await c.query('BEGIN');
    const n = await c.query(`SELECT EXISTS (SELECT 1 FROM ${table}) AS some`);
    if (n.rows[0].some) throw new Error(`size-seed: table ${table} is not empty — seed a fresh database`);
    const indexes = await indexesOf(c, table);
    await c.query(`TRUNCATE ${table}`); // COPY FREEZE needs the table emptied in this transaction
    for (const ix of indexes) {
      await c.query(ix.constraint ? `ALTER TABLE ${table} DROP CONSTRAINT ${ix.constraint.name}` : `DROP INDEX ${ix.name}`);
    }
    const started = performance.now();
    // COPY writes the given ids even into postings.id (GENERATED ALWAYS): the sequence is moved past them after.
    await pipeline(tableStream(s, table, progress), c.query(copyFrom(`COPY ${table} (${COLUMNS[table]}) FROM STDIN WITH (FREEZE)`)));
    const copySeconds = (performance.now() - started) / 1000;
    for (const ix of indexes) {
      await c.query(ix.def);
      if (ix.constraint) await c.query(`ALTER TABLE ${table} ADD CONSTRAINT ${ix.constraint.name} ${ix.constraint.type === 'p' ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX ${ix.name}`);
    }
    await c.query('COMMIT');
    return { rows: progress.rows, copySeconds, indexSeconds: (performance.now() - started) / 1000 - copySeconds };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    await c.end();
  }
}

/** Customers counted into the report tables per call (an array of this many rows is some 20 MB). */
const STATS_SLICE = 200_000;

/** What the triggers and the writer would have kept: the customer-report tables, the last-purchase log, sales_daily and usage_months. */
async function fillDerived(pool: pg.Pool, tenant: string): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    // Set-based over every seeded row: at 10M customers minutes, past the pool's statement timeout.
    await c.query('SET LOCAL statement_timeout = 0');
    // As the customers trigger counts inserted rows (migration 027), a slice of ids at a time: the
    // function takes the rows as one array, and 10M of them would pass Postgres's 1 GB limit.
    const span = (await c.query<{ lo: string; hi: string }>('SELECT coalesce(min(id), 1)::text AS lo, coalesce(max(id), 0)::text AS hi FROM customers WHERE tenant_id = $1', [tenant])).rows[0]!;
    for (let from = Number(span.lo); from <= Number(span.hi); from += STATS_SLICE) {
      await c.query(
        `SELECT customer_stats_apply(ARRAY(
           SELECT ROW(1, tenant_id, source, purchases, total_spent, registered_at, last_purchase_at)::customer_stats_change
             FROM customers WHERE tenant_id = $1 AND id >= $2 AND id < $3))`,
        [tenant, from, from + STATS_SLICE],
      );
    }
    // As migration 028 logs the customers already there: the lost-customer list reads it.
    await c.query(
      `INSERT INTO last_purchase_log (tenant_id, at, customer_id)
       SELECT tenant_id, last_purchase_at, id FROM customers WHERE tenant_id = $1 AND last_purchase_at IS NOT NULL`,
      [tenant],
    );
    await c.query(
      `INSERT INTO sales_daily (tenant_id, day, store_id, cashier_id, channel, sales, identified, sale_amount, sale_discount, sale_redeemed, sale_accrued,
                                refunds, refund_amount, refund_discount, refund_redeemed, refund_accrued)
       SELECT ch.tenant_id, (ch.occurred_at AT TIME ZONE COALESCE(t.program->>'timezone', 'Europe/Moscow'))::date, COALESCE(ch.store_id, ''), COALESCE(ch.cashier_id, ''), ch.channel,
              count(*), count(ch.customer_id), sum(ch.amount), sum(ch.discount), sum(ch.redeemed), sum(ch.accrued), 0, 0, 0, 0, 0
         FROM checks ch JOIN tenants t ON t.id = ch.tenant_id
        WHERE ch.tenant_id = $1 AND ch.kind = 'sale'
        GROUP BY 1, 2, 3, 4, 5`,
      [tenant],
    );
    // As migration 026 counts the checks already there: billing's months read usage_months.
    await c.query(
      `INSERT INTO usage_months (tenant_id, month, channel, checks, refunds)
       SELECT tenant_id, date_trunc('month', committed_at AT TIME ZONE $2)::date, channel,
              count(*) FILTER (WHERE kind = 'sale'), count(*) FILTER (WHERE kind = 'refund')
         FROM checks WHERE tenant_id = $1
        GROUP BY 1, 2, 3`,
      [tenant, BILLING_TIME_ZONE],
    );
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

/** The ledger's next ids start past the seeded ones (ledger/ids.ts hands out blocks from these sequences). */
async function moveSequences(pool: pg.Pool): Promise<void> {
  await pool.query(`SELECT setval('customers_id_seq', GREATEST((SELECT max(id) FROM customers), 1)),
                           setval('lots_id_seq', GREATEST((SELECT max(id) FROM lots), 1)),
                           setval('checks_id_seq', GREATEST((SELECT max(id) FROM checks), 1)),
                           setval(pg_get_serial_sequence('postings', 'id'), GREATEST((SELECT max(id) FROM postings), 1))`);
}

/**
 * After the COPY: the derived tables, the sequences, ANALYZE. Exported so a seed whose last steps
 * failed (the tables, the long part, loaded) can be finished without loading again.
 */
export async function finishSeed(pool: pg.Pool, tenantId: string): Promise<{ derived: number; done: number }> {
  await fillDerived(pool, tenantId);
  await moveSequences(pool);
  const derived = performance.now();
  const c = await pool.connect();
  try {
    await c.query('SET statement_timeout = 0');
    await c.query(`ANALYZE ${TABLES.join(', ')}, customer_activity_stats, customer_source_stats, last_purchase_log, sales_daily, usage_months`);
  } finally {
    c.release();
  }
  return { derived, done: performance.now() };
}

/** Keys stored as the gateway stores them (the operator token is not used here). */
function seedKeys(pool: pg.Pool): KeyStore {
  return new KeyStore(pool, 'size-seed-unused-operator-token', undefined);
}

/** A key of the seed's sales channel: what the wrk scripts send (also for a seed reused later, whose key is stored hashed). */
export function newCashierKey(pool: pg.Pool, tenantId: string): Promise<string> {
  return seedKeys(pool).create(tenantId, 'channel', CHANNEL, null);
}

/** A tenant on BENCH_PROGRAM with an admin and a cashier key, as the gateway's API makes them. */
async function createSeedTenant(pool: pg.Pool): Promise<{ tenantId: string; program: Program; adminKey: string; cashierKey: string }> {
  const program = parseProgram(BENCH_PROGRAM);
  const tenantId = `t_size_${Date.now().toString(36)}`;
  await pool.query('INSERT INTO tenants (id, name, plan, program) VALUES ($1, $2, $3, $4)', [tenantId, 'Большой магазин', 'month', JSON.stringify(program)]);
  const adminKey = await seedKeys(pool).create(tenantId, 'admin', null, null);
  const cashierKey = await newCashierKey(pool, tenantId);
  return { tenantId, program, adminKey, cashierKey };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

/** Fills the database at `url` (migrated here if need be) with `customers` customers; see the top of this file. */
export async function seedAtSize(url: string, o: SizeSeedOptions = {}): Promise<SizeSeedResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const customers = o.customers ?? 10_000_000;
  const postings = o.postingsPerCustomer ?? 5;
  if (!Number.isInteger(customers) || customers < 1 || customers > 10_000_000) throw new Error('size-seed: customers must be 1 … 10,000,000 (phones +7999 and 7 digits)');
  if (!Number.isInteger(postings) || postings < 1) throw new Error('size-seed: postings per customer must be a positive integer');
  const pool = createPool({ connectionString: url, max: 4 });
  try {
    const started = performance.now();
    await migrate(pool);
    const t = await createSeedTenant(pool);
    const seed: Seed = { tenant: t.tenantId, program: t.program, customers, postings, now: o.now ?? Date.now() };
    log(`size-seed: ${fmt(customers)} customers, ${postings} postings each, tenant ${t.tenantId}`);
    const progress = Object.fromEntries(TABLES.map((x) => [x, { customers: 0, rows: 0 }])) as Record<Table, { customers: number; rows: number }>;
    const timer = setInterval(() => {
      const el = (performance.now() - started) / 1000;
      log(`  ${el.toFixed(0)} s: ` + TABLES.map((x) => `${x} ${fmt(progress[x].rows)} (${fmt(progress[x].rows / el)}/s)`).join(', '));
    }, 10_000);
    let loaded: Awaited<ReturnType<typeof loadTable>>[];
    try {
      loaded = await Promise.all(TABLES.map((x) => loadTable(url, seed, x, progress[x])));
    } finally {
      clearInterval(timer);
    }
    const copied = performance.now();
    const { derived, done } = await finishSeed(pool, t.tenantId);
    const sizes = await pool.query<{ name: Table; bytes: string; db: string }>(
      `SELECT t AS name, pg_total_relation_size(t::regclass)::text AS bytes, pg_database_size(current_database())::text AS db FROM unnest($1::text[]) t`,
      [TABLES],
    );
    const bytes = new Map(sizes.rows.map((r) => [r.name, Number(r.bytes)]));
    const tables = Object.fromEntries(
      TABLES.map((x, k) => {
        const l = loaded[k]!;
        return [x, { ...l, rowsPerSecond: l.rows / l.copySeconds, bytes: bytes.get(x) ?? 0 }];
      }),
    ) as SizeSeedResult['tables'];
    const result: SizeSeedResult = {
      tenantId: t.tenantId,
      cashierKey: t.cashierKey,
      adminKey: t.adminKey,
      customers,
      rows: Object.fromEntries(TABLES.map((x) => [x, tables[x].rows])) as Record<Table, number>,
      seconds: { total: (done - started) / 1000, copy: (copied - started) / 1000, derived: (derived - copied) / 1000, analyze: (done - derived) / 1000 },
      tables,
      databaseBytes: Number(sizes.rows[0]?.db ?? 0),
    };
    report(result, log);
    return result;
  } finally {
    await pool.end();
  }
}

function report(r: SizeSeedResult, log: (l: string) => void): void {
  for (const x of TABLES) {
    const t = r.tables[x];
    log(`  ${x.padEnd(10)} ${fmt(t.rows).padStart(12)} rows  COPY ${t.copySeconds.toFixed(1)} s (${fmt(t.rowsPerSecond)} rows/s)  indexes ${t.indexSeconds.toFixed(1)} s  ${mb(t.bytes)}`);
  }
  const all = TABLES.reduce((n, x) => n + r.tables[x].rows, 0);
  log(`  all tables: ${fmt(all)} rows in ${r.seconds.copy.toFixed(1)} s (${fmt(all / r.seconds.copy)} rows/s, indexes included)`);
  log(`  derived tables and sequences ${r.seconds.derived.toFixed(1)} s, ANALYZE ${r.seconds.analyze.toFixed(1)} s; total ${r.seconds.total.toFixed(1)} s`);
  log(`  database size ${mb(r.databaseBytes)}`);
  log(`  tenant ${r.tenantId}, cashier key ${r.cashierKey}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { url: { type: 'string' }, customers: { type: 'string' }, 'postings-per-customer': { type: 'string' } } });
  const url = values.url ?? process.env.DATABASE_URL;
  if (url === undefined) {
    console.error('usage: node --import tsx loadtests/size-seed.ts --url <postgres url> [--customers 10000000] [--postings-per-customer 5]');
    process.exit(2);
  }
  await seedAtSize(url, { customers: Number(values.customers ?? 10_000_000), postingsPerCustomer: Number(values['postings-per-customer'] ?? 5) });
}
