import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.ts';
import { DAY_MS } from '../ledger/lots.ts';
import { DEFAULT_PROGRAM_INPUT } from '../ledger/program.ts';
import { CUSTOMER_COLUMNS, customerFromRow, LOT_COLUMNS, lotFromRow, type CustomerDbRow, type LotDbRow } from '../ledger/rows.ts';
import { parseRecord, summaryOf, type CustomerRecord } from '../ledger/summary-cache.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import type { Front } from './front/front.ts';
import { MemoryFront } from './front/memory-front.ts';
import { RedisFront } from './front/redis-front.ts';

// The writer fills the front's cache with each customer's record right after its commit
// (ledger/summary-cache.ts), instead of dropping it: a till's next calculate reads no Postgres.
// That is only right if the record the writer builds in memory is the one Postgres now holds.
// Here a random mix of sales (with bonus payments), partial and full refunds, grants, sweeps and
// days passing runs through the real ledger, several checks at once so batches hold many
// customers; after each round every cached record must give the same summary as Postgres' copy,
// now and at later instants (lots activating and burning), under two expiry modes.

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';
const T0 = Date.parse('2026-03-02T09:00:00Z');

/** A small deterministic generator, so a failure replays. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

async function postgresRecord(db: TestDatabase, tenantId: string, id: string): Promise<CustomerRecord> {
  const c = await db.pool.query<CustomerDbRow>(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  const l = await db.pool.query<LotDbRow>(`SELECT ${LOT_COLUMNS} FROM lots WHERE tenant_id = $1 AND customer_id = $2 AND state <> 'closed'`, [tenantId, id]);
  return { row: customerFromRow(c.rows[0]!), lots: l.rows.map(lotFromRow) };
}

describe.each([
  ['memory', async (): Promise<Front> => new MemoryFront()],
  ['redis', async (): Promise<Front> => RedisFront.connect({ url: REDIS_URL, prefix: `kptest-${randomUUID().slice(0, 8)}` })],
])('records filled by the writer (%s front)', (_name, makeFront) => {
  let db: TestDatabase;
  let front: Front;
  let ledger: Ledger;
  let clock = T0;

  beforeAll(async () => {
    db = await createTestDatabase();
    front = await makeFront();
    ledger = await Ledger.open({ pool: db.pool, now: () => clock, summaries: front });
  });
  afterAll(async () => {
    await ledger.close();
    await front.close();
    await db.drop();
  });

  it.each([
    ['after accrual, pending 14 days', DEFAULT_PROGRAM_INPUT],
    ['after the last purchase, spendable at once', { ...DEFAULT_PROGRAM_INPUT, activationDays: 0, expiry: { mode: 'afterLastPurchase', days: 20 } }],
  ])('agree with Postgres: %s', async (_label, program) => {
    clock = T0;
    const { id: tenantId } = await ledger.createTenant('Кофейня', 'month', program);
    const compiled = await ledger.program(tenantId);
    const next = rng(program === DEFAULT_PROGRAM_INPUT ? 7 : 11);
    const phones = Array.from({ length: 10 }, (_, i) => `+7999555${String(i).padStart(4, '0')}`);
    const sales: { id: string; lines: number }[] = [];
    let seq = 0, compared = 0, filled = 0;

    const sale = (phone: string) => {
      const lines = 1 + next(3);
      const body = Array.from({ length: lines }, (_, i) => ({ lineNo: i + 1, productId: `p${i}`, quantity: 1000 * (1 + next(2)), price: 10_000 + next(50) * 1000 }));
      const ls = body.map((l) => ({ ...l, amount: (l.price * l.quantity) / 1000 }));
      const externalId = `s-${++seq}`;
      sales.push({ id: externalId, lines });
      return ledger.commit(tenantId, 'api', {
        externalId,
        occurredAt: new Date(clock).toISOString(),
        customer: { phone },
        lines: ls,
        payments: [],
        redeem: next(3) === 0 ? 'max' : 0,
      });
    };

    for (let round = 0; round < 25; round++) {
      const work: Promise<unknown>[] = [];
      for (let j = 0; j < 6; j++) {
        const roll = next(10);
        if (roll < 6 || sales.length === 0) work.push(sale(phones[next(phones.length)]!));
        else if (roll < 8) {
          const s = sales[next(sales.length)]!;
          const lines = next(2) === 0 ? null : [{ lineNo: 1, quantity: 1000 }];
          work.push(ledger.refund(tenantId, 'api', s.id, { externalId: `r-${++seq}`, ...(lines ? { lines } : {}) }).catch(() => null));
        } else if (roll < 9) {
          const c = await ledger.customer(tenantId, { phone: phones[next(phones.length)]! }).catch(() => null);
          if (c !== null) work.push(ledger.grant(tenantId, c.id, { points: 100 * (1 + next(20)), key: `g-${++seq}`, ttlDays: 1 + next(40) }));
        } else work.push(ledger.sweep());
      }
      await Promise.all(work);
      await ledger.writer.drain();
      clock += next(4) === 0 ? (1 + next(20)) * DAY_MS : next(12) * 3600_000;

      for (const phone of phones) {
        const truth = await ledger.customerView(tenantId, { phone }).catch(() => null);
        if (truth === null) continue;
        const id = truth.summary.id;
        const cached = await front.getCustomer(tenantId, id);
        const record = cached.json === null ? null : parseRecord(cached.json);
        if (record === null) continue;
        filled++;
        const pg = await postgresRecord(db, tenantId, id);
        for (const t of [clock, clock + DAY_MS, clock + 15 * DAY_MS, clock + 31 * DAY_MS, clock + 61 * DAY_MS]) {
          expect(summaryOf(compiled, record, t), `${phone} at +${(t - clock) / DAY_MS} days, round ${round}`).toEqual(summaryOf(compiled, pg, t));
          compared++;
        }
        // And what a till is answered, through the cache, is what Postgres says.
        expect(await ledger.customer(tenantId, { phone })).toEqual(truth.summary);
      }
    }
    expect(filled).toBeGreaterThan(100);
    expect(compared).toBeGreaterThan(500);
  });

  it('a sale leaves its customer cached: the next lookup by phone reads no Postgres for the record', async () => {
    clock = T0;
    const { id: tenantId } = await ledger.createTenant('Пекарня');
    const phone = '+79995550100';
    await ledger.commit(tenantId, 'api', { externalId: 'first', occurredAt: new Date(clock).toISOString(), customer: { phone }, lines: [{ lineNo: 1, productId: 'x', quantity: 1000, price: 55_000, amount: 55_000 }], payments: [] });
    // The writer told this process the customer's phone: the lookup goes by id, to the cache.
    const reads = customerQueries(db);
    const id = (await ledger.customer(tenantId, { phone })).id;
    expect(reads.stop()).toBe(0);
    const cached = await front.getCustomer(tenantId, id);
    expect(cached.json).not.toBeNull();
    expect(summaryOf(await ledger.program(tenantId), parseRecord(cached.json!)!, clock).summary.balance).toEqual({ available: 0, pending: 5500 });
    // A change made outside the writer (here a manual level) drops it, through the face's publish
    // in the full service; the core's own path is the writer.
    await front.invalidateCustomer(tenantId, id);
    expect((await front.getCustomer(tenantId, id)).json).toBeNull();
    expect((await ledger.customer(tenantId, { phone })).balance.pending).toBe(5500);
    expect((await front.getCustomer(tenantId, id)).json).not.toBeNull(); // refilled by the read
    // The record does not depend on the program: a renamed level shows at once, the record still cached.
    const program = (await ledger.program(tenantId)).source;
    await ledger.setProgram(tenantId, { ...program, levels: program.levels.map((l, i) => (i === 0 ? { ...l, name: 'Новичок' } : l)) });
    expect((await ledger.customer(tenantId, { phone })).level.name).toBe('Новичок');
    expect((await front.getCustomer(tenantId, id)).json).not.toBeNull();
  });

  it('a phone this process has not seen is read with its record in one query; the next lookup caches the record', async () => {
    clock = T0;
    const { id: tenantId } = await ledger.createTenant('Аптека');
    const phone = '+79995550200';
    // Bought through another gateway's ledger: this one knows neither the phone nor the record.
    const other = await Ledger.open({ pool: db.pool, now: () => clock });
    await other.commit(tenantId, 'api', { externalId: 'elsewhere', occurredAt: new Date(clock).toISOString(), customer: { phone }, lines: [{ lineNo: 1, productId: 'x', quantity: 1000, price: 55_000, amount: 55_000 }], payments: [] });
    await other.close();
    const reads = customerQueries(db);
    const first = await ledger.customer(tenantId, { phone });
    expect(reads.stop()).toBe(1);
    expect(first.balance).toEqual({ available: 0, pending: 5500 });
    // Not cached: its generation was not known before the read. Remembered by id, the next lookup caches it.
    expect((await front.getCustomer(tenantId, first.id)).json).toBeNull();
    expect(await ledger.customer(tenantId, { phone })).toEqual(first);
    expect((await front.getCustomer(tenantId, first.id)).json).not.toBeNull();
    const third = customerQueries(db);
    expect(await ledger.customer(tenantId, { phone })).toEqual(first);
    expect(third.stop()).toBe(0);
  });
});

/** Counts the statements on the pool that read customers, until stop(). */
function customerQueries(db: TestDatabase): { stop(): number } {
  const pool = db.pool as unknown as { query: (...args: unknown[]) => unknown };
  const original = pool.query;
  let n = 0;
  pool.query = function (this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (typeof text === 'string' && /\bFROM customers\b/.test(text)) n++;
    return original.apply(this, args);
  };
  return {
    stop() {
      pool.query = original;
      return n;
    },
  };
}
