import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, tenantWithChannel, type TestService } from '../../test/service.ts';
import { nowMoscow, startMoySkladStandIn, type StandIn } from './standin.ts';

// МойСклад end to end: its till's Loyalty API calls shaped exactly like the documentation's
// samples (fixtures/loyalty), and its JSON API webhook answered by a local stand-in fed with the
// documentation's retail sale (fixtures/jsonapi).

const fx = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const MS_CUSTOMER = '276a6f50-7ffd-11e6-8a84-bae50000005';

let s: TestService;
let admin: string;
let token: string;
let standin: StandIn;

async function ms(method: string, path: string, body?: unknown, key: string | null = token, raw?: string) {
  const r = await fetch(`${s.pos}/moysklad/loyalty${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'lognex-discount-api-auth-token': key }) },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : JSON.parse(text) };
}

beforeAll(async () => {
  standin = await startMoySkladStandIn('ms-json-api-token');
  // The stand-in is the one address besides МойСклад's own the service may call (plain http: loopback).
  s = await startTestService({ redis: false, env: { MOYSKLAD_API_HOSTS: `api.moysklad.ru,http://${new URL(standin.url).host}` } });
  ({ admin, key: token } = await tenantWithChannel(s, 'Магазин', 'moysklad'));
});
afterAll(async () => {
  await s?.stop();
  await standin?.close();
});

