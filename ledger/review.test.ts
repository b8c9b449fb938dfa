import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger, SecretBox, type CheckResult, type Queued, type RefundResult, type SaleOutcome } from './index.ts';
import { DEFAULT_PROGRAM_INPUT } from './program.ts';
import { expectError } from '../test/expect-error.ts';

// Till-closed documents through the ledger's face, against real Postgres: what cannot be applied
// is queued for review and answered as accepted; the admin lists, counts and resolves the queue.

const T0 = Date.parse('2026-11-22T12:00:00+03:00');
const AT = '2026-11-22T12:00:00+03:00';
let db: TestDatabase;
let ledger: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(randomBytes(32)), now: () => T0 });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

async function tenant(): Promise<string> {
  // Bonuses available at once, so that a customer has some to pay with.
  return (await ledger.createTenant('Кофейня', 'month', { ...DEFAULT_PROGRAM_INPUT, activationDays: 0 })).id;
}

function sale(externalId: string, amount: number, o: Record<string, unknown> = {}) {
  return {
    externalId,
    occurredAt: AT,
    lines: [{ lineNo: 1, productId: 'sku-1', quantity: 1000, price: amount, amount }],
    payments: [{ type: 'card', amount }],
    pricedBy: 'till',
    ...o,
  };
}

function queued(o: SaleOutcome | Awaited<ReturnType<Ledger['refund']>>): Queued {
  if (o.status !== 'review') throw new Error(`expected a queued outcome, got ${o.status}`);
  return o;
}

function answer<T>(o: { status: string; answer?: T }): T {
  if (o.status !== 'recorded') throw new Error(`expected a recorded outcome, got ${JSON.stringify(o)}`);
  return o.answer as T;
}

