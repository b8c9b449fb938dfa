import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, tenantWithChannel, type TestService, until } from '../test/service.ts';
import { npsOf } from './feedback.ts';
import { smsRuStandIn, type StandIn } from './standins.ts';

// Feedback end to end through a running gateway and the SMS.ru stand-in: sales → a feedback SMS
// with a personal link → the public page's API → the owner's list and answer (an SMS) → NPS.

const PUBLIC = 'https://shop.kopilka.test';
let s: TestService;
let smsru: StandIn;

beforeAll(async () => {
  smsru = await smsRuStandIn();
  s = await startTestService({ redis: false, env: { SMSRU_URL: smsru.url, PUBLIC_URL: PUBLIC, LOG_LEVEL: 'error' } });
});
afterAll(async () => {
  await s?.stop();
  await smsru?.close();
});


/** The public page's API as the browser calls it (no key; the token is in the path). */
const page = (method: string, token: string, body?: unknown) => call(s.api, method, `/web/api/feedback/${token}`, null, body);
const tokenIn = (text: string) => new RegExp(`^Спасибо за покупку в «Пекарня у дома»! Оцените её, пожалуйста: ${PUBLIC}/feedback/([A-Za-z0-9_-]{32})$`).exec(text)?.[1];

async function sale(key: string, phone: string, externalId: string, storeId: string, amount: number): Promise<void> {
  const c = await call(s.pos, 'POST', '/v1/customers', key, { phone, name: 'Покупатель' });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  const check = { externalId, occurredAt: new Date().toISOString(), storeId, cashierId: 'kassir-7', customer: { id: c.body.id },
    lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: amount, amount }], payments: [{ type: 'card', amount }] };
  const r = await call(s.pos, 'POST', '/v1/checks', key, check);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

describe('NPS arithmetic', () => {
  it('is %promoters − %detractors, rounded; none without answers', () => {
    expect(npsOf({ promoters: 3, passives: 1, detractors: 1 }).nps).toBe(40);
    expect(npsOf({ promoters: 1, passives: 1, detractors: 1 }).nps).toBe(0);
    expect(npsOf({ promoters: 2, passives: 0, detractors: 1 }).nps).toBe(33);
    expect(npsOf({ promoters: 0, passives: 0, detractors: 0 }).nps).toBeNull();
  });
});