describe('МойСклад Loyalty API', () => {
  it('registers, finds and reports the balance of a counterparty', async () => {
    const created = await ms('POST', '/counterparty', fx('loyalty/counterparty-create.request.json'));
    expect(created.status).toBe(201);
    // As the till asks since 28-06-2024: with the shop's id.
    const found = await ms('GET', '/counterparty?search=%2B7%20555%20123%204568&retailStoreId=2b5eb22f-139e-11e6-9464-e4de00000073');
    expect(found.status).toBe(200);
    expect(found.body.rows).toHaveLength(1);
    expect(found.body.rows[0]).toMatchObject({ msId: MS_CUSTOMER, phone: '+75551234568', discountCardNumber: 'MTIzNDU2Nzg5MA', sex: 'MALE', birthDate: '2023-07-14 00:00:00' });
    // Our id «в формате GUID», the same at every search, and accepted back in meta.id.
    const guid = found.body.rows[0].id;
    expect(guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await ms('GET', '/counterparty?search=MTIzNDU2Nzg5MA')).body.rows[0].id).toBe(guid);
    const detail = await ms('POST', '/counterparty/detail', fx('loyalty/counterparty-detail.request.json'));
    expect(detail).toEqual({ status: 200, body: { bonusProgram: { agentBonusBalance: 0 } } });
    const byGuid = await ms('POST', '/counterparty/detail', { ...fx('loyalty/counterparty-detail.request.json'), meta: { href: '', id: guid }, phone: null, discountCardNumber: null });
    expect(byGuid).toEqual({ status: 200, body: { bonusProgram: { agentBonusBalance: 0 } } });
    expect((await ms('POST', '/counterparty', fx('loyalty/counterparty-create.request.json'))).status).toBe(201); // again: linked, not refused
  });

  it('recalculates a sale: bonuses to earn, prices in roubles, quantities with 3 decimals', async () => {
    const r = await ms('POST', '/retaildemand/recalc', fx('loyalty/retaildemand-recalc.request.json'));
    expect(r.status).toBe(200);
    // 123.45 ₽ × 123.456 = 15 240.64 ₽; 10% = 1 524.06 → 1 524 whole bonuses.
    expect(r.body.bonusProgram).toMatchObject({ transactionType: 'EARNING', agentBonusBalance: 0, bonusValueToSpend: 0, bonusValueToEarn: 1524, paidByBonusPoints: 0 });
    expect(r.body.positions[0]).toMatchObject({ quantity: 123.456, price: 123.45, discountPercent: 0, discountedPrice: 123.45 });
    expect(r.body.needVerification).toBe(false);
    expect(r.body.bonusProgram.receiptExtraInfo).toContain('Начислено 1524 бонуса');
  });

  it('records a sale once, spends bonuses at the next one (split to the kopeck), takes them back on a return', async () => {
    // The samples are dated 2016; a till sends today's time.
    const sale = { ...fx('loyalty/retaildemand-create.request.json'), moment: nowMoscow(), meta: { href: '', id: 'sale-ms-1' } };
    expect((await ms('POST', '/retaildemand', sale)).status).toBe(201);
    expect((await ms('POST', '/retaildemand', sale)).status).toBe(201); // a retry: recorded once
    const balance = async () => (await ms('POST', '/counterparty/detail', fx('loyalty/counterparty-detail.request.json'))).body.bonusProgram.agentBonusBalance;
    // The sale is closed: recorded as the till priced it. The sample's 49.99% discount (62.95 ₽
    // × 123.456 = 7 771.56 ₽ paid) is kept, and 10% accrues on what was paid with money: the
    // sample's 15.00 ₽ of gift certificates earn nothing (7 756.56 ₽): 775 whole bonuses.
    expect(await balance()).toBe(775);

    const three = { assortment: { meta: { href: 'https://api.moysklad.ru/api/remap/1.2/entity/product/p-3', id: 'p-3' } }, quantity: 3, price: 10 };
    const recalc = await ms('POST', '/retaildemand/recalc', { ...fx('loyalty/retaildemand-recalc.request.json'), positions: [three], bonusProgram: { transactionType: 'SPENDING' }, preferredBonusToSpend: 1 });
    expect(recalc.status).toBe(200);
    expect(recalc.body.bonusProgram).toMatchObject({ bonusValueToSpend: 1, paidByBonusPoints: 1, agentBonusBalance: 775 });
    // 30.00 ₽ − 1.00 = 29.00 ₽ over 3 units: 9.66 + 9.67 + 9.67, as two positions.
    expect(recalc.body.positions.map((p: { quantity: number; discountedPrice: number }) => [p.quantity, p.discountedPrice])).toEqual([
      [1, 9.66],
      [2, 9.67],
    ]);
    const maxed = await ms('POST', '/retaildemand/recalc', { ...fx('loyalty/retaildemand-recalc.request.json'), positions: [three], bonusProgram: { transactionType: 'SPENDING' } });
    expect(maxed.body.bonusProgram.bonusValueToSpend).toBe(15); // 50% of 30 ₽
    // More than the program's cap: the allowed maximum, not an error.
    const capped = await ms('POST', '/retaildemand/recalc', { ...fx('loyalty/retaildemand-recalc.request.json'), positions: [three], bonusProgram: { transactionType: 'SPENDING' }, preferredBonusToSpend: 100 });
    expect([capped.status, capped.body.bonusProgram.bonusValueToSpend, capped.body.bonusProgram.paidByBonusPoints]).toEqual([200, 15, 15]);

    const spend = { ...sale, meta: { href: '', id: 'sale-ms-2' }, positions: [{ ...three, discountPercent: 3.33, discountedPrice: 9.67 }], bonusProgram: { bonusValueToSpend: 1, bonusValueToEarn: 2 }, cashSum: 29, noCashSum: 0, giftCards: [] };
    expect((await ms('POST', '/retaildemand', spend)).status).toBe(201);
    // The recalc answer booked the bonus as a discount (29.01 ₽ at 9.67): the sale is 30.00 ₽ less
    // the 1.00 ₽ of bonuses, not charged them twice; 10% of the 29.00 ₽ paid accrues.
    expect(await balance()).toBe(775 - 1 + 2);

    const ret = { ...fx('loyalty/retailsalesreturn.request.v-f1a9667.json'), moment: nowMoscow(), meta: { href: '', id: 'ret-ms-1' }, demand: { meta: { href: '', id: 'sale-ms-1' } } };
    expect((await ms('POST', '/retailsalesreturn', ret)).status).toBe(201);
    expect(await balance()).toBe(775 - 1 + 2 - 775);
    // More than the balance (1 bonus left, 15 allowed by the cap): the balance, not an error.
    const poor = await ms('POST', '/retaildemand/recalc', { ...fx('loyalty/retaildemand-recalc.request.json'), positions: [three], bonusProgram: { transactionType: 'SPENDING' }, preferredBonusToSpend: 10 });
    expect([poor.status, poor.body.bonusProgram.bonusValueToSpend, poor.body.bonusProgram.agentBonusBalanceAfter]).toEqual([200, 1, 0 + 2]);
  });

  it('the owner’s example: 3 × 10.00 ₽ sold at 9.00, 27.00 ₽ cash, 10%: 2 whole bonuses, and a resend records nothing', async () => {
    const agent = { meta: { href: 'https://api.moysklad.ru/api/remap/1.2/entity/counterparty/9a1e0000-0000-0000-0000-000000000027', id: '9a1e0000-0000-0000-0000-000000000027' }, phone: '+7 916 000-27-27' };
    expect((await ms('POST', '/counterparty', { ...fx('loyalty/counterparty-create.request.json'), ...agent, discountCardNumber: null, name: 'Пример владельца' })).status).toBe(201);
    const positions = [{ assortment: { meta: { href: 'https://api.moysklad.ru/api/remap/1.2/entity/product/p-ex', id: 'p-ex' } }, quantity: 3, price: 10, discountPercent: 10, discountedPrice: 9 }];
    const sale = { ...fx('loyalty/retaildemand-create.request.json'), agent, moment: nowMoscow(), meta: { href: '', id: 'sale-ms-example' }, positions, bonusProgram: { bonusValueToSpend: 0, bonusValueToEarn: 2 }, cashSum: 27, noCashSum: 0, giftCards: [] };
    expect(await ms('POST', '/retaildemand', sale)).toEqual({ status: 201, body: null });
    expect(await ms('POST', '/retaildemand', sale)).toEqual({ status: 201, body: null });
    const detail = await ms('POST', '/counterparty/detail', { ...fx('loyalty/counterparty-detail.request.json'), ...agent });
    // 10% of the 27.00 ₽ paid is 2.70: 2 whole bonuses (not 3, which is 10% of the 30.00 ₽ price).
    expect(detail.body).toEqual({ bonusProgram: { agentBonusBalance: 2 } });
    const customer = (await call(s.pos, 'GET', '/v1/customers?phone=%2B79160002727', admin)).body;
    expect(customer).toMatchObject({ purchases: 1, totalSpent: 2700, balance: { available: 200 } });
  });

  it('prices a recalc at the shop’s local time (the tenant’s zone), not UTC', async () => {
    // Double bonuses in this Moscow hour and the next: never in the UTC hour (3 hours behind).
    const hour = Number(nowMoscow().slice(11, 13));
    const program = { ...SIMPLE_PROGRAM, modifiers: [{ when: { hours: { from: hour, to: Math.min(24, hour + 2) } }, accrualMultiplier: 2 }] };
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Счастливые часы', program });
    const key = (await call(s.api, 'POST', '/v1/keys', t.body.adminKey, { channel: 'moysklad' })).body.key as string;
    expect((await ms('POST', '/counterparty', fx('loyalty/counterparty-create.request.json'), key)).status).toBe(201);
    const three = { assortment: { meta: { href: '', id: 'p-3' } }, quantity: 3, price: 10 };
    const r = await ms('POST', '/retaildemand/recalc', { ...fx('loyalty/retaildemand-recalc.request.json'), positions: [three] }, key);
    expect(r.body.bonusProgram.bonusValueToEarn).toBe(6); // 10% of 30.00 ₽, doubled
  });

  it('answers errors in the protocol’s own form', async () => {
    const bad = await ms('POST', '/retaildemand/recalc', fx('loyalty/retaildemand-recalc.request.json'), 'kp_moysklad_wrong');
    expect(bad.status).toBe(401);
    expect(bad.body.errors[0]).toMatchObject({ code: expect.any(Number), error_message: expect.stringContaining('Ключ доступа') });
    expect((await ms('POST', '/retaildemand/recalc', fx('loyalty/retaildemand-recalc.request.json'), null)).status).toBe(401);
    // The admin key is not a till's key: refused in МойСклад's form (it was accepted before).
    const asAdmin = await ms('POST', '/retaildemand/recalc', fx('loyalty/retaildemand-recalc.request.json'), admin);
    expect(asAdmin.status).toBe(401);
    expect(asAdmin.body.errors[0].error_message).toMatch(/ключ канала «moysklad»/);
    const broken = await ms('POST', '/retaildemand', undefined, token, '{"retailStore": ');
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].error_message).toMatch(/JSON/);
    const nobody = await ms('POST', '/counterparty/detail', { meta: { href: '', id: 'c0ffee00-0000-0000-0000-000000000000' } });
    expect(nobody.status).toBe(404);
    expect(nobody.body.errors[0].error).toMatch(/не участвует/);
    const wrongUnits = await ms('POST', '/retaildemand/recalc', { ...fx('loyalty/retaildemand-recalc.request.json'), positions: [{ assortment: { meta: { id: 'x' } }, quantity: 1, price: 1.005 }] });
    expect([wrongUnits.status, wrongUnits.body.errors[0].parameter]).toEqual([400, 'positions.0.price']);
    const noSms = await ms('POST', '/counterparty/verify', fx('loyalty/counterparty-verify.request.json'));
    expect([noSms.status, noSms.body.errors[0].error_message]).toEqual([412, expect.stringContaining('SMS не настроена')]);
    // No certificates in Kopilka: the documented «не доступен … по любой причине», not an error (was 404).
    const card = await ms('GET', '/giftcard?name=123456&retailStoreId=2b5eb22f-139e-11e6-9464-e4de00000073');
    expect(card).toEqual({ status: 200, body: { name: '123456', id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'INVALID' } });
  });
});