describe('till-closed sales', () => {
  it('an unknown card is queued (a resend gets the same item), then linked to a customer and recorded', async () => {
    const t = await tenant();
    const doc = { receipt: 'evotor-123', card: '9999' };
    const q = queued(await ledger.commit(t, 'evotor', sale('s-1', 10_000, { customer: { cardNumber: '9999' } }), { document: doc }));
    expect(q).toMatchObject({ reasonCode: 'CUSTOMER_NOT_FOUND', reason: 'Клиент не найден: проверьте номер карты' });
    expect(queued(await ledger.commit(t, 'evotor', sale('s-1', 10_000, { customer: { cardNumber: '9999' } }), { document: doc })).reviewId).toBe(q.reviewId);
    expect(await ledger.reviewCounts(t)).toEqual({ open: 1, byReason: { CUSTOMER_NOT_FOUND: 1 } });
    const [item] = (await ledger.reviewItems(t)).items;
    expect(item).toMatchObject({ id: q.reviewId, status: 'open', channel: 'evotor', kind: 'sale', externalId: 's-1', payload: doc });
    expect(item!.request).toMatchObject({ kind: 'sale', check: { externalId: 's-1', customer: { cardNumber: '9999' }, pricedBy: 'till' } });

    // Without the flag the ledger refuses, as today.
    await expectError(ledger.commit(t, 'api', sale('s-1', 10_000, { customer: { cardNumber: '9999' }, pricedBy: undefined })), 'CUSTOMER_NOT_FOUND');

    const c = await ledger.registerCustomer(t, { phone: '+79990000001' });
    await expectError(ledger.resolveReview(t, q.reviewId, { action: 'link', saleExternalId: 'x' }), 'INVALID_INPUT');
    const done = await ledger.resolveReview(t, q.reviewId, { action: 'link', customerId: c.id, by: 'admin@shop', comment: 'карта клиента' });
    expect(done).toMatchObject({ status: 'resolved', resolution: 'link', resolvedBy: 'admin@shop', resolutionComment: 'карта клиента', resolutionDetail: { customerId: c.id } });
    expect((await ledger.customer(t, { id: c.id })).balance.available).toBe(1_000);
    await expectError(ledger.resolveReview(t, q.reviewId, { action: 'dismiss' }), 'NOT_FOUND');

    // The till resending the original now gets what was recorded.
    const again = await ledger.commit(t, 'evotor', sale('s-1', 10_000, { customer: { cardNumber: '9999' } }), { document: doc });
    expect(answer<CheckResult>(again).customer?.id).toBe(c.id);
    expect(await ledger.reviewCounts(t)).toEqual({ open: 0, byReason: {} });
  });

  it('a conflicting resend is queued once; the original resent is a replay', async () => {
    const t = await tenant();
    const first = answer<CheckResult>(await ledger.commit(t, 'api', sale('s-1', 10_000)));
    expect(first.totals).toEqual({ amount: 10_000, discount: 0, redeemed: 0, toPay: 10_000, accrued: 0, maxRedeem: 0, shortfall: 0 });
    const q = queued(await ledger.commit(t, 'api', sale('s-1', 12_000)));
    expect(q.reasonCode).toBe('IDEMPOTENCY_CONFLICT');
    expect(queued(await ledger.commit(t, 'api', sale('s-1', 12_000))).reviewId).toBe(q.reviewId);
    const replay = await ledger.commit(t, 'api', sale('s-1', 10_000));
    expect(replay).toMatchObject({ status: 'recorded', replay: true });
    expect(await ledger.reviewCounts(t)).toEqual({ open: 1, byReason: { IDEMPOTENCY_CONFLICT: 1 } });
    // Applying it conflicts again: the ledger's error, the item stays open.
    await expectError(ledger.resolveReview(t, q.reviewId, { action: 'apply' }), 'IDEMPOTENCY_CONFLICT');
    expect((await ledger.reviewItems(t)).count).toBe(1);
  });

  it('a bonus payment beyond the balance is recorded clamped, the shortfall shown and queued once', async () => {
    const t = await tenant();
    answer(await ledger.commit(t, 'api', sale('s-1', 30_000, { customer: { phone: '+79990000002' } }))); // 30 bonuses
    const out = await ledger.commit(t, 'api', sale('s-2', 10_000, { customer: { phone: '+79990000002' }, redeem: 5_000 }));
    const r = answer<CheckResult>(out);
    // The program's 30% cap does not bind the till; the balance does.
    expect(r.totals).toEqual({ amount: 10_000, discount: 0, redeemed: 3_000, toPay: 5_000, accrued: 500, maxRedeem: 3_000, shortfall: 2_000 });
    expect(r.customer?.balance.available).toBe(500);
    expect(answer(await ledger.commit(t, 'api', sale('s-2', 10_000, { customer: { phone: '+79990000002' }, redeem: 5_000 })))).toEqual(r);
    expect(await ledger.reviewCounts(t)).toEqual({ open: 1, byReason: { BONUS_SHORTFALL: 1 } });
    const [item] = (await ledger.reviewItems(t)).items;
    expect(item!.reason).toBe('Касса приняла оплату бонусами 50, списано 30: не хватило 20 бонусов. Продажа проведена');

    // Without a customer the whole payment is the shortfall.
    const anon = answer<CheckResult>(await ledger.commit(t, 'api', sale('s-3', 10_000, { redeem: 1_000 })));
    expect(anon.totals).toMatchObject({ redeemed: 0, shortfall: 1_000, toPay: 9_000 });
    expect((await ledger.reviewCounts(t)).byReason).toEqual({ BONUS_SHORTFALL: 2 });

    await expectError(ledger.resolveReview(t, item!.id, { action: 'apply' }), 'INVALID_INPUT');
    const done = await ledger.resolveReview(t, item!.id, { action: 'dismiss', comment: 'кассир предупреждён' });
    expect(done).toMatchObject({ status: 'resolved', resolution: 'dismiss', resolutionComment: 'кассир предупреждён', resolvedBy: null });
    expect(await ledger.reviewCounts(t)).toEqual({ open: 1, byReason: { BONUS_SHORTFALL: 1 } });
    expect((await ledger.reviewItems(t, { status: 'resolved' })).items.map((i) => i.id)).toEqual([item!.id]);
    expect((await ledger.reviewItems(t, { status: 'all' })).count).toBe(2);
    await expectError(ledger.reviewItems(t, { limit: 0 }), 'INVALID_INPUT');
  });

  it('malformed input, an unknown tenant and redeem "max" are still errors', async () => {
    const t = await tenant();
    await expectError(ledger.commit(t, 'api', sale('s-1', 10_000, { redeem: 'max' })), 'INVALID_INPUT');
    await expectError(ledger.commit(t, 'api', sale('s-1', 10_000, { redeem: 10_001 })), 'INVALID_INPUT');
    await expectError(ledger.commit(t, 'api', { ...sale('s-1', 10_000), lines: [] }), 'INVALID_INPUT');
    await expectError(ledger.commit('t_nobody', 'api', sale('s-1', 10_000)), 'NOT_FOUND');
    await expectError(ledger.refund('t_nobody', 'api', 's-1', { externalId: 'r-1', pricedBy: 'till' }), 'NOT_FOUND');
    await expectError(ledger.refund(t, 'api', 's-1', { externalId: 'r-1', pricedBy: 'till', extra: 1 }), 'INVALID_INPUT');
    expect(await ledger.reviewCounts(t)).toEqual({ open: 0, byReason: {} });
  });

  it('an old check is queued, not refused', async () => {
    const t = await tenant();
    const q = queued(await ledger.commit(t, 'api', sale('s-old', 10_000, { occurredAt: '2025-01-01T12:00:00+03:00' })));
    expect(q.reasonCode).toBe('CHECK_TOO_OLD');
  });
});

