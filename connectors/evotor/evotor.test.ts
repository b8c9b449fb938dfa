import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, tenantWithChannel, type TestService } from '../../test/service.ts';
import { sameRecording } from './index.ts';
import { documentSchema } from './protocol.ts';
import { documentToSale, saleToCheck } from './translate.ts';

// Эвотор end to end over real HTTP: the cloud's webhooks with bodies shaped exactly like the
// fixtures (only ids and dates changed), their effect on the ledger, replays, documents kept for
// review (answered 200 like recorded ones), and errors in Evotor's own form { errors: [{ code, reason, subject }] }.

const fx = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
/** close_date as the cloud writes it: UTC with a +0000 offset. */
const nowUtc = () => new Date().toISOString().replace('Z', '+0000');
const STORE = '20170928-3176-40EB-80E2-A11F032E282A';
const PHONE = '+79876543210'; // the samples' customer_phone 79876543210

let s: TestService;
let tenantId: string;
let admin: string;
let token: string;

async function hook(method: string, path: string, body: unknown, auth: string | null = `Bearer ${token}`, raw?: string) {
  const r = await fetch(`${s.pos}/evotor${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) },
    body: raw ?? JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, text, body: text === '' ? null : JSON.parse(text) };
}
const documents = (docs: unknown[], auth?: string | null) => hook('PUT', `/api/v1/inventories/stores/${STORE}/documents`, docs, auth);

function sell(o: { id?: string; extras?: Record<string, unknown> } = {}) {
  return { ...fx('extra/sell.document.json'), id: o.id ?? randomUUID(), close_date: nowUtc(), ...(o.extras ? { extras: o.extras } : {}) };
}
function payback(baseId: string, id = randomUUID()) {
  const d = fx('cloud-documents/payback.document.json');
  return { ...d, id, close_date: nowUtc(), body: { ...d.body, base_document_id: baseId } };
}
async function balance(phone = PHONE) {
  const r = await call(s.pos, 'GET', `/v1/customers?phone=${encodeURIComponent(phone)}`, admin);
  return r.status === 200 ? (r.body.balance.available as number) : null;
}
async function recorded(kind: 'sale' | 'refund', externalId: string): Promise<number> {
  const r = await s.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM checks WHERE tenant_id = $1 AND channel = $2 AND kind = $3 AND external_id = $4', [
    tenantId,
    'evotor',
    kind,
    externalId,
  ]);
  return Number(r.rows[0]!.n);
}
/** The open review items kept for a document id, and how many are open in all. */
async function queued(externalId: string) {
  const r = await call(s.api, 'GET', '/v1/review', admin);
  expect(r.status).toBe(200);
  return { count: r.body.count as number, items: (r.body.items as { externalId: string }[]).filter((i) => i.externalId === externalId) };
}

beforeAll(async () => {
  s = await startTestService({ redis: false });
  ({ tenantId, admin, key: token } = await tenantWithChannel(s, 'Магазин у дома', 'evotor'));
});
afterAll(async () => {
  await s?.stop();
});

describe('Evotor documents webhook (SELL / PAYBACK)', () => {
  it('records a SELL once, a replay answers 200 again, and PAYBACK takes the bonuses back', async () => {
    const sale = sell();
    const first = await documents([sale]);
    expect(first).toMatchObject({ status: 200, text: '' });
    // 12.12 ₽ paid for the line (result_sum), 10 % → 1.212 → 1 whole bonus.
    expect(await balance()).toBe(100);

    expect((await documents([sale])).status).toBe(200);
    expect(await recorded('sale', sale.id)).toBe(1);
    expect(await balance()).toBe(100);

    // The return: the documentation's PAYBACK sample pointing at our sale; the bare token works too.
    const ret = payback(sale.id);
    expect(await documents([ret], token)).toMatchObject({ status: 200, text: '' });
    expect(await balance()).toBe(0);
    expect((await documents([ret])).status).toBe(200);
    expect(await recorded('refund', ret.id)).toBe(1);
    expect(await balance()).toBe(0);
  });

  it('skips documents that are not sales or returns, in the same array', async () => {
    const sale = sell();
    const other = { ...fx('extra/sell.document.json'), type: 'OPEN_SESSION', id: randomUUID(), close_date: nowUtc() };
    expect((await documents([other, sale])).status).toBe(200);
    expect(await recorded('sale', sale.id)).toBe(1);
    expect(await recorded('sale', other.id)).toBe(0);
  });

  it('keeps a PAYBACK of a sale the program never saw for review, answered 200; a resend keeps it once', async () => {
    const ret = payback(randomUUID());
    expect(await documents([ret])).toMatchObject({ status: 200, text: '' });
    expect(await recorded('refund', ret.id)).toBe(0);
    const q = await queued(ret.id);
    expect(q.items).toEqual([expect.objectContaining({ system: 'evotor', kind: 'refund', externalId: ret.id, reasonCode: 'CHECK_NOT_FOUND', payload: ret })]);
    expect(await documents([ret])).toMatchObject({ status: 200, text: '' });
    expect((await queued(ret.id)).count).toBe(q.count);
  });

  it('keeps a PAYBACK of goods its sale does not hold for review, answered 200; the sale keeps its bonuses', async () => {
    const sale = sell();
    expect((await documents([sale])).status).toBe(200);
    const before = await balance();
    const ret = payback(sale.id);
    ret.body.positions = [{ position: { ...ret.body.positions[0].position, product_id: 'not-in-the-sale' } }];
    expect(await documents([ret])).toMatchObject({ status: 200, text: '' });
    expect(await recorded('refund', ret.id)).toBe(0);
    expect(await balance()).toBe(before);
    const q = await queued(ret.id);
    expect(q.items).toEqual([expect.objectContaining({ system: 'evotor', kind: 'refund', reasonCode: 'REFUND_EXCEEDS_SALE', payload: ret })]);
    expect(await documents([ret])).toMatchObject({ status: 200, text: '' });
    expect((await queued(ret.id)).count).toBe(q.count);
  });

  it('keeps a sale with an unknown loyalty card for review, answered 200 (the till has closed it)', async () => {
    const sale = sell({ extras: { cardNumber: 'NO-SUCH-CARD' } });
    expect(await documents([sale])).toMatchObject({ status: 200, text: '' });
    const q = await queued(sale.id);
    expect(q.items).toEqual([expect.objectContaining({ system: 'evotor', kind: 'sale', externalId: sale.id, reasonCode: 'CUSTOMER_NOT_FOUND', payload: sale })]);
    expect(await documents([sale])).toMatchObject({ status: 200, text: '' });
    expect((await queued(sale.id)).count).toBe(q.count);
  });

  it('answers a wrong, missing or foreign token with 401 / 1002', async () => {
    for (const auth of ['Bearer kp_evotor_wrong', null, `Bearer ${admin}`]) {
      const r = await documents([sell()], auth);
      expect(r.status).toBe(401);
      expect(r.body.errors[0]).toMatchObject({ code: 1002, subject: 'Authorization' });
    }
    const moysklad = (await call(s.api, 'POST', '/v1/keys', admin, { channel: 'moysklad' })).body.key;
    expect((await documents([sell()], moysklad)).status).toBe(401);
  });

  it('answers malformed JSON with 400 / 2001 and a missing field with 400 / 2002', async () => {
    const bad = await hook('PUT', `/api/v1/inventories/stores/${STORE}/documents`, null, `Bearer ${token}`, '[{"type": "SELL",');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe(2001);
    const { close_date: _drop, ...noDate } = sell();
    const missing = await documents([noDate]);
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ code: 2002, subject: '0.close_date' });
    const kopeck = sell();
    kopeck.body = { ...kopeck.body, positions: [{ position: { ...kopeck.body.positions[0].position, result_sum: 1.005 } }] };
    const r = await documents([kopeck]);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ code: 2003, subject: 'body.positions.0.position.result_sum' });
  });
});

describe('Evotor receipt webhooks', () => {
  it('records a v1 receipt (array) once; a loyalty phone in `fields` names the customer', async () => {
    const [r] = fx('extra/receipt-v1.instance.json');
    // Our assumption, not Evotor's: a loyalty field with the customer's phone (PROTOCOL.md §7.4).
    const receipt = { ...r, uuid: randomUUID(), dateTime: nowUtc(), fields: { phone: '+79990001122' } };
    expect(await hook('POST', '/api/v1/receipt', [receipt])).toMatchObject({ status: 200, text: '' });
    expect(await hook('POST', '/api/v1/receipt', [receipt])).toMatchObject({ status: 200, text: '' });
    expect(await recorded('sale', receipt.uuid)).toBe(1);
    // 1.5 kg × 1234.50 ₽ = 1851.75 ₽ → 10 % = 185.175 → 185 bonuses.
    expect(await balance('+79990001122')).toBe(18500);
  });

  it('records a v2 receipt (envelope) once and refuses a PAYBACK that names no sale', async () => {
    const v2 = fx('extra/receipt-v2.observed.json');
    const body = { ...v2, id: randomUUID(), data: { ...v2.data, id: randomUUID(), dateTime: nowUtc() } };
    expect((await hook('POST', '/api/v2/receipts', body)).status).toBe(200);
    expect((await hook('POST', '/api/v2/receipts', body)).status).toBe(200);
    expect(await recorded('sale', body.data.id)).toBe(1);

    const ret = { ...body, id: randomUUID(), data: { ...body.data, id: randomUUID(), type: 'PAYBACK' } };
    const r = await hook('POST', '/api/v2/receipts', ret);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ code: 2002, subject: 'body.base_document_id' });
    const bad = await hook('POST', '/api/v2/receipts', null, `Bearer ${token}`, '{"data": ');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe(2001);
    expect((await hook('POST', '/api/v2/receipts', body, 'Bearer nope')).status).toBe(401);
  });
});

describe('Evotor: one document id, two contents', () => {
  it('keeps a changed document for review, answered 200 like a recorded one; nothing new is recorded', async () => {
    const sale = sell();
    expect((await documents([sale])).status).toBe(200);
    const before = (await balance())!;
    const open = (await queued(sale.id)).count;
    const changed = structuredClone(sale);
    changed.body.positions[0].position.result_sum = 24.24;
    const other = sell(); // a good document in the same request is recorded too
    expect(await documents([other, changed])).toMatchObject({ status: 200, text: '' });
    expect(await recorded('sale', other.id)).toBe(1);
    expect(await recorded('sale', sale.id)).toBe(1);
    expect(await balance()).toBe(before + 100);

    const q = await queued(sale.id);
    expect(q.count).toBe(open + 1);
    expect(q.items).toEqual([expect.objectContaining({ system: 'evotor', kind: 'sale', externalId: sale.id, reasonCode: 'IDEMPOTENCY_CONFLICT', payload: changed })]);
    // The cloud resends: the same answer, one item for review.
    expect(await documents([changed])).toMatchObject({ status: 200, text: '' });
    expect((await queued(sale.id)).count).toBe(open + 1);
    expect((await call(s.api, 'GET', '/v1/review', token)).status).toBe(401); // admin only
  });

  it('takes the same sale arriving by the receipts webhook in its own shape as already recorded', async () => {
    const sale = sell();
    expect((await documents([sale])).status).toBe(200);
    const [r] = fx('extra/receipt-v1.instance.json');
    // The document's one line (123.123 × 12.12 ₽ paid 12.12 ₽) as a receipt describes it: other
    // payment type, no customer phone, its own time field.
    const receipt = {
      ...r,
      uuid: sale.id,
      dateTime: nowUtc(),
      items: [{ ...r.items[0], uuid: sale.body.positions[0].position.product_id, quantity: 123.123, price: 12.12, sumPrice: 12.12, discount: 0 }],
      totalAmount: 12.12,
    };
    expect(await hook('POST', '/api/v1/receipt', [receipt])).toMatchObject({ status: 200, text: '' });
    expect(await recorded('sale', sale.id)).toBe(1);
    expect((await queued(sale.id)).items).toEqual([]);
  });
});

describe('Evotor: what counts as the same document (pure)', () => {
  it('sends every sale till-priced: the till has closed it', () => {
    expect(saleToCheck(documentToSale(documentSchema.parse(fx('extra/sell.document.json')), () => 180)).pricedBy).toBe('till');
  });
  const check = { externalId: 'x', occurredAt: '2026-01-01T00:00:00+03:00', lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 500, amount: 500 }, { lineNo: 2, productId: 'q', quantity: 2000, price: 100, amount: 200 }], payments: [] };
  it('compares a sale by quantities and amounts, whatever the order, ids or payments', () => {
    const recorded = { ...check, payments: [{ type: 'cash', amount: 700 }], lines: [check.lines[1], { ...check.lines[0], productId: 'other-shape-id', lineNo: 2 }] };
    expect(sameRecording({ kind: 'sale', check }, recorded)).toBe(true);
    expect(sameRecording({ kind: 'sale', check }, { ...recorded, lines: [check.lines[0], { ...check.lines[1], amount: 201 }] })).toBe(false);
    expect(sameRecording({ kind: 'sale', check }, { ...recorded, lines: [check.lines[0]] })).toBe(false);
  });
  it('compares a return by its sale and the quantities per line', () => {
    const r = { kind: 'refund' as const, saleId: 's-1', request: { externalId: 'r-1', occurredAt: 'x', lines: [{ lineNo: 1, quantity: 1000 }] } };
    expect(sameRecording(r, { saleExternalId: 's-1', externalId: 'r-1', lines: [{ lineNo: 1, quantity: 1000 }] })).toBe(true);
    expect(sameRecording(r, { saleExternalId: 's-1', externalId: 'r-1', lines: [{ lineNo: 1, quantity: 500 }] })).toBe(false);
    expect(sameRecording(r, { saleExternalId: 's-2', externalId: 'r-1', lines: [{ lineNo: 1, quantity: 1000 }] })).toBe(false);
  });
});
