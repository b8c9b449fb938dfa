import { describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { ledgerOnClock } from '../test/ledger-fixture.ts';
import type { TestDatabase } from '../test/postgres.ts';
import { MAX_BALANCE, MAX_TOTAL_SPENT } from './account.ts';
import { MAX_AMOUNT, parseCheck } from './check.ts';
import { parseNewCustomer } from './customers.ts';
import { KopilkaError } from './errors.ts';
import { Ledger } from './ledger.ts';
import { DAY_MS } from './lots.ts';
import { parseProgram } from './program.ts';
import { findUnsafeJson, JSON_MAX_DEPTH } from './validation.ts';

// The ledger's face against input no till should send and totals no business reaches: each is
// refused with a stable code naming the field, before the writer sees it, and the buckets still
// equal the postings afterwards (issue 8).

const T0 = Date.parse('2026-11-22T12:00:00+03:00');
let clock = T0;
let db: TestDatabase;
let ledger: Ledger;

ledgerOnClock(() => clock, (l, d) => ((ledger = l), (db = d)));

const at = (ms = clock) => new Date(ms + 3 * 3600_000).toISOString().replace('Z', '+03:00');
let seq = 0;
const sale = (o: Record<string, unknown> = {}) => ({
  externalId: `b-${++seq}`,
  occurredAt: at(),
  lines: [{ lineNo: 1, productId: 'sku-1', name: 'Капучино', quantity: 1000, price: 55_000, amount: 55_000 }],
  payments: [{ type: 'card', amount: 55_000 }],
  ...o,
});

function refusal(f: () => unknown): KopilkaError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KopilkaError);
    return e as KopilkaError;
  }
  throw new Error('expected a refusal');
}
async function refusalOf(p: Promise<unknown>): Promise<KopilkaError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KopilkaError);
    return e as KopilkaError;
  }
  throw new Error('expected a refusal');
}
const field = (e: KopilkaError) => [e.code, e.details?.field];

const program = (percent: number) => ({
  levels: [{ code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent }, maxRedeemPercent: 100 }],
  activationDays: 0,
  maxBackdateDays: 30,
});