describe('МойСклад closed documents that cannot be applied', () => {
  const review = async (externalId: string) =>
    ((await call(s.api, 'GET', '/v1/review', admin)).body.items as { externalId: string; reasonCode: string; system: string }[]).filter((i) => i.externalId === externalId);

  it('keeps a return that names no sale for review, answered 201 (the till has printed it)', async () => {
    const ret = { ...fx('loyalty/retailsalesreturn.request.v-2c1125a.json'), moment: nowMoscow(), meta: { href: '', id: 'ret-ms-nodemand' } };
    expect(await ms('POST', '/retailsalesreturn', ret)).toEqual({ status: 201, body: null });
    expect(await review('ret-ms-nodemand')).toEqual([expect.objectContaining({ system: 'moysklad', reasonCode: 'CHECK_NOT_FOUND' })]);
    expect((await ms('POST', '/retailsalesreturn', ret)).status).toBe(201); // resent: kept once
    expect(await review('ret-ms-nodemand')).toHaveLength(1);
  });

  it('keeps a return of a product the sale did not have for review, answered 201', async () => {
    const sale = { ...fx('loyalty/retaildemand-create.request.json'), agent: null, moment: nowMoscow(), meta: { href: '', id: 'sale-ms-other' } };
    expect((await ms('POST', '/retaildemand', sale)).status).toBe(201);
    const other = { assortment: { meta: { href: '', id: 'not-sold' } }, quantity: 1, price: 1 };
    const ret = { ...fx('loyalty/retailsalesreturn.request.v-f1a9667.json'), positions: [other], moment: nowMoscow(), meta: { href: '', id: 'ret-ms-other' }, demand: { meta: { href: '', id: 'sale-ms-other' } } };
    expect((await ms('POST', '/retailsalesreturn', ret)).status).toBe(201);
    expect(await review('ret-ms-other')).toEqual([expect.objectContaining({ reasonCode: 'REFUND_EXCEEDS_SALE' })]);
  });

  // These two need the ledger's till-priced commits (queued by the face, not refused).
  it('keeps a return of a sale Kopilka never saw for review, answered 201', async () => {
    const ret = { ...fx('loyalty/retailsalesreturn.request.v-f1a9667.json'), moment: nowMoscow(), meta: { href: '', id: 'ret-ms-unknown' }, demand: { meta: { href: '', id: 'sale-ms-unknown' } } };
    expect(await ms('POST', '/retailsalesreturn', ret)).toEqual({ status: 201, body: null });
    expect(await review('ret-ms-unknown')).toEqual([expect.objectContaining({ reasonCode: 'CHECK_NOT_FOUND' })]);
  });

  it('keeps a sale resent with other contents for review, answered 201; the first one stands', async () => {
    const sale = { ...fx('loyalty/retaildemand-create.request.json'), agent: null, moment: nowMoscow(), meta: { href: '', id: 'sale-ms-changed' } };
    expect((await ms('POST', '/retaildemand', sale)).status).toBe(201);
    const changed = { ...sale, positions: [{ ...sale.positions[0], quantity: 1 }] };
    expect(await ms('POST', '/retaildemand', changed)).toEqual({ status: 201, body: null });
    // The sample's certificates (123456, 1234567) are not Kopilka's: the first sale is recorded and
    // what they paid is kept for review too.
    expect((await review('sale-ms-changed')).map((i) => i.reasonCode).sort()).toEqual(['GIFTCARD_OVERDRAFT', 'IDEMPOTENCY_CONFLICT']);
  });
});

