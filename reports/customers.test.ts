import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, type TestService } from '../test/service.ts';

// The customer reports over HTTP, each compared with the same figure computed here, independently,
// from the customers table's rows. Customers come from real registrations and checks through the
// API, and a spread of older ones written as a migrated base would leave them (purchases,
// totals, dates from another service).

let s: TestService;
let admin: string;
let tenantId: string;

interface Row { source: string | null; purchases: number; total_spent: string; registered_at: Date; last_purchase_at: Date | null }

beforeAll(async () => {
  s = await startTestService({ redis: false });
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Пекарня', program: SIMPLE_PROGRAM });
  admin = t.body.adminKey;
  tenantId = t.body.id;
  const key = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'shop-1' })).body.key;
  for (let i = 0; i < 4; i++) {
    expect((await call(s.pos, 'POST', '/v1/customers', key, { phone: `+7916000100${i}`, source: i < 2 ? 'vk' : 'till' })).status).toBe(201);
  }
  const at = new Date().toISOString();
  for (const [i, phone, amount] of [[1, '+79160001000', 50_000], [2, '+79160001000', 30_000], [3, '+79160001001', 20_000], [4, '+79160001002', 10_000]] as const) {
    const r = await call(s.pos, 'POST', '/v1/checks', key, { externalId: `c${i}`, occurredAt: at, storeId: 'shop-1', customer: { phone }, lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: amount, amount }] });
    expect(r.status).toBe(201);
  }
  // 300 customers of a base migrated from another service: 0–4 purchases, bought up to 400 days ago.
  await s.db.pool.query(
    `INSERT INTO customers (tenant_id, id, phone, referral_code, level_code, source, purchases, total_spent, registered_at, last_purchase_at)
     SELECT $1, 1000 + g, '+7926' || lpad(g::text, 7, '0'), 'r' || g, 'base', (ARRAY['site', 'vk', NULL])[1 + g % 3], g % 5, (g % 5) * (1000 + g * 37),
            now() - make_interval(days => 400 + g % 50), CASE WHEN g % 5 = 0 THEN NULL ELSE now() - make_interval(days => (g * 7) % 400, secs => g) END
       FROM generate_series(1, 300) g`,
    [tenantId],
  );
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

async function rows(): Promise<Row[]> {
  return (await s.db.pool.query<Row>('SELECT source, purchases, total_spent, registered_at, last_purchase_at FROM customers WHERE tenant_id = $1', [tenantId])).rows;
}

const DAY = 86_400_000;
/** The shop's (Moscow, UTC+3 all year) calendar day of an instant. */
const mskDay = (t: number) => new Date(t + 3 * 3_600_000).toISOString().slice(0, 10);
/** Lost: bought, and the last purchase's day is before the day `days` days ago (shop's calendar). */
const isLost = (c: Row, days: number) => c.purchases > 0 && mskDay(c.last_purchase_at!.getTime()) < mskDay(Date.now() - days * DAY);