describe('text that Postgres cannot hold or would alter', () => {
  it('refuses NUL, lone surrogates and control characters in ids, naming the field', () => {
    expect(field(refusal(() => parseCheck(sale({ externalId: 'a\u0000b' }))))).toEqual(['INVALID_INPUT', 'externalId']);
    // Postgres would store U+FFFD: the replay would no longer match and answer 503 forever.
    expect(field(refusal(() => parseCheck(sale({ externalId: 'a\ud800' }))))).toEqual(['INVALID_INPUT', 'externalId']);
    expect(field(refusal(() => parseCheck(sale({ externalId: '\udc00x' }))))).toEqual(['INVALID_INPUT', 'externalId']);
    expect(field(refusal(() => parseCheck(sale({ storeId: 'shop\u00071' }))))).toEqual(['INVALID_INPUT', 'storeId']);
    expect(field(refusal(() => parseCheck(sale({ cashierId: 'x\u0085' }))))).toEqual(['INVALID_INPUT', 'cashierId']);
    expect(field(refusal(() => parseCheck(sale({ coupon: 'c\u0000' }))))).toEqual(['INVALID_INPUT', 'coupon']);
    expect(field(refusal(() => parseCheck(sale({ customer: { cardNumber: 'c\td' } }))))).toEqual(['INVALID_INPUT', 'customer.cardNumber']);
    expect(field(refusal(() => parseCheck(sale({ payments: [{ type: 'ca\nsh', amount: 55_000 }] }))))).toEqual(['INVALID_INPUT', 'payments.0.type']);
    const lines = [{ lineNo: 1, productId: 'sku\u0000', quantity: 1000, price: 1, amount: 1 }];
    expect(field(refusal(() => parseCheck(sale({ lines, payments: [] }))))).toEqual(['INVALID_INPUT', 'lines.0.productId']);
    // A proper pair is a character like any other, and free text keeps its tabs and line breaks.
    expect(parseCheck(sale({ externalId: 'чек-😀', lines: [{ lineNo: 1, productId: 'sku', name: 'Кофе\tбольшой\n', quantity: 1000, price: 55_000, amount: 55_000 }] })).externalId).toBe('чек-😀');
  });

  it('refuses them in customers, relatives and programs', () => {
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', name: 'Ив\u0000ан' })))).toEqual(['INVALID_INPUT', 'name']);
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', cardNumber: 'x\ud800' })))).toEqual(['INVALID_INPUT', 'cardNumber']);
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', relatives: [{ name: 'a\ud800', birthDate: '2010-01-01' }] })))).toEqual([
      'INVALID_INPUT',
      'relatives.0.name',
    ]);
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', comment: 'x\u0000' })))).toEqual(['INVALID_INPUT', 'comment']);
    expect(parseNewCustomer({ phone: '+79990000001', comment: 'строка 1\r\nстрока 2\t!', address: 'Москва,\nул. Ленина' }).comment).toContain('\r\n');
    // Purchases carried over from another system: whole kopecks, never negative.
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', carriedOver: { total: -1 } })))).toEqual(['INVALID_INPUT', 'carriedOver.total']);
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', carriedOver: { total: 10.5 } })))).toEqual(['INVALID_INPUT', 'carriedOver.total']);
    expect(parseNewCustomer({ phone: '+79990000001', carriedOver: { total: 1_250_000 } }).carriedOver).toEqual({ total: 1_250_000, purchases: 0 });
    const bad = (p: unknown) => field(refusal(() => parseProgram(p)));
    expect(bad({ ...program(10), levels: [{ ...program(10).levels[0], name: 'Баз\u0000' }] })).toEqual(['INVALID_INPUT', 'levels.0.name']);
    expect(bad({ ...program(10), levels: [{ ...program(10).levels[0], code: '\ud800' }] })).toEqual(['INVALID_INPUT', 'levels.0.code']);
    expect(bad({ ...program(10), exclusions: { productIds: ['ok', 'x\u0000'] } })).toEqual(['INVALID_INPUT', 'exclusions.productIds.1']);
    expect(bad({ ...program(10), modifiers: [{ when: { storeIds: ['s\u001b'] }, accrualPercent: 5 }] })).toEqual(['INVALID_INPUT', 'modifiers.0.when.storeIds.0']);
  });

  it('names the first unstorable string or key of any JSON body, and bounds the walk', () => {
    expect(findUnsafeJson({ lines: [{ productId: 'ok' }, { productId: 'a\u0000' }] })).toMatchObject({ field: 'lines.1.productId' });
    expect(findUnsafeJson({ extras: { 'k\ud800': 1 } })?.field).toBe('extras.k\uFFFD');
    expect(findUnsafeJson({ a: ['fine', 'пара 😀', 1, null, true] })).toBeNull();
    let deep: unknown = 'x';
    for (let i = 0; i <= JSON_MAX_DEPTH + 1; i++) deep = [deep];
    expect(findUnsafeJson(deep)?.reason).toMatch(/вложенность/);
  });

  it('never hands a poisoned operation to the writer: its neighbours commit, it alone is refused', async () => {
    const t = (await ledger.createTenant('Кофейня', 'month', program(10))).id;
    const good = sale({ externalId: 'good-1' });
    const results = await Promise.allSettled([
      ledger.commit(t, 'api', good),
      ledger.commit(t, 'api', sale({ externalId: 'bad-\u0000' })),
      ledger.commit(t, 'api', sale({ externalId: 'bad-\ud800' })),
      ledger.refund(t, 'api', 'good-1\u0000', { externalId: 'r-1' }),
      ledger.commit(t, 'api', sale({ externalId: 'good-2' })),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as KopilkaError).code))).toEqual(['ok', 'INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INPUT', 'ok']);
    expect(((results[3] as PromiseRejectedResult).reason as KopilkaError).details?.field).toBe('saleExternalId');
    // Idempotency holds for every id that is accepted: the replay is recognised.
    expect((await ledger.commit(t, 'api', good)).replay).toBe(true);
  });
});

