import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisFront } from '../gateway/front/redis-front.ts';
import { BILLING_TIME_ZONE as LEDGER_BILLING_ZONE } from '../ledger/usage.ts';
import { call, OPERATOR, REDIS_URL, startTestService, type TestService } from '../test/service.ts';
import { reconcileCounters } from './metering.ts';
import { BILLING_TIME_ZONE, billingMonthOf, currentMonth, usageMonth } from './month.ts';
import { price, PRICES } from './prices.ts';

describe('prices', () => {
  it('charges overage checks, SMS by topic, channels at 50% after the first, the wallet plan', () => {
    const m = price({ plan: 'month', checks: 2_600, sms: { birthday: 3, codes: 1 }, channels: 3 });
    expect(m).toMatchObject({ overageChecks: 100, overageCost: 2_500, sms: { count: 4, cost: 1_000, byTopic: { birthday: { count: 3, cost: 750 } } }, subscriptionCost: 360_000 });
    expect(m.total).toBe(360_000 + 2_500 + 1_000);
    expect(price({ plan: 'month', checks: 2_500, sms: {}, channels: 0 })).toMatchObject({ overageChecks: 0, channels: 1, subscriptionCost: PRICES.firstChannel });
    expect(price({ plan: 'wallet', checks: 0, sms: {}, channels: 2 }).subscriptionCost).toBe(150_000 + 90_000);
  });
});

describe('billing months', () => {
  it('are calendar months in Moscow time, the zone the ledger counts in', () => {
    expect(BILLING_TIME_ZONE).toBe(LEDGER_BILLING_ZONE);
    expect(billingMonthOf(Date.parse('2026-11-30T20:59:59.999Z'))).toBe('2026-11');
    expect(billingMonthOf(Date.parse('2026-11-30T21:00:00Z'))).toBe('2026-12'); // midnight in Moscow
    expect(usageMonth('2026-12-31T21:30:00.000Z')).toBe('2027-01');
    expect(usageMonth('2026-12-31T20:30:00.000Z')).toBe('2026-12');
    expect(currentMonth(new Date('2026-02-28T22:00:00Z'))).toBe('2026-03');
  });
});

describe('GET /v1/billing/usage', () => {
  let s: TestService;
  let tenant: string;
  let admin: string;
  const month = currentMonth();
  beforeAll(async () => {
    s = await startTestService({ redis: true });
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Кофейня «Бобы»', plan: 'month' });
    tenant = t.body.id;
    admin = t.body.adminKey;
    const keys = await Promise.all(['cashier', 'evotor'].map(async (channel) => (await call(s.api, 'POST', '/v1/keys', admin, { channel })).body.key as string));
    const at = new Date().toISOString();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(s.pos, 'POST', '/v1/checks', keys[i % 2]!, { externalId: `b-${i}`, occurredAt: at, lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 100, amount: 100 }] }),
      ),
    );
    await call(s.pos, 'POST', '/v1/checks', keys[0]!, { externalId: 'b-0', occurredAt: at, lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 100, amount: 100 }] }); // a replay: not counted
    for (const topic of ['birthday', 'birthday', 'codes']) await call(s.api, 'POST', '/v1/sms/sent', admin, { topic, phone: '+79990000000' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('counts what the ledger holds, per tenant and month', async () => {
    const r = await call(s.api, 'GET', `/v1/billing/usage?month=${month}`, OPERATOR);
    expect(r.status).toBe(200);
    const mine = r.body.find((u: { tenantId: string }) => u.tenantId === tenant);
    const db = await s.db.pool.query("SELECT count(*)::int AS n FROM checks WHERE tenant_id = $1 AND kind = 'sale'", [tenant]);
    expect(mine).toMatchObject({ month, checks: db.rows[0].n, includedChecks: 2500, overageChecks: 0, channels: 2, channelNames: ['cashier', 'evotor'] });
    expect(mine.checks).toBe(30);
    expect(mine.sms).toEqual({ count: 3, cost: 750, byTopic: { birthday: { count: 2, cost: 500 }, codes: { count: 1, cost: 250 } } });
    expect(mine.total).toBe(180_000 + 90_000 + 750);
    expect((await call(s.api, 'GET', '/v1/billing/usage?month=2026-13', OPERATOR)).status).toBe(400);
    expect((await call(s.api, 'GET', '/v1/billing/usage', admin)).status).toBe(401);
    const own = await call(s.api, 'GET', '/v1/usage', admin);
    expect(own.body).toHaveLength(1);
    expect((await call(s.api, 'GET', '/v1/usage', OPERATOR)).status).toBe(401);
  });

  it('refuses what it cannot answer, in Russian', async () => {
    const html = await fetch(`${s.api}/v1/billing/usage?month=${month}`, { headers: { authorization: `Bearer ${OPERATOR}`, accept: 'text/html' } });
    expect(html.status).toBe(400);
    expect(((await html.json()) as { error: { message: string } }).error.message).toContain('Доступные форматы');
    const bad = await call(s.api, 'POST', '/v1/sms/sent', admin, { topic: '', phone: '+79990000000' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^Неверные данные \(SMS\): поле «topic»/);
    expect((await call(s.api, 'POST', '/v1/sms/sent', admin, { topic: 'x', phone: '+79990000000', extra: 1 })).status).toBe(400);
    expect((await call(s.api, 'POST', '/v1/sms/sent', OPERATOR, { topic: 'x', phone: '+79990000000' })).status).toBe(401);
  });

  it('exports CSV and XLSX with the same figures', async () => {
    const csv = await fetch(`${s.api}/v1/billing/usage?month=${month}`, { headers: { authorization: `Bearer ${OPERATOR}`, accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const line = (await csv.text()).split('\r\n').find((l) => l.startsWith(tenant))!;
    expect(line).toContain('"Кофейня «Бобы»"'.replace(/"/g, '') );
    expect(line.split(',')[4]).toBe('30');
    const x = await fetch(`${s.api}/v1/billing/usage?month=${month}`, { headers: { authorization: `Bearer ${OPERATOR}`, accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await x.arrayBuffer()) as never);
    const ws = wb.worksheets[0]!;
    const row = ws.getRows(2, ws.rowCount - 1)!.find((r) => r.getCell(1).value === tenant)!;
    expect(row.getCell(5).value).toBe(30);
    expect(row.getCell(13).value).toBe((180_000 + 90_000 + 750) / 100);
  });

  it('keeps the front counters equal to Postgres, also after Redis loses them', async () => {
    const front = s.app.front;
    const read = async () => Object.values(await front.readCounters(tenant, `${month}:checks:`)).reduce((a, b) => a + b, 0);
    for (let i = 0; i < 50 && (await read()) < 30; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await read()).toBe(30);
    const wipe = await RedisFront.connect({ url: REDIS_URL, prefix: s.redisPrefix });
    await wipe.destroyAll(); // Redis loses everything
    await wipe.close();
    expect(await read()).toBe(0);
    await reconcileCounters(front, s.db.pool, month);
    expect(await read()).toBe(30);
    const r = await call(s.api, 'GET', `/v1/billing/usage?month=${month}`, OPERATOR);
    expect(r.body.find((u: { tenantId: string }) => u.tenantId === tenant).checks).toBe(30);
  });
});
