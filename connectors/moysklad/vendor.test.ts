import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../config/settings.ts';
import { startKopilka } from '../../gateway/app.ts';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, type TestService, until } from '../../test/service.ts';
import { nowMoscow, startMoySkladStandIn, type StandIn } from './standin.ts';
import { moyskladJwt, startVendorStandIn, type VendorStandIn } from './vendor-standin.ts';
import { AppsApi } from './vendor/apps-api.ts';
import { signJwt, verifyJwt } from './vendor/jwt.ts';

// The solution's lifecycle end to end against a stand-in of МойСклад (loopback only): МойСклад
// installs the solution on an account, its administrator links a Kopilka tenant in the solution's
// window, МойСклад gets our Loyalty API address and a channel key, a till recalculates a sale with
// it; then the solution is removed and the key stops working.

const fx = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const APP = '5f3c5489-6a17-48b7-9fe5-b2000eb807fe'; // the documentation's appId and accountId
const ACCOUNT = 'f088b0a7-9490-4a57-b804-393163e7680f';
const APP_UID = 'kopilka.example-vendor';
const SECRET = 'solution-secret-key-0123456789abcdef';
const SECRET_KEY = randomBytes(32).toString('base64');

let s: TestService;
let ms: VendorStandIn;
/** The account's JSON API (sync, webhooks), opened by the token МойСклад gives at install. */
let js: StandIn;
let db: pg.Pool;
/** The descriptor's endpointBase (and the window's address). */
let base: string;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const env = (port: number) => ({
  POS_PORT: String(port),
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  SECRET_KEY,
  MOYSKLAD_APP_ID: APP,
  MOYSKLAD_APP_UID: APP_UID,
  MOYSKLAD_APP_SECRET: SECRET,
  MOYSKLAD_APPS_API_URL: ms.url,
  MOYSKLAD_API_URL: js.url,
  MOYSKLAD_API_HOSTS: `http://${new URL(js.url).host}`,
});

/** The window's session, as its page carries it. */
async function openWindow(accountId = ACCOUNT, admin = true): Promise<{ status: number; html: string; session: string | null }> {
  const res = await fetch(`${base}/moysklad/vendor/window?contextKey=${ms.contextKey(accountId, { admin })}&appUid=${APP_UID}&appId=${APP}&userLocale=ru_RU`);
  const html = await res.text();
  return { status: res.status, html, session: /data-session="([^"]+)"/.exec(html)?.[1] ?? null };
}

const PRODUCT = '9c56720c-e8a7-4fdc-aea4-7104f28207be';
const PRODUCT_SYNC = 'f085d67e-6eae-11e6-8a84-bc520403352a';
const TWO_LEVELS = {
  ...SIMPLE_PROGRAM,
  levels: [SIMPLE_PROGRAM.levels[0], { code: 'silver', name: 'Серебряный', threshold: 1_000_000, accrual: { type: 'percent', percent: 15 }, maxRedeemPercent: 50 }],
};
/** The tenant linked by its admin key (the second link). */
let chain: { tenantId: string; admin: string };


const recalc = () => ({ ...fx('loyalty/retaildemand-recalc.request.json'), moment: nowMoscow() });

