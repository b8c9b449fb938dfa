import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, tenantWithChannel, type TestService, until } from '../test/service.ts';
import { smscStandIn, type StandIn } from './standins.ts';

// The owner's API end to end through a running gateway: an SMSC account set per tenant, a
// template edited, a sale that sends the accrual message by itself (the ledger's event → the
// queue → the SMSC stand-in), the message log, billing counting the SMS by topic, and consent.

let s: TestService;
let smsc: StandIn;

beforeAll(async () => {
  smsc = await smscStandIn();
  s = await startTestService({ redis: false, env: { SMSC_URL: smsc.url } });
});
afterAll(async () => {
  await s?.stop();
  await smsc?.close();
});


describe('communications API (admin key)', () => {
  it('a sale sends the accrual SMS through the tenant\'s SMSC with its template; log, usage and consent follow', async () => {
    const { admin, key, tenantId } = await tenantWithChannel(s, 'Пекарня', 'api');
    expect((await call(s.api, 'PUT', '/v1/messages/providers/sms', admin, { provider: 'smsc', login: 'bakery', token: 'psw-123' })).status).toBe(200);
    expect((await call(s.api, 'PUT', '/v1/messages/settings', admin, { quietHours: null, dailyCap: 5, channels: ['sms'] })).status).toBe(200);
    const bad = await call(s.api, 'PUT', '/v1/messages/templates/accrued', admin, { body: 'Начислено {bonus}' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_INPUT']);
    const tpl = await call(s.api, 'PUT', '/v1/messages/templates/accrued', admin, { body: '{name}, +{points} бонусов, баланс {balance}', enabled: true });
    expect(tpl.body).toMatchObject({ event: 'accrued', custom: true });
    await call(s.api, 'PUT', '/v1/messages/templates/customerRegistered', admin, { body: 'Привет', enabled: false });
    const settings = await call(s.api, 'GET', '/v1/messages/settings', admin);
    expect(settings.body.providers).toEqual({ sms: 'smsc', email: null, telegram: null });
    expect(JSON.stringify(settings.body)).not.toContain('psw-123');

    const c = await call(s.pos, 'POST', '/v1/customers', key, { phone: '+79161112233', name: 'Олег' });
    const check = { externalId: 'm-1', occurredAt: new Date().toISOString(), storeId: 's1', customer: { id: c.body.id },
      lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 100000, amount: 100000 }], payments: [{ type: 'card', amount: 100000 }] };
    expect((await call(s.pos, 'POST', '/v1/checks', key, check)).status).toBe(201);

    const sent = await until(async () => (await call(s.api, 'GET', `/v1/messages?customerId=${c.body.id}&status=sent`, admin)).body.messages[0]);
    expect(sent).toMatchObject({ topic: 'accrued', channel: 'sms', provider: 'smsc', address: '+79161112233', text: 'Олег, +100 бонусов, баланс 100', cost: 140 });
    expect(smsc.received.filter((r) => r.to === '79161112233')).toHaveLength(1);
    expect((await call(s.api, 'GET', '/v1/messages?topic=customerRegistered', admin)).body.messages).toHaveLength(0);

    const month = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Moscow' }).slice(0, 7);
    const usage = await call(s.api, 'GET', `/v1/usage?month=${month}`, admin);
    expect(usage.body[0].sms.byTopic.accrued.count).toBe(1);

    const consent = await call(s.api, 'POST', `/v1/customers/${c.body.id}/consents`, admin, { kind: 'advertising', granted: true, textVersion: '2026-11', channel: 'касса' });
    expect(consent.status).toBe(201);
    await call(s.api, 'POST', `/v1/customers/${c.body.id}/consents`, admin, { kind: 'advertising', granted: false, textVersion: '2026-11', channel: 'бот' });
    const list = await call(s.api, 'GET', `/v1/customers/${c.body.id}/consents`, admin);
    expect(list.body.inForce).toEqual({ processing: null, advertising: false });
    const csv = await fetch(`${s.api}/v1/customers/${c.body.id}/consents?format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(3);

    const ad = await call(s.api, 'POST', '/v1/messages', admin, { customerId: c.body.id, text: 'Скидка 20% в пятницу', advertising: true });
    expect(ad.body).toMatchObject({ status: 'skipped', error: expect.stringContaining('нет согласия') });
    const pv = await call(s.api, 'POST', '/v1/messages/campaigns/preview', admin, { segment: { minPurchases: 1 }, text: 'Скидка 20% в пятницу' });
    expect(pv.body).toMatchObject({ customers: 1, withoutConsent: 1, messages: 0, provider: 'smsc' });
    const camp = await call(s.api, 'POST', '/v1/messages/campaigns', admin, { id: 'fri', segment: {}, text: 'Скидка', gift: { points: 50 } });
    expect([camp.status, camp.body]).toEqual([201, { id: 'fri', audience: 0, queued: 0, skipped: 0, alreadyQueued: 0, gifts: 0 }]);
    expect(tenantId).toBeTruthy();
    const doc = await call(s.api, 'GET', '/openapi.json', null);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/messages/templates', '/v1/messages/providers/sms', '/v1/customers/{id}/consents']));
  });
});
