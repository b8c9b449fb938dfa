import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, SIMPLE_PROGRAM, startTestService, type TestService } from '../test/service.ts';

// «Подарочные сертификаты» in a real browser (Debian's Chromium driven by playwright-core) against
// a whole Kopilka: the owner issues a batch on the page and downloads its codes; a till sells one
// and a check pays part with it through the API; the page finds it by code and shows the balance
// and the check; the owner blocks it with a reason, and the till's next payment is refused. The
// native routes (block, list with CSV, an unknown code) are checked along the way.
// Screenshot: web/screenshots/cabinet-giftcards.png.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;

let s: TestService;
let admin: string;
let till: string;

beforeAll(async () => {
  s = await startTestService({ redis: false });
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Цветочная лавка', program: SIMPLE_PROGRAM });
  admin = t.body.adminKey;
  till = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'Центр' })).body.key;
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

describe('gift certificates over the native API', () => {
  it('block and unblock with a reason, the list with a total and CSV, an unknown code', async () => {
    const issued = (await call(s.api, 'POST', '/v1/giftcards', admin, { count: 2, nominal: 50_000, prefix: 'API-' })).body;
    const code = issued.codes[0];
    const blocked = await call(s.api, 'POST', `/v1/giftcards/${code}/block`, admin, { reason: 'Бланк испорчен при печати' });
    expect(blocked.status).toBe(201);
    expect(blocked.body).toMatchObject({ status: 'blocked', blocked: { by: 'API (ключ администратора)', reason: 'Бланк испорчен при печати' } });
    expect((await call(s.api, 'POST', `/v1/giftcards/${code}/block`, admin, { reason: 'повтор' })).status).toBe(200);
    const noReason = await call(s.api, 'POST', `/v1/giftcards/${code}/block`, admin, {});
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'INVALID_INPUT']);
    const list = await call(s.api, 'GET', '/v1/giftcards?status=blocked&prefix=api-', admin);
    expect([list.body.total, list.body.items.map((c: { code: string }) => c.code)]).toEqual([1, [code]]);
    const csv = await call(s.api, 'GET', `/v1/giftcards?batch=${issued.batch}&format=csv`, admin);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(String(csv.body).split('\r\n').filter((l) => l.startsWith('API-'))).toHaveLength(2);
    expect((await call(s.api, 'POST', `/v1/giftcards/${code}/unblock`, admin, {})).body).toMatchObject({ status: 'issued', blocked: null });
    const history = (await call(s.api, 'GET', `/v1/giftcards/${code}`, admin)).body;
    expect(history.blocks.map((b: { action: string }) => b.action)).toEqual(['block', 'unblock']);
    const unknown = await call(s.api, 'POST', '/v1/giftcards/NOPE-1/block', admin, { reason: 'потерян' });
    expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).toEqual([404, 'NOT_FOUND', 'Сертификат «NOPE-1» не найден: проверьте код']);
    // A till's key cannot block.
    expect((await call(s.pos, 'POST', `/v1/giftcards/${code}/block`, till, { reason: 'касса' })).status).toBeGreaterThanOrEqual(401);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('«Подарочные сертификаты» in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('issue a batch, sell one and pay part with it through the API, see the balance, block it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow', acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${s.api}/cabinet/giftcards`);
    await page.getByPlaceholder('kp_admin_…').fill(admin);
    await page.getByRole('button', { name: 'Войти' }).click();
    // The batch: 3 of 1 500 ₽, 180 days from the sale, prefix GIFT-.
    await page.locator('#giftcard-count').fill('3');
    await page.locator('#giftcard-nominal').fill('1500');
    await page.locator('#giftcard-days').fill('180');
    await page.locator('#giftcard-prefix').fill('GIFT-');
    await page.locator('#giftcard-issue').click();
    await page.getByText(/Выпущено 3 по 1\s?500,00/).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#giftcard-batch-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^giftcards-gc-\d+\.csv$/);
    const rows = readFileSync((await download.path())!, 'utf8').split('\r\n').filter((l) => l.startsWith('GIFT-'));
    expect(rows).toHaveLength(3);
    const code = rows[0]!.split(';')[0]!;
    expect(rows[0]).toMatch(/;1500,00;1500,00;не продан;/);

    // The till sells it and a check pays 400 ₽ of 1 000 ₽ with it.
    expect((await call(s.pos, 'POST', `/v1/giftcards/${code}/activate`, till, {})).status).toBe(201);
    const sale = { externalId: 'g1', occurredAt: new Date().toISOString(), lines: [{ lineNo: 1, productId: 'розы', quantity: 1000, price: 100_000, amount: 100_000 }], payments: [{ type: 'giftcard', code, amount: 40_000 }, { type: 'card', amount: 60_000 }] };
    const paid = await call(s.pos, 'POST', '/v1/checks', till, sale);
    expect([paid.status, paid.body.giftcards?.[0]?.balance]).toEqual([201, 110_000]);

    // The list finds it by the start of its code; the card shows the balance and the check.
    await page.locator('#giftcards-search').fill(code.slice(0, 9));
    const row = page.locator('.ant-table-row', { hasText: code });
    await expect.poll(() => page.locator('.ant-table-row').count()).toBe(1);
    await expect.poll(() => row.innerText()).toMatch(/действует[\s\S]*1\s?100,00/);
    await row.click();
    await page.locator('#giftcard-balance', { hasText: '1 100,00' }).waitFor();
    await page.locator('.ant-table-row', { hasText: 'g1' }).waitFor();
    expect(await page.locator('.ant-table-row', { hasText: 'g1' }).innerText()).toMatch(/400,00/);

    // Blocked with a reason: the card says so, the history keeps it, the till's next payment is refused.
    await page.locator('#giftcard-reason').fill('Клиент сообщил о потере');
    await page.locator('#giftcard-block').click();
    await page.getByRole('button', { name: 'Разблокировать' }).waitFor();
    await page.locator('.ant-tag', { hasText: 'заблокирован' }).first().waitFor();
    expect(await page.locator('.ant-table-row', { hasText: 'кабинет владельца' }).innerText()).toMatch(/Клиент сообщил о потере/);
    const refused = await call(s.pos, 'POST', '/v1/checks', till, { ...sale, externalId: 'g2' });
    expect([refused.status, refused.body.error.code, refused.body.error.message]).toEqual([422, 'GIFTCARD_REFUSED', `Сертификат «${code}» заблокирован: оплатить им нельзя`]);
    await page.waitForTimeout(400); // the success message settles
    await page.screenshot({ path: `${SHOTS}cabinet-giftcards.png`, fullPage: true });
    // The list's status filter shows it among the blocked.
    await page.goto(`${s.api}/cabinet/giftcards`);
    await page.locator('.ant-select', { has: page.locator('#giftcards-status') }).click();
    await page.locator('.ant-select-item-option', { hasText: 'заблокирован' }).click();
    await expect.poll(() => page.locator('.ant-table-row', { hasText: code }).count()).toBe(1);
    await expect.poll(() => page.locator('.ant-table-row').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}cabinet-giftcards-list.png`, fullPage: true });
    await context.close();
  }, 90_000);
});