/** Another gateway on the same database: one whose key cache has not seen the key (gateway/keys.ts keeps keys 30 s). */
async function tillThroughFreshGateway(token: string): Promise<number> {
  const settings = loadSettings({ DATABASE_URL: s.db.url, HOST: '127.0.0.1', API_PORT: '0', LOG_LEVEL: 'silent', SWEEP_INTERVAL_MS: '3600000', ...env(0) });
  const other = await startKopilka({ ...settings, OPERATOR_TOKEN: OPERATOR });
  try {
    const res = await fetch(`http://127.0.0.1:${other.posPort}/moysklad/loyalty/retaildemand/recalc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'lognex-discount-api-auth-token': token },
      body: JSON.stringify(recalc()),
    });
    return res.status;
  } finally {
    await other.stop();
  }
}

beforeAll(async () => {
  ms = await startVendorStandIn({ appId: APP, appUid: APP_UID, secret: SECRET });
  js = await startMoySkladStandIn(fx('vendor/activate-install.request.json').access[0].access_token);
  const port = await freePort();
  s = await startTestService({ redis: false, env: env(port) });
  // МойСклад calls the API port: the POS port's server (uWS) does not answer a request with an
  // underscore in a header name, and every Vendor API call carries X_Lognex_RequestId.
  base = s.api;
  db = new pg.Pool({ connectionString: s.db.url, max: 2 });
});
afterAll(async () => {
  await db?.end();
  await s?.stop();
  await ms?.close();
  await js?.close();
});

describe('JWT (HS256, node:crypto)', () => {
  it('reads the documentation\'s header and payload, refuses another alg, a wrong key, an old token', () => {
    const t = signJwt(SECRET, { sub: APP_UID });
    const [h, p] = t.split('.').slice(0, 2).map((x) => JSON.parse(Buffer.from(x, 'base64url').toString()));
    expect(h).toEqual(fx('vendor/jwt-vendor-to-moysklad.header.json'));
    expect(Object.keys(p).sort()).toEqual(Object.keys(fx('vendor/jwt-vendor-to-moysklad.payload.json')).sort());
    expect(verifyJwt(moyskladJwt(SECRET), SECRET).jti).toMatch(/./);
    const bare = Buffer.from(JSON.stringify(fx('vendor/jwt-vendor-to-moysklad.header-without-typ.json'))).toString('base64url');
    const body = signJwt(SECRET, {}).split('.')[1];
    expect(verifyJwt(`${bare}.${body}.${createHmac('sha256', SECRET).update(`${bare}.${body}`).digest('base64url')}`, SECRET).iat).toBeGreaterThan(0);
    expect(() => verifyJwt(moyskladJwt('another-secret-0123456789'), SECRET)).toThrow(/Подпись JWT неверна/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iat":1,"jti":"x"}').toString('base64url')}.`;
    expect(() => verifyJwt(none, SECRET)).toThrow(/только HS256/);
    // The documentation's own payload: issued in 2018, long expired.
    expect(() => verifyJwt(moyskladJwt(SECRET, fx('vendor/jwt-moysklad-to-vendor.payload.json')), SECRET)).toThrow(/истёк/);
  });
});