describe('GET /v1/reports/customers', () => {
  it('counts customers, purchase segments, lost ones and revenue per customer as the rows say', async () => {
    const all = await rows();
    const r = await call(s.api, 'GET', '/v1/reports/customers?lostDays=60', admin);
    expect(r.status).toBe(200);
    const revenue = all.reduce((a, c) => a + Number(c.total_spent), 0);
    const buyers = all.filter((c) => c.purchases > 0).length;
    expect(r.body).toMatchObject({
      total: all.length,
      segments: {
        none: all.filter((c) => c.purchases === 0).length,
        one: all.filter((c) => c.purchases === 1).length,
        two: all.filter((c) => c.purchases === 2).length,
        threePlus: all.filter((c) => c.purchases >= 3).length,
      },
      lostDays: 60,
      lost: all.filter((c) => isLost(c, 60)).length,
      revenue,
      revenuePerBuyer: Math.floor(revenue / buyers),
      revenuePerCustomer: Math.floor(revenue / all.length),
    });
    expect(r.body.total).toBe(304);
    expect(r.body.lost).toBeGreaterThan(0);
  });

  it('gives attraction by registration source: buyers, repeat buyers, average check and revenue, days between purchases', async () => {
    const all = await rows();
    const r = await call(s.api, 'GET', '/v1/reports/customers', admin);
    const bySource = new Map<string, Row[]>();
    for (const c of all) bySource.set(c.source ?? '', [...(bySource.get(c.source ?? '') ?? []), c]);
    expect(r.body.sources.map((x: { source: string }) => x.source).sort()).toEqual([...bySource.keys()].sort());
    for (const row of r.body.sources) {
      const cs = bySource.get(row.source)!;
      const b = cs.filter((c) => c.purchases > 0);
      const spent = b.reduce((a, c) => a + Number(c.total_spent), 0);
      const purchases = b.reduce((a, c) => a + c.purchases, 0);
      const rep = cs.filter((c) => c.purchases > 1);
      const days = rep.length === 0 ? null : rep.reduce((a, c) => a + (c.last_purchase_at!.getTime() - c.registered_at.getTime()) / DAY / (c.purchases - 1), 0) / rep.length;
      expect(row).toMatchObject({ customers: cs.length, buyers: b.length, repeatBuyers: rep.length, purchases, averageCheck: Math.floor(spent / purchases), averageRevenue: Math.floor(spent / b.length) });
      if (days === null) expect(row.averageDaysBetween).toBeNull();
      else expect(row.averageDaysBetween).toBeCloseTo(Math.max(0, days), 0);
    }
    // The API's own customers: vk has two registered today, one bought twice (80,000 in two checks).
    const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow' }).format(new Date());
    const fresh = await call(s.api, 'GET', `/v1/reports/customers?from=${today}&to=${today}`, admin);
    expect(fresh.body.sources).toEqual([
      expect.objectContaining({ source: 'till', customers: 2, buyers: 1, repeatBuyers: 0, averageCheck: 10_000 }),
      expect.objectContaining({ source: 'vk', customers: 2, buyers: 2, repeatBuyers: 1, purchases: 3, averageCheck: 33_333, averageRevenue: 50_000 }),
    ]);
  });

  it('pages through lost customers, most recently lost first, each once', async () => {
    const all = await rows();
    const expected = all.filter((c) => isLost(c, 90)).length;
    const seen: string[] = [];
    let after: string | null = null;
    let last = Infinity;
    do {
      const page: { status: number; body: { items: { id: string; lastPurchaseAt: string }[]; next: string | null } } = await call(s.api, 'GET', `/v1/reports/customers/lost?days=90&limit=37${after ? `&after=${after}` : ''}`, admin);
      expect(page.status).toBe(200);
      for (const c of page.body.items) {
        const t = Date.parse(c.lastPurchaseAt);
        expect(t).toBeLessThanOrEqual(last);
        last = t;
        seen.push(c.id);
      }
      after = page.body.next;
    } while (after !== null);
    expect(seen.length).toBe(expected);
    expect(new Set(seen).size).toBe(expected);
  });

  it('gives the workbook and names a bad field', async () => {
    const res = await fetch(`${s.api}/v1/reports/customers?format=xlsx`, { headers: { authorization: `Bearer ${admin}` } });
    expect(res.headers.get('content-type')).toMatch(/spreadsheetml/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.getWorksheet('Клиенты')!.getRow(2).values).toEqual([undefined, 'Клиентов всего', 304]);
    expect(wb.getWorksheet('Потерянные')!.rowCount).toBeGreaterThan(1);
    expect((await call(s.api, 'GET', '/v1/reports/customers?lostDays=0', admin)).body.error.details.field).toBe('lostDays');
    expect((await call(s.api, 'GET', '/v1/reports/customers/lost?after=x', admin)).body.error.details.field).toBe('after');
    expect((await call(s.api, 'GET', '/v1/reports/customers', null)).status).toBe(401);
  });
});
