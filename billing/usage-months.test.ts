import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.ts';
import { migrate } from '../ledger/migrate.ts';
import { BILLING_TIME_ZONE, monthBounds, usageCounts, type UsageCounts } from '../ledger/usage.ts';
import { BENCH_PROGRAM, saleBody } from '../loadtests/scenarios.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { reconcileCounters, type CounterStore } from './metering.ts';

// usage_months (migration 026) replaces billing's scans of `checks`: the writer keeps it in the
// batch statement, the migration fills it from the checks already there. Here random sales,
// refunds and resends go through the real ledger (the group-commit writer batches them), and the
// rollup must equal the checks grouped the same way, and the readers must answer exactly what the
// old scans answered (their SQL is kept below as the reference).

const CHANNELS = ['cashier', 'evotor', 'site'] as const;
let db: TestDatabase;
let ledger: Ledger;
const tenants: string[] = [];

/** A small seeded PRNG (mulberry32): a failure is the same failure on the next run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ── the reference: what billing ran before migration 026 ──

async function oldReconcile(pool: pg.Pool, month: string): Promise<{ tenant_id: string; channel: string; n: string }[]> {
  const r = await pool.query<{ tenant_id: string; channel: string; n: string }>(
    `WITH b AS (SELECT (($1::text || '-01')::date::timestamp AT TIME ZONE $2) AS lo,
                       (($1::text || '-01')::date + interval '1 month')::timestamp AT TIME ZONE $2 AS hi)
     SELECT tenant_id, channel, count(*) AS n FROM checks, b
      WHERE kind = 'sale' AND committed_at >= b.lo AND committed_at < b.hi
      GROUP BY tenant_id, channel`,
    [month, BILLING_TIME_ZONE],
  );
  return r.rows;
}

async function oldUsageCounts(pool: pg.Pool, month: string, tenantId?: string): Promise<UsageCounts[]> {
  const { from, to } = monthBounds(month);
  const r = await pool.query<{ id: string; name: string; plan: UsageCounts['plan']; checks: string; channels: string[] | null; sms: Record<string, number> | null }>(
    `WITH b AS (SELECT ($2::date::timestamp AT TIME ZONE $4) AS lo, ($3::date::timestamp AT TIME ZONE $4) AS hi)
     SELECT t.id, t.name, t.plan,
            (SELECT count(*) FROM checks c, b WHERE c.tenant_id = t.id AND c.kind = 'sale' AND c.committed_at >= b.lo AND c.committed_at < b.hi) AS checks,
            (SELECT array_agg(DISTINCT ch ORDER BY ch) FROM (
               SELECT k.channel AS ch FROM api_keys k, b WHERE k.tenant_id = t.id AND k.role = 'channel'
                  AND k.created_at < b.hi AND (k.revoked_at IS NULL OR k.revoked_at >= b.lo)
               UNION
               SELECT DISTINCT c.channel FROM checks c, b WHERE c.tenant_id = t.id AND c.committed_at >= b.lo AND c.committed_at < b.hi) x) AS channels,
            (SELECT jsonb_object_agg(topic, n) FROM (
               SELECT topic, count(*) AS n FROM (
                 SELECT s.topic FROM sms_messages s, b WHERE s.tenant_id = t.id AND s.sent_at >= b.lo AND s.sent_at < b.hi
                 UNION ALL
                 SELECT m.topic FROM messages m, b WHERE m.tenant_id = t.id AND m.channel = 'sms' AND m.status = 'sent' AND m.sent_at >= b.lo AND m.sent_at < b.hi) y
               GROUP BY topic) x) AS sms
       FROM tenants t, b
      WHERE t.created_at < b.hi AND ($1::text IS NULL OR t.id = $1)
      ORDER BY t.created_at, t.id`,
    [tenantId ?? null, from, to, BILLING_TIME_ZONE],
  );
  return r.rows.map((row) => ({ tenantId: row.id, name: row.name, plan: row.plan, checks: Number(row.checks), channelNames: row.channels ?? [], sms: row.sms ?? {} }));
}

/** The checks grouped as usage_months groups them, next to usage_months itself. */
async function rollupAndChecks(pool: pg.Pool): Promise<{ rollup: string[]; checks: string[] }> {
  const rollup = await pool.query<{ r: string }>(
    `SELECT concat_ws(' ', tenant_id, month, channel, checks, refunds) AS r FROM usage_months ORDER BY tenant_id, month, channel`,
  );
  const checks = await pool.query<{ r: string }>(
    `SELECT concat_ws(' ', tenant_id, date_trunc('month', committed_at AT TIME ZONE $1)::date, channel,
                      count(*) FILTER (WHERE kind = 'sale'), count(*) FILTER (WHERE kind = 'refund')) AS r
       FROM checks GROUP BY tenant_id, date_trunc('month', committed_at AT TIME ZONE $1)::date, channel
      ORDER BY tenant_id, date_trunc('month', committed_at AT TIME ZONE $1)::date, channel`,
    [BILLING_TIME_ZONE],
  );
  return { rollup: rollup.rows.map((x) => x.r), checks: checks.rows.map((x) => x.r) };
}

