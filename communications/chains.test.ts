import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, tenantWithChannel, type TestService, until } from '../test/service.ts';
import { smscStandIn, type StandIn } from './standins.ts';

// A reactivation chain end to end through a running gateway and the SMSC stand-in: two sleeping
// customers enter, the active one does not; the message step goes once however often the sweep
// runs; a customer who buys leaves and gets no gift; the results count the return and its revenue.

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


const DAY = 86_400_000;

describe('reactivation chains', () => {
  it('messages the sleeping once, gifts only those still asleep, and counts who came back and their revenue', async () => {
    const { admin, key } = await tenantWithChannel(s, 'Кофейня', 'api');
    await call(s.api, 'PUT', '/v1/messages/providers/sms', admin, { provider: 'smsc', login: 'cafe', token: 'psw-1' });
    await call(s.api, 'PUT', '/v1/messages/settings', admin, { quietHours: null, dailyCap: 5, channels: ['sms'] });
    const customer = async (phone: string, daysAgo: number, n: number) => {
      const c = await call(s.pos, 'POST', '/v1/customers', key, { phone, name: `К${n}` });
      const check = { externalId: `old-${n}`, occurredAt: new Date().toISOString(), storeId: 's1', customer: { id: c.body.id },
        lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 30000, amount: 30000 }], payments: [{ type: 'card', amount: 30000 }] };
      expect((await call(s.pos, 'POST', '/v1/checks', key, check)).status).toBe(201);
      // The till takes no checks from months ago: the customer's history is set back instead.
      await db.query('UPDATE customers SET last_purchase_at = $2 WHERE id = $1', [c.body.id, new Date(Date.now() - daysAgo * DAY)]);
      await call(s.api, 'POST', `/v1/customers/${c.body.id}/consents`, admin, { kind: 'advertising', granted: true, textVersion: '2026-11', channel: 'касса' });
      return c.body.id as string;
    };
    const back = await customer('+79160000001', 90, 1);
    const asleep = await customer('+79160000002', 75, 2);
    const active = await customer('+79160000003', 2, 3);

    const bad = await call(s.api, 'POST', '/v1/chains', admin, { name: 'x', segment: {}, steps: [{ delayDays: 1 }] });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_INPUT']);
    const chain = await call(s.api, 'POST', '/v1/chains', admin, {
      name: 'Спящие 60+', segment: { minDaysWithoutPurchase: 60 },
      steps: [{ delayDays: 0, message: { text: 'Соскучились! Ждём вас в кофейне' } }, { delayDays: 3, gift: { points: 100, ttlDays: 14 } }],
    });
    expect(chain.status).toBe(201);
    const id = chain.body.id as string;
    expect((await call(s.api, 'GET', '/v1/chains', admin)).body.chains.map((c: any) => c.id)).toEqual([id]);

    const first = await call(s.api, 'POST', `/v1/chains/${id}/run`, admin);
    expect(first.body).toMatchObject({ enrolled: 2, steps: 2, messages: 2, gifts: 0 });
    const ours = () => smsc.received.filter((r) => r.text.startsWith('Соскучились'));
    await until(async () => ours().length >= 2);
    expect(ours().map((r) => r.to).sort()).toEqual(['79160000001', '79160000002']);
    expect((await call(s.api, 'POST', `/v1/chains/${id}/run`, admin)).body).toEqual({ enrolled: 0, left: 0, steps: 0, messages: 0, gifts: 0 });
    // A crash after the message was queued but before the participant moved on: the step is redone, the message is not.
    await db.query(`UPDATE chain_participants SET next_step = 0, next_at = now() - interval '1 minute' WHERE chain_id = $1 AND customer_id = $2`, [id, asleep]);
    expect((await call(s.api, 'POST', `/v1/chains/${id}/run`, admin)).body).toMatchObject({ steps: 1, messages: 0 });
    expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE topic = 'chain'`)).rows[0].n).toBe(2);

    const sale = { externalId: 'back-1', occurredAt: new Date().toISOString(), storeId: 's1', customer: { id: back },
      lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 45000, amount: 45000 }], payments: [{ type: 'card', amount: 45000 }] };
    expect((await call(s.pos, 'POST', '/v1/checks', key, sale)).status).toBe(201);
    expect((await call(s.api, 'POST', `/v1/chains/${id}/run`, admin)).body).toMatchObject({ left: 1, steps: 0 });

    // Three days pass for the gift step (its due time moved back instead of the clock).
    await db.query(`UPDATE chain_participants SET next_at = now() - interval '1 minute' WHERE chain_id = $1 AND next_at IS NOT NULL`, [id]);
    expect((await call(s.api, 'POST', `/v1/chains/${id}/run`, admin)).body).toMatchObject({ steps: 1, gifts: 1, messages: 0 });
    expect((await call(s.api, 'POST', `/v1/chains/${id}/run`, admin)).body).toMatchObject({ steps: 0, gifts: 0 });
    const gifts = await db.query('SELECT customer_id::text, gift_points FROM chain_step_log WHERE chain_id = $1 AND step = 1', [id]);
    expect(gifts.rows).toEqual([{ customer_id: asleep, gift_points: '100' }]);
    const balance = async (cid: string) => (await call(s.pos, 'GET', `/v1/customers/${cid}`, key)).body.balance.available;
    expect(await balance(asleep)).toBe(3000 + 100);
    expect(await balance(back)).toBe(3000 + 4500);

    await until(async () => (await call(s.api, 'GET', `/v1/messages?topic=chain&status=sent`, admin)).body.messages.length === 2);
    const r = await call(s.api, 'GET', `/v1/chains/${id}/results`, admin);
    expect(r.body).toMatchObject({
      participants: 2, active: 1, left: { bought: 1 }, messages: { sent: 2 }, gifts: { count: 1, points: 100 },
      returned: { windowDays: 30, customers: 1, revenue: 45000 },
    });
    expect(r.body.smsCost).toBeGreaterThan(0);
    const cost = await db.query(`SELECT sum(cost)::int AS c FROM messages WHERE topic = 'chain'`);
    expect(r.body.smsCost).toBe(cost.rows[0].c);
    expect(active).toBeTruthy();
    expect((await call(s.api, 'GET', '/v1/chains/00000000-0000-0000-0000-000000000000/results', admin)).status).toBe(404);
  });
});