describe('МойСклад JSON API: sync and webhooks', () => {
  it('syncs counterparties and product groups, then records a webhook-announced retail sale once', async () => {
    const set = await call(s.api, 'PUT', '/v1/connectors/moysklad', admin, { apiUrl: standin.url, token: 'ms-json-api-token' });
    expect(set.status).toBe(200);
    expect(set.body.webhookPath).toMatch(/^\/moysklad\/webhook\//);
    standin.counterparties = [
      { id: '8518d001-f504-11e5-8a84-bae50000016a', name: 'Петрова Анна', phone: '8 (916) 555-00-11' },
      { id: '8518d001-0000-0000-0000-000000000002', name: 'Розничный покупатель' },
    ];
    standin.products = [{ id: '60fc3826-00d7-11e6-9464-e4de00000097', name: 'Доставка', folder: 'f-services' }];
    const synced = await call(s.api, 'POST', '/v1/connectors/moysklad/sync', admin);
    expect(synced.body).toEqual({ customers: 1, linked: 0, skipped: 1, products: 1 });

    const event = fx('jsonapi/webhook-event.update.json');
    event.events = [{ ...event.events[0], action: 'CREATE', meta: { type: 'retaildemand', href: `${standin.url}/entity/retaildemand/cdccba00-0563-11e6-9464-e4de00000090` } }];
    const started = Date.now();
    const hook = await call(s.pos, 'POST', `${set.body.webhookPath}?requestId=r-1`, null, event);
    expect(hook.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1500); // МойСклад waits 1.5 s
    const customer = async () => (await call(s.pos, 'GET', '/v1/customers?phone=%2B79165550011', admin)).body;
    for (let i = 0; i < 50 && (await customer()).purchases === 0; i++) await new Promise((r) => setTimeout(r, 100));
    // The sample sale: 17 × 300 kopecks + 1 × 0 = 51.00 ₽, paid by card (kopecks in the JSON API).
    expect(await customer()).toMatchObject({ purchases: 1, totalSpent: 5100, balance: { available: 500 } });
    await call(s.pos, 'POST', `${set.body.webhookPath}?requestId=r-1`, null, event); // МойСклад's retry
    await new Promise((r) => setTimeout(r, 300));
    expect((await customer()).purchases).toBe(1);
    expect(standin.seen.some((x) => x.startsWith('GET /api/remap/1.2/entity/retaildemand/cdccba00'))).toBe(true);
  });

  it('keeps a webhook-announced return of a sale Kopilka never saw for review (no longer skipped)', async () => {
    const set = await call(s.api, 'PUT', '/v1/connectors/moysklad', admin, { apiUrl: standin.url, token: 'ms-json-api-token' });
    standin.returnOf = 'deadbeef-0000-0000-0000-000000000001';
    const id = 'deadbeef-0000-0000-0000-0000000000f1';
    const event = fx('jsonapi/webhook-event.update.json');
    event.events = [{ ...event.events[0], action: 'CREATE', meta: { type: 'retailsalesreturn', href: `${standin.url}/entity/retailsalesreturn/${id}` } }];
    expect((await call(s.pos, 'POST', set.body.webhookPath, null, event)).status).toBe(200);
    const items = async () => ((await call(s.api, 'GET', '/v1/review', admin)).body.items as { externalId: string; reasonCode: string }[]).filter((i) => i.externalId === id);
    for (let i = 0; i < 50 && (await items()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await items()).toEqual([expect.objectContaining({ reasonCode: 'CHECK_NOT_FOUND' })]);
  });

  it('links a till’s return to its sale through the JSON API when the return names the sale by href only', async () => {
    await call(s.api, 'PUT', '/v1/connectors/moysklad', admin, { apiUrl: standin.url, token: 'ms-json-api-token' });
    // A sale the till sent with an empty meta (as in the documentation's sample): recorded by shop, number and time.
    const moment = nowMoscow();
    const sale = { ...fx('loyalty/retaildemand-create.request.json'), agent: null, name: '70001', moment, meta: { href: '', id: '' } };
    expect((await ms('POST', '/retaildemand', sale)).status).toBe(201);
    const id = 'cdccba00-0563-11e6-9464-e4de00000701';
    standin.demands[id] = { name: '70001', moment: `${moment}.000`, retailStore: { meta: { href: `${standin.url}/entity/retailstore/2b5eb22f-139e-11e6-9464-e4de00000073`, type: 'retailstore' } } };
    const href = `https://api.moysklad.ru/api/remap/1.2/entity/retaildemand/${id}`;
    const ret = { ...fx('loyalty/retailsalesreturn.request.v-f1a9667.json'), moment: nowMoscow(), meta: { href: '', id: 'ret-ms-byhref' }, demand: { meta: { href, id: '' } } };
    expect(await ms('POST', '/retailsalesreturn', ret)).toEqual({ status: 201, body: null });
    expect(standin.seen).toContain(`GET /api/remap/1.2/entity/retaildemand/${id}`);
    const items = ((await call(s.api, 'GET', '/v1/review', admin)).body.items as { externalId: string }[]).filter((i) => i.externalId === 'ret-ms-byhref');
    expect(items).toEqual([]); // applied to its sale, not kept for review
    // A sale the JSON API does not know either: still 201, kept for review.
    const lost = { ...ret, meta: { href: '', id: 'ret-ms-lost' }, demand: { meta: { href: 'https://api.moysklad.ru/api/remap/1.2/entity/retaildemand/cdccba00-0563-11e6-9464-e4de00000799', id: '' } } };
    expect(await ms('POST', '/retailsalesreturn', lost)).toEqual({ status: 201, body: null });
    const kept = ((await call(s.api, 'GET', '/v1/review', admin)).body.items as { externalId: string; reasonCode: string }[]).filter((i) => i.externalId === 'ret-ms-lost');
    expect(kept).toEqual([expect.objectContaining({ reasonCode: 'CHECK_NOT_FOUND' })]);
  });

  it('refuses an unknown webhook address and a wrong JSON API token', async () => {
    expect((await call(s.pos, 'POST', '/moysklad/webhook/not-a-secret', null, { events: [] })).status).toBe(404);
    await call(s.api, 'PUT', '/v1/connectors/moysklad', admin, { apiUrl: standin.url, token: 'a-wrong-token!' });
    const r = await call(s.api, 'POST', '/v1/connectors/moysklad/sync', admin);
    expect([r.status, r.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    // The status and МойСклад's own documented error text, nothing else of its body.
    expect(r.body.error.message).toMatch(/^МойСклад ответил: HTTP 401 — Ошибка аутентификации/);
  });
});

describe('МойСклад confirmation codes by SMS (SMS.ru stand-in)', () => {
  it('sends the code the till will compare, and billing counts the SMS', async () => {
    const sent: { to: string; msg: string; apiId: string }[] = [];
    const sms = createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      const to = u.searchParams.get('to')!;
      sent.push({ to, msg: u.searchParams.get('msg')!, apiId: u.searchParams.get('api_id')! });
      // The documented answer (communications/fixtures/smsru-send.response.json), for this number.
      const doc = JSON.parse(readFileSync(new URL('../../communications/fixtures/smsru-send.response.json', import.meta.url), 'utf8'));
      const answer = to === '79990000000' ? { ...doc, sms: { [to]: doc.sms['74993221627'] } } : { ...doc, sms: { [to]: doc.sms['79255070602'] } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => sms.listen(0, '127.0.0.1', r));
    const svc = await startTestService({ redis: false, env: { SMSRU_API_ID: 'test-api-id-123', SMSRU_URL: `http://127.0.0.1:${(sms.address() as { port: number }).port}` } });
    try {
      const t = await call(svc.api, 'POST', '/v1/tenants', OPERATOR, { name: 'С кодами' });
      const key = (await call(svc.api, 'POST', '/v1/keys', t.body.adminKey, { channel: 'moysklad' })).body.key;
      const verify = async (path: string, body: unknown) => {
        const r = await fetch(`${svc.pos}/moysklad/loyalty${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'lognex-discount-api-auth-token': key }, body: JSON.stringify(body) });
        return { status: r.status, body: await r.json() };
      };
      const reg = await verify('/counterparty/verify', { ...fx('loyalty/counterparty-verify.request.json'), phone: '8 916 000-00-77' });
      expect(reg.status).toBe(200);
      expect(reg.body).toMatchObject({ verificationCode: expect.stringMatching(/^\d{4}$/), timeForRepeat: 60, messageForCashier: 'Код отправлен на +7916***0077' });
      expect(sent.at(-1)).toEqual({ to: '79160000077', apiId: 'test-api-id-123', msg: `Код подтверждения регистрации в программе лояльности: ${reg.body.verificationCode}` });

      const c = await call(svc.pos, 'POST', '/v1/customers', t.body.adminKey, { phone: '+79160000078' });
      const spend = await verify('/retaildemand/verify', { retailStore: { meta: { id: 's' } }, counterpartyId: c.body.id });
      expect(spend.status).toBe(200);
      expect(sent.at(-1)!.msg).toContain(spend.body.verificationCode);

      // A registration not confirmed yet: the documented 412/28001 (Kopilka can send the code here).
      const unchecked = { ...fx('loyalty/counterparty-create.request.json'), statusCheck: 'UNCHECKED' };
      expect(await verify('/counterparty', unchecked)).toEqual({ status: 412, body: fx('loyalty/counterparty-create-unchecked.response.json') });
      const checked = await fetch(`${svc.pos}/moysklad/loyalty/counterparty`, { method: 'POST', headers: { 'content-type': 'application/json', 'lognex-discount-api-auth-token': key }, body: JSON.stringify({ ...unchecked, statusCheck: 'CHECKED' }) });
      expect(checked.status).toBe(201);

      const refused = await verify('/counterparty/verify', { meta: { href: 'x' }, phone: '+79990000000' });
      expect(refused.status).toBe(502);
      expect(refused.body.errors[0].error_message).toContain('нельзя отправлять');

      const usage = await call(svc.api, 'GET', '/v1/usage', t.body.adminKey);
      expect(usage.body[0].sms).toEqual({ count: 2, cost: 500, byTopic: { codes: { count: 2, cost: 500 } } });
    } finally {
      await svc.stop();
      await new Promise((r) => sms.close(r));
    }
  });
});
