import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, SIMPLE_PROGRAM, startTestService, tenantWithChannel, type TestService } from '../../test/service.ts';

// Эвотор as a cloud app, end to end over real HTTP against real Postgres: the lifecycle the cloud
// drives (user create / verify / token, installation and subscription events — the owner's schemas
// in fixtures/lifecycle/), the owner's terminal documents (fixtures/pos-docs/, published as JSON
// with comments) through the documents webhook with the user token we returned, and the terminal
// app's server API (price, confirm, cancel an open receipt).

const APP_TOKEN = 'evotor-app-token-0123456789abcdef';
const BASIC = 'evotor:app-password-1234';
const STORE = '20170928-3176-40EB-80E2-A11F032E282A';

/** The owner's pos-docs are JSON with `//` comments and trailing commas: strip those, change nothing else. */
export function ownerJson(text: string): any {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}
const fx = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const owner = (name: string) => ownerJson(fx(`pos-docs/${name}`));
const lifecycle = (name: string) => JSON.parse(fx(`lifecycle/${name}`));
const nowUtc = () => new Date().toISOString().replace('Z', '+0000');
/** A fresh Evotor user id in the documented form 01-000000000000001. */
const newUser = () => `01-${String(Math.floor(Math.random() * 1e15)).padStart(15, '0')}`;

let s: TestService;

