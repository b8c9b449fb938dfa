import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, tenantWithChannel, type TestService } from '../../test/service.ts';
import { Till, type Position, type Receipt } from './harness.ts';

// The shipped script kopilka.js, run as Frontol would run it (harness.ts, till.mjs), against a
// real Kopilka: a sale, the most bonuses a customer may pay, a level discount, a return at another
// till of the shop, the network down and the queue sent after Frontol restarts.

const SCRIPT = readFileSync(new URL('./kopilka.js', import.meta.url), 'utf8');
const CARD = '2000000000017';
const PHONE = '+79161234567';

let s: TestService;
let shop: { admin: string; key: string };
const tills: Till[] = [];
let coffeeSale: Receipt;

/** Till n of shop 1, its clock n minutes behind: tills of one shop do not close receipts with the same number in the same second (the sale id is shop, time and number: kopilka.js). */
async function till(workplace: number, key = shop.key, settings?: Record<string, string>): Promise<Till> {
  const t = await Till.start({ script: SCRIPT, url: s.pos, key, shop: 1, workplace, clockShiftMs: -workplace * 60_000, settings });
  tills.push(t);
  return t;
}
const item = (code: string, name: string, price: string, quantity = '1'): Position => ({ code, name, price, quantity });
async function balance(key: string, by: string): Promise<string> {
  const q = await fetch(`${s.pos}/frontol/v1/balance?${by}`, { headers: { authorization: `Bearer ${key}` } });
  return ((await q.json()) as { customer: { balance: string } }).customer.balance;
}
/** The recorded sale: a resend of the script's own commit answers what was recorded. */
async function recorded(t: Till, key = shop.key) {
  const sent = t.requests.filter((r) => r.path === '/frontol/v1/commit').at(-1)!;
  const r = await fetch(`${s.pos}/frontol/v1/commit`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(sent.body) });
  return { sent: sent.body, answer: (await r.json()) as any };
}

beforeAll(async () => {
  s = await startTestService({ redis: false });
  shop = await tenantWithChannel(s, 'Сырная лавка', 'frontol', '1');
  expect((await call(s.pos, 'POST', '/v1/customers', shop.admin, { phone: PHONE, cardNumber: CARD })).status).toBe(201);
});
afterAll(async () => {
  for (const t of tills) await t.stop();
  await s?.stop();
});

