import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liabilityReport } from '../reports/liability.ts';
import { createClient } from 'redis';
import { frontKeys } from '../gateway/front/keys.ts';
import { call, REDIS_URL, startTestService, tenantWithChannel, type TestService, until } from '../test/service.ts';
import { names } from './erasure.ts';
import { smscStandIn, type StandIn } from './standins.ts';

// Anonymisation on request (152-ФЗ) end to end, through a running gateway with Redis as its front:
// a customer with a sale, a pending grant, messages (one sent, one still queued), consents, a
// Telegram chat, a link to МойСклад, a cabinet session, a service SMS record and reviews. After
// POST /v1/customers/:id/anonymise: no personal data left where it was, bonuses written off by
// postings (balances = postings = 0), the liability report no longer counts them, billing's SMS
// counts unchanged, the phone registers a new customer, a till's resend of the first check still
// gets its first answer, and a second call answers the same and changes nothing.

let s: TestService;
let smsc: StandIn;
let db: pg.Pool;

beforeAll(async () => {
  smsc = await smscStandIn();
  s = await startTestService({ redis: true, env: { SMSC_URL: smsc.url } });
  db = new pg.Pool({ connectionString: s.db.url, max: 2 });
});
afterAll(async () => {
  await db?.end();
  await s?.stop();
  await smsc?.close();
});

const PHONE = '+79167770011';
const count = async (sql: string, params: unknown[]) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

