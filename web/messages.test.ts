import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smsRuStandIn, type StandIn } from '../communications/standins.ts';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, type TestService } from '../test/service.ts';

// The cabinet's «Сообщения», «Рассылки», «Цепочки» and «Подключения» in a real browser against a
// whole Kopilka and the SMS.ru stand-in: the owner sets the shop's SMS.ru account (its api_id is
// then write-only), turns quiet hours off, edits a template with its live sample, previews a
// campaign (count, SMS parts, cost in rubles) and sends it with a gift, reads the log, writes to
// one customer, creates a reactivation chain, runs it, sees a customer come back with revenue;
// «Подключения» shows the channel's last check; a self-registration link with a source and a
// store registers a customer under that source with the self-registration gift.
// Screenshots: web/screenshots/cabinet-messages-*.png, cabinet-campaigns.png, cabinet-chains.png,
// cabinet-connectors.png, join-source.png. Needs the built pages (npm run build:web).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const PUBLIC = 'https://kopilka.example.ru';
const PEOPLE = [
  { phone: '+79031230001', name: 'Анна', consent: true, bought: 100000 },
  { phone: '+79031230002', name: 'Борис', consent: true, bought: 50000 },
  { phone: '+79031230003', name: 'Вера', consent: true, bought: 0 },
  { phone: '+79031230004', name: 'Глеб', consent: false, bought: 0 },
];

let s: TestService;
let smsru: StandIn;
let admin: string;
let tenantId: string;
let till: string;
const ids: Record<string, string> = {};

async function sell(customerId: string, externalId: string, amount: number): Promise<void> {
  const check = { externalId, occurredAt: new Date().toISOString(), customer: { id: customerId }, lines: [{ lineNo: 1, productId: 'latte', quantity: 1000, price: amount, amount }], payments: [{ type: 'card', amount }] };
  const r = await call(s.pos, 'POST', '/v1/checks', till, check);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  smsru = await smsRuStandIn();
  // No service SMS account: until the owner sets one, the shop has no SMS.
  s = await startTestService({ redis: false, env: { SMSRU_URL: smsru.url, PUBLIC_URL: PUBLIC, LOG_LEVEL: process.env.WEBMSG_LOG ?? 'silent' } });
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Кофейня «Зерно»', program: { ...SIMPLE_PROGRAM, gifts: { selfRegistration: { points: 10000 } } } });
  admin = t.body.adminKey;
  tenantId = t.body.id;
  till = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api' })).body.key;
  for (const p of PEOPLE) {
    const c = await call(s.pos, 'POST', '/v1/customers', till, { phone: p.phone, name: p.name });
    ids[p.name] = c.body.id;
    if (p.consent) expect((await call(s.api, 'POST', `/v1/customers/${c.body.id}/consents`, admin, { kind: 'advertising', granted: true, textVersion: '2026-11', channel: 'касса' })).status).toBe(201);
    if (p.bought > 0) await sell(c.body.id, `sale-${p.name}`, p.bought);
  }
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await smsru?.close();
});

/** The owner signed in: the session opened with the admin key like the sign-in form does. */
async function ownerPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' })).newPage();
  await page.goto(`${s.api}/cabinet`);
  const status = await page.evaluate(async (key) => {
    const r = await fetch('/web/api/session', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'x-kopilka-web': '1', 'content-type': 'application/json' }, body: JSON.stringify({ as: 'cabinet' }) });
    return r.status;
  }, admin);
  expect(status).toBe(201);
  return page;
}

const open = async (page: Page, section: string) => {
  await page.goto(`${s.api}/cabinet/${section}`);
  await page.locator('.ant-layout-content').waitFor();
};
const quiet = (page: Page) => page.waitForFunction(() => document.querySelector('.ant-message-notice') === null, undefined, { timeout: 10_000 });
const sent = (phone: string, text: string | RegExp) => smsru.received.some((r) => r.to === phone.slice(1) && (typeof text === 'string' ? r.text === text : text.test(r.text)));