describe('МойСклад Vendor API: the solution from install to uninstall', () => {
  it('refuses calls МойСклад did not sign, in the JSON API error form, and an unknown solution', async () => {
    const none = await ms.activate(base, ACCOUNT, { authorization: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('x-lognex-auth')).toBe('1056');
    expect(none.body.errors[0]).toMatchObject({ code: 1056 });
    expect(none.body.errors[0].error).toMatch(/^Запрос не подписан МоимСкладом: Нет заголовка Authorization/);
    const wrong = await ms.activate(base, ACCOUNT, { authorization: `Bearer ${moyskladJwt('not-the-secret-0123456789')}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].error).toMatch(/MOYSKLAD_APP_SECRET/);
    const other = await ms.activate(base, ACCOUNT, { appId: '00000000-0000-4000-8000-000000000000' });
    expect(other.status).toBe(404);
    expect(other.body.errors[0].error).toMatch(/не обслуживается этим сервером Копилки/);
    expect((await db.query('SELECT count(*)::int AS n FROM moysklad_apps')).rows[0].n).toBe(0);
  });

  it('takes an install within 10 s: SettingsRequired, the JSON API token kept sealed; a replayed token is refused, a Retry is not', async () => {
    const started = Date.now();
    const jwt = `Bearer ${moyskladJwt(SECRET)}`;
    const r = await ms.activate(base, ACCOUNT, { authorization: jwt, requestId: 'req-1' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.body).toEqual(fx('vendor/activate-install.response.json'));
    // МойСклад's Retry of the same call (same X_Lognex_RequestId) is answered again; the token reused by another call is not.
    expect((await ms.activate(base, ACCOUNT, { authorization: jwt, requestId: 'req-1' })).status).toBe(200);
    const replay = await ms.activate(base, ACCOUNT, { authorization: jwt, requestId: 'req-2' });
    expect(replay.status).toBe(401);
    expect(replay.body.errors[0].error).toMatch(/уже был использован/);

    const row = (await db.query('SELECT status, account_name, access_token FROM moysklad_apps WHERE account_id = $1', [ACCOUNT])).rows[0];
    const token = fx('vendor/activate-install.request.json').access[0].access_token;
    expect(row).toMatchObject({ status: 'SettingsRequired', account_name: 'dummyaccount' });
    expect(row.access_token).toMatch(/^v1:/);
    expect(row.access_token).not.toContain(token);
  });

  it('the window: an error page outside МойСклад or for a non-administrator, the forms for an administrator', async () => {
    const bare = await fetch(`${base}/moysklad/vendor/window`);
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('откройте решение «Копилка»');
    const worker = await openWindow(ACCOUNT, false);
    expect(worker.status).toBe(401);
    expect(worker.html).toContain('только администратор аккаунта');
    const w = await openWindow();
    expect(w.status).toBe(200);
    expect(w.html).toContain('Новая организация');
    expect(w.html).toContain('для аккаунта «dummyaccount»');
    expect(w.session).not.toBeNull();
    // The contextKey was resolved through the apps API, signed as the documentation says.
    const ctxCall = ms.received.find((x) => x.path.startsWith('/api/vendor/1.0/context/'))!;
    expect(ctxCall).toMatchObject({ method: 'POST', status: 200, acceptEncoding: 'gzip' });
    const forged = await call(base, 'POST', '/moysklad/vendor/window/tenant', null, { session: signJwt('guess', { acc: ACCOUNT, app: APP }), name: 'Чужая' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.message).toMatch(/снова откройте решение/);
  });

  it('creates a tenant, hands МойСклад the Loyalty API address and a channel key, activates; the till recalculates with it', async () => {
    const { session } = await openWindow();
    const r = await call(base, 'POST', '/moysklad/vendor/window/tenant', null, { session, name: 'Магазин у дома' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'Activated', loyaltyUrl: `${s.pos}/moysklad/loyalty` });
    expect(r.body.adminKey).toMatch(/^kp_admin_/);
    const account = ms.accounts.get(ACCOUNT)!;
    expect(account.status).toBe('Activated');
    expect(account.loyalty).toEqual({ url: `${s.pos}/moysklad/loyalty`, token: expect.stringMatching(/^kp_moysklad_/), externalSearch: true });
    // In the documented order: the settings while SettingsRequired, then the status.
    const calls = ms.received.filter((x) => x.path.startsWith(`/api/vendor/1.0/apps/${APP}/${ACCOUNT}/`)).map((x) => `${x.method} ${x.path.split('/').pop()} ${x.status}`);
    expect(calls).toEqual(['PUT loyalty 200', 'PUT status 200']);
    expect(Object.keys(ms.received.at(-2)!.body as object).sort()).toEqual(Object.keys(fx('vendor/loyalty-settings.request.json')).sort());
    expect(ms.received.at(-1)!.body).toEqual({ status: 'Activated' });
    expect(Object.keys(fx('vendor/status-put.request.json'))).toEqual(['status']);

    // The tenant has a program, so the till's first recalc gets an answer.
    expect((await call(base, 'PUT', '/v1/program', r.body.adminKey, SIMPLE_PROGRAM)).status).toBe(200);
    const first = await ms.till(ACCOUNT, '/retaildemand/recalc', recalc());
    expect(first.status).toBe(200);
    expect(first.body.bonusProgram.bonusValueToEarn).toBe(1524);
    expect((await db.query('SELECT status, tenant_id FROM moysklad_apps WHERE account_id = $1', [ACCOUNT])).rows[0]).toEqual({ status: 'Activated', tenant_id: r.body.tenantId });
    // The activation's JSON API token is the tenant's МойСклад token now (sealed): none pasted by hand.
    const saved = (await db.query(`SELECT settings FROM connector_settings WHERE tenant_id = $1 AND system = 'moysklad'`, [r.body.tenantId])).rows[0].settings;
    expect(saved).toMatchObject({ apiUrl: js.url, token: expect.stringMatching(/^v1:/) });
    // Kopilka made its own webhooks on the account, at its public address.
    expect(r.body.webhooks).toEqual({ kept: 0, created: 2, moved: 0, refused: null });
    expect(js.webhooks.map((w) => `${w.action} ${w.entityType}`).sort()).toEqual(['CREATE retaildemand', 'CREATE retailsalesreturn']);
    for (const w of js.webhooks) expect(w.url).toMatch(new RegExp(`^${s.pos}/moysklad/webhook/[A-Za-z0-9_-]{20,}$`));
  });

  it('links an existing tenant by its admin key; the key МойСклад held before is revoked', async () => {
    const before = ms.accounts.get(ACCOUNT)!.loyalty!.token;
    const hooksBefore = js.webhooks.map((w) => w.url);
    // The account's customers and goods, as the import will find them.
    js.counterparties = [
      { id: 'c1a0b7e2-0000-4000-8000-000000000001', name: 'Анна Смирнова', phone: '+7 916 123-45-67', salesAmount: 1_250_000 },
      { id: '8518d001-f504-11e5-8a84-bae50000016a', name: 'Розничный покупатель' } // the documentation's sales name it,
    ];
    js.products = [{ id: PRODUCT, name: 'Кофе зерновой', folder: 'f0f0f0f0-0000-4000-8000-00000000000f', syncId: PRODUCT_SYNC }];
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Сеть', program: TWO_LEVELS });
    chain = { tenantId: t.body.id, admin: t.body.adminKey };
    const { session } = await openWindow();
    expect((await call(base, 'POST', '/moysklad/vendor/window/link', 'kp_admin_wrong', { session })).status).toBe(401);
    const r = await call(base, 'POST', '/moysklad/vendor/window/link', t.body.adminKey, { session, externalSearch: false });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'Activated', tenantId: t.body.id });
    expect(ms.accounts.get(ACCOUNT)!.loyalty).toMatchObject({ externalSearch: false });
    expect(ms.accounts.get(ACCOUNT)!.loyalty!.token).not.toBe(before);
    // The webhooks now point at this tenant's address: moved, not doubled (one per solution).
    expect(r.body.webhooks).toEqual({ kept: 0, created: 0, moved: 2, refused: null });
    expect(js.webhooks).toHaveLength(2);
    for (const w of js.webhooks) expect(hooksBefore).not.toContain(w.url);
    // Imported in the background, with what she bought before: 12 500 ₽ puts her on the second level at once.
    const anna = await until(async () => {
      const c = await call(s.api, 'GET', '/v1/customers?phone=%2B79161234567', chain.admin);
      return c.status === 200 ? c.body : null;
    });
    expect(anna).toMatchObject({ name: 'Анна Смирнова', totalSpent: 1_250_000, level: { code: 'silver' } });
    expect((await ms.till(ACCOUNT, '/retaildemand/recalc', recalc())).status).toBe(200);
    expect(await tillThroughFreshGateway(before)).toBe(401);
    expect(await tillThroughFreshGateway(ms.accounts.get(ACCOUNT)!.loyalty!.token)).toBe(200); // the fresh gateway does take a live key
  });

  it('a sale the till sent and its webhook are recorded once; a sale by sync ids is recorded under the products\' own ids', async () => {
    const moment = '2026-11-20 12:30:00';
    const store = { meta: { href: 'https://api.moysklad.ru/api/remap/1.2/entity/retailstore/851f8576-f504-11e5-8a84-bae50000016c', id: '851f8576-f504-11e5-8a84-bae50000016c' }, name: 'Магазин' };
    // The till's call with an empty meta (the documentation's sample has "id": ""), for the
    // documentation's positions: 17 services at 3.00 and a variant at 0.00, paid by card.
    const position = (id: string, type: string, quantity: number, price: number) => ({ assortment: { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/${type}/${id}`, id } }, quantity, price, discountPercent: 0, discountedPrice: price });
    const sale = {
      ...fx('loyalty/retaildemand-create.request.json'),
      retailStore: store,
      name: '00002',
      moment,
      meta: { href: '', id: '' },
      agent: null,
      positions: [position('60fc3826-00d7-11e6-9464-e4de00000097', 'service', 17, 3), position('e91042b4-fa34-11e5-9464-e4de00000095', 'variant', 1, 0)],
      bonusProgram: { bonusValueToSpend: 0, bonusValueToEarn: 5 },
      cashSum: 0,
      noCashSum: 51,
      giftCards: [],
    };
    expect((await ms.till(ACCOUNT, '/retaildemand', sale)).status).toBe(201);
    // МойСклад then announces the same document by its webhook: its own id, the same shop, number and time.
    const id = '7944ef04-f831-11e5-7a69-971500188b19';
    js.demands[id] = { name: '00002', moment: `${moment}.000`, retailStore: { meta: { href: `${js.url}/entity/retailstore/851f8576-f504-11e5-8a84-bae50000016c`, type: 'retailstore' } } };
    expect(await js.fire('retaildemand', id)).toEqual([200]);
    const sales = async () => (await db.query(`SELECT external_id, request FROM checks WHERE tenant_id = $1 AND channel = 'moysklad' AND kind = 'sale' ORDER BY id`, [chain.tenantId])).rows;
    await new Promise((r) => setTimeout(r, 500)); // the webhook is acknowledged first, recorded after
    expect((await sales()).map((x) => x.external_id)).toEqual(['851f8576-f504-11e5-8a84-bae50000016c/00002/2026-11-20 12:30:00']);
    // A sale only the webhook announces is recorded from the JSON API.
    const other = '7944ef04-f831-11e5-7a69-971500188b20';
    expect(await js.fire('retaildemand', other)).toEqual([200]);
    await until(async () => ((await sales()).some((x) => x.external_id === other) ? true : null));

    // A till that names goods by their sync ids (idType: sync): recorded under the product's own id.
    const bySync = { ...sale, name: '00003', positions: [{ assortment: { meta: { href: `https://api.moysklad.ru/api/remap/1.2/entity/product/${PRODUCT_SYNC}`, id: PRODUCT_SYNC, idType: 'sync', type: 'product' } }, quantity: 2, price: 450, discountPercent: 0, discountedPrice: 450 }], noCashSum: 900 };
    expect((await ms.till(ACCOUNT, '/retaildemand', bySync)).status).toBe(201);
    const recorded = (await sales()).find((x) => String(x.external_id).includes('/00003/'))!;
    expect(recorded.request.lines[0]).toMatchObject({ productId: PRODUCT, groupId: 'f0f0f0f0-0000-4000-8000-00000000000f' });
  });

  it('reports its status; on uninstall drops the token, revokes the channel key, and answers 404 after', async () => {
    const status = await fetch(`${base}/api/moysklad/vendor/1.0/apps/${APP}/${ACCOUNT}/status`, { headers: { authorization: `Bearer ${moyskladJwt(SECRET)}` } });
    expect(await status.json()).toEqual({ status: 'Activated' });
    const token = ms.accounts.get(ACCOUNT)!.loyalty!.token;
    const r = await ms.deactivate(base, ACCOUNT);
    expect(r.status).toBe(200);
    expect((await db.query('SELECT status, cause, access_token, channel_key_hash FROM moysklad_apps WHERE account_id = $1', [ACCOUNT])).rows[0]).toEqual({
      status: 'Deleted',
      cause: 'Uninstall',
      access_token: null,
      channel_key_hash: null,
    });
    expect(await tillThroughFreshGateway(token)).toBe(401);
    // The tenant forgets the revoked JSON API token: the import says why it cannot run.
    const sync = await call(s.api, 'POST', '/v1/connectors/moysklad/sync', chain.admin);
    expect(sync.status).toBe(404);
    expect(sync.body.error.message).toMatch(/токен JSON API отозван/);
    js.webhooks.length = 0; // МойСклад deletes the solution's webhooks before it removes the solution
    const gone = await fetch(`${base}/api/moysklad/vendor/1.0/apps/${APP}/${ACCOUNT}/status`, { headers: { authorization: `Bearer ${moyskladJwt(SECRET)}` } });
    expect(gone.status).toBe(404);
    const w = await openWindow();
    expect(w.status).toBe(404);
    expect(w.html).toContain('Решение не установлено на этом аккаунте');
  });

  it('installed again, the account returns to its tenant with one button', async () => {
    const r = await ms.activate(base, ACCOUNT, { body: fx('vendor/activate-resume.request.json') });
    expect(r.body).toEqual({ status: 'SettingsRequired' }); // the key was revoked: МойСклад needs a new one
    const w = await openWindow();
    expect(w.html).toContain('Подключить снова');
    js.freeTariff = true; // webhooks are not for a free tariff: linked all the same, and told why
    const again = await call(base, 'POST', '/moysklad/vendor/window/relink', null, { session: w.session });
    expect(again.status).toBe(200);
    expect(again.body.webhooks.refused).toMatch(/бесплатном тарифе/);
    js.freeTariff = false;
    expect(ms.accounts.get(ACCOUNT)!.status).toBe('Activated');
    expect((await ms.till(ACCOUNT, '/retaildemand/recalc', recalc())).status).toBe(200);
  });
});

