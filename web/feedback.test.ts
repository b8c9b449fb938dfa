import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smsRuStandIn, type StandIn } from '../communications/standins.ts';
import { call, startTestService, tenantWithChannel, type TestService } from '../test/service.ts';

// Feedback in a real browser: five sales send five SMS with personal links; one customer opens
// the link on a phone-sized screen, rates 5 and 9 and sends; four more answer through the page's
// API; the owner opens «Отзывы» in the cabinet, sees NPS 40 and answers the unhappy one, whose
// answer reaches the SMS.ru stand-in. Screenshots: web/screenshots/feedback.png, cabinet-feedback.png.
// Needs the built pages (npm run build:web).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const PUBLIC = 'https://kopilka.example.ru';

let s: TestService;
let smsru: StandIn;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  smsru = await smsRuStandIn();
  s = await startTestService({ redis: false, env: { SMSRU_API_ID: 'test-api-id-feedback', SMSRU_URL: smsru.url, PUBLIC_URL: PUBLIC, LOG_LEVEL: process.env.FEEDBACK_LOG ?? 'silent' } });
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await smsru?.close();
});

async function links(phones: string[]): Promise<string[]> {
  const find = () => phones.map((p) => smsru.received.find((r) => r.to === p.slice(1) && r.text.includes('/feedback/')));
  await expect.poll(() => find().every(Boolean), { timeout: 20_000 }).toBe(true);
  return find().map((r) => /\/feedback\/([\w-]{32})$/.exec(r!.text)![1]!);
}

describe.skipIf(!existsSync(CHROMIUM))('feedback page and the cabinet tab in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  const newPage = async (width: number, height: number): Promise<Page> => (await browser.newContext({ viewport: { width, height }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' })).newPage();

  it('a customer rates 5 and 9 by the link; the owner sees NPS 40 and answers a review by SMS', async () => {
    const { admin, key } = await tenantWithChannel(s, 'Кофейня «Зерно»', 'api');
    await call(s.api, 'PUT', '/v1/messages/settings', admin, { quietHours: null, dailyCap: 0, channels: ['sms'] });
    expect((await call(s.api, 'PUT', '/v1/feedback/settings', admin, { enabled: true, delayMinutes: 0 })).status).toBe(200);
    const phones = ['+79031110001', '+79031110002', '+79031110003', '+79031110004', '+79031110005'];
    for (const [i, phone] of phones.entries()) {
      const c = await call(s.pos, 'POST', '/v1/customers', key, { phone, name: `Гость ${i + 1}` });
      const amount = 35000 + i * 10000;
      const check = { externalId: `z-${i + 1}`, occurredAt: new Date().toISOString(), storeId: i < 2 ? 'Центр' : 'Вокзал', cashierId: 'anna', customer: { id: c.body.id },
        lines: [{ lineNo: 1, productId: 'latte', quantity: 1000, price: amount, amount }], payments: [{ type: 'card', amount }] };
      const sold = await call(s.pos, 'POST', '/v1/checks', key, check);
      expect(sold.status, JSON.stringify([c.body, sold.body])).toBe(201);
    }
    const tokens = await links(phones);

    const page = await newPage(390, 844);
    await page.goto(`${s.api}/feedback/${tokens[0]}`);
    await page.getByText('Кофейня «Зерно»').waitFor();
    await page.locator('.ant-rate-star').nth(4).locator('div').first().click();
    await page.getByRole('button', { name: '9', exact: true }).click();
    await page.getByPlaceholder('Необязательно').fill('Очень вкусный латте, спасибо Анне!');
    await page.mouse.move(0, 0); // no star's tooltip over the picture
    await page.waitForFunction(() => document.querySelector('.ant-tooltip:not(.ant-tooltip-hidden)') === null);
    await page.screenshot({ path: `${SHOTS}feedback.png`, fullPage: true });
    await page.getByRole('button', { name: 'Отправить отзыв' }).click();
    await page.getByText('Спасибо за отзыв!').waitFor();
    await page.close();

    for (const [i, [rating, nps]] of [[5, 10], [4, 9], [4, 8], [1, 3]].entries()) {
      const r = await call(s.api, 'POST', `/web/api/feedback/${tokens[i + 1]}`, null, { rating, nps, text: nps < 7 ? 'Долго ждал заказ' : null });
      expect(r.status).toBe(201);
    }
    const first = (await call(s.api, 'GET', '/v1/feedback?storeId=Центр', admin)).body.reviews.find((r: any) => r.externalId === 'z-1');
    expect(first).toMatchObject({ rating: 5, nps: 9, text: 'Очень вкусный латте, спасибо Анне!', storeId: 'Центр', cashierId: 'anna', amount: 35000 });

    const owner = await newPage(1280, 860);
    await owner.goto(`${s.api}/cabinet`);
    await owner.getByPlaceholder('kp_admin_…').fill(admin);
    await owner.getByRole('button', { name: 'Войти' }).click();
    await owner.getByRole('menuitem', { name: 'Отзывы' }).click();
    await owner.getByText('NPS за период').waitFor();
    await expect.poll(() => owner.locator('.ant-statistic-content-value').first().innerText()).toBe('40');
    const row = owner.locator('tr', { hasText: 'Долго ждал заказ' });
    await row.getByRole('button', { name: 'Ответить' }).click();
    await owner.getByPlaceholder('Ответ уйдёт покупателю сообщением').fill('Простите! Добавили второго бариста.');
    await owner.getByRole('button', { name: 'Отправить' }).click();
    await owner.getByText('Ответ отправлен покупателю').waitFor();
    await owner.locator('td', { hasText: 'Простите! Добавили второго бариста.' }).waitFor();
    await owner.waitForFunction(() => document.querySelector('.ant-message-notice') === null, undefined, { timeout: 10_000 });
    await owner.screenshot({ path: `${SHOTS}cabinet-feedback.png`, fullPage: true });
    await expect.poll(() => smsru.received.some((r) => r.to === '79031110005' && r.text === 'Кофейня «Зерно» отвечает на ваш отзыв: Простите! Добавили второго бариста.'), { timeout: 20_000 }).toBe(true);
    await owner.close();

    const nps = await call(s.api, 'GET', '/v1/feedback/nps?by=store', admin);
    expect(nps.body.total).toMatchObject({ promoters: 3, passives: 1, detractors: 1, nps: 40 });
  }, 120_000);
});
