import { readFileSync } from 'node:fs';
import xml2js from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, type TestService } from '../../test/service.ts';
import { NS, SOAP_ENV } from './protocol.ts';
import { recordedId, voidId } from './versions.ts';

// Issue 12, the 1C half, against a whole Kopilka: the Basic challenge 1C's HTTP client needs, a
// return by product and quantity as 1C's return documents hold it (fixtures/rozn), and an edited
// document posted again (versions), un-posted, and posted once more.

const program = {
  levels: [{ code: 'standard', name: 'Стандартная', threshold: 0, accrual: { type: 'percent', percent: 10 }, discount: null, maxRedeemPercent: 30 }],
  activationDays: 0,
  expiry: { mode: 'afterAccrual', days: 30 },
  rounding: 'floor',
};

const pad = (n: number) => String(n).padStart(2, '0');
const localNow = () => {
  const d = new Date(Date.now() + 3 * 3600_000 - 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

type Row = { НомерСтроки: number; Номенклатура: string; Количество: number; Цена: number; Сумма: number };
const fixture = JSON.parse(readFileSync(new URL('./fixtures/rozn/return-by-product.json', import.meta.url), 'utf8')) as {
  sale: { Ссылка: string; ДисконтнаяКарта: string; Запасы: Row[]; Оплата: { ВидОплаты: string; Сумма: number }[] };
  return: { Ссылка: string; ЧекККМ: string; Запасы: Row[] };
};

/** The sale check as Kopilka.bsl sends it (ЧекДляКопилки): the document's id, its rows as lines. */
const saleCheck = (o: Record<string, unknown> = {}) => ({
  ExternalId: fixture.sale.Ссылка,
  OccurredAt: localNow(),
  Customer: { CardNumber: fixture.sale.ДисконтнаяКарта },
  Line: fixture.sale.Запасы.map((r) => ({ LineNo: r.НомерСтроки, ProductId: r.Номенклатура, Quantity: r.Количество, Price: r.Цена, Amount: r.Сумма })),
  Payment: fixture.sale.Оплата.map((p) => ({ Type: p.ВидОплаты, Amount: p.Сумма })),
  ...o,
});

const envelope = (inner: string) => `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_ENV}" xmlns:k="${NS}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('1C documents: the Basic challenge, returns by product, edited documents', () => {
  let s: TestService;
  let key: string;
  const soap = async (body: string, authorization?: string) => {
    const r = await fetch(`${s.api}/onec/soap`, { method: 'POST', body, headers: { 'content-type': 'text/xml; charset=utf-8', ...(authorization ? { authorization } : {}) } });
    const text = await r.text();
    const parsed = await xml2js.parseStringPromise(text, { explicitArray: false, tagNameProcessors: [xml2js.processors.stripPrefix] });
    return { status: r.status, challenge: r.headers.get('www-authenticate'), body: parsed.Envelope.Body };
  };
  const balance = async () => (await call(s.api, 'GET', `/onec/v1/balance?card=${fixture.sale.ДисконтнаяКарта}`, key)).body as { Available: number; Pending: number };

  beforeAll(async () => {
    s = await startTestService({ redis: false });
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Розница на 1С', program });
    expect(t.status).toBe(201);
    key = (await call(s.api, 'POST', '/v1/keys', t.body.adminKey, { channel: 'onec', storeId: 'shop-1' })).body.key;
    expect((await call(s.api, 'POST', '/onec/v1/customers', key, { Phone: '+79160000042', CardNumber: fixture.sale.ДисконтнаяКарта })).status).toBe(201);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('asks a caller without a key for Basic credentials (401), and accepts the key as the Basic password or user', async () => {
    const balanceCall = envelope(`<k:Balance><k:CardNumber>${fixture.sale.ДисконтнаяКарта}</k:CardNumber></k:Balance>`);
    const none = await soap(balanceCall);
    expect(none.status).toBe(401);
    expect(none.challenge).toBe('Basic realm="Kopilka"');
    expect(none.body.Fault.detail.KopilkaFault.Code).toBe('UNAUTHORIZED');
    // What 1C's WSПрокси does next: the same request with Пользователь/Пароль.
    const asPassword = await soap(balanceCall, basic('onec', key));
    expect(asPassword.status).toBe(200);
    expect(asPassword.body.BalanceResponse.Result.Available).toBe('0.00');
    expect((await soap(balanceCall, basic(key, ''))).status).toBe(200);
    // A wrong key is not a missing one: the Fault as before, no challenge.
    const wrong = await soap(balanceCall, basic('onec', 'kp_onec_not-a-key'));
    expect(wrong.status).toBe(500);
    expect(wrong.challenge).toBeNull();
    expect(wrong.body.Fault.faultstring).toBe('Ключ доступа неверен или отозван');
    // The HTTP+JSON form: the same challenge, the native error body.
    const json = await fetch(`${s.api}/onec/v1/balance?card=${fixture.sale.ДисконтнаяКарта}`);
    expect(json.status).toBe(401);
    expect(json.headers.get('www-authenticate')).toBe('Basic realm="Kopilka"');
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const jsonBasic = await fetch(`${s.api}/onec/v1/balance?card=${fixture.sale.ДисконтнаяКарта}`, { headers: { authorization: basic('onec', key) } });
    expect(jsonBasic.status).toBe(200);
    const jsonWrong = await fetch(`${s.api}/onec/v1/balance?card=x`, { headers: { authorization: 'Bearer kp_onec_not-a-key' } });
    expect(jsonWrong.status).toBe(401);
    expect(jsonWrong.headers.get('www-authenticate')).toBeNull();
  });

  it('refunds a partial return by product and quantity, as ЧекККМВозврат holds it (fixtures/rozn)', async () => {
    const sale = await call(s.api, 'POST', '/onec/v1/commit', key, saleCheck());
    expect(sale.status).toBe(201);
    expect(sale.body.Totals.Amount).toBe(690.38);
    // The return document's rows: product and quantity, no line of the sale (SOAP, as a WS-reference sends it).
    const rows = fixture.return.Запасы.map((r) => `<k:Line><k:Quantity>${r.Количество}</k:Quantity><k:ProductId>${r.Номенклатура}</k:ProductId></k:Line>`).join('');
    const refund = envelope(`<k:Refund><k:SaleExternalId>${fixture.return.ЧекККМ}</k:SaleExternalId><k:ExternalId>${fixture.return.Ссылка}</k:ExternalId>${rows}</k:Refund>`);
    const r = await soap(refund, basic('onec', key));
    expect(r.status).toBe(200);
    const result = r.body.RefundResponse.Result;
    // 2 × milk: sale lines 1 and 3 (one each, in line order); 0.2 kg of cheese: line 4.
    expect([].concat(result.Line).map((l: { LineNo: string; Quantity: string; Amount: string }) => [l.LineNo, l.Quantity, l.Amount])).toEqual([
      ['1', '1.000', '89.90'],
      ['3', '1.000', '89.90'],
      ['4', '0.200', '156.00'],
    ]);
    expect(result.Totals.Amount).toBe('335.80');
    // Sent again: the same answer, nothing taken twice.
    const again = await soap(refund, basic('onec', key));
    expect(again.body.RefundResponse.Result).toEqual({ ...result, Replay: 'true' });
    // More milk than is left (1 of 3): the return was printed, so it is kept for review, not refused.
    const tooMuch = await call(s.api, 'POST', '/onec/v1/refund', key, {
      SaleExternalId: fixture.return.ЧекККМ,
      ExternalId: 'return-2',
      Line: [{ ProductId: fixture.sale.Запасы[0]!.Номенклатура, Quantity: 2 }],
    });
    expect(tooMuch.status).toBe(202);
    expect(tooMuch.body.Status).toBe('review');
    expect(tooMuch.body.Message.join(' ')).toMatch(/REFUND_EXCEEDS_SALE/);
    // A line with neither a line number nor a product is refused, naming it.
    const bare = await call(s.api, 'POST', '/onec/v1/refund', key, { SaleExternalId: fixture.return.ЧекККМ, ExternalId: 'return-3', Line: [{ Quantity: 1 }] });
    expect(bare.status).toBe(400);
    expect(bare.body.error.details.field).toBe('Line[0].ProductId');
  });

  it('re-posts an edited document as a new version: the earlier one is cancelled, un-posting cancels the current one', async () => {
    const doc = 'b1c2d3e4-0000-4000-8000-00000000e012';
    const line = (amount: number) => [{ LineNo: 1, ProductId: 'sku-coffee', Quantity: 1, Price: amount, Amount: amount }];
    const start = await balance();
    const v1 = await call(s.api, 'POST', '/onec/v1/commit', key, saleCheck({ ExternalId: doc, Line: line(500), Payment: [{ Type: 'card', Amount: 500 }] }));
    expect(v1.status).toBe(201);
    expect(v1.body.Totals.Accrued).toBe(50);
    // The cashier corrects the price and posts the document again: version 2.
    const edited = saleCheck({ ExternalId: doc, Version: 2, Line: line(300), Payment: [{ Type: 'card', Amount: 300 }] });
    const v2 = await call(s.api, 'POST', '/onec/v1/commit', key, edited);
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ ExternalId: recordedId(doc, 2), Status: 'committed', Totals: { Accrued: 30 } });
    expect(v2.body.Message[0]).toMatch(/Версия 1 документа отменена/);
    expect((await balance()).Available - start.Available).toBe(30);
    // Posted again unchanged (1C re-posts on every write): a replay, nothing cancelled twice.
    const replay = await call(s.api, 'POST', '/onec/v1/commit', key, edited);
    expect(replay.status).toBe(200);
    expect(replay.body.Replay).toBe(true);
    expect((await balance()).Available - start.Available).toBe(30);
    // A return names the document: it is taken from version 2.
    const ret = await call(s.api, 'POST', '/onec/v1/refund', key, { SaleExternalId: doc, ExternalId: `${doc}-ret`, Line: [{ ProductId: 'sku-coffee', Quantity: 1 }] });
    expect(ret.status).toBe(201);
    expect(ret.body).toMatchObject({ SaleExternalId: recordedId(doc, 2), Totals: { Amount: 300, Accrued: 30 } });
    expect((await balance()).Available).toBe(start.Available);

    // Un-posting a document: the refund "<document>#void" with no lines cancels its current version.
    const other = 'b1c2d3e4-0000-4000-8000-00000000e013';
    await call(s.api, 'POST', '/onec/v1/commit', key, saleCheck({ ExternalId: other, Version: 1, Line: line(200), Payment: [{ Type: 'card', Amount: 200 }] }));
    expect((await balance()).Available - start.Available).toBe(20);
    const unpost = await call(s.api, 'POST', '/onec/v1/refund', key, { SaleExternalId: other, ExternalId: voidId(other) });
    expect(unpost.status).toBe(201);
    expect(unpost.body).toMatchObject({ ExternalId: voidId(other), Totals: { Accrued: 20 } });
    expect((await balance()).Available).toBe(start.Available);
    // Posted again after un-posting (version 2): version 1's cancel is the un-posting's, not a second one.
    const back = await call(s.api, 'POST', '/onec/v1/commit', key, saleCheck({ ExternalId: other, Version: 2, Line: line(400), Payment: [{ Type: 'card', Amount: 400 }] }));
    expect(back.status).toBe(201);
    expect(back.body.Message.join(' ')).not.toMatch(/проверку/);
    expect((await balance()).Available - start.Available).toBe(40);
    const unpost2 = await call(s.api, 'POST', '/onec/v1/refund', key, { SaleExternalId: other, ExternalId: voidId(other) });
    expect(unpost2.body).toMatchObject({ ExternalId: voidId(recordedId(other, 2)), Totals: { Accrued: 40 } });
    expect((await balance()).Available).toBe(start.Available);
  });
});
