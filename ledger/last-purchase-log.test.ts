import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { lostCustomers } from './customer-reports.ts';
import { pruneLastPurchaseLog, type LogPosition } from './last-purchase-log.ts';
import { Ledger } from './ledger.ts';
import { DAY_MS } from './lots.ts';

// The lost-customer list reads the last-purchase log (migration 028), so that no index of customers
// covers a column a sale changes and a customer's update stays on its page (HOT).

let db: TestDatabase;
let ledger: Ledger;
let clock = Date.now();

beforeAll(async () => {
  db = await createTestDatabase();
  // Sales months ago are taken as they were then (a till may send a closed check only so late).
  ledger = await Ledger.open({ pool: db.pool, now: () => clock });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

const sale = (t: string, id: string, key: string, at: number) =>
  (clock = at) && ledger.commit(t, 'api', { externalId: key, occurredAt: new Date(at).toISOString(), customer: { id }, lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 50_000, amount: 50_000 }] });
const logOf = async (t: string) =>
  (await db.pool.query<{ id: string }>('SELECT customer_id::text AS id FROM last_purchase_log WHERE tenant_id = $1 ORDER BY at, customer_id', [t])).rows.map((r) => r.id);

describe('the last-purchase log', () => {
  it('keeps the lost list exact while customers come back, and the sweeper deletes what they superseded', async () => {
    const t = (await ledger.createTenant('Кофейня', 'month', { levels: [{ code: 'a', name: 'A', threshold: 0, accrual: { type: 'percent', percent: 5 } }] })).id;
    const [ann, bob, cid, dan] = await Promise.all(['+79161000001', '+79161000002', '+79161000003', '+79161000004'].map((phone) => ledger.registerCustomer(t, { phone })));
    const old = Date.now() - 200 * DAY_MS;
    await sale(t, ann!.id, 'a1', old);
    await sale(t, bob!.id, 'b1', old + 1000);
    await sale(t, cid!.id, 'c1', old + 2000);
    await sale(t, ann!.id, 'a2', Date.now() - 10 * DAY_MS); // Ann came back
    expect(await logOf(t)).toEqual([ann!.id, bob!.id, cid!.id, ann!.id]);

    const lost = await lostCustomers(db.pool, t, 'Europe/Moscow', { days: 90 });
    expect(lost.items.map((c) => c.id)).toEqual([cid!.id, bob!.id]); // most recently lost first; Ann's old entry is stepped over
    expect(lost.next).toBeNull();

    // A customer update that leaves the last purchase as it was (a grant) logs nothing.
    await ledger.grant(t, dan!.id, { points: 1000, key: 'hello' });
    await ledger.grant(t, bob!.id, { points: 1000, key: 'hello' });
    expect(await logOf(t)).toHaveLength(4);

    // The sweeper's slice: Ann's superseded entry goes, the live ones stay, the list is the same.
    const pass = await ledger.pruneLastPurchases(Infinity);
    expect(pass.next).toBeNull();
    const pruned = pass.deleted;
    expect(pruned).toBe(1);
    expect(await logOf(t)).toEqual([bob!.id, cid!.id, ann!.id]);
    expect((await lostCustomers(db.pool, t, 'Europe/Moscow', { days: 90 })).items.map((c) => c.id)).toEqual([cid!.id, bob!.id]);
  });

  it('walks the log a slice at a time to its end, deleting entries of customers who are gone', async () => {
    const t = (await ledger.createTenant('Цветы', 'month', { levels: [{ code: 'a', name: 'A', threshold: 0, accrual: { type: 'percent', percent: 5 } }] })).id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ledger.registerCustomer(t, { phone: `+7916200000${i}` })).id);
    for (const [i, id] of ids.entries()) await sale(t, id, `s${i}`, Date.now() - (100 - i) * DAY_MS);
    // An entry whose customer row is gone (as after a tenant's data is erased) is superseded too.
    await db.pool.query(`INSERT INTO last_purchase_log (tenant_id, at, customer_id) VALUES ($1, now() - interval '300 days', 999999)`, [t]);
    let from: LogPosition = null;
    let slices = 0;
    let deleted = 0;
    do {
      const r = await pruneLastPurchaseLog(db.pool, from, 2);
      expect(r.read).toBeLessThanOrEqual(2);
      deleted += r.deleted;
      from = r.next;
      slices += 1;
    } while (from !== null && slices < 100);
    expect(from).toBeNull();
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await logOf(t)).toEqual(ids);
  });

  it('leaves no index of customers over a column a sale changes, so a sale updates its customer in place', async () => {
    // persist.ts's changed_customers: the columns every sale writes. An index over any of them (a
    // column, an expression or a partial index's predicate) makes every such update non-HOT.
    const changed = ['level_code', 'total_spent', 'purchases', 'last_purchase_at', 'available', 'pending', 'debt', 'updated_at'];
    const defs = (await db.pool.query<{ def: string }>(`SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = 'customers'::regclass`)).rows.map((r) => r.def);
    expect(defs.length).toBeGreaterThan(2);
    for (const def of defs) for (const col of changed) expect(def, def).not.toMatch(new RegExp(`\\b${col}\\b`));
    const options = (await db.pool.query<{ o: string[] }>(`SELECT reloptions AS o FROM pg_class WHERE oid = 'customers'::regclass`)).rows[0]!.o;
    expect(options).toContain('fillfactor=90');
  });
});
