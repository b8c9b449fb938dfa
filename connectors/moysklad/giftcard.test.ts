import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, tenantWithChannel, type TestService } from '../../test/service.ts';
import { nowMoscow } from './standin.ts';

// МойСклад's till and Kopilka's gift certificates: `GET /giftcard?name=` answers a certificate in
// the Loyalty API's documented form (LOY _giftcard.md: status, balances in kopecks, expireDate
// in UTC), and a retail sale's `giftCards[]` (name = the certificate's number, paymentSum in
// kopecks) debits it.

const fx = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const STORE = '2b5eb22f-139e-11e6-9464-e4de00000073';

let s: TestService;
let admin: string;
let token: string;

async function ms(method: string, path: string, body?: unknown) {
  const r = await fetch(`${s.pos}/moysklad/loyalty${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'lognex-discount-api-auth-token': token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : JSON.parse(text) };
}

beforeAll(async () => {
  s = await startTestService({ redis: false });
  ({ admin, key: token } = await tenantWithChannel(s, 'Подарки', 'moysklad'));
});
afterAll(async () => {
  await s?.stop();
});

describe('МойСклад /giftcard', () => {
  it('answers a sold certificate with its balance, and a sale paid with it takes from it', async () => {
    const issued = await call(s.api, 'POST', '/v1/giftcards', admin, { count: 2, nominal: 100_000, validTo: '2027-12-31' });
    expect(issued.status).toBe(201);
    const [code, unsold] = issued.body.codes as string[];
    // Not sold yet: the documented «не доступен … по любой причине».
    expect((await ms('GET', `/giftcard?name=${unsold}&retailStoreId=${STORE}`)).body).toEqual({ name: unsold, id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'INVALID' });
    // Sold at the till (the МойСклад channel's key).
    expect((await call(s.pos, 'POST', `/v1/giftcards/${code}/activate`, token, {})).status).toBe(201);
    const card = await ms('GET', `/giftcard?name=${code}&retailStoreId=${STORE}`);
    expect(card).toEqual({
      status: 200,
      body: { name: code, id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'CAN_BE_USED', expireDate: '2027-12-31 20:59:59', currentBalance: 100_000, initialBalance: 100_000 },
    });
    // A retail sale paid 250,00 ₽ with it (paymentSum in kopecks) and the rest in cash.
    const positions = [{ assortment: { meta: { href: 'https://api.moysklad.ru/api/remap/1.2/entity/product/p-gc', id: 'p-gc' } }, quantity: 1, price: 300, discountPercent: 0, discountedPrice: 300 }];
    const sale = {
      ...fx('loyalty/retaildemand-create.request.json'),
      agent: null,
      moment: nowMoscow(),
      meta: { href: '', id: 'sale-ms-giftcard' },
      positions,
      bonusProgram: { bonusValueToSpend: 0, bonusValueToEarn: 0 },
      cashSum: 50,
      noCashSum: 0,
      giftCards: [{ id: card.body.id, name: code, paymentSum: 25_000 }],
    };
    expect(await ms('POST', '/retaildemand', sale)).toEqual({ status: 201, body: null });
    expect(await ms('POST', '/retaildemand', sale)).toEqual({ status: 201, body: null }); // a resend takes nothing more
    const after = await ms('GET', `/giftcard?name=${code}`);
    expect(after.body).toMatchObject({ status: 'PARTIALLY_REDEEMED', currentBalance: 75_000, initialBalance: 100_000 });
    const history = await call(s.api, 'GET', `/v1/giftcards/${code}`, admin);
    expect(history.body.uses).toEqual([expect.objectContaining({ externalId: 'sale-ms-giftcard', channel: 'moysklad', amount: 25_000 })]);
    // A number Kopilka never issued.
    expect((await ms('GET', '/giftcard?name=123456')).body.status).toBe('INVALID');
  });
});
