import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.ts';
import { createPool } from '../ledger/postgres.ts';
import { adminUrl } from '../test/postgres.ts';
import { BEGINS, connect, recordSales, replay } from './same-rows.ts';
import { BENCH_PROGRAM, saleBody } from './scenarios.ts';

// The same-rows ceiling of `npm run bench` is only a ceiling of Kopilka's work if replaying the
// recorded statements writes what the ledger wrote. Two copies of one seeded database: the ledger
// commits sales on one (recorded), the replay sends the recording to the other; afterwards every
// table holds the same rows, column for column (less ids and times Postgres fills in itself).

const CUSTOMERS = 30;
const prefix = `kpsamerows_${randomBytes(3).toString('hex')}`;
const made: string[] = [];
let tenantId = '';

async function admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

async function database(name: string, template?: string): Promise<string> {
  await admin((c) => c.query(`CREATE DATABASE ${prefix}_${name}${template === undefined ? '' : ` TEMPLATE ${prefix}_${template}`}`));
  made.push(name);
  const u = new URL(adminUrl());
  u.pathname = `/${prefix}_${name}`;
  return u.toString();
}

/** Every row of every table in `public`, as JSON without the columns Postgres fills in (ids from sequences, now()). */
async function contents(url: string): Promise<Record<string, string[]>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
    const out: Record<string, string[]> = {};
    for (const { t } of tables.rows) {
      const cols = await c.query<{ c: string }>(
        `SELECT column_name AS c FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = $1
            AND (is_identity = 'YES' OR column_default ~* '(nextval|now\\(\\)|current_timestamp|clock_timestamp)' OR column_name = 'updated_at')`,
        [t],
      );
      const r = await c.query<{ r: string }>(`SELECT (to_jsonb(x) - $1::text[])::text AS r FROM ${t} x ORDER BY 1`, [cols.rows.map((x) => x.c)]);
      out[t] = r.rows.map((x) => x.r);
      if (r.rows.length > 0 && 'shard' in JSON.parse(r.rows[0]!.r)) {
        const pk = await c.query<{ c: string }>(
          `SELECT a.attname AS c FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary`,
          [t],
        );
        out[t] = overShards(out[t], new Set(pk.rows.map((x) => x.c)));
      }
    }
    return out;
  } finally {
    await c.end();
  }
}

/**
 * Tables the customers triggers keep per shard (the writing connection's pid mod 8, migration 015):
 * the same totals land in other shards on another connection, so they are compared summed over shards.
 */
function overShards(rows: string[], key: Set<string>): string[] {
  const sums = new Map<string, Record<string, number>>();
  for (const text of rows) {
    const { shard: _, ...row } = JSON.parse(text) as Record<string, unknown>;
    const group = JSON.stringify(Object.entries(row).filter(([k]) => key.has(k)).sort());
    const s = sums.get(group) ?? {};
    for (const [k, v] of Object.entries(row)) if (!key.has(k)) s[k] = (s[k] ?? 0) + Number(v);
    sums.set(group, s);
  }
  return [...sums]
    .filter(([, s]) => Object.values(s).some((v) => Math.abs(v) > 1e-9))
    .map(([group, s]) => `${group} ${JSON.stringify(Object.entries(s).map(([k, v]) => [k, Number(v.toFixed(6))]).sort())}`)
    .sort();
}

beforeAll(async () => {
  const url = await database('seed');
  const pool = createPool({ connectionString: url, max: 4 });
  const ledger = await Ledger.open({ pool });
  tenantId = (await ledger.createTenant('Бенчмарк', 'month', BENCH_PROGRAM)).id;
  // Each customer's first purchase: registered, with bonuses to pay with later.
  for (let i = 0; i < CUSTOMERS; i++) expect((await ledger.commit(tenantId, 'cashier', saleBody(i + 1, i, 'seed'))).answer.status).toBe('committed');
  await ledger.close();
  await pool.end();
}, 60_000);

afterAll(async () => {
  for (const name of made) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${prefix}_${name} WITH (FORCE)`));
});

describe('same-rows replay', () => {
  for (const [label, writer, inFlight, connections] of [
    ['batches of the group-commit writer', { maxBatch: 1000, concurrency: 2 }, 40, 2],
    ['one transaction per check', { maxBatch: 1, concurrency: 4 }, 8, 4],
  ] as const) {
    it(`writes the rows the ledger wrote: ${label}`, async () => {
      const tag = writer.maxBatch === 1 ? 'one' : 'batch';
      const recorded = await database(`${tag}_rec`, 'seed');
      const replayed = await database(`${tag}_rep`, 'seed');
      const before = await contents(recorded);
      const rec = await recordSales({ url: recorded, tenantId, channel: 'cashier', n: 120, seconds: 60, inFlight, writer, body: (i) => saleBody(i, (i * 7) % CUSTOMERS, `run-${tag}`) });
      expect(rec.failed).toBe(0);
      expect(rec.checks).toBe(120);
      if (writer.maxBatch === 1) expect(rec.largestBatch).toBe(1);
      else expect(rec.largestBatch).toBeGreaterThan(1);
      // The batch's statements are named prepared statements (ledger/statements.ts), replayed as such.
      const statements = rec.txns.flatMap((t) => t.statements).filter((st) => !BEGINS.test(st.text) && st.text !== 'COMMIT');
      expect(statements.length).toBeGreaterThan(0);
      expect(statements.every((st) => st.name?.startsWith('kopilka_'))).toBe(true);
      // A write names only the tables it has rows for: these sales use no coupon, certificate or
      // budget (ledger/persist.ts), and a batch of a few checks runs generic plans (ledger/writer.ts).
      const writes = statements.filter((st) => /^WITH\b/.test(st.text));
      expect(writes.length).toBe(rec.txns.length);
      for (const cte of ['coupon_left', 'giftcards_changed', 'budgets_spent', 'new_gifts']) expect(writes.some((st) => st.text.includes(cte)), cte).toBe(false);
      if (writer.maxBatch === 1) expect(rec.txns.every((t) => t.statements[0]!.text.includes('force_generic_plan'))).toBe(true);

      const clients = await connect(replayed, connections);
      const r = await replay(clients, rec.txns, 60);
      await Promise.all(clients.map((c) => c.end()));
      expect(r).toMatchObject({ checks: 120, mismatches: 0, exhausted: true });

      const want = await contents(recorded);
      const got = await contents(replayed);
      // The sales did write what a sale writes: checks, lots, postings, spends, rollups, customers.
      for (const t of ['checks', 'lots', 'postings', 'spends']) expect(want[t]!.length, t).toBeGreaterThan(before[t]!.length);
      expect(want.sales_daily).not.toEqual(before.sales_daily);
      expect(want.usage_months).not.toEqual(before.usage_months);
      expect(want.customers).not.toEqual(before.customers);
      expect(got).toEqual(want);
    }, 60_000);
  }
});