describe('till-closed returns', () => {
  it('a return of an unknown sale is queued, then linked to the right sale and recorded', async () => {
    const t = await tenant();
    answer(await ledger.commit(t, 'evotor', sale('s-1', 10_000, { customer: { phone: '+79990000003' } })));
    const ret = { externalId: 'r-1', occurredAt: AT, pricedBy: 'till' };
    const q = queued(await ledger.refund(t, 'evotor', 's-typo', ret));
    expect(q.reasonCode).toBe('CHECK_NOT_FOUND');
    expect(queued(await ledger.refund(t, 'evotor', 's-typo', ret)).reviewId).toBe(q.reviewId);
    const [item] = (await ledger.reviewItems(t)).items;
    expect(item!.request).toEqual({ kind: 'refund', saleExternalId: 's-typo', refund: ret });

    // Without the flag, refused as today.
    await expectError(ledger.refund(t, 'evotor', 's-typo', { externalId: 'r-2' }), 'CHECK_NOT_FOUND');

    // Without lines it would take back the whole sale: only when a person says so.
    await expectError(ledger.resolveReview(t, q.reviewId, { action: 'link', saleExternalId: 's-1' }), 'INVALID_INPUT');
    await expectError(ledger.resolveReview(t, q.reviewId, { action: 'apply', wholeSale: true }), 'CHECK_NOT_FOUND');
    await expectError(ledger.resolveReview(t, q.reviewId, { action: 'link', customerId: '1' }), 'INVALID_INPUT');
    const done = await ledger.resolveReview(t, q.reviewId, { action: 'link', saleExternalId: 's-1', wholeSale: true });
    expect(done).toMatchObject({ resolution: 'link', resolutionDetail: { saleExternalId: 's-1', externalId: 'r-1' } });
    const again = answer<RefundResult>(await ledger.refund(t, 'evotor', 's-typo', ret));
    expect(again).toMatchObject({ externalId: 'r-1', saleExternalId: 's-1', totals: { amount: 10_000, accrued: 1_000 } });
    // Returned in full: a second return of the sale is queued (REFUND_EXCEEDS_SALE), not refused.
    expect(queued(await ledger.refund(t, 'evotor', 's-1', { externalId: 'r-3', pricedBy: 'till' })).reasonCode).toBe('REFUND_EXCEEDS_SALE');
    expect(await ledger.reviewCounts(t)).toEqual({ open: 1, byReason: { REFUND_EXCEEDS_SALE: 1 } });
  });

  it('a return that came before its sale is applied once the sale has arrived', async () => {
    const t = await tenant();
    const q = queued(await ledger.refund(t, 'api', 's-late', { externalId: 'r-1', pricedBy: 'till' }));
    answer(await ledger.commit(t, 'api', sale('s-late', 10_000)));
    const done = await ledger.resolveReview(t, q.reviewId, { action: 'apply', wholeSale: true });
    expect(done).toMatchObject({ status: 'resolved', resolution: 'apply', resolutionDetail: { saleExternalId: 's-late' } });
    await expectError(ledger.resolveReview(t, q.reviewId, { action: 'apply' }), 'NOT_FOUND');
    await expectError(ledger.resolveReview(t, '999999', { action: 'dismiss' }), 'NOT_FOUND');
    await expectError(ledger.resolveReview(t, 'abc', { action: 'dismiss' }), 'NOT_FOUND');
    expect(await ledger.reviewCounts(t)).toEqual({ open: 0, byReason: {} });
  });
});

describe('items queued by a connector before (no ledger request)', () => {
  it('can be dismissed, not applied', async () => {
    const t = await tenant();
    await ledger.queueForReview(t, { system: 'evotor', kind: 'SELL', externalId: 'e-1', reasonCode: 'IDEMPOTENCY_CONFLICT', reason: 'Чек уже проведён', payload: { id: 'e-1' } });
    const [item] = (await ledger.reviewItems(t)).items;
    expect(item).toMatchObject({ status: 'open', channel: null, request: null, resolution: null });
    await expectError(ledger.resolveReview(t, item!.id, { action: 'apply' }), 'INVALID_INPUT');
    expect(await ledger.resolveReview(t, item!.id, { action: 'dismiss', by: 'admin' })).toMatchObject({ status: 'resolved', resolution: 'dismiss', resolvedBy: 'admin' });
  });
});