describe('kopilka.js on a Frontol till', () => {
  it('is written in what JScript 5 (Frontol\'s engine) parses: no ES5+ syntax, no JSON object', () => {
    const code = SCRIPT.replace(/\/\/.*$/gm, '').replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
    for (const [what, re] of [['let/const', /\b(let|const)\s/], ['arrow function', /=>/], ['template literal', /`/], ['JSON object', /\bJSON\./], ['trailing comma', /,\s*[}\]]/], ['Array#forEach/map/indexOf', /\.(forEach|map|filter|indexOf|trim)\(/]] as const) {
      expect(re.test(code), what).toBe(false);
    }
  });

  it('records a sale paid with the most bonuses allowed at its price before the bonuses (example a)', async () => {
    const t = await till(1);
    // A first sale earns 125 bonuses (10 % of 1 250 ₽).
    await t.open([item('1001', 'Сыр «Российский», головка', '1250.00')]);
    await t.card(CARD);
    expect((await t.messages())[0]).toMatch(/Бонусов: 0\.00/);
    const first = await t.close();
    expect(first).toMatchObject({ bonus: '0.00', toPay: '1250.00' });
    expect(await balance(shop.key, `card=${CARD}`)).toBe('125.00');

    // 250 ₽ of coffee: half may be paid with bonuses; the cashier takes the offered maximum.
    await t.open([item('2002', 'Кофе в зёрнах', '250.00')]);
    await t.card(CARD);
    await t.subtotal();
    expect(await t.messages()).toContainEqual(expect.stringMatching(/Оплачено бонусами: 125\.00\nК оплате: 125\.00/));
    const paid = await t.close();
    expect(paid).toMatchObject({ bonus: '125.00', toPay: '125.00', positions: [{ price: '250.00', totalSum: '125.00' }] });
    coffeeSale = paid;

    const { sent, answer } = await recorded(t);
    // The script sends the position before the bonus payment, the bonus part separately.
    expect(sent).toMatchObject({ positions: [{ code: '2002', sum: '250.00' }], bonusPayment: '125.00', card: CARD });
    expect(answer).toMatchObject({ ok: true, replay: true, total: { sum: '250.00', discount: '0.00', bonusPayment: '125.00', toPay: '125.00', accrued: '12.00' } });
    expect(await balance(shop.key, `card=${CARD}`)).toBe('12.00');
    expect(t.queued()).toEqual({ waiting: [], failed: [] });
  });

  it('returns that sale at another till of the shop, found by its base document (bonuses back)', async () => {
    const sold = tills[0]!;
    const sale = sold.requests.filter((r) => r.path === '/frontol/v1/commit').at(-1)!.body;
    const other = await till(2);
    // The return's base document is the receipt printed at till 1.
    await other.open([item('2002', 'Кофе в зёрнах', '250.00')], { type: 2, base: coffeeSale });
    await other.close();
    const refund = other.requests.find((r) => r.path === '/frontol/v1/refund')!;
    expect(refund.body).toMatchObject({ saleDocument: sale.document, positions: [{ code: '2002', quantity: '1' }] });
    expect(await other.messages()).toEqual(['Возвращено 125 бонусов, оплаченных этим чеком\nСписано 12 бонусов, начисленных за возвращённые товары']);
    // 125 bonuses paid come back, the 12 accrued on the sale are taken back.
    expect(await balance(shop.key, `card=${CARD}`)).toBe('125.00');
    const again = await fetch(`${s.pos}/frontol/v1/refund`, { method: 'POST', headers: { authorization: `Bearer ${shop.key}`, 'content-type': 'application/json' }, body: JSON.stringify(refund.body) });
    expect(await again.json()).toMatchObject({ ok: true, replay: true, refund: { sum: '250.00', bonusReturned: '125.00', bonusTakenBack: '12.00' } });
  });

  it('records a level discount once: 237.50 ₽ paid, 237.50 ₽ recorded, 23 bonuses (example b)', async () => {
    const program = {
      levels: [{ code: 'gold', name: 'Золотой', threshold: 0, accrual: { type: 'percent', percent: 10 }, discount: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 }],
      activationDays: 0,
      timezone: 'Europe/Moscow',
    };
    const tenant = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Чайная', program });
    const admin = tenant.body.adminKey as string;
    const key = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'frontol', storeId: '1' })).body.key as string;
    expect((await call(s.pos, 'POST', '/v1/customers', admin, { phone: PHONE, cardNumber: CARD })).status).toBe(201);

    const t = await till(1, key);
    await t.open([item('3003', 'Чай улун', '250.00')]);
    await t.card(CARD);
    const paid = await t.close();
    expect(paid).toMatchObject({ bonus: '0.00', toPay: '237.50', positions: [{ price: '237.50' }] });
    const { sent, answer } = await recorded(t, key);
    expect(sent).toMatchObject({ positions: [{ sum: '237.50' }], bonusPayment: '0.00' });
    expect(answer.total).toEqual({ sum: '237.50', discount: '0.00', bonusPayment: '0.00', toPay: '237.50', accrued: '23.00' });
    expect(await balance(key, `card=${CARD}`)).toBe('23.00');
  });

  it('keeps a sale closed without network in a file and sends it after Frontol restarts; phone entry', async () => {
    const t = await till(3);
    await t.network(false);
    await t.open([item('4004', 'Багет', '80.00', '2')]);
    await t.phone('8 (916) 123-45-67');
    expect((await t.messages())[0]).toMatch(/Нет связи/);
    const r = await t.close();
    expect(r.toPay).toBe('160.00');
    expect((await t.messages()).join('\n')).toMatch(/отправится позже/);
    const { waiting } = t.queued();
    expect(waiting).toHaveLength(1);
    expect(t.queuedRequest(waiting[0]!)).toMatchObject({ path: '/frontol/v1/commit', body: { phone: PHONE, positions: [{ code: '4004', quantity: '2', sum: '160.00' }] } });
    expect(await balance(shop.key, `card=${CARD}`)).toBe('125.00');

    // Frontol is closed and started again, the network is back: init() sends the queue.
    await t.restart();
    expect(t.queued()).toEqual({ waiting: [], failed: [] });
    expect(await balance(shop.key, `phone=${encodeURIComponent(PHONE)}`)).toBe('141.00');
    expect(t.requests.filter((x) => x.path === '/frontol/v1/commit')).toHaveLength(1);
  });

  it('sends a sale and its return made offline in that order', async () => {
    // Without the pause between retries (a minute by default, so that a dead network does not
    // cost every document a timeout), the next document's opening sends the queue.
    const t = await till(8, shop.key, { RETRY_PAUSE_MS: '0' });
    await t.network(false);
    await t.open([item('8008', 'Пирог', '300.00')]);
    await t.card(CARD);
    const sale = await t.close();
    await t.open([item('8008', 'Пирог', '300.00')], { type: 2, base: sale });
    await t.close();
    expect(t.queued().waiting).toHaveLength(2);
    await t.network(true);
    await t.open([item('9009', 'Вода', '40.00')]);
    // The sale first, then its return.
    expect(t.requests.map((r) => r.path)).toEqual(['/frontol/v1/commit', '/frontol/v1/refund']);
    expect(t.queued().waiting).toEqual([]);
    expect(await balance(shop.key, `card=${CARD}`)).toBe('141.00');
    const refund = t.requests[1]!.body;
    const again = await fetch(`${s.pos}/frontol/v1/refund`, { method: 'POST', headers: { authorization: `Bearer ${shop.key}`, 'content-type': 'application/json' }, body: JSON.stringify(refund) });
    expect(await again.json()).toMatchObject({ ok: true, replay: true, refund: { sum: '300.00', bonusTakenBack: '30.00' } });
  });

  it('sets a document Kopilka refuses for good aside in failed/, so the queue goes on', async () => {
    const wrong = await Till.start({ script: SCRIPT, url: s.pos, key: 'kp_frontol_wrong', shop: 1, workplace: 5 });
    tills.push(wrong);
    await wrong.open([item('5005', 'Сыр', '10.00')]);
    await wrong.close();
    // A wrong key is not a network failure: a retry will not pass, so it is set aside for the administrator.
    expect(wrong.queued()).toMatchObject({ waiting: [], failed: [expect.stringMatching(/\.json$/)] });
    expect((await wrong.messages()).join('\n')).toMatch(/ключ|Unauthorized|авториз/i);
  });

  it('never merges two tills\' receipts with the same number closed in the same second: the second is kept for review', async () => {
    const clock = Date.now() - 3600_000;
    const [a, b] = await Promise.all([6, 7].map((workplace) => Till.start({ script: SCRIPT, url: s.pos, key: shop.key, shop: 1, workplace, fixedClock: clock })));
    tills.push(a!, b!);
    await a!.open([item('6006', 'Хлеб', '50.00')]);
    await a!.close();
    await b!.open([item('7007', 'Молоко', '90.00')]);
    await b!.card(CARD);
    await b!.close();
    expect(a!.requests.at(-1)!.body.document).toBe(b!.requests.at(-1)!.body.document);
    expect(await b!.messages()).toContainEqual(expect.stringMatching(/передан на проверку/));
    expect(b!.queued()).toEqual({ waiting: [], failed: [] });
    const counts = await call(s.api, 'GET', '/v1/review/counts', shop.admin);
    expect(counts.body.byReason.IDEMPOTENCY_CONFLICT).toBe(1);
  });
});
