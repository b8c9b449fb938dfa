import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, type TestService } from '../test/service.ts';

// The cabinet's «Отчёты» in a real browser (Debian's Chromium driven by playwright-core) against a
// whole Kopilka: a week of sales in two stores by two cashiers through the API, then the owner
// opens the tab and sees the chart, the figures by store and the customer cards, and downloads
// the workbook through the session. Screenshot: web/screenshots/cabinet-reports.png.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

let s: TestService;
let admin: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  s = await startTestService({ redis: false });
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Кофейня «Зерно»', program: SIMPLE_PROGRAM });
  admin = t.body.adminKey;
  const keys = [(await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'Центр' })).body.key, (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'Вокзал' })).body.key];
  for (let i = 0; i < 3; i++) expect((await call(s.pos, 'POST', '/v1/customers', keys[0], { phone: `+7916777000${i}`, source: i === 0 ? 'vk' : 'касса' })).status).toBe(201);
  // Seven days of sales, more each day; the same three customers coming back.
  let n = 0;
  for (let d = 6; d >= 0; d--) {
    const at = new Date(Date.now() - d * 86_400_000).toISOString();
    for (let k = 0; k <= 6 - d; k++) {
      const store = k % 2;
      const amount = 20_000 + 10_000 * ((k + d) % 4);
      const r = await call(s.pos, 'POST', '/v1/checks', keys[store], { externalId: `w${n++}`, occurredAt: at, storeId: store ? 'Вокзал' : 'Центр', cashierId: store ? 'Ольга' : 'Анна', customer: { phone: `+7916777000${k % 3}` }, lines: [{ lineNo: 1, productId: 'латте', quantity: 1000, price: amount, amount }] });
      expect(r.status).toBe(201);
    }
  }
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

describe.skipIf(!existsSync(CHROMIUM))('cabinet reports in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the owner opens «Отчёты»: the sales chart, figures by store, customer cards and an Excel download', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' })).newPage();
    await page.goto(`${s.api}/cabinet/reports`);
    await page.getByPlaceholder('kp_admin_…').fill(admin);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.locator('.sales-chart .recharts-bar-rectangle path').first().waitFor();
    expect(await page.locator('.sales-chart .recharts-bar-rectangle path').count()).toBeGreaterThanOrEqual(7);
    const api = (await call(s.api, 'GET', `/v1/reports/sales?from=2000-01-01&to=2100-01-01&period=all`, admin)).body.rows[0];
    expect(api.checks).toBe(28);
    await expect.poll(() => page.getByText('28', { exact: true }).count()).toBeGreaterThan(0);
    const byStore = page.locator('.ant-table-row', { hasText: 'Вокзал' });
    await expect.poll(() => byStore.count()).toBe(1);
    expect(await byStore.innerText()).toContain('12'); // 0+0+1+1+2+2+3 checks in the second store
    const cards = page.locator('.customer-cards');
    await cards.getByText('Клиентов всего').waitFor();
    expect(await cards.innerText()).toMatch(/Клиентов всего\s+3/);
    expect(await page.locator('.ant-table-row', { hasText: 'касса' }).innerText()).toMatch(/касса\s+2\s+2\s+2/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Скачать Excel/ }).first().click()]);
    expect(download.suggestedFilename()).toMatch(/^kopilka-sales-.*\.xlsx$/);
    await page.waitForTimeout(600); // the chart's entry animation over
    await page.screenshot({ path: `${SHOTS}cabinet-reports.png`, fullPage: true });
  }, 60_000);
});
