import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, type TestService } from '../test/service.ts';

// The pages in a real browser (Debian's Chromium driven by playwright-core) against a whole
// Kopilka: the owner signs in and changes the program, issues a cashier key; the cashier
// registers a customer and sells with a bonus payment; the owner sees the sale in the customer's
// card. Screenshots go to web/screenshots/ (the README shows them). Then the security promises
// over plain HTTP: cookie attributes, the CSRF header, Origin, revoked keys, no key in the URL.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const PHONE = '+79990001122';

/** Adds one line to the cashier's sale: name, price in rubles, quantity. */
async function sellLine(page: Page, name: string, price: string, quantity: number): Promise<void> {
  await page.locator('#line-name').fill(name);
  await page.locator('#line-price').fill(price);
  await page.getByLabel('Количество').fill(String(quantity));
  await page.locator('#line-add').click();
}

function ensureBuilt(): void {
  if (existsSync(`${ROOT}web/dist/index.html`)) return;
  execFileSync(`${ROOT}node_modules/.bin/vite`, ['build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

let s: TestService;
let admin: string;
let tenantId: string;
let smsServer: Server;
/** What the SMS.ru stand-in was asked to send: the codes the pages ask for. */
const sms: { to: string; msg: string }[] = [];
const lastCode = async (to: string): Promise<string> => {
  await expect.poll(() => sms.filter((m) => m.to === to.replace('+', '')).length).toBeGreaterThan(0);
  return /(\d{4})$/.exec(sms.filter((m) => m.to === to.replace('+', '')).at(-1)!.msg)![1]!;
};

/** SMS.ru's documented answer (communications/fixtures/smsru-send.response.json) for any number. */
function smsRuStandIn(): Server {
  const doc = JSON.parse(readFileSync(`${ROOT}communications/fixtures/smsru-send.response.json`, 'utf8'));
  return createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const to = u.searchParams.get('to')!;
    sms.push({ to, msg: u.searchParams.get('msg')! });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...doc, sms: { [to]: doc.sms['79255070602'] } }));
  });
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  smsServer = smsRuStandIn();
  await new Promise<void>((r) => smsServer.listen(0, '127.0.0.1', r));
  const smsUrl = `http://127.0.0.1:${(smsServer.address() as { port: number }).port}`;
  s = await startTestService({ redis: false, env: { SMSRU_API_ID: 'test-api-id-web', SMSRU_URL: smsUrl } });
  const program = { ...SIMPLE_PROGRAM, gifts: { selfRegistration: { points: 10000 } } };
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Кофейня «Зерно»', program });
  admin = t.body.adminKey;
  tenantId = t.body.id;
}, 180_000);
afterAll(async () => {
  await s?.stop();
  smsServer?.close();
});