describe('times that are not real moments', () => {
  it('calendar-checks occurredAt: no 30 February, no 24:00, no years out of range', () => {
    for (const occurredAt of ['2026-02-30T12:00:00+03:00', '2026-02-29T12:00:00+03:00', '2026-01-01T24:00:00+03:00', '2026-01-01T12:60:00+03:00', '2026-01-01T12:00:60Z', '+275760-09-13T00:00:00Z', '0', '9999-12-31', '2026-01-01T12:00:00+25:00']) {
      expect([occurredAt, ...field(refusal(() => parseCheck(sale({ occurredAt }))))]).toEqual([occurredAt, 'INVALID_INPUT', 'occurredAt']);
    }
    expect(parseCheck(sale({ occurredAt: '2028-02-29T23:59:59.999+03:00' })).localMinuteOfDay).toBe(23 * 60 + 59);
  });

  it('calendar-checks birth dates of customers and relatives', () => {
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', birthDate: '1990-02-30' })))).toEqual(['INVALID_INPUT', 'birthDate']);
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', relatives: [{ name: 'Маша', birthDate: '2015-04-31' }] })))).toEqual(['INVALID_INPUT', 'relatives.0.birthDate']);
    expect(field(refusal(() => parseNewCustomer({ phone: '+79990000001', birthDate: '0000-01-01' })))).toEqual(['INVALID_INPUT', 'birthDate']);
    expect(parseNewCustomer({ phone: '+79990000001', birthDate: '2000-02-29' }).birthDate).toBe('2000-02-29');
  });

  it('validates a refund’s occurredAt like a sale’s: format, calendar, backdating and the future', async () => {
    const t = (await ledger.createTenant('Кофейня', 'month', program(10))).id;
    await ledger.commit(t, 'api', sale({ externalId: 's-r' }));
    for (const occurredAt of ['+275760-09-13T00:00:00Z', '9999-12-31', '0', '2026-02-30T12:00:00+03:00', '2026-11-22T24:00:00+03:00']) {
      expect([occurredAt, ...field(await refusalOf(ledger.refund(t, 'api', 's-r', { externalId: 'r-x', occurredAt })))]).toEqual([occurredAt, 'INVALID_INPUT', 'occurredAt']);
    }
    expect((await refusalOf(ledger.refund(t, 'api', 's-r', { externalId: 'r-old', occurredAt: at(clock - 31 * DAY_MS) }))).code).toBe('CHECK_TOO_OLD');
    expect((await refusalOf(ledger.refund(t, 'api', 's-r', { externalId: 'r-future', occurredAt: at(clock + 2 * 3600_000) }))).code).toBe('CHECK_IN_FUTURE');
    const ok = JSON.parse((await ledger.refund(t, 'api', 's-r', { externalId: 'r-ok', occurredAt: at(clock - 60_000) })).json);
    expect(ok.totals.amount).toBe(55_000);
    const stored = await db.pool.query(`SELECT occurred_at FROM checks WHERE tenant_id = $1 AND external_id = 'r-ok'`, [t]);
    expect((stored.rows[0].occurred_at as Date).getTime()).toBe(clock - 60_000);
  });
});

