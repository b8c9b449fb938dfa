import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, type TestService } from '../test/service.ts';

// Bad input over real HTTP (issue 8: 53 inputs answered 5xx). Each is a 400 naming the field, or
// a 404 for an id that cannot exist; none reaches the writer or Postgres as it is.

const now = () => new Date().toISOString().replace('Z', '+00:00');
let n = 0;
const sale = (o: Record<string, unknown> = {}) => ({
  externalId: `bad-${++n}`,
  occurredAt: now(),
  storeId: 'shop-1',
  cashierId: 'ivanova',
  lines: [{ lineNo: 1, productId: 'sku-1', groupId: 'coffee', name: 'Капучино', quantity: 1000, price: 55000, amount: 55000 }],
  payments: [{ type: 'card', amount: 55000 }],
  ...o,
});

describe.each([
  ['in-process', false],
  ['redis', true],
])('bad input answers 4xx naming the field, never 5xx (%s front)', (_label, redis) => {
  let s: TestService;
  let admin: string;
  let cashier: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    s = await startTestService({ redis });
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Кофейня', plan: 'month' });
    admin = t.body.adminKey;
    cashier = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'shop-1' })).body.key;
    for (const channel of ['frontol', 'evotor', 'moysklad', 'onec']) keys[channel] = (await call(s.api, 'POST', '/v1/keys', admin, { channel })).body.key;
  });
  afterAll(async () => {
    await s?.stop();
  });

  const expect400 = (r: { status: number; body: any }, field: string, what: string) =>
    expect([what, r.status, r.body?.error?.code, r.body?.error?.details?.field]).toEqual([what, 400, 'INVALID_INPUT', field]);

  it('NUL and lone surrogates in every text field of a check, and in keys', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['externalId', { externalId: 'a\u0000b' }],
      ['storeId', { storeId: 'shop\u0000' }],
      ['cashierId', { cashierId: '\u0000' }],
      ['coupon', { coupon: 'x\u0000' }],
      ['customer.phone', { customer: { phone: '+7999\u00001234567' } }],
      ['customer.cardNumber', { customer: { cardNumber: 'C\ud800' } }],
      ['lines.0.productId', { lines: [{ lineNo: 1, productId: 'sku\u0000', quantity: 1000, price: 1, amount: 1 }], payments: [] }],
      ['lines.0.name', { lines: [{ lineNo: 1, productId: 'sku', name: 'Кофе\u0000', quantity: 1000, price: 1, amount: 1 }], payments: [] }],
      ['lines.0.groupId', { lines: [{ lineNo: 1, productId: 'sku', groupId: '\udfff', quantity: 1000, price: 1, amount: 1 }], payments: [] }],
      ['payments.0.type', { payments: [{ type: 'card\u0000', amount: 55000 }] }],
      ['externalId', { externalId: 'sale-\ud800' }],
      ['extra.k\u0000'.replace('\u0000', '\\u0000'), { extra: { 'k\u0000': 1 } }],
    ];
    for (const [field, o] of cases) {
      for (const path of ['/v1/checks', '/v1/checks/calculate']) expect400(await call(s.pos, 'POST', path, cashier, sale(o)), field, `${path} ${field}`);
    }
    // Control characters in ids are refused by the Check's schema, tabs and line breaks in a name are kept.
    expect400(await call(s.pos, 'POST', '/v1/checks', cashier, sale({ externalId: 'a\u0007' })), 'externalId', 'BEL in externalId');
    const ok = await call(s.pos, 'POST', '/v1/checks', cashier, sale({ lines: [{ lineNo: 1, productId: 'sku', name: 'Кофе\tбольшой', quantity: 1000, price: 55000, amount: 55000 }] }));
    expect(ok.status).toBe(201);
  });

  it('an identical replay of an accepted id is recognised (no U+FFFD left to break it)', async () => {
    const body = sale({ externalId: 'чек-😀-1' });
    expect((await call(s.pos, 'POST', '/v1/checks', cashier, body)).status).toBe(201);
    expect((await call(s.pos, 'POST', '/v1/checks', cashier, body)).status).toBe(200);
  });

  it('customers and relatives: text and calendar dates', async () => {
    const reg = (o: Record<string, unknown>) => call(s.pos, 'POST', '/v1/customers', cashier, { phone: '+79160000100', ...o });
    expect400(await reg({ name: 'Ив\u0000ан' }), 'name', 'name');
    expect400(await reg({ comment: 'x\ud800' }), 'comment', 'comment');
    expect400(await reg({ relatives: [{ name: '\u0000', birthDate: '2015-01-01' }] }), 'relatives.0.name', 'relative NUL');
    expect400(await reg({ relatives: [{ name: 'Маша\ud800', birthDate: '2015-01-01' }] }), 'relatives.0.name', 'relative surrogate');
    expect400(await reg({ relatives: [{ name: 'Маша', birthDate: '2015-02-30' }] }), 'relatives.0.birthDate', 'relative 30 Feb');
    expect400(await reg({ birthDate: '2026-02-30' }), 'birthDate', 'birthDate 30 Feb');
    expect400(await reg({ cardNumber: 'C\u001b1' }), 'cardNumber', 'ESC in card');
  });

  it('program fields', async () => {
    const level = { code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 10 } };
    const put = (p: Record<string, unknown>) => call(s.api, 'PUT', '/v1/program', admin, { levels: [level], ...p });
    expect400(await put({ levels: [{ ...level, name: 'Баз\u0000' }] }), 'levels.0.name', 'level name NUL');
    expect400(await put({ levels: [{ ...level, code: '\ud800' }] }), 'levels.0.code', 'level code surrogate');
    expect400(await put({ exclusions: { productIds: ['x\u0000'] } }), 'exclusions.productIds.0', 'exclusion NUL');
    expect400(await put({ modifiers: [{ when: { cashierIds: ['a\ud800'] }, accrualPercent: 5 }] }), 'modifiers.0.when.cashierIds.0', 'modifier surrogate');
    expect400(await put({ modifiers: [{ when: { cashierIds: ['a\u0001'] }, accrualPercent: 5 }] }), 'modifiers.0.when.cashierIds.0', 'modifier control');
  });

  it('times: 30 February, 24:00, years out of range, and refunds’ occurredAt', async () => {
    for (const occurredAt of ['2026-02-30T12:00:00+03:00', '2026-11-22T24:00:00+03:00', '2026-11-22T12:00:61+03:00', '+275760-09-13T00:00:00Z', '9999-12-31', '0']) {
      expect400(await call(s.pos, 'POST', '/v1/checks', cashier, sale({ occurredAt })), 'occurredAt', `check ${occurredAt}`);
    }
    const body = sale();
    expect((await call(s.pos, 'POST', '/v1/checks', cashier, body)).status).toBe(201);
    for (const occurredAt of ['+275760-09-13T00:00:00Z', '9999-12-31', '0', '2026-02-30T12:00:00+03:00', '2026-11-22T24:00:00+03:00']) {
      expect400(await call(s.pos, 'POST', `/v1/checks/${body.externalId}/refund`, cashier, { externalId: 'r-bad', occurredAt }), 'occurredAt', `refund ${occurredAt}`);
    }
    const future = await call(s.pos, 'POST', `/v1/checks/${body.externalId}/refund`, cashier, { externalId: 'r-future', occurredAt: '2999-01-01T00:00:00Z' });
    expect([future.status, future.body.error.code]).toEqual([422, 'CHECK_IN_FUTURE']);
    expect((await call(s.pos, 'POST', `/v1/checks/${body.externalId}/refund`, cashier, { externalId: 'r-ok', occurredAt: now() })).status).toBe(201);
  });

  it('ids in paths and queries', async () => {
    expect400(await call(s.pos, 'POST', '/v1/checks/a%00b/refund', cashier, { externalId: 'r-1' }), 'saleExternalId', 'NUL in the sale id path');
    expect400(await call(s.pos, 'GET', '/v1/customers?card=%00', cashier), 'card', 'NUL in ?card');
    for (const id of ['abc', '99999999999999999999999', '1.5', '-1', '0']) {
      const r = await call(s.pos, 'GET', `/v1/customers/${id}`, cashier);
      expect([id, r.status, r.body.error.code]).toEqual([id, 404, 'CUSTOMER_NOT_FOUND']);
      const t = await call(s.pos, 'GET', `/v1/customers/${id}/transactions`, cashier);
      expect([id, t.status, t.body.error.code]).toEqual([id, 404, 'CUSTOMER_NOT_FOUND']);
    }
    const c = await call(s.pos, 'POST', '/v1/customers', cashier, { phone: '+79160000200' });
    expect(c.status).toBe(201);
    for (const before of ['abc', '1.5', '99999999999999999999', '-1', '0', '%00']) {
      const r = await call(s.pos, 'GET', `/v1/customers/${c.body.id}/transactions?before=${before}`, cashier);
      expect400(r, 'before', `before=${before}`);
    }
    expect((await call(s.pos, 'GET', `/v1/customers/${c.body.id}/transactions?before=999999999999999999`, cashier)).status).toBe(200);
  });

  it('billing months out of range', async () => {
    for (const month of ['0000-01', '1999-12', '3000-01', '2026-13', '2026-1']) {
      expect400(await call(s.api, 'GET', `/v1/billing/usage?month=${month}`, OPERATOR), 'month', `month=${month}`);
    }
    expect((await call(s.api, 'GET', '/v1/billing/usage?month=2026-11', OPERATOR)).status).toBe(200);
  });

  it('lines and payments that do not add up', async () => {
    const r = await call(s.pos, 'POST', '/v1/checks', cashier, sale({ payments: [{ type: 'cash', amount: 100 }] }));
    expect400(r, 'payments', 'payments short');
    expect(r.body.error.details).toMatchObject({ paid: 100, toPay: 55000, amount: 55000 });
    expect400(
      await call(s.pos, 'POST', '/v1/checks', cashier, sale({ lines: [{ lineNo: 1, productId: 'a', quantity: 1000, price: 100, amount: 5_000_000 }], payments: [] })),
      'lines.0.amount',
      'amount ≫ price × quantity',
    );
  });

  it('every JSON protocol refuses NUL and lone surrogates at the door, in its own form', async () => {
    const poisoned = { document: 'd\u0000', code: 'x', positions: [{ code: 'a\ud800' }] };
    const attempts: [string, string, Record<string, string>][] = [
      [s.pos, '/frontol/v1/commit', { authorization: `Bearer ${keys.frontol}` }],
      [s.pos, '/evotor/api/v2/receipts', { authorization: `Bearer ${keys.evotor}` }],
      [s.pos, '/moysklad/loyalty/retaildemand', { 'lognex-discount-api-auth-token': keys.moysklad! }],
      [s.api, '/onec/v1/commit', { authorization: `Bearer ${keys.onec}` }],
    ];
    for (const [base, path, headers] of attempts) {
      const res = await fetch(base + path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(poisoned) });
      const text = await res.text();
      expect([path, res.status]).toEqual([path, 400]);
      expect(text).toMatch(/document|NUL|\\u0000/);
    }
  });
});