async function post(path: string, body: unknown, auth: string | null, method = 'POST', raw?: string) {
  const r = await fetch(`${s.pos}/evotor${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) },
    body: raw ?? JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, text, body: text === '' ? null : JSON.parse(text) };
}
const app = `Bearer ${APP_TOKEN}`;
const documents = (docs: unknown[], token: string) => post(`/api/v1/inventories/stores/${STORE}/documents`, docs, `Bearer ${token}`, 'PUT');
const recorded = async (tenantId: string, kind: string, id: string) =>
  Number((await s.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM checks WHERE tenant_id = $1 AND kind = $2 AND external_id = $3', [tenantId, kind, id])).rows[0]!.n);
const balance = async (admin: string, phone: string) => (await call(s.pos, 'GET', `/v1/customers?phone=${encodeURIComponent(phone)}`, admin)).body.balance?.available as number;
const revoked = async (token: string) => {
  const { secretHash } = await import('../../ledger/index.ts');
  return (await s.db.pool.query('SELECT revoked_at FROM api_keys WHERE key_hash = $1', [secretHash(token)])).rows[0]!.revoked_at !== null;
};

/** A tenant signed in from Evotor with its admin key: the user token the cloud will send. */
async function verified(user = newUser()) {
  const t = await tenantWithChannel(s, 'Магазин Эвотор', 'evotor');
  const r = await post('/api/v1/user/verify', { ...lifecycle('verify.request.json'), userId: user, password: t.admin }, app);
  expect(r.status).toBe(200);
  return { ...t, user, token: r.body.token as string, reply: r.body };
}

/** The owner's SELL and PAYBACK with fresh ids and today's date; nothing else changed unless asked. */
function ownerSale(phone?: string) {
  const d = owner('02-SELL.json');
  d.uuid = randomUUID();
  d.closeDate = nowUtc();
  if (phone) d.transactions.find((t: any) => t.type === 'DISCOUNT_DOCUMENT').clientPhone = phone;
  return d;
}
function ownerPayback(baseId: string) {
  const d = owner('03-PAYBACK.json');
  d.uuid = randomUUID();
  d.closeDate = nowUtc();
  d.transactions.find((t: any) => t.type === 'DOCUMENT_OPEN').baseDocumentUUID = baseId;
  return d;
}

beforeAll(async () => {
  s = await startTestService({ redis: false, env: { EVOTOR_APP_TOKEN: APP_TOKEN, EVOTOR_APP_BASIC: BASIC } });
});
afterAll(async () => {
  await s?.stop();
});

describe('Evotor cloud app: user create / verify / token', () => {
  it('verify signs in to an existing tenant by its admin key and answers {userId, userUuid, hasBilling, token}', async () => {
    const v = await verified();
    expect(v.reply).toEqual({ userId: v.user, userUuid: v.user, hasBilling: true, token: expect.stringMatching(/^[a-zA-Z0-9_=-]{1,128}$/) });
    // The token is a key of the tenant's evotor channel: the owner's SELL is recorded with it.
    const sale = ownerSale();
    expect(await documents([sale], v.token)).toMatchObject({ status: 200, text: '' });
    expect(await recorded(v.tenantId, 'sale', sale.uuid)).toBe(1);
  });

  it('a second verify gives a new token and revokes the old one', async () => {
    const v = await verified();
    const again = await post('/api/v1/user/verify', { userId: v.user, password: v.admin }, app);
    expect(again.status).toBe(200);
    expect(again.body.token).not.toBe(v.token);
    expect(await revoked(v.token)).toBe(true);
    expect(await revoked(again.body.token)).toBe(false);
  });

  it('create makes a new tenant (Evotor bills: hasBilling false); a resent create keeps that tenant', async () => {
    const user = newUser();
    const r = await post('/api/v1/user/create', { ...lifecycle('create.request.json'), userId: user }, app);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ userId: user, userUuid: user, hasBilling: false });
    const tenantOf = async (token: string) => (await s.db.pool.query('SELECT tenant_id FROM api_keys WHERE key_hash = $1', [(await import('../../ledger/index.ts')).secretHash(token)])).rows[0]!.tenant_id as string;
    const tenantId = await tenantOf(r.body.token);
    const again = await post('/api/v1/user/create', { userId: user }, `Basic ${Buffer.from(BASIC).toString('base64')}`);
    expect(again.status).toBe(200);
    expect(await tenantOf(again.body.token)).toBe(tenantId);
    await s.app.ledger.setProgram(tenantId, SIMPLE_PROGRAM);
    const sale = ownerSale('+79161112233');
    expect((await documents([sale], again.body.token)).status).toBe(200);
    expect(await recorded(tenantId, 'sale', sale.uuid)).toBe(1);
  });

  it('refuses in Evotor’s codes: wrong app token 401/1001, wrong admin key 401/1006, no userId 400/2002, bad JSON 400/2001', async () => {
    const wrongApp = await post('/api/v1/user/create', { userId: newUser() }, 'Bearer not-the-app-token');
    expect(wrongApp.status).toBe(401);
    expect(wrongApp.body.errors[0]).toMatchObject({ code: 1001, reason: 'unauthorized' });
    expect((await post('/api/v1/user/verify', { userId: newUser(), password: 'x' }, null)).body.errors[0].code).toBe(1001);
    const wrongKey = await post('/api/v1/user/verify', lifecycle('verify.request.json'), app);
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body.errors[0]).toMatchObject({ code: 1006, reason: 'credentials', subject: 'password' });
    const noUser = await post('/api/v1/user/create', { customField: 'x' }, app);
    expect(noUser.status).toBe(400);
    expect(noUser.body.errors[0]).toMatchObject({ code: 2002, reason: 'missing', subject: 'userId' });
    const badId = await post('/api/v1/user/create', { userId: 'someone' }, app);
    expect(badId.body.errors[0]).toMatchObject({ code: 2003, reason: 'incorrect', subject: 'userId' });
    const syntax = await post('/api/v1/user/token', null, app, 'POST', '{"userId": ');
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors[0]).toMatchObject({ code: 2001, reason: 'syntax' });
    expect(typeof syntax.body.errors[0].message).toBe('string');
  });

  it('keeps the cloud token from /user/token sealed (it may come before the user is linked)', async () => {
    const body = lifecycle('token.request.json');
    const user = newUser();
    expect(await post('/api/v1/user/token', { ...body, userId: user }, app)).toMatchObject({ status: 200, text: '' });
    const row = (await s.db.pool.query('SELECT cloud_token FROM evotor_users WHERE user_id = $1', [user])).rows[0]!.cloud_token as string;
    expect(row.startsWith('v1:')).toBe(true);
    expect(row).not.toContain(body.token);
    expect((await s.app.ledger.evotorUser(user))!.cloudToken).toBe(body.token);
  });
});

describe('Evotor cloud app: installation and subscription events', () => {
  it('records ApplicationInstalled; ApplicationUninstalled revokes the user token; resends answer 200', async () => {
    const v = await verified();
    const installed = { ...lifecycle('installed.event.json'), id: randomUUID(), data: { ...lifecycle('installed.event.json').data, userId: v.user } };
    expect(await post('/api/v2/installation/event', installed, `Bearer ${v.token}`)).toMatchObject({ status: 200, text: '' });
    expect((await s.app.ledger.evotorUser(v.user))!.status).toBe('installed');
    const gone = { ...lifecycle('uninstalled.event.json'), id: randomUUID(), data: { ...lifecycle('uninstalled.event.json').data, userId: v.user } };
    expect((await post('/api/v2/installation/event', gone, `Bearer ${v.token}`)).status).toBe(200);
    expect(await revoked(v.token)).toBe(true);
    expect((await s.app.ledger.evotorUser(v.user))!.status).toBe('uninstalled');
    // The cloud retries for three days until 200: the same event, and late ones, still get 200.
    expect((await post('/api/v2/installation/event', gone, `Bearer ${v.token}`)).status).toBe(200);
    const n = (await s.db.pool.query('SELECT count(*)::int AS n FROM evotor_events WHERE user_id = $1', [v.user])).rows[0]!.n;
    expect(n).toBe(2);
    // The terminal API tells the app its token is no longer valid: 401 / 1003.
    const t = await post('/terminal/v1/customer', { phone: '+79160000001' }, `Bearer ${v.token}`);
    expect(t.status).toBe(401);
    expect(t.body.errors[0]).toMatchObject({ code: 1003, reason: 'expired' });
  });

  it('records a subscription event once; another user’s event with this token is 401 / 1002', async () => {
    const v = await verified();
    const e = { ...lifecycle('subscription-created.event.json'), subscriptionId: randomUUID(), userId: v.user };
    expect((await post('/api/v1/subscription/event', e, `Bearer ${v.token}`)).status).toBe(200);
    expect((await post('/api/v1/subscription/event', e, `Bearer ${v.token}`)).status).toBe(200);
    expect((await s.app.ledger.evotorUser(v.user))!.subscription).toBe('SubscriptionCreated');
    const foreign = await post('/api/v1/subscription/event', { ...e, userId: newUser() }, `Bearer ${v.token}`);
    expect(foreign.status).toBe(401);
    expect(foreign.body.errors[0].code).toBe(1002);
    expect((await post('/api/v1/subscription/event', e, 'Bearer unknown-token')).body.errors[0].code).toBe(1002);
  });
});

describe('Evotor documents webhook: the owner’s terminal format (pos-docs)', () => {
  it('records the owner SELL as the till priced it, with the customer from DISCOUNT_DOCUMENT.clientPhone, once; its PAYBACK takes the bonuses back', async () => {
    const v = await verified();
    const phone = '+79876543210';
    const sale = ownerSale(phone);
    expect(await documents([sale], v.token)).toMatchObject({ status: 200, text: '' });
    expect(await documents([sale], v.token)).toMatchObject({ status: 200, text: '' });
    expect(await recorded(v.tenantId, 'sale', sale.uuid)).toBe(1);
    // REGISTER_POSITION.resultSum 3548.00 ₽ paid → 10 % = 354.80 → 354 whole bonuses.
    expect(await balance(v.admin, phone)).toBe(35400);
    const req = (await s.db.pool.query('SELECT request FROM checks WHERE tenant_id = $1 AND external_id = $2', [v.tenantId, sale.uuid])).rows[0]!.request;
    expect(req).toMatchObject({ pricedBy: 'till', lines: [{ productId: '74e99680-3f9b-4abe-b902-fe197cf28ed2', quantity: 1000, price: 354800, amount: 354800 }] });

    const ret = ownerPayback(sale.uuid);
    expect(await documents([ret], v.token)).toMatchObject({ status: 200, text: '' });
    expect(await documents([ret], v.token)).toMatchObject({ status: 200, text: '' });
    expect(await recorded(v.tenantId, 'refund', ret.uuid)).toBe(1);
    expect(await balance(v.admin, phone)).toBe(0);
  });

  it('answers the owner samples exactly as published with 200: OPEN_SESSION is skipped, the 2016 SELL and its PAYBACK are kept for review', async () => {
    const v = await verified();
    const published = [owner('07-OPEN_SESSION.json'), owner('02-SELL.json'), owner('03-PAYBACK.json')];
    expect(await documents(published, v.token)).toMatchObject({ status: 200, text: '' });
    const review = (await call(s.api, 'GET', '/v1/review', v.admin)).body.items as { externalId: string }[];
    // Published with a 2016 date: the SELL is too old to record and is kept for review; its PAYBACK then finds no recorded sale.
    const reason = (id: string) => (review as { externalId: string; reasonCode: string }[]).filter((i) => i.externalId === id).map((i) => i.reasonCode);
    expect(reason('175d8ae9-79db-4588-a65a-8f0613e2d0ff')).toEqual(['CHECK_TOO_OLD']);
    expect(reason('3a29586a-d809-49fc-b625-a51dfc40edf2')).toEqual(['CHECK_NOT_FOUND']);
    expect(await recorded(v.tenantId, 'sale', '2a1fc216-c23d-43aa-b3a5-51646c2a03cc')).toBe(0);
  });

  it('keeps a PAYBACK of a sale the program never saw for review, answered 200', async () => {
    const v = await verified();
    const ret = ownerPayback(randomUUID());
    expect(await documents([ret], v.token)).toMatchObject({ status: 200, text: '' });
    expect(await recorded(v.tenantId, 'refund', ret.uuid)).toBe(0);
    const items = (await call(s.api, 'GET', '/v1/review', v.admin)).body.items as { externalId: string; reasonCode: string }[];
    expect(items.filter((i) => i.externalId === ret.uuid)).toEqual([expect.objectContaining({ reasonCode: 'CHECK_NOT_FOUND' })]);
  });

  it('refuses a REGISTER_POSITION without a quantity with 400 / 2002 naming the transaction', async () => {
    const v = await verified();
    const sale = ownerSale();
    delete sale.transactions[1].quantity;
    const r = await documents([sale], v.token);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ code: 2002, subject: 'transactions.1.quantity' });
  });

  it('takes the REST shape with negative quantities and sums on a PAYBACK (absolute values)', async () => {
    const v = await verified();
    const phone = '+79876543211';
    const sale = { ...JSON.parse(fx('extra/sell.document.json')), id: randomUUID(), close_date: nowUtc() };
    sale.body = { ...sale.body, customer_phone: 79876543211 };
    expect((await documents([sale], v.token)).status).toBe(200);
    expect(await balance(v.admin, phone)).toBe(100);
    const d = JSON.parse(fx('cloud-documents/payback.document.json'));
    const p = d.body.positions[0].position;
    const neg = (x: number) => -Math.abs(x);
    const ret = {
      ...d,
      id: randomUUID(),
      close_date: nowUtc(),
      body: { ...d.body, base_document_id: sale.id, positions: [{ position: { ...p, quantity: neg(p.quantity), sum: neg(p.sum), result_sum: neg(p.result_sum) } }] },
    };
    expect(await documents([ret], v.token)).toMatchObject({ status: 200, text: '' });
    expect(await recorded(v.tenantId, 'refund', ret.id)).toBe(1);
    expect(await balance(v.admin, phone)).toBe(0);
  });
});

describe('Evotor terminal API (what a terminal app would call)', () => {
  it('finds a customer, prices an open receipt, confirms it with bonuses; the cloud’s later document is the same sale', async () => {
    const v = await verified();
    const phone = '+79990007788';
    expect((await call(s.pos, 'POST', '/v1/customers', v.admin, { phone, cardNumber: 'EV-CARD-1' })).status).toBe(201);
    const auth = `Bearer ${v.token}`;
    // Earn 100 ₽ of bonuses first (a 1000 ₽ sale, 10 %).
    const first = { receiptUuid: randomUUID(), customer: { card: 'EV-CARD-1' }, positions: [{ uuid: 'p-1', quantity: 1, price: 1000 }] };
    expect((await post('/terminal/v1/receipt/confirm', first, auth)).status).toBe(200);
    const found = await post('/terminal/v1/customer', { card: 'EV-CARD-1' }, auth);
    expect(found).toMatchObject({ status: 200, body: { phone, bonuses: 100 } });

    const receipt = { receiptUuid: randomUUID(), customer: { phone }, positions: [{ uuid: 'p-2', quantity: 2, price: 150 }], redeem: 50 };
    const price = await post('/terminal/v1/receipt/price', receipt, auth);
    expect(price.body).toMatchObject({ status: 'calculated', total: 300, redeemed: 50, toPay: 250, maxRedeem: 100, positions: [{ uuid: 'p-2', discount: 50 }] });
    expect((await post('/terminal/v1/customer', { phone }, auth)).body.bonuses).toBe(100); // nothing recorded by price
    const done = await post('/terminal/v1/receipt/confirm', receipt, auth);
    expect(done.body).toMatchObject({ status: 'committed', redeemed: 50, toPay: 250 });
    expect((await post('/terminal/v1/receipt/confirm', receipt, auth)).status).toBe(200); // resend: same answer
    expect((await post('/terminal/v1/customer', { phone }, auth)).body.bonuses).toBe(75); // 100 − 50 + 25

    // The fiscal record arrives by the documents webhook: the same receipt uuid, 250 ₽ paid.
    const doc = ownerSale();
    doc.uuid = receipt.receiptUuid;
    const pos = doc.transactions.find((t: any) => t.type === 'REGISTER_POSITION');
    Object.assign(pos, { commodityUuid: 'p-2', quantity: 2, price: 150, resultPrice: 125, sum: 300, resultSum: 250 });
    expect(await documents([doc], v.token)).toMatchObject({ status: 200, text: '' });
    expect(await recorded(v.tenantId, 'sale', receipt.receiptUuid)).toBe(1);
    const items = (await call(s.api, 'GET', '/v1/review', v.admin)).body.items as { externalId: string }[];
    expect(items.filter((i) => i.externalId === receipt.receiptUuid)).toEqual([]);
    expect((await post('/terminal/v1/customer', { phone }, auth)).body.bonuses).toBe(75);
  });

  it('cancels a confirmed receipt the till did not close: the bonuses paid come back', async () => {
    const v = await verified();
    const phone = '+79990007799';
    const auth = `Bearer ${v.token}`;
    await post('/terminal/v1/receipt/confirm', { receiptUuid: randomUUID(), customer: { phone }, positions: [{ uuid: 'x', quantity: 1, price: 1000 }] }, auth);
    const r = { receiptUuid: randomUUID(), customer: { phone }, positions: [{ uuid: 'y', quantity: 1, price: 100 }], redeem: 'max' };
    expect((await post('/terminal/v1/receipt/confirm', r, auth)).body.redeemed).toBe(50);
    expect((await post('/terminal/v1/customer', { phone }, auth)).body.bonuses).toBe(55); // 100 − 50 + 10 % of the 50 ₽ paid
    expect(await post('/terminal/v1/receipt/cancel', { receiptUuid: r.receiptUuid }, auth)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect((await post('/terminal/v1/customer', { phone }, auth)).body.bonuses).toBe(100);
  });

  it('refuses a token it does not know (401 / 1002) and an unknown customer (404)', async () => {
    const r = await post('/terminal/v1/customer', { phone: '+79990000000' }, 'Bearer kp_evotor_nope');
    expect(r.status).toBe(401);
    expect(r.body.errors[0].code).toBe(1002);
    const v = await verified();
    expect((await post('/terminal/v1/customer', { phone: '+79990000000' }, `Bearer ${v.token}`)).status).toBe(404);
  });
});