describe.skipIf(!existsSync(CHROMIUM))('messages, campaigns, chains and connectors in the cabinet (Chromium)', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await ownerPage(browser);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('sets the shop’s SMS.ru account (api_id write-only, kept when left empty) and turns quiet hours off', async () => {
    await open(page, 'messages');
    const sms = page.locator('#provider-sms');
    await sms.getByText('не настроен').waitFor();
    await sms.getByLabel('api_id').fill('owner-api-id-0001');
    await sms.getByLabel('Имя отправителя').fill('ZERNO');
    await sms.getByLabel('Цена одного SMS, ₽').fill('3,50');
    await sms.getByRole('button', { name: 'Сохранить SMS' }).click();
    await sms.getByText('настроен: SMS.ru').waitFor();
    await expect.poll(() => sms.getByLabel('api_id').getAttribute('placeholder')).toBe('задан');
    // Saved again with the api_id left empty: the one on the server stays.
    await sms.getByLabel('Имя отправителя').fill('ZERNO2');
    await sms.getByRole('button', { name: 'Сохранить SMS' }).click();
    await quiet(page);
    const v = await page.evaluate(async () => (await (await fetch('/web/api/messages/settings')).json()).providers.sms);
    expect(v).toEqual({ provider: 'smsru', from: 'ZERNO2', price: 350, login: null, tokenSet: true });
    expect((await call(s.api, 'GET', '/v1/messages/settings', admin)).body.providers.sms).toBe('smsru');
    await page.screenshot({ path: `${SHOTS}cabinet-messages-providers.png`, fullPage: true });

    await page.getByRole('tab', { name: 'Правила' }).click();
    await page.getByText('Тихие часы (время программы)').waitFor();
    await page.getByRole('switch', { name: 'Тихие часы' }).click();
    await page.getByRole('button', { name: 'Сохранить правила' }).click();
    await page.getByText('Правила сохранены').waitFor();
    expect((await call(s.api, 'GET', '/v1/messages/settings', admin)).body.rules.quietHours).toBeNull();
  }, 60_000);

  it('edits the accrual template with a live sample; the server keeps it', async () => {
    await page.getByRole('tab', { name: 'Шаблоны' }).click();
    const card = page.locator('#template-accrued');
    await card.locator('textarea').fill('{name}, +{points} бонусов! Баланс {balance}');
    await expect.poll(() => card.locator('.template-preview').innerText()).toContain('Анна, +150 бонусов! Баланс 1 250');
    await card.locator('textarea').fill('{name}, +{points} бонусов! {bonus}');
    await card.getByText('Неизвестная подстановка: {bonus}').waitFor();
    await card.locator('textarea').fill('{name}, +{points} бонусов! Баланс {balance}');
    await card.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByText('Шаблон «Начисление» сохранён').waitFor();
    const t = (await call(s.api, 'GET', '/v1/messages/templates', admin)).body.templates.find((x: any) => x.event === 'accrued');
    expect(t).toMatchObject({ body: '{name}, +{points} бонусов! Баланс {balance}', enabled: true, custom: true });
    await quiet(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}cabinet-messages-templates.png` });
  }, 60_000);

  it('previews a campaign (2 customers, 4 SMS parts, 14 ₽) and sends it with a gift after confirming', async () => {
    await open(page, 'campaigns');
    await page.getByRole('spinbutton', { name: 'Покупок от', exact: true }).fill('1');
    await page.getByLabel('Название рассылки').fill('friday-1');
    const text = 'В пятницу скидка 20% на весь кофе в «Зерне»! Приходите с 8 до 22, ждём вас и ваших друзей.';
    await page.getByLabel('Текст рассылки').fill(text);
    await page.getByRole('switch', { name: 'Подарок' }).click();
    const preview = page.locator('#campaign-preview');
    await expect.poll(() => preview.innerText()).toMatch(/В сегменте\s+2\s+Получат\s+2\s+Частей SMS\s+4/);
    expect(await preview.innerText()).toContain('14,00');
    await page.getByRole('button', { name: 'Отправить…' }).click();
    await page.locator('.ant-modal-confirm-title', { hasText: 'Отправить рассылку «friday-1»?' }).waitFor();
    await page.locator('.ant-modal-confirm').getByRole('button', { name: 'Отправить' }).click();
    await page.getByText(/В очереди: 2/).waitFor();
    await expect.poll(() => sent(PEOPLE[0]!.phone, text) && sent(PEOPLE[1]!.phone, text), { timeout: 20_000 }).toBe(true);
    expect(smsru.received.filter((r) => r.text === text)).toHaveLength(2);
    const anna = (await call(s.api, 'GET', `/v1/customers/${ids['Анна']}`, admin)).body;
    expect(anna.balance.available).toBe(10000 + 10000); // 10% of 1000 ₽ and the 100-bonus gift
    const row = page.locator('tr', { hasText: 'friday-1' });
    await expect.poll(async () => (await page.getByRole('button', { name: 'Обновить' }).click(), await row.innerText()), { timeout: 20_000 }).toContain('отправлено: 2');
    await quiet(page);
    await page.screenshot({ path: `${SHOTS}cabinet-campaigns.png`, fullPage: true });
  }, 90_000);

  it('the log filters by topic and channel; a message by hand reaches the customer', async () => {
    await open(page, 'messages');
    await page.getByRole('tab', { name: 'Журнал' }).click();
    await page.getByLabel('Тема').first().click();
    await page.locator('.ant-select-item-option', { hasText: /^рассылка$/ }).click();
    await expect.poll(() => page.locator('.ant-table-tbody tr.ant-table-row').count()).toBe(2);
    await page.getByLabel('Канал').first().click();
    await page.locator('.ant-select-item-option', { hasText: /^e-mail$/ }).click();
    await expect.poll(() => page.locator('.ant-table-tbody tr.ant-table-row').count()).toBe(0);
    await page.getByLabel('Канал').first().click();
    await page.locator('.ant-select-item-option', { hasText: /^SMS$/ }).click();
    await expect.poll(() => page.locator('.ant-table-tbody tr.ant-table-row').count()).toBe(2);
    await page.screenshot({ path: `${SHOTS}cabinet-messages-log.png`, fullPage: true });

    await page.getByRole('tab', { name: 'Написать клиенту' }).click();
    await page.getByRole('combobox', { name: 'Клиент' }).fill('Вера');
    await page.locator('.ant-select-item-option', { hasText: 'Вера' }).click();
    await page.getByLabel('Текст').fill('Вера, ваш заказ готов');
    await page.getByRole('button', { name: 'Отправить' }).click();
    await page.getByText('Сообщение в очереди').waitFor();
    await expect.poll(() => sent(PEOPLE[2]!.phone, 'Вера, ваш заказ готов'), { timeout: 20_000 }).toBe(true);
  }, 60_000);

  it('creates a chain, runs it, and counts the customer who came back and her revenue', async () => {
    await open(page, 'chains');
    await page.getByRole('button', { name: 'Новая цепочка' }).click();
    await page.getByLabel('Название цепочки').fill('Без покупок');
    await page.getByLabel('Шаг 1: текст').fill('Мы скучаем! Дарим 200 бонусов до конца месяца');
    await page.getByText('Подарок', { exact: true }).click();
    await page.screenshot({ path: `${SHOTS}cabinet-chains-new.png`, fullPage: true });
    await page.getByRole('button', { name: 'Создать цепочку' }).click();
    const card = page.locator('.chain-card', { hasText: 'Без покупок' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Пройти сейчас' }).click();
    await page.getByText(/Вошли: 2, вышли: 0, шагов выполнено: 2/).waitFor();
    const stat = (title: string) => card.locator('.ant-statistic', { hasText: title }).locator('.ant-statistic-content').innerText();
    expect(await stat('Участников')).toMatch(/^2/);
    expect(await stat('Подарков')).toMatch(/^2/);
    // Вера has advertising consent, Глеб has not: one message queued, one refused.
    await expect.poll(() => sent(PEOPLE[2]!.phone, 'Мы скучаем! Дарим 200 бонусов до конца месяца'), { timeout: 20_000 }).toBe(true);
    expect(sent(PEOPLE[3]!.phone, /Мы скучаем/)).toBe(false);

    await sell(ids['Вера']!, 'sale-back', 30000);
    await quiet(page);
    await card.getByRole('button', { name: 'Пройти сейчас' }).click();
    await page.getByText(/вышли: 1/).waitFor();
    await expect.poll(() => stat('Вернулись')).toBe('1');
    expect((await stat('Их выручка')).replace(/\s/g, '')).toBe('300,00₽');
    const r = (await call(s.api, 'GET', '/v1/chains', admin)).body.chains[0];
    const results = (await call(s.api, 'GET', `/v1/chains/${r.id}/results`, admin)).body;
    expect(results).toMatchObject({ participants: 2, gifts: { count: 2, points: 40000 }, returned: { customers: 1, revenue: 30000 } });
    expect(results.messages.skipped).toBe(1);
    await quiet(page);
    await page.screenshot({ path: `${SHOTS}cabinet-chains.png`, fullPage: true });
  }, 90_000);

  it('«Подключения» shows the channel’s last check; a join link with a source registers a customer under it with the gift', async () => {
    await open(page, 'connectors');
    const apiRow = page.locator('tr', { hasText: 'JSON API' }).first();
    await expect.poll(() => apiRow.innerText()).toContain(new Date().toLocaleDateString('ru-RU', { timeZone: 'Europe/Moscow' }));
    expect(await apiRow.innerText()).toMatch(/\t3$/); // three sales within 30 days
    await page.getByText('ни один пользователь Эвотора не связан').waitFor();
    await page.getByText(`${PUBLIC}/onec/soap?wsdl`).waitFor();

    await page.getByLabel('Акция').fill('leaflet');
    await page.getByLabel('Магазин').fill('shop-1');
    await page.getByRole('button', { name: 'Сделать ссылку' }).click();
    const url = `${PUBLIC}/join/${tenantId}?source=leaflet&store=shop-1`;
    await expect.poll(() => page.locator('#join-link-url').innerText()).toBe(url);
    await page.getByText('Источник клиента: self:leaflet.store-shop-1').waitFor();
    expect(await page.locator('#join-link svg[shape-rendering]').count()).toBe(1); // the QR code
    await page.screenshot({ path: `${SHOTS}cabinet-connectors.png`, fullPage: true });

    const phone = '+79031239999';
    const visitor = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' })).newPage();
    await visitor.goto(`${s.api}/join/${tenantId}?source=leaflet&store=shop-1`);
    await visitor.getByLabel('Телефон').fill(phone);
    await visitor.getByLabel('Имя').fill('Дарья');
    await visitor.getByText('Я согласен(на)').click();
    await visitor.getByRole('button', { name: 'Получить код' }).click();
    await visitor.getByLabel('Код из SMS').waitFor();
    const code = /(\d{4})$/.exec(smsru.received.filter((r) => r.to === phone.slice(1)).at(-1)!.text)![1]!;
    await visitor.getByLabel('Код из SMS').fill(code);
    await visitor.screenshot({ path: `${SHOTS}join-source.png`, fullPage: true });
    await visitor.getByRole('button', { name: 'Зарегистрироваться' }).click();
    await visitor.waitForURL(`**/me/${tenantId}`);
    await visitor.close();

    const dasha = (await call(s.api, 'GET', `/v1/customers?phone=${encodeURIComponent(phone)}`, admin)).body;
    expect(dasha.balance.available + dasha.balance.pending).toBe(10000);
    const report = (await call(s.api, 'GET', '/v1/reports/customers', admin)).body;
    expect(report.sources.find((x: any) => x.source === 'self:leaflet.store-shop-1')).toMatchObject({ customers: 1 });
    // The link maker is the owner's: without the cabinet's session it answers 401.
    expect((await call(s.api, 'GET', '/web/api/join-link?source=x', null)).status).toBe(401);
  }, 90_000);
});
