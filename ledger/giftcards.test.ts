import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../test/expect-error.ts';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger, SecretBox, type CheckResult, type GiftcardPayment, type SaleOutcome } from './index.ts';

// Gift certificates through the ledger's face, against real Postgres: issued, sold once, checked
// by calculate, spent exactly once even when two gateways race for the last roubles, partly used,
// given back by refunds, refused when expired, and a till-closed overdraft kept for review.

const T0 = Date.parse('2026-11-22T12:00:00+03:00');
const AT = '2026-11-22T12:00:00+03:00';
let db: TestDatabase;
let a: Ledger;
let b: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  const secrets = new SecretBox(randomBytes(32));
  a = await Ledger.open({ pool: db.pool, secrets, now: () => T0 });
  b = await Ledger.open({ pool: db.pool, secrets, now: () => T0 }); // a second gateway
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const program = { levels: [{ code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 }], activationDays: 0 };
let n = 0;
function sale(amount: number, payments: { type: string; amount: number; code?: string }[], o: Record<string, unknown> = {}) {
  return { externalId: `s${++n}`, occurredAt: AT, customer: { phone: '+79160000701' }, lines: [{ lineNo: 1, productId: 'p', quantity: 2000, price: amount / 2, amount }], payments, ...o };
}
const answer = (r: SaleOutcome): CheckResult => {
  if (r.status !== 'recorded') throw new Error(`expected recorded, got ${r.status}`);
  return r.answer;
};
async function soldCard(t: string, nominal: number): Promise<string> {
  const { codes } = await a.issueGiftcards(t, { count: 1, nominal, validDays: 365 });
  await a.activateGiftcard(t, codes[0]!, 'pos', {});
  return codes[0]!;
}