describe('feedback and NPS (admin key, public page, SMS.ru stand-in)', () => {
  it('sale → feedback SMS with a link → review once → owner lists and answers (SMS) → NPS 40', async () => {
    const { admin, key } = await tenantWithChannel(s, 'Пекарня у дома', 'api');
    await call(s.api, 'PUT', '/v1/messages/providers/sms', admin, { provider: 'smsru', token: 'api-id-12345678' });
    await call(s.api, 'PUT', '/v1/messages/settings', admin, { quietHours: null, dailyCap: 5, channels: ['sms'] });
    expect((await call(s.api, 'GET', '/v1/feedback/settings', admin)).body).toEqual({ enabled: false, delayMinutes: 120 });
    // Off by default: a sale now asks nothing.
    await sale(key, '+79160000009', 'off-1', 's1', 10000);
    // Its events are read (the accrual SMS is out) before feedback is switched on.
    // (The accrual SMS, not the welcome one: the sale's checkCommitted is handled right after its accrual is queued.)
    await until(async () => smsru.received.find((r) => r.to === '79160000009' && r.text.startsWith('Начислено')));
    expect((await call(s.api, 'PUT', '/v1/feedback/settings', admin, { enabled: true, delayMinutes: 0 })).status).toBe(200);

    const buyers = [
      { phone: '+79160000001', store: 's1', amount: 150000, rating: 5, nps: 10, text: 'Свежий хлеб, вежливый кассир' },
      { phone: '+79160000002', store: 's1', amount: 50000, rating: 5, nps: 9, text: null },
      { phone: '+79160000003', store: 's2', amount: 70000, rating: 4, nps: 9, text: 'Хорошо' },
      { phone: '+79160000004', store: 's2', amount: 30000, rating: 4, nps: 8, text: null },
      { phone: '+79160000005', store: 's2', amount: 20000, rating: 1, nps: 3, text: 'Долго ждал на кассе' },
    ];
    for (const [i, b] of buyers.entries()) await sale(key, b.phone, `chk-${i}`, b.store, b.amount);
    const tokens = await until(async () => {
      const got = buyers.map((b) => smsru.received.find((r) => r.to === b.phone.slice(1) && tokenIn(r.text)));
      return got.every(Boolean) ? got.map((r) => tokenIn(r!.text)!) : null;
    });
    expect(new Set(tokens).size).toBe(5);
    expect(smsru.received.some((r) => r.to === '79160000009' && r.text.includes('/feedback/'))).toBe(false);
    // The stand-in holds the SMS a moment before the worker writes it down as sent.
    const log = await until(async () => {
      const r = await call(s.api, 'GET', '/v1/messages?topic=feedback&status=sent', admin);
      return r.body.messages.length === 5 && r;
    });
    expect(log.body.messages).toHaveLength(5);
    expect(log.body.messages[0]).toMatchObject({ advertising: false, channel: 'sms', provider: 'smsru' });

    const shown = await page('GET', tokens[0]!);
    expect(shown.body).toMatchObject({ shop: 'Пекарня у дома', amount: 150000, left: false });
    expect((await page('POST', tokens[0]!, { rating: 6, nps: 10 })).status).toBe(400);
    for (const [i, b] of buyers.entries()) expect((await page('POST', tokens[i]!, { rating: b.rating, nps: b.nps, text: b.text })).status).toBe(201);
    const again = await page('POST', tokens[0]!, { rating: 1, nps: 0 });
    expect([again.status, again.body.error.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    expect((await page('GET', tokens[0]!)).body).toMatchObject({ left: true, rating: 5, nps: 10 });
    expect((await page('GET', 'A'.repeat(32))).status).toBe(404);

    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Moscow' });
    const all = await call(s.api, 'GET', `/v1/feedback?from=${today}&to=${today}`, admin);
    expect(all.body.reviews).toHaveLength(5);
    const first = all.body.reviews.find((r: any) => r.externalId === 'chk-0');
    expect(first).toMatchObject({ storeId: 's1', cashierId: 'kassir-7', amount: 150000, rating: 5, nps: 10, text: 'Свежий хлеб, вежливый кассир', answer: null });
    expect(first.customerId).toMatch(/^\d+$/);
    expect((await call(s.api, 'GET', '/v1/feedback?storeId=s2', admin)).body.reviews).toHaveLength(3);
    expect((await call(s.api, 'GET', '/v1/feedback?to=2000-01-01', admin)).body.reviews).toHaveLength(0);

    const bad = all.body.reviews.find((r: any) => r.externalId === 'chk-4');
    const answered = await call(s.api, 'POST', `/v1/feedback/${bad.id}/answer`, admin, { text: 'Простите! Открыли вторую кассу.' });
    expect(answered.status).toBe(201);
    expect(answered.body.message).toMatchObject({ topic: 'feedback-answer', advertising: false });
    await until(async () => smsru.received.find((r) => r.to === '79160000005' && r.text === '«Пекарня у дома» отвечает на ваш отзыв: Простите! Открыли вторую кассу.'));
    expect((await call(s.api, 'POST', `/v1/feedback/${bad.id}/answer`, admin, { text: 'ещё' })).status).toBe(409);
    expect((await page('GET', tokens[4]!)).body.answer).toBe('Простите! Открыли вторую кассу.');

    const nps = await call(s.api, 'GET', `/v1/feedback/nps?from=${today}&to=${today}&by=store`, admin);
    expect(nps.body.total).toEqual({ responses: 5, promoters: 3, passives: 1, detractors: 1, nps: 40 });
    expect(nps.body.stores).toEqual([
      { storeId: 's1', responses: 2, promoters: 2, passives: 0, detractors: 0, nps: 100 },
      { storeId: 's2', responses: 3, promoters: 1, passives: 1, detractors: 1, nps: 0 },
    ]);
  });

  it('with a delay the request waits (quiet hours apply at that time); guessed tokens are rate-limited', async () => {
    const { admin, key } = await tenantWithChannel(s, 'Пекарня у дома', 'api');
    await call(s.api, 'PUT', '/v1/messages/providers/sms', admin, { provider: 'smsru', token: 'api-id-12345678' });
    await call(s.api, 'PUT', '/v1/messages/settings', admin, { quietHours: null, dailyCap: 5, channels: ['sms'] });
    await call(s.api, 'PUT', '/v1/feedback/settings', admin, { enabled: true, delayMinutes: 120 });
    const before = Date.now();
    await sale(key, '+79160000011', 'late-1', 's1', 10000);
    const m = await until(async () => (await call(s.api, 'GET', '/v1/messages?topic=feedback', admin)).body.messages[0]);
    expect(m.status).toBe('queued');
    expect(Date.parse(m.sendAfter) - before).toBeGreaterThan(119 * 60_000);
    expect(Date.parse(m.sendAfter) - before).toBeLessThan(122 * 60_000);

    const tries = await Promise.all(Array.from({ length: 80 }, (_, i) => page('GET', `${'B'.repeat(28)}${String(1000 + i)}`)));
    expect(tries.some((r) => r.status === 429)).toBe(true);
  });
});