/** The counters reconcile sets, through a front that only records them. */
async function newReconcile(pool: pg.Pool, month: string): Promise<{ set: Record<string, number>; n: number }> {
  const set: Record<string, number> = {};
  const front: CounterStore = {
    consume: () => {
      throw new Error('not used by reconcile');
    },
    incrCounters: async () => {
      throw new Error('not used by reconcile');
    },
    setCounter: async (tenantId, name, value) => {
      set[`${tenantId} ${name}`] = value;
    },
  };
  const n = await reconcileCounters(front, pool, month);
  return { set, n };
}

async function expectSameAsScans(pool: pg.Pool): Promise<void> {
  const { rollup, checks } = await rollupAndChecks(pool);
  expect(rollup).toEqual(checks);
  const months = (await pool.query<{ m: string }>(`SELECT DISTINCT to_char(month, 'YYYY-MM') AS m FROM usage_months ORDER BY 1`)).rows.map((x) => x.m);
  expect(months.length).toBeGreaterThan(0);
  for (const month of [...months, '2000-01']) {
    const old = await oldReconcile(pool, month);
    const now = await newReconcile(pool, month);
    expect(now.n, month).toBe(old.length);
    expect(now.set, month).toEqual(Object.fromEntries(old.map((r) => [`${r.tenant_id} ${month}:checks:${r.channel}`, Number(r.n)])));
    expect(await usageCounts(pool, month), month).toEqual(await oldUsageCounts(pool, month));
    for (const t of tenants) expect(await usageCounts(pool, month, t), month).toEqual(await oldUsageCounts(pool, month, t));
  }
}

beforeAll(async () => {
  db = await createTestDatabase('kpusagemonths');
  // Small batches and two writers: the sales of a round land in several batch statements.
  ledger = await Ledger.open({ pool: db.pool, writer: { maxBatch: 7, concurrency: 2 } });
  for (const name of ['Кофейня «Бобы»', 'Пекарня «Крошка»']) tenants.push((await ledger.createTenant(name, 'month', BENCH_PROGRAM)).id);
});

afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