describe('lines and payments that do not add up', () => {
  it('refuses a line amount above price × quantity, allows the till’s own discount and unit-price rounding', () => {
    const line = (price: number, quantity: number, amount: number) => sale({ lines: [{ lineNo: 1, productId: 'p', quantity, price, amount }], payments: [] });
    const e = refusal(() => parseCheck(line(100, 1000, 100_000)));
    expect(field(e)).toEqual(['INVALID_INPUT', 'lines.0.amount']);
    expect(e.message).toMatch(/больше цены × количество/);
    expect(parseCheck(line(55_000, 1000, 50_000)).lines[0]!.amount).toBe(50_000); // a till's discount
    expect(parseCheck(line(9_666, 3000, 29_000)).lines[0]!.amount).toBe(29_000); // 96,66 × 3 for 290,00
    expect(parseCheck(line(9_990, 1234, 12_328)).lines[0]!.amount).toBe(12_328); // 99,90 × 1,234 kg rounded up
    expect(field(refusal(() => parseCheck(line(9_666, 3000, 29_002))))).toEqual(['INVALID_INPUT', 'lines.0.amount']);
  });

  it('refuses payments that do not add up to the check, naming the mismatch; accepts the documented range', async () => {
    const t = (await ledger.createTenant('Кофейня', 'month', program(10))).id;
    const phone = '+79990000100';
    await ledger.commit(t, 'api', sale({ customer: { phone } })); // 55 bonuses, at once
    const e = await refusalOf(ledger.commit(t, 'api', sale({ customer: { phone }, payments: [{ type: 'cash', amount: 100 }] })));
    expect([e.code, e.status, e.details]).toEqual(['INVALID_INPUT', 400, { field: 'payments', paid: 100, toPay: 55_000, amount: 55_000, tolerance: 1 }]);
    expect((await refusalOf(ledger.commit(t, 'api', sale({ payments: [{ type: 'card', amount: 55_002 }] })))).details?.field).toBe('payments');
    // What the customer pays after a bonus payment, or the whole amount with the bonus listed as paid.
    const paidPart = JSON.parse((await ledger.commit(t, 'api', sale({ customer: { phone }, redeem: 1000, payments: [{ type: 'card', amount: 54_000 }] }))).json);
    expect(paidPart.totals).toMatchObject({ redeemed: 1000, toPay: 54_000 });
    await ledger.commit(t, 'api', sale({ customer: { phone }, redeem: 1000, payments: [{ type: 'card', amount: 54_000 }, { type: 'bonus', amount: 1000 }] }));
    await ledger.commit(t, 'api', sale({ payments: [{ type: 'card', amount: 54_999 }] })); // a kopeck of rounding per line
    await ledger.commit(t, 'api', sale({ payments: [] })); // payments not stated
    await expectLedgerInvariants(db.pool);
  });
});

describe('totals no JavaScript number could hold', () => {
  const maximal = (externalId: string, phone: string) => ({
    externalId,
    occurredAt: at(),
    customer: { phone },
    lines: Array.from({ length: 1000 }, (_, i) => ({ lineNo: i + 1, productId: `p${i}`, quantity: 1000, price: MAX_AMOUNT - (i % 7), amount: MAX_AMOUNT - (i % 7) })),
  });

  it('refuses the maximal check that would take a balance past the limit, and the buckets still equal the postings', async () => {
    const t = (await ledger.createTenant('Ювелир', 'month', program(10))).id;
    const phone = '+79990000200';
    const outcomes: string[] = [];
    // Before the fix, 100 such checks left customers.available 8 hundredths off Σ postings (2^53).
    for (let i = 0; i < 100 && !outcomes.includes('BALANCE_LIMIT'); i++) {
      clock += 60_000;
      outcomes.push(await ledger.commit(t, 'api', maximal(`max-${i}`, phone)).then(() => 'ok', (e: KopilkaError) => e.code));
    }
    expect(outcomes.at(-1)).toBe('BALANCE_LIMIT');
    const e = await refusalOf(ledger.commit(t, 'api', maximal('max-again', phone)));
    expect([e.code, e.status, e.details?.maxBalance]).toEqual(['BALANCE_LIMIT', 422, MAX_BALANCE]);
    expect(e.message).toMatch(/предел/);
    const c = await ledger.customer(t, { phone });
    expect(Number.isSafeInteger(c.balance.available) && c.balance.available <= MAX_BALANCE).toBe(true);
    await expectLedgerInvariants(db.pool);
  });

  it('refuses a purchase that would take the purchase total past the limit', async () => {
    const t = (await ledger.createTenant('Оптовик', 'month', program(0))).id;
    const phone = '+79990000300';
    const outcomes: string[] = [];
    for (let i = 0; i < 20 && !outcomes.includes('BALANCE_LIMIT'); i++) {
      clock += 60_000;
      outcomes.push(await ledger.commit(t, 'api', maximal(`total-${i}`, phone)).then(() => 'ok', (e: KopilkaError) => e.code));
    }
    expect(outcomes.filter((o) => o === 'ok').length).toBe(10);
    expect(outcomes.at(-1)).toBe('BALANCE_LIMIT');
    const c = await ledger.customer(t, { phone });
    expect(c.totalSpent).toBeLessThanOrEqual(MAX_TOTAL_SPENT);
    const row = await db.pool.query('SELECT total_spent::text FROM customers WHERE tenant_id = $1', [t]);
    expect(row.rows[0].total_spent).toBe(String(c.totalSpent));
    await expectLedgerInvariants(db.pool);
  });
});