describe('МойСклад Vendor API: the other activations and the descriptor', () => {
  const OTHER = '0b1e9a43-7d2f-4c1e-9a55-3b2f6c7d8e9f';

  it('a custom-rights install keeps its token; a tariff change keeps it too; a suspension drops it', async () => {
    expect((await ms.activate(base, OTHER, { body: fx('vendor/activate-custom-permissions.request.json') })).body).toEqual({ status: 'SettingsRequired' });
    const sealed = async () => (await db.query('SELECT status, cause, access_token FROM moysklad_apps WHERE account_id = $1', [OTHER])).rows[0];
    const first = await sealed();
    expect(first).toMatchObject({ status: 'SettingsRequired', cause: 'Install' });
    expect((await ms.activate(base, OTHER, { body: fx('vendor/activate-tariff-changed.request.json') })).body).toEqual({ status: 'SettingsRequired' });
    expect(await sealed()).toEqual({ ...first, cause: 'TariffChanged' }); // no `access` in it: the token stays
    expect((await ms.deactivate(base, OTHER, { body: fx('vendor/deactivate-suspend.request.json') })).status).toBe(200);
    // The cause is in the DELETE's body: a suspension, not an uninstall; the token is dropped.
    expect(await sealed()).toMatchObject({ status: 'Suspended', cause: 'Suspend', access_token: null });
  });

  it('reads the solution\'s status from МойСклад in the documented shape; a refusal is said in Russian', async () => {
    const api = new AppsApi({ url: ms.url, appUid: APP_UID, secret: SECRET });
    const st = await api.status(APP, ACCOUNT);
    expect(st).toEqual({ status: 'Activated', cause: 'Resume' });
    expect(Object.keys(fx('vendor/status-get.response.json'))).toEqual(expect.arrayContaining(Object.keys(st)));
    await expect(api.status(APP, '11111111-1111-4111-8111-111111111111')).rejects.toThrow(/МойСклад ответил 404.*не установлено на этом аккаунте/);
    const wrong = new AppsApi({ url: ms.url, appUid: 'someone.else', secret: SECRET });
    await expect(wrong.status(APP, ACCOUNT)).rejects.toThrow(/ответил 401.*MOYSKLAD_APP_UID/);
  });

  it('ships a descriptor with vendorApi, JSON API access, loyaltyApi and the window', () => {
    const xml = readFileSync(new URL('./vendor/app-descriptor.xml', import.meta.url), 'utf8');
    expect(xml).toContain('xmlns="https://apps-api.moysklad.ru/xml/ns/appstore/app/v2"');
    expect(xml).toMatch(/<vendorApi>\s*<endpointBase>https:\/\/[^<]+<\/endpointBase>\s*<\/vendorApi>/);
    expect(xml).toMatch(/<access>\s*<resource>https:\/\/api\.moysklad\.ru\/api\/remap\/1\.2<\/resource>/);
    expect(xml).toContain('<loyaltyApi/>');
    expect(xml).toMatch(/<iframe type="main" sourceUrl="https:\/\/[^"]+\/moysklad\/vendor\/window"\/>/);
  });
});
