import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, type TestService } from '../test/service.ts';

// The cabinet's core parts beyond the first pages, against a whole Kopilka with Redis (so that a
// customer edited by hand must drop the cached summary): the owner's own login, the program
// editor's every section, customers filtered, edited, given a level and a new card, checks and a
// partial return, the month's invoice. First over plain HTTP (what the server promises), then in
// Debian's Chromium (what the owner sees). Screenshots go to web/screenshots/.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const WEB = { 'x-kopilka-web': '1', 'content-type': 'application/json' };

const PROGRAM = {
  levels: [
    { code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 },
    { code: 'gold', name: 'Золотой', threshold: 10_000_000, accrual: { type: 'percent', percent: 15 }, maxRedeemPercent: 50 },
  ],
  activationDays: 0,
  maxBackdateDays: 365,
  timezone: 'Europe/Moscow',
};

let s: TestService;
let admin: string;
let tenantId: string;
let till: string;
const ids: Record<string, string> = {};

function ensureBuilt(): void {
  if (existsSync(`${ROOT}web/dist/index.html`)) return;
  execFileSync(`${ROOT}node_modules/.bin/vite`, ['build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

const cookieOf = (r: Response) => r.headers.get('set-cookie')!.split(';')[0]!;
async function ownerCookie(key = admin): Promise<string> {
  const r = await fetch(`${s.api}/web/api/session`, { method: 'POST', headers: { ...WEB, authorization: `Bearer ${key}` }, body: JSON.stringify({ as: 'cabinet' }) });
  expect(r.status).toBe(201);
  return cookieOf(r);
}
async function web(cookie: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(`${s.api}/web/api${path}`, { method, headers: { ...WEB, cookie }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text.startsWith('{') ? JSON.parse(text) : text, headers: r.headers };
}
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  s = await startTestService({ redis: true });
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Пекарня «Колос»', program: PROGRAM });
  admin = t.body.adminKey;
  tenantId = t.body.id;
  till = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'Центр' })).body.key;
  const customers = [
    { key: 'anna', phone: '+79161110001', name: 'Анна', cardNumber: 'C-0001', source: 'vk' },
    { key: 'boris', phone: '+79161110002', name: 'Борис', source: 'касса' },
    { key: 'vera', phone: '+79161110003', name: 'Вера', source: 'vk' },
  ];
  for (const c of customers) {
    const { key, ...body } = c;
    const r = await call(s.pos, 'POST', '/v1/customers', till, body);
    expect(r.status).toBe(201);
    ids[key] = r.body.id;
  }
  const sale = (externalId: string, phone: string, at: string, lines: [string, number, number][]) =>
    call(s.pos, 'POST', '/v1/checks', till, {
      externalId,
      occurredAt: at,
      storeId: 'Центр',
      customer: { phone },
      lines: lines.map(([name, price, qty], i) => ({ lineNo: i + 1, productId: `p${i + 1}`, name, quantity: qty * 1000, price, amount: price * qty })),
    });
  // Anna buys today (two lines); Vera bought 120 days ago and not since; Boris never bought.
  expect((await sale('s-1', '+79161110001', daysAgo(0), [['Багет', 15_000, 2], ['Круассан', 20_000, 3]])).status).toBe(201);
  expect((await sale('s-old', '+79161110003', daysAgo(120), [['Торт', 100_000, 1]])).status).toBe(201);
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

describe('the owner\'s login', () => {
  it('is set by an owner signed in with the key; then login and password open the same kind of session', async () => {
    const owner = await ownerCookie();
    expect((await web(owner, 'GET', '/login')).body).toEqual({ login: null });
    const short = await web(owner, 'PUT', '/login', { login: 'kolos', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.details.field).toBe('password');
    const set = await web(owner, 'PUT', '/login', { login: 'kolos', password: 'хлеб-и-соль-2026' });
    expect(set.status).toBe(200);
    expect(set.body.login.login).toBe('kolos');
    expect(JSON.stringify(set.body)).not.toContain('хлеб');

    const signIn = (login: string, password: string, headers: Record<string, string> = WEB) =>
      fetch(`${s.api}/web/api/session/login`, { method: 'POST', headers, body: JSON.stringify({ login, password }) });
    const wrong = await signIn('kolos', 'не-тот-пароль');
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.message).toBe('Неверный логин или пароль');
    expect((await signIn('nobody', 'хлеб-и-соль-2026')).status).toBe(401);
    // The pages' CSRF rules hold for this sign-in too.
    expect((await signIn('kolos', 'хлеб-и-соль-2026', { 'content-type': 'application/json' })).status).toBe(401);
    expect((await signIn('kolos', 'хлеб-и-соль-2026', { ...WEB, origin: 'https://evil.example' })).status).toBe(401);
    const right = await signIn('KOLOS', 'хлеб-и-соль-2026');
    expect(right.status).toBe(201);
    const setCookie = right.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^kp_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict/);
    const byLogin = cookieOf(right);
    expect((await web(byLogin, 'GET', '/program')).status).toBe(200);
    expect((await web(byLogin, 'GET', '/session?as=cashier')).status).toBe(401);

    // A new password ends the sessions the old one opened; key sessions stay.
    expect((await web(owner, 'PUT', '/login', { login: 'kolos', password: 'новый-пароль-2027' })).status).toBe(200);
    expect((await web(byLogin, 'GET', '/program')).status).toBe(401);
    expect((await web(owner, 'GET', '/program')).status).toBe(200);
    expect((await signIn('kolos', 'хлеб-и-соль-2026')).status).toBe(401);
    expect((await signIn('kolos', 'новый-пароль-2027')).status).toBe(201);
  });

  it('is unique across organisations, and locks for 5 minutes after 5 wrong passwords in a row', async () => {
    const other = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Другая', program: PROGRAM });
    const owner = await ownerCookie(other.body.adminKey);
    const taken = await web(owner, 'PUT', '/login', { login: 'Kolos', password: 'совсем-другой-пароль' });
    expect(taken.status).toBe(400);
    expect(taken.body.error.details.field).toBe('login');
    expect((await web(owner, 'PUT', '/login', { login: 'drugaya', password: 'совсем-другой-пароль' })).status).toBe(200);
    const signIn = (password: string) => fetch(`${s.api}/web/api/session/login`, { method: 'POST', headers: WEB, body: JSON.stringify({ login: 'drugaya', password }) });
    for (let i = 0; i < 5; i++) expect((await signIn(`угадываю-${i}`)).status).toBe(401);
    const locked = await signIn('совсем-другой-пароль');
    expect(locked.status).toBe(429);
    expect((await locked.json()).error.message).toContain('закрыт на 5 минут');
    // The key still opens the cabinet; setting the password again lifts the lock.
    expect((await web(owner, 'PUT', '/login', { login: 'drugaya', password: 'совсем-другой-пароль' })).status).toBe(200);
    expect((await signIn('совсем-другой-пароль')).status).toBe(201);
  });
});