describe('anonymisation on request', () => {
  it('erases the person everywhere, writes off their bonuses, keeps the books, frees the phone; a repeat changes nothing', async () => {
    const { admin, key, tenantId } = await tenantWithChannel(s, 'Аптека', 'api');
    await call(s.api, 'PUT', '/v1/messages/providers/sms', admin, { provider: 'smsc', login: 'pharm', token: 'psw-123' });
    await call(s.api, 'PUT', '/v1/messages/settings', admin, { quietHours: null, dailyCap: 10, channels: ['sms'] });
    for (const event of ['customerRegistered', 'gift']) await call(s.api, 'PUT', `/v1/messages/templates/${event}`, admin, { body: 'x', enabled: false });
    const reg = await call(s.pos, 'POST', '/v1/customers', key, {
      phone: PHONE, cardNumber: 'CARD-5501', name: 'Варвара Крылова', gender: 'female', birthDate: '1990-04-12', email: 'varvara@example.ru',
      address: 'Тверь, ул. Лесная, 5', comment: 'любит скидки', relatives: [{ name: 'Гриша', birthDate: '2015-06-01' }],
    });
    expect(reg.status).toBe(201);
    const id = reg.body.id as string;
    const friend = await call(s.pos, 'POST', '/v1/customers', key, { phone: '+79167770099', referrerCode: reg.body.referralCode });
    const sale = { externalId: 'a-1', occurredAt: new Date().toISOString(), storeId: 's1', customer: { phone: PHONE },
      lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 100000, amount: 100000 }], payments: [{ type: 'card', amount: 100000 }] };
    const first = await call(s.pos, 'POST', '/v1/checks', key, sale);
    expect(first.status).toBe(201);
    expect((await call(s.api, 'POST', `/v1/customers/${id}/grants`, admin, { points: 700, key: 'late', activationDays: 10, reason: 'за отзыв' })).status).toBeLessThan(300);
    await until(async () => (await call(s.api, 'GET', `/v1/messages?customerId=${id}&status=sent`, admin)).body.messages.length >= 1);
    // A message waiting for the end of quiet hours (the whole day) when the request comes.
    await call(s.api, 'PUT', '/v1/messages/settings', admin, { quietHours: { from: '00:00', to: '23:59' }, dailyCap: 10, channels: ['sms'] });
    expect((await call(s.api, 'POST', '/v1/messages', admin, { customerId: id, text: 'Ваш заказ готов', advertising: false })).body.status).toBe('queued');
    await call(s.api, 'POST', '/v1/messages', admin, { customerId: friend.body.id, text: 'Ваш заказ готов', advertising: false });
    await call(s.api, 'POST', `/v1/customers/${id}/consents`, admin, { kind: 'advertising', granted: true, textVersion: '2026-11', channel: 'касса' });
    await call(s.api, 'PUT', `/v1/customers/${id}/telegram`, admin, { chatId: '5550001' });
    await s.app.ledger.linkCustomer(tenantId, 'moysklad', 'agent-guid-1', id);
    await s.app.ledger.openWebSession({ tenantId, role: 'customer', storeId: null, ttlSeconds: 3600, customerId: id });
    await s.app.ledger.recordSms(tenantId, 'codes', PHONE, null);
    const check = (await db.query('SELECT id FROM checks WHERE tenant_id = $1 AND external_id = $2', [tenantId, 'a-1'])).rows[0].id;
    for (const [n, text] of [[1, 'Варвара: всё понравилось'], [2, 'Быстро и вежливо']] as const) {
      await db.query(
        `INSERT INTO feedback (tenant_id, token_hash, customer_id, check_id, store_id, amount, purchased_at, rating, nps, text, created_at)
         VALUES ($1, $2, $3, $4, 's1', 100000, now(), 5, 10, $5, now())`,
        [tenantId, Buffer.from(`tok-${n}`), id, `${check}-${n}`, text],
      );
    }
    // Read once by phone and by id: the process remembers the phone, the front caches the summary.
    expect((await call(s.pos, 'GET', `/v1/customers?phone=${encodeURIComponent(PHONE)}`, key)).body.id).toBe(id);
    expect((await call(s.pos, 'GET', `/v1/customers/${id}`, key)).body.balance).toEqual({ available: 10000, pending: 700 });
    const month = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Moscow' }).slice(0, 7);
    const usage = async () => (await call(s.api, 'GET', `/v1/usage?month=${month}`, admin)).body[0].sms;
    const usageBefore = await usage();
    expect(usageBefore.byTopic.accrued.count).toBe(1);
    expect((await liabilityReport(s.app.ledger, tenantId)).totals.total).toBe(10700 + 0);

    const bad = await call(s.api, 'POST', `/v1/customers/${id}/anonymise`, admin, {});
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_INPUT']);
    expect((await call(s.api, 'POST', '/v1/customers/999999999/anonymise', admin, { reason: 'заявление 17' })).body.error.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await call(s.api, 'POST', `/v1/customers/${id}/anonymise`, key, { reason: 'x' })).status).toBe(401);

    const done = await call(s.api, 'POST', `/v1/customers/${id}/anonymise`, admin, { reason: 'заявление № 17 от 23.11.2026' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      customerId: id, reason: 'заявление № 17 от 23.11.2026',
      cleared: ['phone', 'card_number', 'name', 'gender', 'birth_date', 'email', 'address', 'comment', 'relatives'],
      writtenOff: { available: 10000, pending: 700, postings: 2 }, debt: 0,
      checkRequests: 1, externalLinks: 1, webSessions: 1, smsRecords: 1, referralsUnlinked: 1,
      elsewhere: { messages: 2, contacts: 1, consentsKept: 3, chainStepsStopped: 0, reviewTexts: 1 },
    });

    // No personal data where it was.
    const row = (await db.query('SELECT * FROM customers WHERE tenant_id = $1 AND id = $2', [tenantId, id])).rows[0];
    expect([row.phone, row.card_number, row.name, row.gender, row.birth_date, row.email, row.address, row.comment, row.relatives]).toEqual([null, null, null, null, null, null, null, null, []]);
    expect(row.referral_code).not.toBe(reg.body.referralCode);
    const msgs = (await db.query('SELECT topic, channel, cost, status, address, body, error FROM messages WHERE tenant_id = $1 AND customer_id = $2 ORDER BY created_at', [tenantId, id])).rows;
    expect(msgs.map((m) => [m.topic, m.address, m.body])).toEqual([['accrued', '', ''], ['manual', '', '']]);
    expect(msgs[0]).toMatchObject({ channel: 'sms', status: 'sent', cost: '140' });
    expect(msgs[1]).toMatchObject({ status: 'skipped', error: expect.stringContaining('обезличен') });
    const others = (await db.query('SELECT address, body, status FROM messages WHERE tenant_id = $1 AND customer_id = $2', [tenantId, friend.body.id])).rows;
    expect(others).toEqual([{ address: '+79167770099', body: 'Ваш заказ готов', status: 'queued' }]);
    const everything = JSON.stringify((await db.query('SELECT to_jsonb(c) AS c FROM checks c WHERE tenant_id = $1', [tenantId])).rows);
    expect(everything).not.toContain('79167770011');
    expect(await count('SELECT count(*)::int AS n FROM customer_contacts WHERE tenant_id = $1', [tenantId])).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM external_customers WHERE tenant_id = $1', [tenantId])).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM web_sessions WHERE tenant_id = $1', [tenantId])).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM sms_messages WHERE tenant_id = $1 AND phone <> ''`, [tenantId])).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1 AND referrer_id IS NOT NULL', [tenantId])).toBe(0);
    const reviews = (await db.query('SELECT rating, nps, store_id, amount, text FROM feedback WHERE tenant_id = $1 ORDER BY id', [tenantId])).rows;
    expect(reviews).toEqual([
      { rating: 5, nps: 10, store_id: 's1', amount: '100000', text: null },
      { rating: 5, nps: 10, store_id: 's1', amount: '100000', text: 'Быстро и вежливо' },
    ]);
    const consents = (await call(s.api, 'GET', `/v1/customers/${id}/consents`, admin)).body;
    expect(consents.inForce).toEqual({ processing: false, advertising: false });
    expect(consents.history).toHaveLength(3);

    // The books: every posting kept, the buckets equal their postings, and both are zero.
    const sums = (await db.query(
      `SELECT b, sum(CASE WHEN credit = b THEN amount ELSE -amount END)::bigint AS v FROM postings, unnest(ARRAY['available', 'pending']) b
        WHERE tenant_id = $1 AND customer_id = $2 AND b IN (debit, credit) GROUP BY b ORDER BY b`, [tenantId, id])).rows;
    expect(sums).toEqual([{ b: 'available', v: '0' }, { b: 'pending', v: '0' }]);
    expect([row.available, row.pending]).toEqual(['0', '0']);
    expect(await count(`SELECT count(*)::int AS n FROM postings WHERE tenant_id = $1 AND customer_id = $2 AND kind = 'expiry'`, [tenantId, id])).toBe(2);
    expect(await count('SELECT count(*)::int AS n FROM checks WHERE tenant_id = $1 AND customer_id = $2 AND amount = 100000', [tenantId, id])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM lots WHERE tenant_id = $1 AND customer_id = $2 AND (state <> 'closed' OR expires_at IS NULL OR expires_at > $3)`, [tenantId, id, done.body.anonymisedAt])).toBe(0);
    expect((await liabilityReport(s.app.ledger, tenantId)).totals.total).toBe(0);
    expect(await usage()).toEqual(usageBefore);

    // Caches dropped: the summary by id, the phone the process remembered.
    expect((await call(s.pos, 'GET', `/v1/customers/${id}`, key)).body).toMatchObject({ phone: null, cardNumber: null, balance: { available: 0, pending: 0 } });
    expect((await call(s.pos, 'GET', `/v1/customers?phone=${encodeURIComponent(PHONE)}`, key)).status).toBe(404);
    // Campaigns and chains no longer see them.
    expect((await call(s.api, 'POST', '/v1/messages/campaigns/preview', admin, { segment: { minPurchases: 1 }, text: 'x' })).body.customers).toBe(0);

    // The till resends the first check (a lost answer, the phone in it): the first answer, byte for byte, from the ledger itself.
    const redis = await createClient({ url: REDIS_URL }).connect();
    expect(await redis.del(frontKeys(s.redisPrefix).answer(tenantId, 'api:sale:a-1'))).toBe(1);
    await redis.quit();
    const resent = await call(s.pos, 'POST', '/v1/checks', key, sale);
    expect([resent.status < 300, JSON.stringify(resent.body)]).toEqual([true, JSON.stringify(first.body)]);

    // The phone is free: a new customer with nothing of the old one.
    const again = await call(s.pos, 'POST', '/v1/customers', key, { phone: PHONE });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
    expect(again.body.balance).toEqual({ available: 0, pending: 0 });
    expect((await call(s.pos, 'GET', `/v1/customers?phone=${encodeURIComponent(PHONE)}`, key)).body.id).toBe(again.body.id);

    // A repeat: the same answer, nothing more done.
    const postings = await count('SELECT count(*)::int AS n FROM postings WHERE tenant_id = $1', [tenantId]);
    const repeat = await call(s.api, 'POST', `/v1/customers/${id}/anonymise`, admin, { reason: 'повтор' });
    expect([repeat.status, repeat.body]).toEqual([200, done.body]);
    expect(await count('SELECT count(*)::int AS n FROM postings WHERE tenant_id = $1', [tenantId])).toBe(postings);
    expect(await count('SELECT count(*)::int AS n FROM consents WHERE tenant_id = $1 AND customer_id = $2', [tenantId, id])).toBe(3);
    expect(friend.status).toBe(201);
  });

  it('a return after the anonymisation: bonuses it gives back burn at once, nothing is owed to the nobody', async () => {
    const { admin, key, tenantId } = await tenantWithChannel(s, 'Книги', 'api');
    const c = (await call(s.pos, 'POST', '/v1/customers', key, { phone: '+79167770055', name: 'Лев' })).body;
    const line = (amount: number) => [{ lineNo: 1, productId: 'p', quantity: 1000, price: amount, amount }];
    const at = new Date().toISOString();
    expect((await call(s.pos, 'POST', '/v1/checks', key, { externalId: 'b-1', occurredAt: at, customer: { id: c.id }, lines: line(100000) })).status).toBe(201);
    const paid = await call(s.pos, 'POST', '/v1/checks', key, { externalId: 'b-2', occurredAt: at, customer: { id: c.id }, lines: line(20000), redeem: 5000 });
    expect([paid.status, paid.body.totals.redeemed]).toEqual([201, 5000]);
    expect((await call(s.api, 'POST', `/v1/customers/${c.id}/anonymise`, admin, { reason: 'заявление 18' })).status).toBe(200);
    expect((await call(s.pos, 'POST', '/v1/checks/b-2/refund', key, { externalId: 'r-2', occurredAt: new Date().toISOString() })).status).toBeLessThan(300);
    const row = (await db.query('SELECT available, pending, debt FROM customers WHERE tenant_id = $1 AND id = $2', [tenantId, c.id])).rows[0];
    const sums = (await db.query(
      `SELECT coalesce(sum(CASE WHEN credit = 'available' THEN amount WHEN debit = 'available' THEN -amount END), 0)::bigint AS available,
              coalesce(sum(CASE WHEN credit = 'pending' THEN amount WHEN debit = 'pending' THEN -amount END), 0)::bigint AS pending
         FROM postings WHERE tenant_id = $1 AND customer_id = $2`, [tenantId, c.id])).rows[0];
    expect(sums).toEqual({ available: row.available, pending: row.pending });
    // The 50 bonuses paid came back into their lot and burnt with it; the return's accrual taken back is a debt.
    expect(await count(`SELECT count(*)::int AS n FROM postings WHERE tenant_id = $1 AND customer_id = $2 AND kind = 'return'`, [tenantId, c.id])).toBe(1);
    expect(Number(row.available) + Number(row.debt)).toBe(0);
    expect(row.pending).toBe('0');
    expect((await liabilityReport(s.app.ledger, tenantId)).totals.total).toBe(0);
  });

  it('tells a review that names the person from one that does not', () => {
    const p = { name: 'Варвара Крылова', phone: '+79167770011', email: 'v@example.ru', cardNumber: 'CARD-5501' };
    expect(names('Спасибо, ВАРВАРА довольна', p)).toBe(true);
    expect(names('звоните 8 (916) 777-00-11', p)).toBe(true);
    expect(names('пишите на V@example.ru', p)).toBe(true);
    expect(names('карта CARD-5501 не читалась', p)).toBe(true);
    expect(names('Быстро и вежливо, вар-вар', p)).toBe(false);
    expect(names('Всё хорошо', { name: null, phone: null, email: null, cardNumber: null })).toBe(false);
  });
});