describe.skipIf(!existsSync(CHROMIUM))('web pages in Chromium', () => {
  let browser: Browser;
  let cashierKey = '';

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
  const newPage = async (width = 1280, height = 860) => (await browser.newContext({ viewport: { width, height }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' })).newPage();

  it('serves the pages and their assets on the API port', async () => {
    const page = await fetch(`${s.api}/cabinet/customers`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(s.api + js);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${s.api}/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('the owner signs in, changes the program (a server error shown by its field) and issues a cashier key', async () => {
    const page = await newPage();
    await page.goto(`${s.api}/cabinet`);
    await page.getByPlaceholder('kp_admin_…').fill('kp_admin_wrong');
    await page.getByRole('button', { name: 'Войти' }).click();
    await expect.poll(() => page.getByText('Ключ доступа неверен или отозван').count()).toBe(1);
    await shot(page, 'cabinet-sign-in');
    await page.getByPlaceholder('kp_admin_…').fill(admin);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByText('Уровни', { exact: true }).waitFor();
    // Accrual 10 % → 7 %, and a second level whose threshold (0) the server refuses.
    await page.locator('.level-row').first().getByLabel('Начисление, %').fill('7');
    await page.getByRole('button', { name: 'Добавить уровень' }).click();
    const second = page.locator('.level-row').nth(1);
    await second.getByLabel('Название').fill('Золотой');
    await page.getByRole('button', { name: 'Сохранить программу' }).click();
    await expect.poll(() => second.getByText('пороги уровней должны возрастать').count()).toBeGreaterThan(0);
    await shot(page, 'cabinet-program-error');
    await second.getByLabel('Порог покупок, ₽').fill('5000');
    await second.getByLabel('Начисление, %').fill('12');
    await page.getByRole('button', { name: 'Сохранить программу' }).click();
    await page.getByText('Программа сохранена').first().waitFor();
    await shot(page, 'cabinet-program');
    const program = (await call(s.api, 'GET', '/v1/program', admin)).body;
    expect(program.levels.map((l: any) => [l.name, l.threshold, l.accrual.percent])).toEqual([
      ['Базовый', 0, 7],
      ['Золотой', 500_000, 12],
    ]);
    expect(program.activationDays).toBe(0);

    await page.getByRole('menuitem', { name: 'Каналы и ключи' }).click();
    await page.getByLabel('Магазин').fill('shop-1');
    await page.getByRole('button', { name: 'Выпустить' }).click();
    await page.getByText('Ключ показывается один раз').waitFor();
    cashierKey = (await page.locator('#new-key').innerText()).trim();
    expect(cashierKey).toMatch(/^kp_cashier_/);
    // The dialog's opening animation over, so that the picture shows it whole.
    await page.waitForFunction(() => document.querySelector('.ant-zoom-appear, .ant-zoom-enter') === null);
    await shot(page, 'cabinet-keys');
    await page.getByRole('button', { name: 'Я сохранил ключ' }).click();
    await page.close();
  });

  it('the cashier registers a customer on a tablet, sells, then sells again paying with bonuses', async () => {
    expect(cashierKey).not.toBe('');
    const page = await newPage(1024, 768);
    await page.goto(`${s.api}/cashier`);
    await page.getByPlaceholder('kp_cashier_…').fill(cashierKey);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByPlaceholder('Телефон или номер карты').fill('8 999 000-11-22');
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.getByText('Клиент не найден').waitFor();
    await page.getByLabel('Имя').fill('Анна');
    await page.getByRole('button', { name: 'Зарегистрировать' }).click();
    await page.getByText('Без согласия клиента регистрировать нельзя').waitFor();
    await page.getByText('Клиент согласен участвовать').click();
    await page.getByRole('button', { name: 'Зарегистрировать' }).click();
    // The shop sends SMS: the customer is sent a code and says it to the cashier.
    await page.getByLabel('Код из SMS').fill(await lastCode(PHONE));
    await shot(page, 'cashier-register');
    await page.getByRole('button', { name: 'Подтвердить код' }).click();
    await page.getByText('Доступно баллов').waitFor();

    // First sale: 2 × 500 ₽; 7 % accrues 70 points, available at once.
    await sellLine(page, 'Капучино', '500', 2);
    await page.locator('#calculate').click();
    await page.locator('#priced').waitFor();
    await page.locator('#commit').click();
    await page.getByText('Продажа проведена').waitFor();
    await page.locator('#next-sale').click();

    // Second sale: 300 ₽, paid with as many bonuses as the program allows (half the check).
    await page.getByPlaceholder('Телефон или номер карты').fill(PHONE);
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.getByText('70', { exact: true }).waitFor();
    await sellLine(page, 'Круассан', '300', 1);
    await page.getByRole('button', { name: 'Максимум' }).click();
    await page.locator('#priced').getByText('230,00 ₽').waitFor();
    await expect.poll(() => page.locator('#commit').isEnabled()).toBe(true);
    await shot(page, 'cashier-sale');
    await page.locator('#commit').click();
    await page.getByText('Продажа проведена').waitFor();
    await shot(page, 'cashier-done');
    const c = (await call(s.api, 'GET', `/v1/customers?phone=${encodeURIComponent(PHONE)}`, admin)).body;
    // Her consent to processing is on record, with the code as proof; advertising was not ticked.
    const consents = (await call(s.api, 'GET', `/v1/customers/${c.id}/consents`, admin)).body;
    expect(consents.inForce).toEqual({ processing: true, advertising: null });
    expect(consents.history[0]).toMatchObject({ kind: 'processing', channel: 'касса', proof: 'телефон подтверждён кодом из SMS' });
    // 70 accrued, 70 paid, then 7 % of the 230 ₽ paid in money, rounded down to whole points: 16.
    expect(c.balance.available).toBe(1600);
    await page.getByText('Доступно баллов').locator('..').getByText('16', { exact: true }).waitFor();

    // Third sale of 100 ₽ (7 points accrue), then returned whole: the balance is back to 16.
    await page.locator('#next-sale').click();
    await page.getByPlaceholder('Телефон или номер карты').fill(PHONE);
    await page.getByRole('button', { name: 'Найти' }).click();
    await sellLine(page, 'Вода', '100', 1);
    await page.locator('#calculate').click();
    await page.locator('#priced').waitFor();
    await page.locator('#commit').click();
    await page.getByText('Продажа проведена').waitFor();
    expect((await call(s.api, 'GET', `/v1/customers?phone=${encodeURIComponent(PHONE)}`, admin)).body.balance.available).toBe(2300);
    await page.getByRole('button', { name: 'Вернуть продажу' }).click();
    await page.getByText('Продажа возвращена').waitFor();
    expect((await call(s.api, 'GET', `/v1/customers?phone=${encodeURIComponent(PHONE)}`, admin)).body.balance.available).toBe(1600);
    await page.close();
  });

  it('the owner finds the customer and sees both sales and the bonus payment in the card, then grants bonuses by hand', async () => {
    const page = await newPage();
    await page.goto(`${s.api}/cabinet`);
    await page.getByPlaceholder('kp_admin_…').fill(admin);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByRole('menuitem', { name: 'Клиенты' }).click();
    await page.getByPlaceholder('Телефон, последние цифры, карта или имя').fill('1122');
    await page.getByRole('cell', { name: PHONE }).click();
    await page.getByText('Оплата бонусами').waitFor();
    await page.getByText('До уровня «Золотой» осталось').waitFor();
    await page.getByLabel('Баллов').fill('50');
    await page.getByLabel('Причина').fill('Извинения за долгое ожидание');
    await page.getByRole('button', { name: 'Начислить' }).click();
    await page.getByText('Бонусы начислены').waitFor();
    await page.getByText('66', { exact: true }).waitFor();
    await page.getByText('Отмена при возврате').first().waitFor();
    await shot(page, 'cabinet-customer');
    await page.getByRole('menuitem', { name: 'Очередь разбора' }).click();
    await page.getByText('Очередь пуста').waitFor();
    await shot(page, 'cabinet-review');
    await page.getByRole('menuitem', { name: 'Потребление' }).click();
    // Three sales this month, through the cashier channel.
    await page.locator('.ant-statistic').filter({ hasText: 'Чеков продаж' }).getByText('3', { exact: true }).waitFor();
    await shot(page, 'cabinet-usage');
    await page.close();
  });
  it('a friend joins by the customer\'s link with a code from SMS, gets the gift, and both see their cabinets', async () => {
    const anna = (await call(s.api, 'GET', `/v1/customers?phone=${encodeURIComponent(PHONE)}`, admin)).body;
    const friend = '+79990003344';
    const page = await newPage(390, 844); // a phone
    await page.goto(`${s.api}/join/${tenantId}?ref=${anna.referralCode}`);
    await page.getByText('В подарок за регистрацию — 100 баллов.').waitFor();
    await page.getByLabel('Телефон').fill(friend);
    await page.getByLabel('Имя').fill('Борис');
    await page.getByText('Я согласен(на)').click();
    await page.getByText('Хочу получать сообщения').click();
    await page.getByRole('button', { name: 'Получить код' }).click();
    await page.getByLabel('Код из SMS').fill(await lastCode(friend));
    await shot(page, 'join');
    await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
    await page.getByText('Борис, здравствуйте!').waitFor();
    await page.getByText('Можно потратить').locator('..').getByText('100', { exact: true }).waitFor();
    const boris = (await call(s.api, 'GET', `/v1/customers?phone=${encodeURIComponent(friend)}`, admin)).body;
    expect(boris.referrerId).toBe(anna.id);
    expect((await call(s.api, 'GET', `/v1/customers/${boris.id}/consents`, admin)).body.inForce).toEqual({ processing: true, advertising: true });
    await shot(page, 'me-joined');
    await page.close();

    const mePage = await newPage(390, 844);
    await mePage.goto(`${s.api}/me/${tenantId}`);
    await mePage.getByLabel('Телефон').fill(PHONE);
    await mePage.getByRole('button', { name: 'Получить код' }).click();
    await mePage.getByLabel('Код из SMS').fill('0000');
    await mePage.getByRole('button', { name: 'Войти' }).click();
    await mePage.getByText('Код не совпадает с отправленным').waitFor();
    await mePage.getByLabel('Код из SMS').fill(await lastCode(PHONE));
    await mePage.getByRole('button', { name: 'Войти' }).click();
    await mePage.getByText('Анна, здравствуйте!').waitFor();
    await mePage.getByText('Оплата бонусами').first().waitFor();
    await mePage.getByRole('img', { name: 'QR-код приглашения' }).waitFor();
    // Advertising consent, withdrawn and given again from the cabinet, kept as history.
    const ad = mePage.getByRole('switch', { name: 'Согласие на рекламные сообщения' });
    const before = await ad.getAttribute('aria-checked');
    await ad.click();
    await expect.poll(() => ad.getAttribute('aria-checked')).toBe(before === 'true' ? 'false' : 'true');
    await ad.click();
    await expect.poll(() => ad.getAttribute('aria-checked')).toBe(before);
    await shot(mePage, 'me');
    await mePage.close();
  });
});

describe('web sessions: cookie, CSRF, roles, revocation', () => {
  const web = { 'x-kopilka-web': '1', 'content-type': 'application/json' };
  const signIn = (key: string, as: 'cabinet' | 'cashier', extra: Record<string, string> = {}) =>
    fetch(`${s.api}/web/api/session`, { method: 'POST', headers: { ...web, authorization: `Bearer ${key}`, ...extra }, body: JSON.stringify({ as }) });
  const cookieOf = (r: Response) => r.headers.get('set-cookie')!.split(';')[0]!;

  it('signs in with the key in a header only: an HttpOnly, SameSite=Strict cookie, no key in the answer', async () => {
    const r = await signIn(admin, 'cabinet');
    expect(r.status).toBe(201);
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^kp_session=[\w-]{40,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const text = await r.text();
    expect(text).not.toContain(admin);
    const ok = await fetch(`${s.api}/web/api/program`, { headers: { cookie: cookieOf(r) } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${s.api}/web/api/program`)).status).toBe(401);
    expect((await fetch(`${s.api}/web/api/program`, { headers: { cookie: 'kp_session=forged-token-000000000000000000000000' } })).status).toBe(401);
  });

  it('refuses a change without the pages\' header or from another origin (CSRF), and a key of the wrong kind', async () => {
    const cookie = cookieOf(await signIn(admin, 'cabinet'));
    const program = await (await fetch(`${s.api}/web/api/program`, { headers: { cookie } })).json();
    const put = (headers: Record<string, string>) => fetch(`${s.api}/web/api/program`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify(program) });
    expect((await put({})).status).toBe(401);
    expect((await put({ 'x-kopilka-web': '1', origin: 'https://evil.example' })).status).toBe(401);
    expect((await put({ 'x-kopilka-web': '1', origin: s.api })).status).toBe(200);
    expect((await signIn(admin, 'cashier')).status).toBe(401);
    expect((await signIn('kp_admin_not-a-key', 'cabinet')).status).toBe(401);
    expect((await signIn(admin, 'cabinet', { origin: 'https://evil.example' })).status).toBe(401);
  });

  it('a cashier session reaches only the workplace, and ends when the owner revokes its key', async () => {
    const owner = cookieOf(await signIn(admin, 'cabinet'));
    const issued = await fetch(`${s.api}/web/api/keys`, { method: 'POST', headers: { ...web, cookie: owner }, body: JSON.stringify({ channel: 'cashier', storeId: 'shop-2' }) });
    const key = (await issued.json()).key as string;
    const cashier = cookieOf(await signIn(key, 'cashier'));
    expect((await fetch(`${s.api}/web/api/session?as=cashier`, { headers: { cookie: cashier } })).status).toBe(200);
    expect((await fetch(`${s.api}/web/api/customers`, { headers: { cookie: cashier } })).status).toBe(401);
    const keys = (await (await fetch(`${s.api}/web/api/keys`, { headers: { cookie: owner } })).json()).items as { id: string; role: string; storeId: string | null }[];
    const adminKey = keys.find((k) => k.role === 'admin')!;
    expect((await fetch(`${s.api}/web/api/keys/${adminKey.id}`, { method: 'DELETE', headers: { ...web, cookie: owner } })).status).toBe(404);
    const mine = keys.find((k) => k.storeId === 'shop-2')!;
    expect((await fetch(`${s.api}/web/api/keys/${mine.id}`, { method: 'DELETE', headers: { ...web, cookie: owner } })).status).toBe(200);
    expect((await fetch(`${s.api}/web/api/session?as=cashier`, { headers: { cookie: cashier } })).status).toBe(401);
  });

  it('limits sign-in attempts with wrong keys per address', async () => {
    // UNKNOWN_KEY_RATE (20 a second, bursts of 40): 60 guesses at once go past it.
    const codes = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(`kp_admin_guess${i}`, 'cabinet').then((r) => r.status)));
    expect(codes).toContain(429);
    expect(codes.filter((c) => c !== 401 && c !== 429)).toEqual([]);
  });
});
