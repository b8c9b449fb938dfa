import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, SIMPLE_PROGRAM, startTestService, tenantWithChannel, type TestService } from '../test/service.ts';

// GET /v1/reports/promotions over HTTP: the admin's JSON and workbook of what each promotion gave
// (the figures themselves: ledger/budgets.test.ts), refused to a till's key and for a bad query.

let s: TestService;
let admin: string;
let key: string;

beforeAll(async () => {
  s = await startTestService({ redis: false });
  ({ admin, key } = await tenantWithChannel(s, 'Кофейня', 'api'));
  const program = { ...SIMPLE_PROGRAM, promotions: [{ id: 'hh', name: 'Счастливые часы', effect: { type: 'percent', percent: 20 }, budget: { uses: 10 } }] };
  expect((await call(s.api, 'PUT', '/v1/program', admin, program)).status).toBe(200);
});
afterAll(async () => {
  await s?.stop();
});

describe('promotions report over HTTP', () => {
  it('answers JSON and XLSX to the admin key only', async () => {
    // The rollup's day is Moscow's: up to tomorrow in UTC.
    const today = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const sale = { externalId: 'pr-1', occurredAt: new Date().toISOString(), lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 50_000, amount: 50_000 }] };
    expect((await call(s.pos, 'POST', '/v1/checks', key, sale)).status).toBe(201);
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const r = await call(s.api, 'GET', `/v1/reports/promotions?from=${from}&to=${today}`, admin);
    expect(r.status).toBe(200);
    expect(r.body.promotions).toEqual([expect.objectContaining({ id: 'hh', name: 'Счастливые часы', checks: 1, discount: 10_000, revenue: 40_000, budgetLeft: { discount: null, uses: 9 } })]);
    const x = await fetch(`${s.api}/v1/reports/promotions?from=${from}&to=${today}&format=xlsx`, { headers: { authorization: `Bearer ${admin}` } });
    expect(x.headers.get('content-type')).toMatch(/spreadsheetml/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await x.arrayBuffer()) as never);
    expect(wb.getWorksheet('Акции')!.getRow(2).values).toEqual([undefined, 'Счастливые часы', 'hh', 1, 0, 100, 400, 400, 0, '', 9]);
    expect((await call(s.api, 'GET', `/v1/reports/promotions?from=${today}&to=${from}`, admin)).status).toBe(400);
    expect((await call(s.api, 'GET', `/v1/reports/promotions?from=${from}&to=${today}&format=pdf`, admin)).status).toBe(400);
    expect((await call(s.api, 'GET', `/v1/reports/promotions?from=${from}&to=${today}`, key)).status).toBeGreaterThanOrEqual(401);
  });
});
