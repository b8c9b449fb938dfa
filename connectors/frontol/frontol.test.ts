import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, tenantWithChannel, type TestService } from '../../test/service.ts';

// Frontol end to end over real HTTP: requests shaped exactly like fixtures/extra (the protocol a
// Frontol script speaks; kopilka.js itself runs in script.test.ts), with only document ids and times changed; the ledger's effect;
// replays; and errors in the protocol's form { ok: false, code, message }.

const fx = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/extra/${name}`, import.meta.url), 'utf8'));
const CARD = '2000000000017';
const PHONE = '+79161234567';

let s: TestService;
let admin: string;
let key: string;
let seq = 0;

async function fr(method: 'GET' | 'POST', path: string, body?: unknown, auth: string | null = `Bearer ${key}`, raw?: string) {
  const r = await fetch(`${s.pos}/frontol/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: r.status, body: JSON.parse(await r.text()) };
}
/** The till's clock, as the sample script writes it. */
function tillNow(): string {
  const d = new Date(Date.now() + 3 * 3600_000 - 60_000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
const commitBody = (o: Record<string, unknown> = {}) => ({ ...fx('commit.request.json'), document: `1-1-12-${++seq}`, dateTime: tillNow(), ...o });
const balance = async () => (await fr('GET', `/balance?card=${CARD}`)).body.customer.balance as string;

beforeAll(async () => {
  s = await startTestService({ redis: false });
  ({ admin, key } = await tenantWithChannel(s, 'Сырная лавка', 'frontol', '1'));
  expect((await call(s.pos, 'POST', '/v1/customers', admin, { phone: PHONE, cardNumber: CARD })).status).toBe(201);
});
afterAll(async () => {
  await s?.stop();
});

describe('Frontol protocol', () => {
  it('calculates the sample document: kopeck-exact sums as strings, accrual per position', async () => {
    const r = await fr('POST', '/calculate', fx('calculate.request.json'));
    expect(r.status).toBe(200);
    const want = fx('calculate.response.json');
    expect(r.body).toMatchObject({ ...want, customer: { ...want.customer, id: expect.any(String) }, message: expect.stringContaining('67') });
  });

  it('commits once (a replay answers the same), spends bonuses split over positions, refunds take them back', async () => {
    const sale = commitBody();
    const first = await fr('POST', '/commit', sale);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, replay: false, total: { toPay: '675.90', accrued: '67.00' } });
    const again = await fr('POST', '/commit', sale);
    expect(again.body).toMatchObject({ ok: true, replay: true, total: first.body.total });
    expect(await balance()).toBe('67.00');

    // The next sale pays with the most bonuses allowed: 50 % of 675.90, but only 67 are there.
    const calc = await fr('POST', '/calculate', { ...fx('calculate.request.json'), bonusPayment: 'max' });
    expect(calc.body.total.bonusPayment).toBe('67.00');
    expect(calc.body.maxBonusPayment).toBe('67.00');
    const parts = calc.body.positions.map((p: { bonusPayment: string }) => Math.round(Number(p.bonusPayment) * 100));
    expect(parts.reduce((a: number, b: number) => a + b, 0)).toBe(6700);
    expect(calc.body.total.toPay).toBe('608.90');
    const paid = commitBody({ bonusPayment: calc.body.total.bonusPayment });
    const c2 = await fr('POST', '/commit', paid);
    expect(c2.body.total).toMatchObject({ bonusPayment: '67.00', toPay: '608.90' });
    const accrued2 = c2.body.total.accrued as string;
    expect(await balance()).toBe(accrued2);

    // A full return of the second sale gives the 67 back and takes its accrual back.
    const ret = { ...fx('refund.request.json'), document: `ret-${++seq}`, saleDocument: paid.document, dateTime: tillNow() };
    delete ret.positions;
    const r = await fr('POST', '/refund', ret);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, replay: false, refund: { sum: '675.90', bonusReturned: '67.00', bonusTakenBack: accrued2 } });
    expect((await fr('POST', '/refund', ret)).body.replay).toBe(true);
    expect(await balance()).toBe('67.00');
  });

  it('refunds the sample return (the cheese, by ware code) of the sample sale', async () => {
    const sale = commitBody({ card: null, phone: '8 (916) 123-45-67' });
    expect((await fr('POST', '/commit', sale)).body.total.accrued).toBe('67.00');
    expect(await balance()).toBe('134.00');
    const ret = { ...fx('refund.request.json'), document: `ret-${++seq}`, saleDocument: sale.document, dateTime: tillNow() };
    const r = await fr('POST', '/refund', ret);
    expect(r.body).toMatchObject({ ok: true, refund: { sum: '425.90', bonusTakenBack: '42.22' } });
    expect(await balance()).toBe('91.78');
    const byPhone = await fr('GET', `/balance?phone=${encodeURIComponent(PHONE)}`);
    expect(byPhone.body).toMatchObject({ ok: true, customer: { balance: '91.78', level: 'Базовый' } });
    // The cheese again: nothing of it is left to return.
    // The till has closed that return: it is kept for review, and the balance is untouched.
    const more = await fr('POST', '/refund', { ...ret, document: `ret-${++seq}` });
    expect(more.status).toBe(200);
    expect(more.body).toMatchObject({ ok: true, review: { reason: expect.any(String) } });
    expect(await balance()).toBe('91.78');
  });

  it('answers errors as { ok: false, code, message } with a status', async () => {
    const malformed = await fr('POST', '/commit', undefined, `Bearer ${key}`, '{"document": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(malformed.body.message).toMatch(/не корректный JSON/);

    for (const auth of ['Bearer kp_frontol_nope', null, `Bearer ${admin}`]) {
      const r = await fr('POST', '/calculate', fx('calculate.request.json'), auth);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    }

    const unknown = await fr('POST', '/calculate', { ...fx('calculate.request.json'), card: 'NO-SUCH' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ ...fx('error.response.json'), message: expect.stringMatching(/Клиент не найден/) });
    expect((await fr('GET', '/balance?card=NO-SUCH')).body.code).toBe('CUSTOMER_NOT_FOUND');

    // Returns of a sale Kopilka never saw: closed at the till, so kept for review, not refused.
    const noSale = await fr('POST', '/refund', { ...fx('refund.request.json'), saleDocument: 'never-sold' });
    expect(noSale.status).toBe(200);
    expect(noSale.body).toMatchObject({ ok: true, review: { id: expect.any(String) } });
    const noSaleFull = await fr('POST', '/refund', { document: 'x-1', saleDocument: 'never-sold' });
    expect(noSaleFull.body).toMatchObject({ ok: true, review: { id: expect.any(String) } });
    const queued = await call(s.api, 'GET', '/v1/review/counts', admin);
    expect(queued.body.byReason.CHECK_NOT_FOUND).toBeGreaterThanOrEqual(2);

    const tooFine = fx('calculate.request.json');
    tooFine.positions[0].price = '1.005';
    const r = await fr('POST', '/calculate', tooFine);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ok: false, code: 'INVALID_INPUT', field: 'positions.0.price' });
    expect(r.body.message).toMatch(/больше 2 знаков после запятой/);

    const { document: _d, ...noDocument } = commitBody();
    expect((await fr('POST', '/commit', noDocument)).body).toMatchObject({ ok: false, code: 'INVALID_INPUT', field: 'document' });
    const conflict = commitBody();
    await fr('POST', '/commit', conflict);
    // The same document number with other content: the till has closed it, so it is kept for review.
    expect((await fr('POST', '/commit', { ...conflict, cashier: 'Петрова' })).body).toMatchObject({ ok: true, review: { reason: expect.any(String) } });
    expect((await call(s.api, 'GET', '/v1/review/counts', admin)).body.byReason.IDEMPOTENCY_CONFLICT).toBe(1);
  });
});
