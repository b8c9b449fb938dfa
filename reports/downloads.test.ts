import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, type TestService } from '../test/service.ts';

// Over HTTP, through the gateway: the what-if replay (answered at once when it is quick, a job
// otherwise), exports streamed with their row count up front, and the messages report.

let s: TestService;
let admin: string;
let tenantId: string;
const today = () => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow' }).format(new Date());
const get = (path: string) => fetch(`${s.api}${path}`, { headers: { authorization: `Bearer ${admin}` } });

beforeAll(async () => {
  s = await startTestService({ redis: false });
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Булочная', program: SIMPLE_PROGRAM });
  [admin, tenantId] = [t.body.adminKey, t.body.id];
  const key = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'shop-1' })).body.key;
  for (let i = 1; i <= 30; i++) {
    const amount = 10_000 + i * 1_000;
    const r = await call(s.pos, 'POST', '/v1/checks', key, {
      externalId: `s${i}`,
      occurredAt: new Date().toISOString(),
      customer: { phone: `+7916777${String(i % 7).padStart(4, '0')}` },
      lines: [{ lineNo: 1, productId: 'bread', quantity: 1000, price: amount, amount }],
      redeem: i % 3 === 0 ? 'max' : 0,
    });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await s?.stop();
});

describe('POST /v1/reports/replay', () => {
  it('answers a quick replay at once: real and proposed by month, the job kept for GET and Excel', async () => {
    const richer = { ...SIMPLE_PROGRAM, levels: [{ ...SIMPLE_PROGRAM.levels[0]!, accrual: { type: 'percent', percent: 15 } }] };
    const r = await call(s.api, 'POST', '/v1/reports/replay', admin, { program: richer, from: today(), to: today() });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'done', total: 30, processed: 30 });
    const [m] = r.body.result.months;
    expect(m.real.checks).toBe(30);
    expect(m.proposed.accrued).toBeGreaterThan(m.real.accrued);
    expect(m.change.accrued).toBe(m.proposed.accrued - m.real.accrued);
    expect(m.change.liability).toBe(m.proposed.liability - m.real.liability);
    const again = await call(s.api, 'GET', `/v1/reports/replay/${r.body.id}`, admin);
    expect(again.body.result).toEqual(r.body.result);
    const xlsx = await get(`/v1/reports/replay/${r.body.id}?format=xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
    const ws = wb.getWorksheet('Что было бы')!;
    expect(ws.getRow(3).getCell(2).value).toBe('было');
    expect(ws.getRow(3).getCell(3).value).toBe(30);
  });

  it('refuses a program that is not one, a period ahead, and another tenant’s job', async () => {
    const bad = await call(s.api, 'POST', '/v1/reports/replay', admin, { program: { levels: [] }, from: today(), to: today() });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toMatch(/levels/);
    const ahead = await call(s.api, 'POST', '/v1/reports/replay', admin, { program: SIMPLE_PROGRAM, from: '2099-01-01', to: '2099-01-31' });
    expect([ahead.status, ahead.body.error.details.field]).toEqual([400, 'from']);
    const other = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Другая', program: SIMPLE_PROGRAM });
    const mine = await call(s.api, 'POST', '/v1/reports/replay', admin, { program: SIMPLE_PROGRAM, from: today(), to: today() });
    expect((await call(s.api, 'GET', `/v1/reports/replay/${mine.body.id}`, other.body.adminKey)).status).toBe(404);
  });
});

describe('exports, streamed', () => {
  it('sends the client base chunked as it is written, the row count in X-Total-Rows', async () => {
    const res = await get('/v1/exports/customers?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-rows')).toBe('7');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines).toHaveLength(1 + 7);
  });

  it('streams the transactions of a period as XLSX that Excel opens', async () => {
    const res = await get(`/v1/exports/transactions?format=xlsx&from=${today()}`);
    expect(res.headers.get('x-total-rows')).toBe('30');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.getWorksheet('Транзакции')!.rowCount).toBe(31);
  });
});

describe('GET /v1/reports/messages', () => {
  it('counts sent and failed messages with their cost by topic, and SMS recorded without one apart', async () => {
    const seed = (topic: string, channel: string, status: string, cost: number) =>
      s.db.pool.query(`INSERT INTO messages (tenant_id, topic, channel, provider, address, body, cost, status, sent_at) VALUES ($1, $2, $3, 'smsc', '+79160000000', 'текст', $4, $5, CASE WHEN $5 = 'sent' THEN now() END)`, [tenantId, topic, channel, cost, status]);
    await seed('accrued', 'sms', 'sent', 350);
    await seed('accrued', 'sms', 'sent', 350);
    await seed('accrued', 'sms', 'failed', 0);
    await seed('campaign', 'email', 'sent', 0);
    expect((await call(s.api, 'POST', '/v1/sms/sent', admin, { topic: 'code', phone: '+79160000001' })).status).toBe(201);
    const r = await call(s.api, 'GET', `/v1/reports/messages?from=${today()}&to=${today()}&by=topic`, admin);
    expect(r.status).toBe(200);
    expect(r.body.rows).toEqual([
      { key: 'accrued', sent: 2, failed: 1, cost: 700, uncosted: 0 },
      { key: 'campaign', sent: 1, failed: 0, cost: 0, uncosted: 0 },
      { key: 'code', sent: 0, failed: 0, cost: 0, uncosted: 1 },
    ]);
    const byChannel = await call(s.api, 'GET', `/v1/reports/messages?from=${today()}&to=${today()}&by=channel`, admin);
    expect(byChannel.body.rows.map((x: { key: string }) => x.key)).toEqual(['email', 'sms']);
    const csv = await (await get(`/v1/reports/messages?from=${today()}&to=${today()}&format=csv`)).text();
    expect(csv).toContain('accrued;2;1;7;0');
    expect(csv).toContain('Итого;3;1;7;1');
    const bad = await call(s.api, 'GET', `/v1/reports/messages?from=${today()}&to=${today()}&by=store`, admin);
    expect([bad.status, bad.body.error.details.field]).toEqual([400, 'by']);
  });
});
