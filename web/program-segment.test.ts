import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, type TestService } from '../test/service.ts';

// The owner gives a promotion an audience by segment in the program editor (Debian's Chromium):
// «от» above «до» is refused under the field, the saved program holds the segment in kopecks and
// years, and the till then prices a customer of the segment with it and anyone else without it.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

const PROGRAM = {
  levels: [{ code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 }],
  activationDays: 0,
  timezone: 'Europe/Moscow',
  promotions: [{ id: 'her', name: 'Для неё', effect: { type: 'percent', percent: 10 } }],
};

let s: TestService;
let admin: string;
let till: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(`${ROOT}web/dist/index.html`)) execFileSync(`${ROOT}node_modules/.bin/vite`, ['build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(SHOTS, { recursive: true });
  s = await startTestService({ redis: true });
  admin = (await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Ателье «Нить»', program: PROGRAM })).body.adminKey;
  till = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api' })).body.key;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' })).newPage();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});
afterEach(async (t) => {
  if (t.task.result?.state === 'fail') await page.screenshot({ path: `${SHOTS}debug-failed-segment.png`, fullPage: true });
});

const pick = async (id: string, option: string) => {
  await page.locator('.ant-select-selector').filter({ has: page.locator(`#${id}`) }).click();
  await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
};

describe('a promotion for a segment, set in the program editor', () => {
  it('refuses «от» above «до» under the field, saves the segment, and the till applies it to the segment only', async () => {
    await page.goto(`${s.api}/cabinet`);
    await page.getByPlaceholder('kp_admin_…').fill(admin);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByRole('menuitem', { name: 'Программа' }).click();
    await page.getByText('Акции', { exact: true }).click();
    await page.locator('#promotions_0_when_segmentOn').click();
    await pick('promotions_0_when_segment_gender', 'женский');
    await page.locator('#promotions_0_when_segment_minAge').fill('30');
    await page.locator('#promotions_0_when_segment_maxAge').fill('20');
    await page.locator('#promotions_0_when_segment_minAverageCheck').fill('1500,50');
    await page.getByRole('button', { name: 'Сохранить программу' }).click();
    const card = page.locator('.promotion-card');
    await expect.poll(() => card.getByText('возраст: «от» (30) больше «до» (20)').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.locator('#promotions_0_when_segment_maxAge').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}cabinet-program-promotion-segment-error.png` });
    await page.locator('#promotions_0_when_segment_maxAge').fill('45');
    await page.getByRole('button', { name: 'Сохранить программу' }).click();
    await page.getByText('Программа сохранена').first().waitFor();
    await page.locator('.promotion-segment').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}cabinet-program-promotion-segment.png` });
    const p = (await call(s.api, 'GET', '/v1/program', admin)).body;
    expect(p.promotions[0].when).toEqual({ segment: { gender: 'female', minAge: 30, maxAge: 45, minAverageCheck: 150_050 } });

    // At the till: a woman of 36 with an average check of 2 000 ₽ gets it; a man with the same does not; no customer, no promotion.
    const born = `${new Date().getFullYear() - 36}-01-01`;
    const register = async (phone: string, gender: string) => (await call(s.pos, 'POST', '/v1/customers', till, { phone, gender, birthDate: born, carriedOver: { total: 400_000, purchases: 2 } })).body.id as string;
    const her = await register('+79161230001', 'female');
    const him = await register('+79161230002', 'male');
    const check = (customer: unknown) => ({ externalId: `c-${Math.random()}`, occurredAt: new Date().toISOString(), customer, lines: [{ lineNo: 1, productId: 'dress', quantity: 1000, price: 100_000, amount: 100_000 }] });
    const discount = async (customer: unknown) => (await call(s.pos, 'POST', '/v1/checks/calculate', till, check(customer))).body.totals.discount;
    expect([await discount({ id: her }), await discount({ id: him }), await discount(null)]).toEqual([10_000, 0, 0]);
    const sold = await call(s.pos, 'POST', '/v1/checks', till, check({ id: her }));
    expect(sold.body.totals.discount).toBe(10_000);
  });
});