describe('customers by hand', () => {
  it('filters by level, source, purchases and time away, a page at a time', async () => {
    const owner = await ownerCookie();
    const names = async (q: string) => ((await web(owner, 'GET', `/customers?${q}`)).body.items as { name: string }[]).map((c) => c.name).sort();
    expect(await names('')).toEqual(['Анна', 'Борис', 'Вера']);
    expect(await names('source=vk')).toEqual(['Анна', 'Вера']);
    expect(await names('purchases=without')).toEqual(['Борис']);
    expect(await names('purchases=with')).toEqual(['Анна', 'Вера']);
    expect(await names('lostDays=90')).toEqual(['Вера']);
    expect(await names('level=gold')).toEqual([]);
    const first = await web(owner, 'GET', '/customers?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.sources).toEqual(['vk', 'касса']);
    const second = await web(owner, 'GET', `/customers?limit=2&after=${encodeURIComponent(first.body.next)}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next).toBeNull();
    expect((await web(owner, 'GET', '/customers?lostDays=-1')).status).toBe(400);
  });

  it('edits a customer\'s data, assigns a level and re-issues the card; the till sees it at once', async () => {
    const owner = await ownerCookie();
    const id = ids.boris!;
    // Read once through the till so that the summary is cached in Redis.
    expect((await call(s.pos, 'GET', `/v1/customers/${id}`, till)).body.name).toBe('Борис');
    const bad = await web(owner, 'PUT', `/customers/${id}/profile`, { email: 'не-почта' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('email');
    const edited = await web(owner, 'PUT', `/customers/${id}/profile`, { name: 'Борис Петров', gender: 'male', birthDate: '1990-05-17', email: 'boris@example.ru', comment: 'Любит ржаной' });
    expect(edited.status).toBe(200);
    expect(edited.body.customer).toMatchObject({ name: 'Борис Петров', gender: 'male', birthDate: '1990-05-17', email: 'boris@example.ru', comment: 'Любит ржаной' });
    expect((await call(s.pos, 'GET', `/v1/customers/${id}`, till)).body.name).toBe('Борис Петров');

    expect((await web(owner, 'PUT', `/customers/${id}/level`, { level: 'platinum' })).status).toBe(400);
    const gold = await web(owner, 'PUT', `/customers/${id}/level`, { level: 'gold' });
    expect(gold.body.customer.level).toEqual({ code: 'gold', name: 'Золотой' });
    expect((await call(s.pos, 'GET', `/v1/customers/${id}`, till)).body.level.code).toBe('gold');
    expect((await web(owner, 'GET', '/customers?level=gold')).body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    // A sale priced after the assignment earns the gold level's 15 %.
    const priced = await call(s.pos, 'POST', '/v1/checks/calculate', till, { externalId: 'calc-1', occurredAt: new Date().toISOString(), customer: { id }, lines: [{ lineNo: 1, productId: 'p1', quantity: 1000, price: 10_000, amount: 10_000 }] });
    expect(priced.body.totals?.accrued, JSON.stringify(priced.body)).toBe(1500);
    expect((await web(owner, 'PUT', `/customers/${id}/level`, { level: null })).body.customer.level.code).toBe('base');

    // The card: found by it before, then a new number; the old one no longer finds anyone.
    expect((await call(s.pos, 'GET', '/v1/customers?card=C-0001', till)).body.id).toBe(ids.anna);
    expect((await web(owner, 'POST', `/customers/${ids.anna}/card`, { cardNumber: 'C-0002' })).body.customer.cardNumber).toBe('C-0002');
    expect((await call(s.pos, 'GET', '/v1/customers?card=C-0002', till)).body.id).toBe(ids.anna);
    expect((await call(s.pos, 'GET', '/v1/customers?card=C-0001', till)).status).toBe(404);
    const taken = await web(owner, 'POST', `/customers/${ids.vera}/card`, { cardNumber: 'C-0002' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.details.field).toBe('cardNumber');
    expect((await web(owner, 'PUT', '/customers/not-a-number/profile', { name: 'x' })).status).toBe(404);
  });
});

describe('checks and returns', () => {
  it('lists checks by period, store, customer and kind, a page at a time; a check shows its lines and customer', async () => {
    const owner = await ownerCookie();
    const all = await web(owner, 'GET', '/checks');
    expect(all.body.items.map((c: { externalId: string }) => c.externalId)).toEqual(['s-old', 's-1']);
    const today = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10); // the shop's day (Moscow)
    // The period is by the day recorded (both were recorded today; s-old is 120 days old as a sale).
    expect((await web(owner, 'GET', `/checks?from=${today}&to=${today}`)).body.items).toHaveLength(2);
    expect((await web(owner, 'GET', '/checks?from=2020-01-01&to=2020-01-31')).body.items).toHaveLength(0);
    expect((await web(owner, 'GET', `/checks?customerId=${ids.anna}`)).body.items.map((c: { externalId: string }) => c.externalId)).toEqual(['s-1']);
    expect((await web(owner, 'GET', '/checks?storeId=Вокзал')).body.items).toHaveLength(0);
    const page = await web(owner, 'GET', '/checks?limit=1');
    expect(page.body.items).toHaveLength(1);
    const rest = await web(owner, 'GET', `/checks?limit=1&after=${encodeURIComponent(page.body.next)}`);
    expect(rest.body.items[0].externalId).toBe('s-1');
    expect(rest.body.next).toBeNull();
    expect((await web(owner, 'GET', '/checks?from=вчера')).status).toBe(400);

    const detail = await web(owner, 'GET', `/checks/${rest.body.items[0].id}`);
    expect(detail.body.customer.id).toBe(ids.anna);
    expect(detail.body.check.lines.map((l: any) => [l.name, l.quantity, l.amount, l.accrued, l.refunded])).toEqual([
      ['Багет', 2000, 30_000, 3000, 0],
      ['Круассан', 3000, 60_000, 6000, 0],
    ]);
    expect((await web(owner, 'GET', '/checks/999999999')).status).toBe(404);
  });

  it('returns part of a sale from the cabinet once per click, refuses more than is left, then the rest', async () => {
    const owner = await ownerCookie();
    const sale = (await web(owner, 'GET', `/checks?customerId=${ids.anna}&kind=sale`)).body.items[0];
    const before = (await call(s.pos, 'GET', `/v1/customers/${ids.anna}`, till)).body.balance.available;
    const body = { key: 'refund-key-0001', lines: [{ lineNo: 2, quantity: 1000 }] };
    const r = await web(owner, 'POST', `/checks/${sale.id}/refund`, body);
    expect(r.status).toBe(201);
    // One croissant of three back: its 20 ₽ of accrual (2000 hundredths) taken back.
    expect(r.body.refund.totals.accrued).toBe(2000);
    expect(r.body.check.lines[1].refunded).toBe(1000);
    expect((await web(owner, 'POST', `/checks/${sale.id}/refund`, body)).status).toBe(200);
    expect((await call(s.pos, 'GET', `/v1/customers/${ids.anna}`, till)).body.balance.available).toBe(before - 2000);
    const tooMuch = await web(owner, 'POST', `/checks/${sale.id}/refund`, { key: 'refund-key-0002', lines: [{ lineNo: 2, quantity: 3000 }] });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('REFUND_EXCEEDS_SALE');
    const rest = await web(owner, 'POST', `/checks/${sale.id}/refund`, { key: 'refund-key-0003' });
    expect(rest.status).toBe(201);
    expect(rest.body.check.lines.map((l: any) => l.refunded)).toEqual([2000, 3000]);
    expect(rest.body.check.related).toHaveLength(2);
    const refunds = (await web(owner, 'GET', '/checks?kind=refund')).body.items;
    expect(refunds).toHaveLength(2);
    expect((await web(owner, 'POST', `/checks/${refunds[0].id}/refund`, { key: 'refund-key-0004' })).body.error.code).toBe('REFUND_OF_REFUND');
  });
});

describe('the invoice', () => {
  it('prices the month like the operator: lines that add up to the total, and the same in Excel', async () => {
    const owner = await ownerCookie();
    const inv = await web(owner, 'GET', '/invoice');
    expect(inv.status).toBe(200);
    expect(inv.body.name).toBe('Пекарня «Колос»');
    expect(inv.body.lines.reduce((a: number, l: { sum: number }) => a + l.sum, 0)).toBe(inv.body.total);
    // One channel (api): its subscription is the first line.
    expect(inv.body.lines[0]).toMatchObject({ quantity: 1, price: 180_000, sum: 180_000 });
    const billing = await call(s.api, 'GET', `/v1/usage?month=${inv.body.month}`, admin);
    expect(inv.body.total).toBe(billing.body[0].total);
    const xlsx = await fetch(`${s.api}/web/api/invoice?month=${inv.body.month}&format=xlsx`, { headers: { cookie: owner } });
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const bytes = Buffer.from(await xlsx.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect((await web(owner, 'GET', '/invoice?month=2026-13')).status).toBe(400);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('the cabinet in Chromium', () => {
  let browser: Browser;
  let page: Page;
  /** A picture once the pop-up notices have gone (they would cover what the picture is of). */
  const shot = async (name: string, fullPage = true) => {
    await expect.poll(() => page.locator('.ant-message-notice').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => page.locator('.ant-spin-spinning, .ant-spin-blur').count(), { timeout: 10_000 }).toBe(0);
    // A table that stopped loading fades back in (0.3 s).
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage });
  };
  /** An Ant Design select: open it by its input's id, pick the option by its text. */
  const pick = async (id: string, option: string) => {
    await page.locator('.ant-select-selector').filter({ has: page.locator(`#${id}`) }).click();
    await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
  };
  const typeDate = async (id: string, value: string) => {
    await page.locator(`#${id}`).click();
    await page.locator(`#${id}`).fill(value);
    await page.locator(`#${id}`).press('Enter');
  };
  const tag = async (id: string, value: string) => {
    await page.locator(`#${id}`).fill(value);
    await page.locator(`#${id}`).press('Enter');
  };
  /**
   * Opens a section of the program's Collapse and waits until it says it is open. Sections opened
   * one after another move the headers below them while they unfold; on a loaded machine a click
   * once landed on a header that had just moved, and a section stayed closed (CI, eighth pass).
   */
  const openSection = async (title: string) => {
    const header = page.locator('.ant-collapse-header').filter({ has: page.getByText(title, { exact: true }) });
    for (let tries = 0; (await header.getAttribute('aria-expanded')) !== 'true'; tries++) {
      if (tries === 3) throw new Error(`section «${title}» did not open`);
      await header.click();
      await header.and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: 3_000 }).catch(() => {});
    }
  };

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' })).newPage();
    const r = await call(s.pos, 'POST', '/v1/checks', till, {
      externalId: 's-2',
      occurredAt: new Date().toISOString(),
      storeId: 'Центр',
      customer: { phone: '+79161110003' },
      lines: [
        { lineNo: 1, productId: 'p1', name: 'Хлеб ржаной', quantity: 2000, price: 8_000, amount: 16_000 },
        { lineNo: 2, productId: 'p2', name: 'Пирог с вишней', quantity: 1000, price: 45_000, amount: 45_000 },
      ],
    });
    expect(r.status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async (t) => {
    if (t.task.result?.state === 'fail') await shot('debug-failed');
  });

  it('the owner sets a login in the cabinet, signs out, and signs in by login (a wrong password first)', async () => {
    await page.goto(`${s.api}/cabinet`);
    await page.getByPlaceholder('kp_admin_…').fill(admin);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByRole('menuitem', { name: 'Вход по логину' }).click();
    await page.locator('#set-login').fill('kolos-web');
    await page.locator('#set-password').fill('пароль-для-кабинета');
    await page.locator('#set-repeat').fill('пароль-для-кабинета');
    // «Задать…» on a fresh organisation, «Сменить…» after the HTTP tests above set one.
    await page.getByRole('button', { name: /^(Задать|Сменить) логин и пароль$/ }).click();
    await page.getByText('Логин и пароль сохранены').waitFor();
    await page.getByText('kolos-web', { exact: true }).waitFor();
    await shot('cabinet-login-set');
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('tab', { name: 'Логин и пароль' }).click();
    await page.locator('#sign-in-login').fill('kolos-web');
    await page.locator('#sign-in-password').fill('не-тот');
    await page.getByRole('button', { name: 'Войти по логину' }).click();
    await page.getByText('Неверный логин или пароль').waitFor();
    await shot('cabinet-sign-in-login');
    await page.locator('#sign-in-password').fill('пароль-для-кабинета');
    await page.getByRole('button', { name: 'Войти по логину' }).click();
    await page.getByRole('menuitem', { name: 'Программа' }).click();
    await page.getByText('Уровни', { exact: true }).waitFor();
  });

  it('changes the program in every section; a server error shows under the promotion\'s period', async () => {
    // Levels: the first earns 5 points per 100 ₽ and gets a 3 % discount.
    await page.locator('#levels_0_accrual_type').getByText('За каждые N ₽').click();
    await page.locator('#levels_0_accrual_points').fill('5');
    await page.locator('#levels_0_accrual_every').fill('100');
    await page.locator('#levels_0_discount_type').getByText('Процент').click();
    await page.locator('#levels_0_discount_percent').fill('3');
    const sections = ['Активация, сгорание и общие правила', 'Подарки', 'Приглашение друзей', 'Модификаторы', 'Акции'];
    // Twice: the second round reopens a section that a later, misplaced click closed (none if all went well).
    for (const section of [...sections, ...sections]) await openSection(section);
    // Rules: burn on 31 December; 500 ₽ at least to pay with bonuses; tobacco never earns.
    await pick('expiry_mode', 'В даты календаря');
    await tag('expiry_dates', '12-31');
    await page.locator('#minCheckForRedeem').fill('500');
    await tag('exclusions_productIds', 'tobacco');
    // Gifts: 200 points 3 days before a birthday. Referral: 50 points for a friend's first purchase.
    await page.getByRole('switch', { name: 'В день рождения: включить' }).click();
    await page.locator('#gifts_birthday_points').fill('200');
    await page.locator('#gifts_birthday_daysBefore').fill('3');
    await page.locator('#referral_on').click();
    await page.locator('#referral_reward_points').fill('50');
    // A modifier: double bonuses on weekends.
    await page.getByRole('button', { name: 'Добавить модификатор' }).click();
    await page.locator('.modifier-card').getByText('Сб', { exact: true }).click();
    await page.locator('.modifier-card').getByText('Вс', { exact: true }).click();
    // A promotion with a coupon, by check sum, whose period ends before it starts.
    await page.getByRole('button', { name: 'Добавить акцию' }).click();
    await page.locator('#promotions_0_name').fill('Неделя пирогов');
    await page.locator('#promotions_0_periodOn').click();
    await typeDate('promotions_0_period_from', '31.12.2026');
    await typeDate('promotions_0_period_to', '01.12.2026');
    await page.locator('#promotions_0_effect_type').getByText('От суммы чека').click();
    await tag('promotions_0_coupons', 'PIROG');
    await page.getByRole('button', { name: 'Сохранить программу' }).click();
    const period = page.locator('.promotion-card');
    await expect.poll(() => period.getByText('начало периода позже конца').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.locator('#promotions_0_period_to').scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 250));
    await shot('cabinet-program-promotion-error', false);
    await typeDate('promotions_0_period_to', '31.01.2027');
    await page.getByRole('button', { name: 'Сохранить программу' }).click();
    await page.getByText('Программа сохранена').first().waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('cabinet-program-sections');
    const p = (await call(s.api, 'GET', '/v1/program', admin)).body;
    expect(p.levels[0]).toMatchObject({ accrual: { type: 'perAmount', every: 10_000, points: 500 }, discount: { type: 'percent', percent: 3 } });
    expect(p.levels[1]).toMatchObject({ code: 'gold', accrual: { type: 'percent', percent: 15 } });
    expect(p.expiry).toEqual({ mode: 'dates', dates: ['12-31'] });
    expect(p.minCheckForRedeem).toBe(50_000);
    expect(p.exclusions.productIds).toEqual(['tobacco']);
    expect(p.gifts.birthday).toMatchObject({ points: 20_000, daysBefore: 3 });
    expect(p.referral).toMatchObject({ reward: { type: 'fixed', points: 5000 }, scope: 'firstPurchase' });
    expect(p.modifiers).toEqual([{ when: { weekdays: [6, 7] }, accrualMultiplier: 2 }]);
    expect(p.promotions[0]).toMatchObject({ name: 'Неделя пирогов', period: { from: '2026-12-31', to: '2027-01-31' }, coupons: ['PIROG'], effect: { type: 'bySum', steps: [{ from: 100_000, percent: 5 }] } });
    expect(p.maxBackdateDays).toBe(365);
  });

  it('filters customers, edits one, assigns a level and gives a new card', async () => {
    await page.getByRole('menuitem', { name: 'Клиенты' }).click();
    await pick('filter-source', 'vk');
    await expect.poll(() => page.locator('.ant-table-row').count(), { timeout: 15_000 }).toBe(2);
    await shot('cabinet-customers-filter');
    // Boris came from the till and never bought.
    await pick('filter-source', 'касса');
    await pick('filter-purchases', 'С покупками');
    await expect.poll(() => page.locator('.ant-table-row').count(), { timeout: 15_000 }).toBe(0);
    await pick('filter-purchases', 'Без покупок');
    await expect.poll(() => page.locator('.ant-table-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('cell', { name: '+79161110002' }).click();
    await page.locator('#profile-name').fill('Борис Иванович');
    await page.locator('#profile-email').fill('boris@kolos.ru');
    await page.getByRole('button', { name: 'Сохранить данные' }).click();
    await page.getByText('Данные клиента сохранены').waitFor();
    await pick('assign-level', 'Золотой');
    await page.getByRole('button', { name: 'Назначить уровень' }).click();
    await page.getByText('Уровень назначен').waitFor();
    await page.locator('.ant-card-extra').getByText('Золотой').waitFor();
    await page.locator('#new-card').fill('C-0200');
    await page.getByRole('button', { name: 'Перевыпустить карту' }).click();
    await page.getByText('Карта перевыпущена').waitFor();
    await page.getByText('C-0200', { exact: true }).first().waitFor();
    await page.getByText('Борис Иванович').first().waitFor();
    await shot('cabinet-customer-edit');
    const b = (await call(s.pos, 'GET', '/v1/customers?card=C-0200', till)).body;
    expect(b).toMatchObject({ id: ids.boris, name: 'Борис Иванович', email: 'boris@kolos.ru', level: { code: 'gold' } });
  });

  it('lists checks, opens one and returns part of it', async () => {
    await page.getByRole('menuitem', { name: 'Чеки' }).click();
    await page.getByRole('cell', { name: 's-2' }).waitFor();
    await page.getByRole('cell', { name: 'Вера' }).first().waitFor();
    await page.getByText('чек от').first().waitFor();
    await shot('cabinet-checks');
    await page.getByRole('cell', { name: 's-2' }).click();
    await page.getByText('Пирог с вишней').waitFor();
    await page.getByLabel('Вернуть строку 1').fill('1');
    await page.getByRole('button', { name: 'Вернуть отмеченное' }).click();
    await page.getByText('Возврат проведён').waitFor();
    await page.getByText('Возвраты этой продажи').waitFor();
    await shot('cabinet-check-refund');
    const sale = (await call(s.api, 'GET', `/v1/customers/${ids.vera}`, admin)).body;
    expect(sale.id).toBe(ids.vera);
    const owner = await ownerCookie();
    const s2 = (await web(owner, 'GET', `/checks?customerId=${ids.vera}&kind=sale`)).body.items.find((c: { externalId: string }) => c.externalId === 's-2');
    expect((await web(owner, 'GET', `/checks/${s2.id}`)).body.check.lines.map((l: { refunded: number }) => l.refunded)).toEqual([1000, 0]);
  });

  it('shows the month\'s invoice', async () => {
    await page.getByRole('menuitem', { name: 'Счёт' }).click();
    await page.locator('#invoice-total').waitFor();
    const owner = await ownerCookie();
    const total = (await web(owner, 'GET', '/invoice')).body.total as number;
    expect((await page.locator('#invoice-total').innerText()).replace(/\s/g, '')).toBe(new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB', minimumFractionDigits: 2 }).format(total / 100).replace(/\s/g, ''));
    await shot('cabinet-invoice');
  });
});