describe('gift certificates', () => {
  it('are issued with unguessable codes, sold once, and listed by status', async () => {
    const t = (await a.createTenant('Цветы', 'month', program)).id;
    const issued = await a.issueGiftcards(t, { count: 3, nominal: 300_000, validDays: 180, prefix: 'GC-' });
    expect(issued.codes).toHaveLength(3);
    expect(issued.codes[0]).toMatch(/^GC-[A-HJ-NP-Z2-9]{12}$/);
    expect((await a.giftcards(t, { status: 'issued' })).map((c) => c.code).sort()).toEqual([...issued.codes].sort());
    const code = issued.codes[0]!;
    const sold = await a.activateGiftcard(t, code.toLowerCase(), 'pos', { storeId: 'shop-1' });
    expect(sold).toMatchObject({ replay: false, giftcard: { code, status: 'active', balance: 300_000, soldStore: 'shop-1', soldChannel: 'pos' } });
    // validDays count from the sale.
    expect(Date.parse(sold.giftcard.validTo!) - Date.parse(sold.giftcard.soldAt!)).toBe(180 * 86_400_000);
    expect((await a.activateGiftcard(t, code, 'pos', {})).replay).toBe(true); // the till's retry
    const other = await expectError(a.activateGiftcard(t, code, 'evotor', {}), 'GIFTCARD_REFUSED');
    expect(other.message).toMatch(/уже продан/);
    await expectError(a.activateGiftcard(t, 'NOPE', 'pos', {}), 'NOT_FOUND');
    expect((await a.giftcards(t, { status: 'active' })).map((c) => c.code)).toEqual([code]);
    expect(await a.giftcards(t, { code: 'gc-' })).toHaveLength(3);
    // Selling it was not a check: nothing recorded, no customer touched.
    expect((await db.pool.query('SELECT count(*)::int AS n FROM checks WHERE tenant_id = $1', [t])).rows[0].n).toBe(0);
  });

  it('calculate says the usable balance, and why a certificate cannot pay; the check still prices', async () => {
    const t = (await a.createTenant('Книги', 'month', program)).id;
    const code = await soldCard(t, 50_000);
    const { codes } = await a.issueGiftcards(t, { count: 1, nominal: 50_000 });
    const ok = await a.calculate(t, sale(80_000, [{ type: 'giftcard', amount: 30_000, code }, { type: 'card', amount: 50_000 }]));
    expect(ok.giftcards).toEqual([{ code, amount: 30_000, usable: 50_000, balance: 50_000, status: 'active' }]);
    const tooMuch = await a.calculate(t, sale(80_000, [{ type: 'giftcard', amount: 60_000, code }, { type: 'card', amount: 20_000 }]));
    expect(tooMuch.messages).toContain(`На сертификате «${code}» 500,00 ₽: оплатить им 600,00 ₽ нельзя`);
    const unsold = await a.calculate(t, sale(80_000, [{ type: 'giftcard', amount: 10_000, code: codes[0] }]));
    expect(unsold.giftcards![0]).toMatchObject({ status: 'issued', usable: 0 });
    expect(unsold.messages).toContain(`Сертификат «${codes[0]}» не продан (не активирован на кассе): оплатить им нельзя`);
    const unknown = await a.calculate(t, sale(80_000, [{ type: 'giftcard', amount: 10_000, code: 'NOPE' }]));
    expect(unknown.messages).toContain('Сертификат «NOPE» не найден: оплатить им нельзя');
    expect(unknown.totals.amount).toBe(80_000);
    // Nothing taken by calculate.
    expect((await a.giftcard(t, code)).balance).toBe(50_000);
  });

  it('a partial use leaves a balance; more than the balance is refused; the certificate part earns no bonuses', async () => {
    const t = (await a.createTenant('Обувь', 'month', program)).id;
    const code = await soldCard(t, 50_000);
    const plain = answer(await a.commit(t, 'api', sale(100_000, [{ type: 'card', amount: 100_000 }])));
    const paid = answer(await a.commit(t, 'api', sale(100_000, [{ type: 'giftcard', amount: 30_000, code }, { type: 'card', amount: 70_000 }])));
    expect(paid.giftcards).toEqual([{ code, amount: 30_000, usable: 50_000, taken: 30_000, overdraft: 0, balance: 20_000, status: 'active' }]);
    // 10 % of the 700 ₽ paid with money, not of 1000 ₽.
    expect(paid.totals.accrued).toBe(Math.round((plain.totals.accrued * 7) / 10));
    expect((await a.giftcard(t, code)).balance).toBe(20_000);
    const refused = await expectError(a.commit(t, 'api', sale(100_000, [{ type: 'giftcard', amount: 30_000, code }, { type: 'card', amount: 70_000 }])), 'GIFTCARD_REFUSED');
    expect(refused.message).toBe(`На сертификате «${code}» 200,00 ₽: оплатить им 300,00 ₽ нельзя`);
    const last = answer(await a.commit(t, 'api', sale(100_000, [{ type: 'giftcard', amount: 20_000, code }, { type: 'card', amount: 80_000 }])));
    expect(last.giftcards![0]).toMatchObject({ taken: 20_000, balance: 0 });
    const used = await a.giftcard(t, code);
    expect(used).toMatchObject({ status: 'used', balance: 0 });
    expect(used.uses.map((u) => u.amount)).toEqual([30_000, 20_000]);
    await expectLedgerInvariants(db.pool);
  });

  it('two gateways racing for the last balance: exactly one sale succeeds', async () => {
    const t = (await a.createTenant('Сеть', 'month', program)).id;
    for (let round = 0; round < 5; round++) {
      const code = await soldCard(t, 40_000);
      const body = (phone: string) => ({ ...sale(60_000, [{ type: 'giftcard', amount: 40_000, code }, { type: 'card', amount: 20_000 }]), customer: { phone } });
      const results = await Promise.allSettled([a.commit(t, 'api', body('+79160000801')), b.commit(t, 'api', body('+79160000802'))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason.code).toBe('GIFTCARD_REFUSED');
      const card = await a.giftcard(t, code);
      expect([card.balance, card.uses.length, card.status]).toEqual([0, 1, 'used']);
    }
  });

  it('a refund gives back what the certificate paid, in proportion, never more', async () => {
    const t = (await a.createTenant('Игрушки', 'month', program)).id;
    const code = await soldCard(t, 100_000);
    // 2 units of 500 ₽: 333,33 ₽ from the certificate, the rest by card.
    const s = answer(await a.commit(t, 'api', sale(100_000, [{ type: 'giftcard', amount: 33_333, code }, { type: 'card', amount: 66_667 }])));
    expect((await a.giftcard(t, code)).balance).toBe(66_667);
    const half = await a.refund(t, 'api', s.externalId, { externalId: `${s.externalId}-r1`, lines: [{ lineNo: 1, quantity: 1000 }] });
    if (half.status !== 'recorded') throw new Error('refund queued');
    expect(half.answer.messages).toContain('На подарочные сертификаты возвращено 166,66 ₽');
    expect((await a.giftcard(t, code)).balance).toBe(66_667 + 16_666);
    await a.refund(t, 'api', s.externalId, { externalId: `${s.externalId}-r2` });
    const back = await a.giftcard(t, code);
    expect(back.balance).toBe(100_000); // exactly what was taken, over both refunds
    expect(back.uses[0]).toMatchObject({ amount: 33_333, returned: 33_333 });
    // A used-up certificate is usable again after its sale comes back.
    const code2 = await soldCard(t, 10_000);
    const s2 = answer(await a.commit(t, 'api', sale(10_000, [{ type: 'giftcard', amount: 10_000, code: code2 }])));
    expect((await a.giftcard(t, code2)).status).toBe('used');
    await a.refund(t, 'api', s2.externalId, { externalId: `${s2.externalId}-r` });
    expect(await a.giftcard(t, code2)).toMatchObject({ status: 'active', balance: 10_000 });
  });

  it('an expired certificate cannot pay', async () => {
    const t = (await a.createTenant('Кино', 'month', program)).id;
    const code = await soldCard(t, 10_000);
    await db.pool.query(`UPDATE giftcards SET valid_to = '2026-11-01T00:00:00Z' WHERE tenant_id = $1 AND code = $2`, [t, code]);
    const calc = await a.calculate(t, sale(10_000, [{ type: 'giftcard', amount: 5_000, code }, { type: 'card', amount: 5_000 }]));
    expect(calc.giftcards![0]).toMatchObject({ status: 'expired', usable: 0 });
    expect(calc.messages).toContain(`Сертификат «${code}» просрочен: оплатить им нельзя`);
    await expectError(a.commit(t, 'api', sale(10_000, [{ type: 'giftcard', amount: 5_000, code }, { type: 'card', amount: 5_000 }])), 'GIFTCARD_REFUSED');
    expect((await a.giftcards(t, { status: 'expired' })).map((c) => c.code)).toEqual([code]);
  });

  it('a blocked certificate cannot pay a Kopilka-priced check; a till-closed one is recorded and kept for review; unblocked, it pays again', async () => {
    const t = (await a.createTenant('Ювелир', 'month', program)).id;
    const code = await soldCard(t, 50_000);
    answer(await a.commit(t, 'api', sale(20_000, [{ type: 'giftcard', amount: 10_000, code }, { type: 'card', amount: 10_000 }])));
    const blocked = await a.blockGiftcard(t, code.toLowerCase(), { reason: 'Клиент сообщил о потере', by: 'Ольга' }, 'кабинет');
    expect(blocked).toMatchObject({ replay: false, giftcard: { code, status: 'blocked', balance: 40_000, blocked: { by: 'Ольга (кабинет)', reason: 'Клиент сообщил о потере' } } });
    expect((await a.blockGiftcard(t, code, { reason: 'ещё раз' }, 'API')).replay).toBe(true); // a retry: the first block stands
    const calc = await a.calculate(t, sale(20_000, [{ type: 'giftcard', amount: 10_000, code }, { type: 'card', amount: 10_000 }]));
    expect(calc.messages).toContain(`Сертификат «${code}» заблокирован: оплатить им нельзя`);
    const refused = await expectError(a.commit(t, 'api', sale(20_000, [{ type: 'giftcard', amount: 10_000, code }, { type: 'card', amount: 10_000 }])), 'GIFTCARD_REFUSED');
    expect(refused.message).toBe(`Сертификат «${code}» заблокирован: оплатить им нельзя`);
    // The till has closed the check: recorded, nothing taken, all of it for review.
    const closed = answer(await a.commit(t, 'pos', sale(20_000, [{ type: 'giftcard', amount: 10_000, code }, { type: 'cash', amount: 10_000 }], { pricedBy: 'till' })));
    expect(closed.giftcards![0]).toMatchObject({ status: 'blocked', taken: 0, overdraft: 10_000, balance: 40_000 });
    const items = (await a.reviewItems(t)).items;
    expect(items).toEqual([expect.objectContaining({ reasonCode: 'GIFTCARD_OVERDRAFT', externalId: closed.externalId })]);
    expect(items[0]!.reason).toMatch(/списано 0,00 ₽ \(заблокирован\)/);
    // Listed as blocked, with the reason; a blocked one cannot be sold either.
    const list = await a.giftcardPage(t, { status: 'blocked' });
    expect([list.total, list.items[0]!.blocked?.reason]).toEqual([1, 'Клиент сообщил о потере']);
    const unblocked = await a.unblockGiftcard(t, code, { reason: 'Нашёлся' }, 'API');
    expect(unblocked).toMatchObject({ replay: false, giftcard: { status: 'active', balance: 40_000, blocked: null } });
    expect((await a.unblockGiftcard(t, code, {}, 'API')).replay).toBe(true);
    answer(await a.commit(t, 'api', sale(20_000, [{ type: 'giftcard', amount: 10_000, code }, { type: 'card', amount: 10_000 }])));
    const h = await a.giftcard(t, code);
    expect(h.balance).toBe(30_000);
    expect(h.uses.map((u) => [u.amount, u.overdraft])).toEqual([[10_000, 0], [0, 10_000], [10_000, 0]]);
    expect(h.blocks.map((b) => [b.action, b.by, b.reason])).toEqual([
      ['block', 'Ольга (кабинет)', 'Клиент сообщил о потере'],
      ['unblock', 'API', 'Нашёлся'],
    ]);
    // An unsold certificate blocked and unblocked is unsold again; an unknown code is NOT_FOUND.
    const { codes } = await a.issueGiftcards(t, { count: 1, nominal: 10_000 });
    await a.blockGiftcard(t, codes[0]!, { reason: 'Испорчен бланк' }, 'API');
    expect((await expectError(a.activateGiftcard(t, codes[0]!, 'pos', {}), 'GIFTCARD_REFUSED')).message).toMatch(/заблокирован/);
    expect((await a.unblockGiftcard(t, codes[0]!, undefined, 'API')).giftcard.status).toBe('issued');
    expect((await expectError(a.blockGiftcard(t, 'NOPE', { reason: 'потерян' }, 'API'), 'NOT_FOUND')).message).toBe('Сертификат «NOPE» не найден: проверьте код');
    await expectError(a.blockGiftcard(t, code, { reason: '' }, 'API'), 'INVALID_INPUT');
    await expectLedgerInvariants(db.pool);
  });

  it('the list pages with a total, filters by prefix and batch, and gives CSV', async () => {
    const t = (await a.createTenant('Спорт', 'month', program)).id;
    const one = await a.issueGiftcards(t, { count: 5, nominal: 100_000, prefix: 'SP-', validTo: '2027-12-31' });
    await a.issueGiftcards(t, { count: 2, nominal: 50_000, prefix: 'XA' });
    const p1 = await a.giftcardPage(t, { prefix: 'sp-', limit: '2' });
    const p3 = await a.giftcardPage(t, { prefix: 'sp-', limit: '2', offset: '4' });
    expect([p1.total, p1.items.length, p3.items.length, p3.total]).toEqual([5, 2, 1, 5]);
    expect((await a.giftcardPage(t, { prefix: 'SP-', offset: '10' })).total).toBe(5);
    expect((await a.giftcardPage(t, { batch: one.batch })).total).toBe(5);
    // LIKE's signs are plain: «SP_» is not «SP and any one sign».
    expect((await a.giftcardPage(t, { prefix: 'SP_' })).total).toBe(0);
    expect((await a.giftcardPage(t, { prefix: 'XA' })).total).toBe(2);
    await a.blockGiftcard(t, one.codes[0]!, { reason: '=HYPERLINK("x")' }, 'API');
    const csv = await a.giftcardsCsv(t, { prefix: 'SP-' });
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('\ufeffКод сертификата;Номинал, ₽;Остаток, ₽;Статус;Действует до;Продан;Магазин;Партия;Причина блокировки');
    expect(lines).toHaveLength(7);
    expect(lines.find((l) => l.startsWith(one.codes[0]!))).toBe(`${one.codes[0]};1000,00;1000,00;заблокирован;2027-12-31;;;${one.batch};"'=HYPERLINK(""x"")"`);
  });

  it('a till-closed check above the balance is recorded: the balance taken, the difference kept for review', async () => {
    const t = (await a.createTenant('Аптека', 'month', program)).id;
    const code = await soldCard(t, 20_000);
    const r = answer(await a.commit(t, 'pos', sale(50_000, [{ type: 'giftcard', amount: 30_000, code }, { type: 'cash', amount: 20_000 }], { pricedBy: 'till' })));
    const g: GiftcardPayment = r.giftcards![0]!;
    expect(g).toMatchObject({ amount: 30_000, taken: 20_000, overdraft: 10_000, balance: 0 });
    expect((await a.giftcard(t, code)).uses[0]).toMatchObject({ amount: 20_000, overdraft: 10_000 });
    const items = (await a.reviewItems(t)).items;
    expect(items).toEqual([expect.objectContaining({ reasonCode: 'GIFTCARD_OVERDRAFT', externalId: r.externalId })]);
    expect(items[0]!.reason).toMatch(/сертификатом «.+» 300,00 ₽, списано 200,00 ₽/);
    // An unknown certificate on a closed check: recorded too, all of it for review.
    const u = answer(await a.commit(t, 'pos', sale(5_000, [{ type: 'giftcard', amount: 5_000, code: 'ELSEWHERE' }], { pricedBy: 'till' })));
    expect(u.giftcards![0]).toMatchObject({ status: 'unknown', taken: 0, overdraft: 5_000 });
    expect((await a.reviewItems(t)).items).toHaveLength(2);
  });
});
