import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, type TestService } from '../test/service.ts';

// The sales report over HTTP: JSON for the cabinet, CSV and XLSX for people; bad periods and
// formats are the caller's error, said by field.

let s: TestService;
let admin: string;

beforeAll(async () => {
  s = await startTestService({ redis: false });
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Сеть кофеен', program: SIMPLE_PROGRAM });
  admin = t.body.adminKey;
  const key = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'shop-1' })).body.key;
  const at = new Date().toISOString();
  for (const [i, cashier, amount] of [[1, 'anna', 50_000], [2, 'anna', 30_000], [3, 'oleg', 20_000]] as const) {
    const r = await call(s.pos, 'POST', '/v1/checks', key, { externalId: `s${i}`, occurredAt: at, storeId: 'shop-1', cashierId: cashier, customer: { phone: `+7916555000${i}` }, lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: amount, amount }] });
    expect(r.status).toBe(201);
  }
  expect((await call(s.pos, 'POST', '/v1/checks/s3/refund', key, { externalId: 'r3' })).status).toBe(201);
});
afterAll(async () => {
  await s?.stop();
});

describe('GET /v1/reports/sales', () => {
  const today = () => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow' }).format(new Date());

  it('sums the day by cashier, refunds netted, as JSON, CSV and XLSX', async () => {
    const q = `from=${today()}&to=${today()}&period=all&by=cashier`;
    const r = await call(s.api, 'GET', `/v1/reports/sales?${q}`, admin);
    expect(r.status).toBe(200);
    expect(r.body.rows).toEqual([
      expect.objectContaining({ key: 'anna', checks: 2, refunds: 0, revenue: 80_000, averageCheck: 40_000, accrued: 8_000 }),
      expect.objectContaining({ key: 'oleg', checks: 1, refunds: 1, revenue: 0, accrued: 0 }),
    ]);
    const csv = await fetch(`${s.api}/v1/reports/sales?${q}&format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs to read UTF-8
    const text = bytes.toString('utf8');
    expect(text).toMatch(/^\ufeffПериод;Разрез;Чеков/);
    expect(text).toContain(';anna;2;2;0;800;400;0;0;80;0');
    const xlsx = await fetch(`${s.api}/v1/reports/sales?${q}&format=xlsx`, { headers: { authorization: `Bearer ${admin}` } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
    expect(wb.getWorksheet('Продажи')!.getRow(2).getCell(6).value).toBe(800);
  });

  it('refuses a period backwards, a date that is not one and an unknown format, naming the field', async () => {
    const back = await call(s.api, 'GET', '/v1/reports/sales?from=2026-12-01&to=2026-11-01', admin);
    expect([back.status, back.body.error.details.field]).toEqual([400, 'from']);
    expect((await call(s.api, 'GET', '/v1/reports/sales?from=2026-02-30&to=2026-03-01', admin)).body.error.details.field).toBe('from');
    expect((await call(s.api, 'GET', `/v1/reports/sales?from=${today()}&to=${today()}&format=pdf`, admin)).body.error.details.field).toBe('format');
    expect((await call(s.api, 'GET', `/v1/reports/sales?from=${today()}&to=${today()}`, null)).status).toBe(401);
  });
});
