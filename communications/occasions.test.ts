import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, type TestService, until } from '../test/service.ts';
import { sweepReminders } from './reminders.ts';
import { Communications } from './service.ts';
import { smscStandIn, type StandIn } from './standins.ts';

// The occasions the issue listed that had no message, end to end through a running gateway and
// the SMSC stand-in: a referred friend's purchase (referralAccrued, to the referrer, instead of the
// generic gift), pending bonuses becoming spendable (activated, once per sweep and customer), a
// relative's birthday ({relative}); and a campaign preview's cost in kopecks with the price it used.

let s: TestService;
let smsc: StandIn;
let db: pg.Pool;

beforeAll(async () => {
  smsc = await smscStandIn();
  s = await startTestService({ redis: false, env: { SMSC_URL: smsc.url } });
  db = new pg.Pool({ connectionString: s.db.url, max: 2 });
});
afterAll(async () => {
  await db?.end();
  await s?.stop();
  await smsc?.close();
});

const PROGRAM = {
  levels: [{ code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 }],
  activationDays: 7,
  referral: { reward: { type: 'fixed', points: 50000 } },
  timezone: 'Europe/Moscow',
};

const messagesOf = async (admin: string, customerId: string) => (await call(s.api, 'GET', `/v1/messages?customerId=${customerId}`, admin)).body.messages as any[];

describe('messages for referral accruals, activations, relatives\' birthdays; campaign cost', () => {
  it('speaks once per occasion with its template, and prices a campaign', async () => {
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Цветы', program: PROGRAM });
    const admin = t.body.adminKey as string;
    const key = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api' })).body.key as string;
    await call(s.api, 'PUT', '/v1/messages/providers/sms', admin, { provider: 'smsc', login: 'flowers', token: 'psw-1' });
    await call(s.api, 'PUT', '/v1/messages/settings', admin, { quietHours: null, dailyCap: 10, channels: ['sms'] });
    await call(s.api, 'PUT', '/v1/messages/templates/customerRegistered', admin, { body: 'x', enabled: false });
    const templates = (await call(s.api, 'GET', '/v1/messages/templates', admin)).body;
    expect(templates.placeholders).toContain('{relative}');
    expect(templates.templates.filter((x: any) => ['activated', 'referralAccrued', 'relativeBirthday'].includes(x.event)).map((x: any) => [x.event, x.enabled])).toEqual([
      ['activated', true], ['referralAccrued', true], ['relativeBirthday', false],
    ]);

    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Moscow' }).slice(5);
    const relativeDate = today === '02-29' ? '2016-02-29' : `2015-${today}`;
    const referrer = (await call(s.pos, 'POST', '/v1/customers', key, { phone: '+79165550001', name: 'Роман', relatives: [{ name: 'Маша', birthDate: relativeDate }] })).body;
    const friend = (await call(s.pos, 'POST', '/v1/customers', key, { phone: '+79165550002', name: 'Фёдор', referrerCode: referrer.referralCode })).body;
    const sale = { externalId: 'f-1', occurredAt: new Date().toISOString(), storeId: 's1', customer: { id: friend.id },
      lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 50000, amount: 50000 }], payments: [{ type: 'card', amount: 50000 }] };
    expect((await call(s.pos, 'POST', '/v1/checks', key, sale)).status).toBe(201);

    // The referrer hears of the friend's purchase once, as referralAccrued — not as a gift too.
    const ref = await until(async () => (await messagesOf(admin, referrer.id)).find((m) => m.topic === 'referralAccrued'));
    expect(ref.text).toBe('Роман, ваш друг сделал покупку — вам начислено 500 бонусов. Баланс: 0.');
    await until(async () => (await messagesOf(admin, friend.id)).some((m) => m.topic === 'accrued'));
    expect((await messagesOf(admin, referrer.id)).map((m) => m.topic)).toEqual(['referralAccrued']);

    // A week passes for the pending lots (their activation moved back instead of the clock): one message each, once.
    await db.query(`UPDATE lots SET activates_at = now() - interval '1 minute' WHERE tenant_id = $1 AND state = 'pending'`, [t.body.id]);
    expect(await s.app.ledger.sweep()).toBe(2);
    expect(await s.app.ledger.sweep()).toBe(0);
    const act = await until(async () => (await messagesOf(admin, friend.id)).find((m) => m.topic === 'activated'));
    expect(act.text).toBe('Фёдор, 50 бонусов стали доступны для оплаты. Баланс: 50.');
    await until(async () => (await messagesOf(admin, referrer.id)).some((m) => m.topic === 'activated'));
    expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE tenant_id = $1 AND topic = 'activated'`, [t.body.id])).rows[0].n).toBe(2);

    // A relative's birthday, by the hourly sweep (run here by a second, queue-only process): with the relative's name, once a year.
    await call(s.api, 'PUT', '/v1/messages/templates/relativeBirthday', admin, { body: '{name}, у {relative} сегодня день рождения!', enabled: true });
    const queuer = await Communications.start({ ledger: s.app.ledger, sql: s.app.pool, publish: () => {}, log: { info() {}, warn() {} }, smscUrl: smsc.url, delivery: { work: false } });
    try {
      await sweepReminders(queuer);
      await sweepReminders(queuer);
    } finally {
      await queuer.stop();
    }
    const greetings = (await messagesOf(admin, referrer.id)).filter((m) => m.topic === 'relativeBirthday');
    expect(greetings.map((m) => m.text)).toEqual(['Роман, у Маша сегодня день рождения!']);
    await until(async () => smsc.received.some((r) => r.text === 'Роман, у Маша сегодня день рождения!'));

    // Campaign cost: parts × the price of one SMS — the operator's price list while the tenant's SMSC settings name none…
    const text = 'Весенняя распродажа тюльпанов: скидка 20% на все букеты до воскресенья включительно!'; // 85 Cyrillic-bearing characters: 2 parts
    const preview = async (channel = 'sms') => (await call(s.api, 'POST', '/v1/messages/campaigns/preview', admin, { text, channel, advertising: false })).body;
    expect(await preview()).toMatchObject({ customers: 2, messages: 2, smsParts: 4, cost: 4 * 250, smsPrice: { kopecks: 250, source: 'service' } });
    // …and the tenant's own price when its SMS.ru settings give one; e-mail costs nothing.
    await call(s.api, 'PUT', '/v1/messages/providers/sms', admin, { provider: 'smsru', token: 'api-id-12345', price: 390 });
    expect(await preview()).toMatchObject({ smsParts: 4, cost: 4 * 390, smsPrice: { kopecks: 390, source: 'provider' } });
    expect(await preview('email')).toMatchObject({ smsParts: 0, cost: 0, smsPrice: null });
  });
});