describe('usage_months', () => {
  it('counts what the writer inserted: sales per tenant, month and channel, refunds apart, a resend once', async () => {
    const random = rng(26);
    const sold: { tenantId: string; channel: string; body: ReturnType<typeof saleBody> }[] = [];
    const refunded = new Set<string>();
    let i = 0;
    for (let round = 0; round < 6; round++) {
      const ops: Promise<{ replay: boolean }>[] = [];
      const thisRound: typeof sold = [];
      for (let k = 0; k < 20 + Math.floor(random() * 20); k++) {
        const tenantId = tenants[Math.floor(random() * tenants.length)]!;
        const channel = CHANNELS[Math.floor(random() * CHANNELS.length)]!;
        const body = saleBody(i, Math.floor(random() * 25), `u${round}`);
        i++;
        thisRound.push({ tenantId, channel, body });
        ops.push(ledger.commit(tenantId, channel, body));
      }
      // A resend of a sale of this round, in flight with it: one check, counted once.
      const twin = thisRound[Math.floor(random() * thisRound.length)]!;
      ops.push(ledger.commit(twin.tenantId, twin.channel, twin.body));
      // Refunds of earlier rounds' sales, and a resend of an earlier sale.
      for (const s of sold) {
        if (refunded.has(s.body.externalId) || random() > 0.25) continue;
        refunded.add(s.body.externalId);
        ops.push(ledger.refund(s.tenantId, s.channel, s.body.externalId, { externalId: `r-${s.body.externalId}` }));
      }
      if (sold.length > 0) {
        const old = sold[Math.floor(random() * sold.length)]!;
        ops.push(ledger.commit(old.tenantId, old.channel, old.body).then((r) => (expect(r.replay).toBe(true), r)));
      }
      const done = await Promise.all(ops);
      expect(done.filter((r) => r.replay).length).toBeGreaterThanOrEqual(round === 0 ? 1 : 2);
      sold.push(...thisRound);
    }
    const kinds = await db.pool.query<{ kind: string; n: number; channels: number }>(`SELECT kind, count(*)::int AS n, count(DISTINCT channel)::int AS channels FROM checks GROUP BY kind ORDER BY kind`);
    expect(kinds.rows).toEqual([
      { kind: 'refund', n: refunded.size, channels: CHANNELS.length },
      { kind: 'sale', n: sold.length, channels: CHANNELS.length },
    ]);
    const { rollup } = await rollupAndChecks(db.pool);
    expect(rollup.length).toBe(tenants.length * CHANNELS.length);
    await expectSameAsScans(db.pool);
  });

  it('is filled by migration 026 from the checks already there, month edges in Moscow time included', async () => {
    // Checks as an older Kopilka left them: other months, both sides of Moscow midnights (UTC+3), a
    // month with only a refund on a channel (it is a channel in use, with no sales counter).
    const [a, b] = tenants as [string, string];
    const past: [string, string, 'sale' | 'refund', string][] = [
      [a, 'cashier', 'sale', '2026-01-31T20:59:59.999Z'], // 23:59:59.999 on 31 January in Moscow
      [a, 'cashier', 'sale', '2026-01-31T21:00:00Z'], // midnight, 1 February
      [a, 'evotor', 'sale', '2026-01-15T12:00:00Z'],
      [a, 'evotor', 'refund', '2026-02-02T12:00:00Z'],
      [b, 'site', 'refund', '2026-01-10T12:00:00Z'],
      [b, 'site', 'sale', '2025-12-31T21:00:00Z'], // New Year in Moscow: January
      [b, 'cashier', 'sale', '2025-12-31T20:59:00Z'], // still December
    ];
    for (const [n, [tenantId, channel, kind, at]] of past.entries()) {
      await db.pool.query(
        `INSERT INTO checks (tenant_id, id, channel, kind, external_id, occurred_at, committed_at, request_hash, request, result, amount, discount, redeemed, accrued, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $6, 'h', '{}', '{}', 100, 0, 0, 0, '{}')`,
        [tenantId, 900_000_000 + n, channel, kind, `past-${n}`, at],
      );
    }
    await db.pool.query(`UPDATE tenants SET created_at = '2025-06-01T00:00:00Z'`); // billed for those months too
    // Migration 026 again, on this database as it stands: the real file, through migrate().
    await db.pool.query(`DROP TABLE usage_months`);
    await db.pool.query(`DELETE FROM schema_migrations WHERE name = '026_usage_months.sql'`);
    expect(await migrate(db.pool)).toEqual(['026_usage_months.sql']);
    const months = await db.pool.query<{ m: string }>(`SELECT DISTINCT to_char(month, 'YYYY-MM') AS m FROM usage_months WHERE month < '2026-03-01' ORDER BY 1`);
    expect(months.rows.map((x) => x.m)).toEqual(['2025-12', '2026-01', '2026-02']);
    await expectSameAsScans(db.pool);

    // The writer goes on adding to the rows the migration wrote.
    const [first] = (await db.pool.query<{ tenant_id: string; channel: string }>(`SELECT tenant_id, channel FROM usage_months WHERE month = date_trunc('month', now() AT TIME ZONE $1)::date LIMIT 1`, [BILLING_TIME_ZONE])).rows;
    const before = await db.pool.query(`SELECT checks FROM usage_months WHERE tenant_id = $1 AND channel = $2 AND month = date_trunc('month', now() AT TIME ZONE $3)::date`, [first!.tenant_id, first!.channel, BILLING_TIME_ZONE]);
    await ledger.commit(first!.tenant_id, first!.channel, saleBody(9_999, 3, 'after-migration'));
    const after = await db.pool.query(`SELECT checks FROM usage_months WHERE tenant_id = $1 AND channel = $2 AND month = date_trunc('month', now() AT TIME ZONE $3)::date`, [first!.tenant_id, first!.channel, BILLING_TIME_ZONE]);
    expect(Number(after.rows[0].checks)).toBe(Number(before.rows[0].checks) + 1);
    await expectSameAsScans(db.pool);
  });
});
