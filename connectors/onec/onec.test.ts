import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import soap from 'soap';
import xml2js from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KopilkaError } from '../../ledger/index.ts';
import { call, OPERATOR, startTestService, type TestService } from '../../test/service.ts';
import { decimalText, faultXml, isoFromOnec, isoToOnec, jsonMoney, money, NS, onecField, quantity, SOAP_ENV, xmlMoney } from './protocol.ts';
import { inspectSoapRequest, MAX_SOAP_BODY, WSDL_FILE } from './xml.ts';
import { keyOf } from './credentials.ts';
import { SOAP_DESERIALIZERS } from './soap.ts';

// 1C: the WSDL as a configurator would import it, a real SOAP client generated from it calling
// every operation against a whole Kopilka, the guard in front of the XML parser, and the same
// operations over HTTP+JSON.

const moscow = () => 180;

describe('exact decimals (roubles ↔ kopecks, units ↔ thousandths)', () => {
  it('converts decimal text digit by digit, refusing what would be rounded away', () => {
    expect(money('0.1', 'x') + money('0.2', 'x')).toBe(30);
    expect(money('550.10', 'x')).toBe(55010);
    expect(money('550.1', 'x')).toBe(55010);
    expect(money('0.07', 'x')).toBe(7);
    expect(money('1.500', 'x')).toBe(150);
    expect(money('999999999.99', 'x')).toBe(99_999_999_999);
    expect(money('+1.5', 'x')).toBe(150);
    expect(money('.5', 'x')).toBe(50);
    expect(money('5.', 'x')).toBe(500);
    expect(money(' 12 ', 'x')).toBe(1200);
    expect(money(0.1, 'x') + money(0.2, 'x')).toBe(30); // JSON numbers: their shortest text
    expect(money(1234.56, 'x')).toBe(123456);
    expect(() => money('1.005', 'Check.Line[0].Price')).toThrow(/Check\.Line\[0\]\.Price.*больше 2 знаков/);
    expect(() => money('-1', 'x')).toThrow(/отрицательное/);
    expect(() => money('1e2', 'x')).toThrow(/не десятичное/);
    expect(() => money('', 'x')).toThrow(KopilkaError);
    expect(() => money(true, 'x')).toThrow(/ожидается число/);
    expect(quantity('1.5', 'q')).toBe(1500);
    expect(quantity('2', 'q')).toBe(2000);
    expect(quantity('0.001', 'q')).toBe(1);
    expect(() => quantity('0.0005', 'q')).toThrow(/больше 3 знаков/);
    expect(decimalText('-.5', 'x')).toBe('-0.5');
  });

  it('writes kopecks as exact decimal text for XML and exact numbers for JSON', () => {
    expect(xmlMoney(5)).toBe('0.05');
    expect(xmlMoney(55010)).toBe('550.10');
    expect(xmlMoney(0)).toBe('0.00');
    expect(jsonMoney(55010)).toBe(550.1);
    expect(JSON.stringify(jsonMoney(30))).toBe('0.3');
    for (let k = 0; k < 100_000; k += 7) expect(money(xmlMoney(k), 'x')).toBe(k);
    for (let k = 0; k < 100_000; k += 7) expect(money(jsonMoney(k), 'x')).toBe(k);
  });

  it('reads 1C times without a zone as the organisation’s local time', () => {
    expect(isoFromOnec('2026-11-22T12:00:00', moscow, 'f')).toBe('2026-11-22T12:00:00+03:00');
    expect(isoFromOnec('2026-11-22T12:00:00Z', moscow, 'f')).toBe('2026-11-22T12:00:00+00:00');
    expect(isoFromOnec('2026-11-22T12:00:00.5+0500', moscow, 'f')).toBe('2026-11-22T12:00:00.5+05:00');
    expect(() => isoFromOnec('0001-01-01T00:00:00', moscow, 'Check.OccurredAt')).toThrow(/Check\.OccurredAt.*пустая дата/);
    expect(() => isoFromOnec('22.11.2026 12:00', moscow, 'f')).toThrow(/не в формате/);
    expect(isoToOnec('2026-11-22T09:00:00.000Z', moscow)).toBe('2026-11-22T12:00:00+03:00');
  });

  it('finds the key in Bearer, Basic password or the Key element, in that order', () => {
    const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(keyOf('Bearer kp_onec_a', 'kp_onec_b')).toBe('kp_onec_a');
    expect(keyOf(basic('onec:kp_onec_c'), 'kp_onec_b')).toBe('kp_onec_c');
    expect(keyOf(basic('kp_onec_d:'), undefined)).toBe('kp_onec_d');
    expect(keyOf(undefined, ' kp_onec_b ')).toBe('kp_onec_b');
    expect(keyOf(undefined, undefined)).toBeNull();
  });

  it('names ledger fields as the WSDL does and escapes fault text', () => {
    expect(onecField('lines.0.price')).toBe('Check.Line[0].Price');
    expect(onecField('customer.phone')).toBe('Check.Customer.Phone');
    const x = faultXml(new KopilkaError('INVALID_INPUT', 'a <b> & "c"', { field: 'Check.Line[0].Price' }));
    expect(x).toContain('<faultcode>soap:Client</faultcode><faultstring>a &lt;b&gt; &amp; &quot;c&quot;</faultstring>');
    expect(x).toContain('<k:Field>Check.Line[0].Price</k:Field>');
    expect(faultXml(new KopilkaError('STORAGE_UNAVAILABLE', 'x'))).toContain('<faultcode>soap:Server</faultcode>');
  });

  it('refuses DTDs, entities, other encodings, malformed XML and non-SOAP 1.1 envelopes before any parser runs', async () => {
    const env = (inner: string, ns = SOAP_ENV) => `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${ns}"><s:Body>${inner}</s:Body></s:Envelope>`;
    const ok = await inspectSoapRequest(Buffer.from('\ufeff' + env(`<Balance xmlns="${NS}"><!-- c --><Phone><![CDATA[+7]]></Phone></Balance>`)));
    expect(ok.operation).toBe('Balance');
    const refused = async (text: string | Buffer) => {
      const e = await inspectSoapRequest(Buffer.isBuffer(text) ? text : Buffer.from(text)).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(KopilkaError);
      return (e as KopilkaError).message;
    };
    expect(await refused(`<!DOCTYPE x [<!ENTITY a "b">]>${env('<x/>')}`)).toMatch(/DTD/);
    expect(await refused(`<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>`)).toMatch(/DTD/);
    expect(await refused(env(`<Balance xmlns="${NS}"><Phone>&xxe;</Phone></Balance>`))).toMatch(/не корректный XML/);
    expect(await refused(`<?xml version="1.0" encoding="windows-1251"?>${env('<x/>')}`)).toMatch(/windows-1251/);
    expect(await refused(Buffer.from(env('<x/>'), 'utf16le'))).toMatch(/UTF-8/);
    expect(await refused('<s:Envelope xmlns:s="x"><unclosed>')).toMatch(/не корректный XML|SOAP/);
    expect(await refused(env(`<Balance xmlns="${NS}"/>`, 'http://www.w3.org/2003/05/soap-envelope'))).toMatch(/SOAP 1\.1/);
    expect(await refused(env('<DropTables xmlns="urn:x"/>'))).toMatch(/Неизвестная операция/);
    expect(await refused('')).toMatch(/Пустой/);
    expect(await refused(Buffer.alloc(MAX_SOAP_BODY + 1, 32))).toMatch(/больше 1 МБ/);
  });
});

describe('kopilka.wsdl as a 1C configurator imports it', () => {
  type X = Record<string, any>;
  let w: X;
  const all = (node: unknown, name: string, out: X[] = []): X[] => {
    if (Array.isArray(node)) for (const n of node) all(n, name, out);
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === name) for (const n of v as X[]) out.push(n);
        if (k !== '$') all(v, name, out);
      }
    }
    return out;
  };

  beforeAll(async () => {
    w = await xml2js.parseStringPromise(readFileSync(WSDL_FILE, 'utf8'));
  });

  it('is document/literal SOAP 1.1 with one binding, one namespace and a qualified inline schema', () => {
    const defs = w['wsdl:definitions'];
    expect(defs.$.targetNamespace).toBe(NS);
    expect(defs.$['xmlns:soap']).toBe('http://schemas.xmlsoap.org/wsdl/soap/');
    const bindings = all(w, 'wsdl:binding');
    expect(bindings).toHaveLength(1);
    expect(all(bindings, 'soap:binding').map((b) => b.$)).toEqual([{ style: 'document', transport: 'http://schemas.xmlsoap.org/soap/http' }]);
    const bodies = all(bindings, 'soap:body');
    expect(bodies).toHaveLength(12);
    for (const b of bodies) expect(b.$).toEqual({ use: 'literal' });
    for (const f of all(bindings, 'soap:fault')) expect(f.$.use).toBe('literal');
    for (const o of all(bindings, 'soap:operation')) expect(o.$.style).toBe('document');
    const schemas = all(w, 'xs:schema');
    expect(schemas).toHaveLength(1);
    expect(schemas[0]!.$).toMatchObject({ targetNamespace: NS, elementFormDefault: 'qualified' });
    const text = readFileSync(WSDL_FILE, 'utf8');
    for (const banned of ['encoded', 'soapenc', 'xs:any', 'xs:choice', 'xs:import', 'xs:include', 'wsdl:import', 'soap12', 'nillable', 'arrayType']) {
      expect(text.replace(/<!--[\s\S]*?-->/g, '')).not.toContain(banned);
    }
  });

  it('uses only XDTO-friendly built-in types and named complex types', () => {
    const allowed = new Set(['xs:string', 'xs:decimal', 'xs:long', 'xs:boolean', 'xs:dateTime', 'xs:date']);
    const named = new Set(all(w, 'xs:complexType').filter((t) => t.$?.name).map((t) => `tns:${t.$.name}`));
    for (const e of all(w, 'xs:element')) {
      if (e.$.type === undefined) continue; // a wrapper with an anonymous sequence of typed children
      expect(allowed.has(e.$.type) || named.has(e.$.type), `${e.$.name}: ${e.$.type}`).toBe(true);
    }
  });

  it('wraps each of the six operations: one part "parameters" → the element named after it', () => {
    const ops = all(all(w, 'wsdl:portType'), 'wsdl:operation').map((o) => o.$.name);
    expect(ops).toEqual(['FindCustomer', 'RegisterCustomer', 'Calculate', 'Commit', 'Refund', 'Balance']);
    const messages = new Map(all(w, 'wsdl:message').map((m) => [m.$.name, m['wsdl:part']]));
    const elements = new Map<string, X>(all(w, 'xs:element').filter((e) => e.$.name).map((e) => [e.$.name, e]));
    for (const op of all(all(w, 'wsdl:portType'), 'wsdl:operation')) {
      const name = op.$.name as string;
      for (const [dir, element] of [['wsdl:input', name], ['wsdl:output', `${name}Response`]] as const) {
        const parts = messages.get(op[dir][0].$.message.replace('tns:', ''));
        expect(parts).toHaveLength(1);
        expect(parts[0].$).toEqual({ name: 'parameters', element: `tns:${element}` });
        expect(elements.has(element)).toBe(true);
      }
      const sequence = elements.get(`${name}Response`)!['xs:complexType'][0]['xs:sequence'][0]['xs:element'];
      expect(sequence.map((e: X) => e.$.name)).toEqual(['Result']);
      const input = elements.get(name)!['xs:complexType'][0]['xs:sequence'][0]['xs:element'];
      expect(input[0].$).toEqual({ name: 'Key', type: 'xs:string', minOccurs: '0' });
    }
    const actions = all(w, 'soap:operation').map((o) => o.$.soapAction);
    expect(actions).toEqual(ops.map((o) => `${NS}#${o}`));
  });
});

const program = {
  levels: [{ code: 'standard', name: 'Стандартная', threshold: 0, accrual: { type: 'percent', percent: 10 }, discount: null, maxRedeemPercent: 30 }],
  activationDays: 0,
  expiry: { mode: 'afterAccrual', days: 30 },
  rounding: 'floor',
};

/**
 * Now in Moscow, as 1C's Дата is written: no zone. Taken once, so that a replay sent a second
 * later is still the same check (a new time would make it a conflict, rightly).
 */
const startedAt = new Date(Date.now() + 3 * 3_600_000 - 60_000).toISOString().slice(0, 19);
const onecNow = () => startedAt;

describe('1C over SOAP and HTTP+JSON, end to end', () => {
  let s: TestService;
  let key: string;
  let cashierKey: string;
  let client: any;
  const soapUrl = () => `${s.api}/onec/soap`;

  const check = (externalId: string, o: Record<string, unknown> = {}) => ({
    ExternalId: externalId,
    OccurredAt: onecNow(),
    Customer: { Phone: '+79160000001' },
    Line: [
      { LineNo: 1, ProductId: 'sku-1', Name: 'Капучино', Quantity: '1', Price: '350.10', Amount: '350.10' },
      { LineNo: 2, ProductId: 'sku-2', GroupId: 'bakery', Quantity: '2', Price: '100.00', Amount: '200.00' },
    ],
    Payment: [{ Type: 'card', Amount: '550.10' }],
    ...o,
  });

  /** The fault a SOAP call answered with, as the client parsed it. */
  const faultOf = async (p: Promise<unknown>) => {
    const e: any = await p.then(() => null, (x: unknown) => x);
    expect(e, 'a fault was expected').not.toBeNull();
    expect(e.response?.status).toBe(500);
    return e.root.Envelope.Body.Fault as { faultcode: string; faultstring: string; detail: { KopilkaFault: { Code: string; Message: string; Field?: string } } };
  };

  const post = async (body: string | Buffer, headers: Record<string, string> = {}) => {
    const r = await fetch(soapUrl(), { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Bearer ${key}`, ...headers } });
    const text = await r.text();
    const parsed = await xml2js.parseStringPromise(text, { explicitArray: false, tagNameProcessors: [xml2js.processors.stripPrefix] });
    return { status: r.status, text, fault: parsed.Envelope.Body.Fault, body: parsed.Envelope.Body };
  };
  const envelope = (inner: string) => `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_ENV}" xmlns:k="${NS}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;

  beforeAll(async () => {
    s = await startTestService({ redis: false });
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Магазин на 1С', program });
    expect(t.status).toBe(201);
    key = (await call(s.api, 'POST', '/v1/keys', t.body.adminKey, { channel: 'onec', storeId: 'shop-1' })).body.key;
    cashierKey = (await call(s.api, 'POST', '/v1/keys', t.body.adminKey, { channel: 'cashier' })).body.key;
    client = await soap.createClientAsync(`${soapUrl()}?wsdl`, { customDeserializer: SOAP_DESERIALIZERS, disableCache: true });
    client.setSecurity(new soap.BasicAuthSecurity('onec', key));
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('serves the WSDL at ?wsdl with the local address when no PUBLIC_URL is set', async () => {
    const r = await fetch(`${soapUrl()}?wsdl`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/xml/);
    const text = await r.text();
    expect(text).toContain(`<soap:address location="${soapUrl()}"/>`);
    // A forwarded host is a caller's claim, not the service's address (PUBLIC_URL is: soap-guard.test.ts).
    const viaProxy = await (await fetch(`${soapUrl()}?WSDL`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'loyalty.shop.ru' } })).text();
    expect(viaProxy).toContain(`<soap:address location="${soapUrl()}"/>`);
    expect(Object.keys(client.describe().Kopilka.KopilkaSoap).sort()).toEqual(['Balance', 'Calculate', 'Commit', 'FindCustomer', 'Refund', 'RegisterCustomer']);
    // The rest of the API port is untouched.
    expect((await call(s.api, 'GET', '/health', null)).status).toBe(200);
  });

  it('registers and finds customers', async () => {
    const [reg] = await client.RegisterCustomerAsync({ Phone: '8 916 000-00-01', CardNumber: 'CARD-1C-1', Name: 'Анна', BirthDate: '1990-05-17' });
    expect(reg.Result).toMatchObject({ Phone: '+79160000001', CardNumber: 'CARD-1C-1', Name: 'Анна', Level: { Code: 'standard' }, Available: '0.00', Pending: '0.00', Purchases: '0' });
    const [byPhone] = await client.FindCustomerAsync({ Phone: '+7 (916) 000-00-01' });
    expect(byPhone.Result.Found).toBe(true);
    expect(byPhone.Result.Customer.CustomerId).toBe(reg.Result.CustomerId);
    const [byCard] = await client.FindCustomerAsync({ CardNumber: 'CARD-1C-1' });
    expect(byCard.Result.Customer.Phone).toBe('+79160000001');
    const [none] = await client.FindCustomerAsync({ CardNumber: 'NO-SUCH-CARD' });
    expect(none.Result).toEqual({ Found: false });
    const taken = await faultOf(client.RegisterCustomerAsync({ Phone: '+79160000001' }));
    expect(taken.faultcode).toBe('soap:Client');
    expect(taken.detail.KopilkaFault.Code).toBe('PHONE_TAKEN');
  });

  it('calculates without recording, commits once (a replay answers the same), refunds', async () => {
    const [calc] = await client.CalculateAsync({ Check: check('1c-sale-1') });
    expect(calc.Result).toMatchObject({ ExternalId: '1c-sale-1', Status: 'calculated', Replay: false });
    expect(calc.Result.Totals).toEqual({ Amount: '550.10', Discount: '0.00', Redeemed: '0.00', ToPay: '550.10', Accrued: '55.00', MaxRedeem: '0.00' });
    const before = (await client.BalanceAsync({ Phone: '+79160000001' }))[0].Result;
    expect(before.Available).toBe('0.00');

    const [first, raw] = await client.CommitAsync({ Check: check('1c-sale-1') });
    expect(raw).toContain(`<CommitResponse xmlns="${NS}"><Result>`);
    expect(first.Result).toMatchObject({ Status: 'committed', Replay: false, Customer: { Available: '55.00' } });
    expect(first.Result.Line).toEqual([
      { LineNo: '1', Discount: '0.00', Redeemed: '0.00', Accrued: expect.any(String) },
      { LineNo: '2', Discount: '0.00', Redeemed: '0.00', Accrued: expect.any(String) },
    ]);
    expect(money(first.Result.Line[0].Accrued, 'a') + money(first.Result.Line[1].Accrued, 'a')).toBe(5500);
    const [again] = await client.CommitAsync({ Check: check('1c-sale-1') });
    expect(again.Result).toEqual({ ...first.Result, Replay: true });
    const [bal] = await client.BalanceAsync({ CardNumber: 'CARD-1C-1' });
    expect(bal.Result).toMatchObject({ Available: '55.00', Pending: '0.00', Level: { Code: 'standard', Name: 'Стандартная' } });
    // The same check id with other content is a conflict, not a second sale: the closed check is
    // not refused (1C has printed it) but kept for review, and 1C is told so.
    const [conflict] = await client.CommitAsync({ Check: check('1c-sale-1', { Payment: [{ Type: 'cash', Amount: '550.10' }] }) });
    expect(conflict.Result).toMatchObject({ Status: 'review', Replay: false });
    expect(([] as string[]).concat(conflict.Result.Message).join(' ')).toMatch(/IDEMPOTENCY_CONFLICT/);

    // Paying with bonuses: at most 30 % of the check, here all 55 available.
    const [pay] = await client.CommitAsync({ Check: check('1c-sale-2', { Line: [{ LineNo: 1, ProductId: 'sku-1', Quantity: '1.5', Price: '200', Amount: '300' }], Payment: [], RedeemMax: true }) });
    expect(pay.Result.Totals).toMatchObject({ Amount: '300.00', Redeemed: '55.00', ToPay: '245.00' });

    const [part] = await client.RefundAsync({ SaleExternalId: '1c-sale-1', ExternalId: '1c-ret-1', Line: [{ LineNo: 2, Quantity: '1' }] });
    expect(part.Result).toMatchObject({ SaleExternalId: '1c-sale-1', Replay: false });
    expect(part.Result.Line).toEqual([expect.objectContaining({ LineNo: '2', Quantity: '1.000', Amount: '100.00' })]);
    const [rest] = await client.RefundAsync({ SaleExternalId: '1c-sale-1', ExternalId: '1c-ret-2' });
    const [rest2] = await client.RefundAsync({ SaleExternalId: '1c-sale-1', ExternalId: '1c-ret-2' });
    expect(rest2.Result).toEqual({ ...rest.Result, Replay: true });
    // Everything the first sale accrued is taken back, exactly.
    expect(money(part.Result.Totals.Accrued, 'a') + money(rest.Result.Totals.Accrued, 'a')).toBe(5500);
    const [after] = await client.BalanceAsync({ CardNumber: 'CARD-1C-1' });
    // Balance = accrued − paid with bonuses − what the refunds took back (less what they could not: debt).
    const m = (v: string) => money(v, 'a');
    const takenBack = m(part.Result.Totals.Accrued) + m(rest.Result.Totals.Accrued) - m(part.Result.Totals.Debt) - m(rest.Result.Totals.Debt);
    expect(m(after.Result.Available) + m(after.Result.Pending)).toBe(5500 - m(pay.Result.Totals.Redeemed) + m(pay.Result.Totals.Accrued) - takenBack);
    expect(m(rest.Result.Totals.Debt)).toBeGreaterThan(0); // the 55 bonuses were spent on the second sale
    // A third return of a sale returned in full: closed at the till, so kept for review, and
    // nothing more is taken back.
    const [twice] = await client.RefundAsync({ SaleExternalId: '1c-sale-1', ExternalId: '1c-ret-3' });
    expect(twice.Result).toMatchObject({ Status: 'review' });
    expect(([] as string[]).concat(twice.Result.Message).join(' ')).toMatch(/REFUND_EXCEEDS_SALE|REFUND_OF_REFUND/);
    const [still] = await client.BalanceAsync({ CardNumber: 'CARD-1C-1' });
    expect(still.Result).toEqual(after.Result);
  });

  it('takes the key as Bearer, as a Basic password, or in the Key element; refuses others with a Fault', async () => {
    const bare = await soap.createClientAsync(`${soapUrl()}?wsdl`, { customDeserializer: SOAP_DESERIALIZERS, disableCache: true });
    // No key at all: 401 with a Basic challenge (1C's client sends Basic only when asked), the Fault as its body.
    const none: any = await bare.BalanceAsync({ Phone: '+79160000001' }).then(() => null, (x: unknown) => x);
    expect(none?.response?.status).toBe(401);
    expect(none.response.headers['www-authenticate']).toBe('Basic realm="Kopilka"');
    expect(String(none.body)).toContain('<k:Code>UNAUTHORIZED</k:Code>');
    expect((await bare.BalanceAsync({ Key: key, Phone: '+79160000001' }))[0].Result.Available).toBeDefined();
    bare.addHttpHeader('Authorization', `Bearer ${key}`);
    expect((await bare.BalanceAsync({ Phone: '+79160000001' }))[0].Result.CustomerId).toBeDefined();
    bare.clearHttpHeaders();
    const wrong = await faultOf(bare.BalanceAsync({ Key: 'kp_onec_not-a-key', Phone: '+79160000001' }));
    expect(wrong).toMatchObject({ faultcode: 'soap:Client', faultstring: 'Ключ доступа неверен или отозван', detail: { KopilkaFault: { Code: 'UNAUTHORIZED', Message: 'Ключ доступа неверен или отозван' } } });
    const cashier = await soap.createClientAsync(`${soapUrl()}?wsdl`, { customDeserializer: SOAP_DESERIALIZERS, disableCache: true });
    cashier.setSecurity(new soap.BasicAuthSecurity('onec', cashierKey));
    const otherChannel = await faultOf(cashier.BalanceAsync({ Phone: '+79160000001' }));
    expect(otherChannel.faultstring).toMatch(/ключ канала «cashier».*«onec»/);
  });

  it('answers an unknown customer and invalid data with client Faults naming the field', async () => {
    const unknown = await faultOf(client.BalanceAsync({ CardNumber: 'NO-SUCH-CARD' }));
    expect(unknown).toMatchObject({ faultcode: 'soap:Client', faultstring: 'Клиент не найден', detail: { KopilkaFault: { Code: 'CUSTOMER_NOT_FOUND' } } });
    // A closed check with a card Kopilka does not know is kept for review, not refused.
    const [unknownInCheck] = await client.CommitAsync({ Check: check('1c-sale-x', { Customer: { CardNumber: 'NO-SUCH-CARD' } }) });
    expect(unknownInCheck.Result).toMatchObject({ Status: 'review' });
    expect(([] as string[]).concat(unknownInCheck.Result.Message).join(' ')).toMatch(/CUSTOMER_NOT_FOUND/);
    const kopecks = await faultOf(client.CalculateAsync({ Check: check('1c-sale-x', { Payment: [{ Type: 'card', Amount: '550.105' }] }) }));
    expect(kopecks.detail.KopilkaFault).toMatchObject({ Code: 'INVALID_INPUT', Field: 'Check.Payment[0].Amount' });
    const noDate = await faultOf(client.CalculateAsync({ Check: check('1c-sale-x', { OccurredAt: '0001-01-01T00:00:00' }) }));
    expect(noDate.detail.KopilkaFault.Field).toBe('Check.OccurredAt');
    const ledgerField = await faultOf(client.CalculateAsync({ Check: check('1c-sale-x', { Line: [{ LineNo: 1, ProductId: 'x'.repeat(200), Quantity: '1', Price: '1', Amount: '1' }] }) }));
    expect(ledgerField.detail.KopilkaFault.Field).toBe('Check.Line[0].ProductId');
    // Nothing of these was recorded.
    expect((await client.FindCustomerAsync({ CardNumber: 'NO-SUCH-CARD' }))[0].Result.Found).toBe(false);
  });

  it('refuses malformed XML, DTDs with entities and unknown operations with Faults, before the SOAP machinery', async () => {
    const malformed = await post(envelope('<k:Balance><k:Phone>+7916</k:Balance>'));
    expect(malformed.status).toBe(500);
    expect(malformed.fault).toMatchObject({ faultcode: 'soap:Client', detail: { KopilkaFault: { Code: 'INVALID_INPUT' } } });
    expect(malformed.fault.faultstring).toMatch(/не корректный XML/);

    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>${envelope('<k:Balance><k:Phone>&lol3;</k:Phone></k:Balance>').replace(/^<\?xml[^>]*\?>/, '')}`;
    const dtd = await post(laughs);
    expect(dtd.status).toBe(500);
    expect(dtd.fault).toMatchObject({ faultcode: 'soap:Client', detail: { KopilkaFault: { Code: 'INVALID_INPUT' } } });
    expect(dtd.fault.faultstring).toMatch(/DTD/);
    const xxe = await post(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${envelope('<k:Balance><k:Phone>&xxe;</k:Phone></k:Balance>').replace(/^<\?xml[^>]*\?>/, '')}`);
    expect(xxe.fault.faultstring).toMatch(/DTD/);
    expect(xxe.text).not.toContain('root:');

    const unknownOp = await post(envelope('<k:Transfer/>'));
    expect(unknownOp.fault.faultstring).toMatch(/Неизвестная операция «Transfer»/);

    // A well-formed hand-written call goes through, whatever SOAPAction it claims.
    const ok = await post(envelope('<k:Balance><k:Phone>+79160000001</k:Phone></k:Balance>'), { soapaction: '"urn:kopilka:onec:1#Commit"' });
    expect(ok.status).toBe(200);
    expect(ok.body.BalanceResponse.Result.CustomerId).toBeDefined();
    const zipped = await post(gzipSync(envelope('<k:Balance><k:Phone>+79160000001</k:Phone></k:Balance>')), { 'content-encoding': 'gzip' });
    expect(zipped.body.BalanceResponse.Result.CustomerId).toBeDefined();
  });

  it('accepts a request written the way 1C writes it (fixtures/extra/commit.request.xml)', async () => {
    await client.RegisterCustomerAsync({ Phone: '+79160000009', CardNumber: 'CARD-FIXTURE-1' });
    const fixture = readFileSync(new URL('./fixtures/extra/commit.request.xml', import.meta.url), 'utf8').replace('2026-11-22T12:00:00', onecNow());
    const r = await post(fixture, { soapaction: '"urn:kopilka:onec:1#Commit"' });
    expect(r.status).toBe(200);
    expect(r.body.CommitResponse.Result.Totals).toMatchObject({ Amount: '550.10', Accrued: '55.00' });
    expect(r.body.CommitResponse.Result.Customer.Available).toBe('55.00');
  });

  it('refuses bodies over 1 MB with a Fault, declared, streamed, or inflated from gzip', async () => {
    const big = envelope(`<k:Balance><k:Phone>${'1'.repeat(MAX_SOAP_BODY)}</k:Phone></k:Balance>`);
    const declared = await post(big);
    expect(declared.status).toBe(500);
    expect(declared.fault).toMatchObject({ faultcode: 'soap:Client', detail: { KopilkaFault: { Code: 'BODY_TOO_LARGE' } } });

    // Chunked, no Content-Length: the limit is kept while reading.
    const streamed = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const url = new URL(soapUrl());
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'text/xml', authorization: `Bearer ${key}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < 2 * MAX_SOAP_BODY) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      req.write(envelope('<k:Balance><k:Phone>').slice(0, -30));
      pump();
    }).catch((e: Error) => ({ status: -1, text: e.message }));
    // The fault is sent as soon as the limit is crossed, and the connection closed after it.
    expect(streamed.status).toBe(500);
    expect(streamed.text).toContain('<k:Code>BODY_TOO_LARGE</k:Code>');

    const bomb = gzipSync(Buffer.alloc(MAX_SOAP_BODY * 8, ' '));
    expect(bomb.length).toBeLessThan(MAX_SOAP_BODY);
    const inflated = await post(bomb, { 'content-encoding': 'gzip' });
    expect(inflated.fault.detail.KopilkaFault.Code).toBe('BODY_TOO_LARGE');
  });

  it('serves the same operations over HTTP+JSON with decimal roubles', async () => {
    const reg = await call(s.api, 'POST', '/onec/v1/customers', key, { Phone: '+79160000002', CardNumber: 'CARD-1C-2', BirthDate: '1985-01-31T00:00:00' });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ Phone: '+79160000002', Available: 0, Level: { Code: 'standard' } });
    const found = await call(s.pos, 'GET', '/onec/v1/customers?phone=%2B79160000002', key);
    expect(found.body).toMatchObject({ Found: true, Customer: { CardNumber: 'CARD-1C-2' } });
    expect((await call(s.pos, 'GET', '/onec/v1/customers?card=NOPE', key)).body).toEqual({ Found: false });

    const body = check('1c-json-1', { Customer: { CardNumber: 'CARD-1C-2' }, Line: [{ LineNo: 1, ProductId: 'sku-1', Quantity: 1.5, Price: 0.1, Amount: 0.15 }, { LineNo: 2, ProductId: 'sku-2', Quantity: 1, Price: '1000.20', Amount: 1000.2 }], Payment: [{ Type: 'card', Amount: 1000.35 }] });
    const calc = await call(s.pos, 'POST', '/onec/v1/calculate', key, body);
    expect(calc.status).toBe(200);
    expect(calc.body.Totals).toEqual({ Amount: 1000.35, Discount: 0, Redeemed: 0, ToPay: 1000.35, Accrued: 100, MaxRedeem: 0 });
    const first = await call(s.pos, 'POST', '/onec/v1/commit', key, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ Status: 'committed', Replay: false, Customer: { Available: 100 } });
    const replay = await call(s.api, 'POST', '/onec/v1/commit', key, body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ ...first.body, Replay: true });
    expect((await call(s.pos, 'GET', '/onec/v1/balance?card=CARD-1C-2', key)).body).toMatchObject({ Available: 100, Pending: 0 });
    // The SOAP side sees the same sale: one channel, one idempotency space.
    const [viaSoap] = await client.CommitAsync({ Check: { ...body, Line: body.Line.map((l: any) => ({ ...l, Quantity: String(l.Quantity), Price: String(l.Price), Amount: String(l.Amount) })), Payment: [{ Type: 'card', Amount: '1000.35' }] } });
    expect(viaSoap.Result.Replay).toBe(true);

    const ret = await call(s.pos, 'POST', '/onec/v1/refund', key, { SaleExternalId: '1c-json-1', ExternalId: '1c-json-ret-1' });
    expect(ret.status).toBe(201);
    expect(ret.body.Totals).toMatchObject({ Amount: 1000.35, Accrued: 100 });
    expect((await call(s.pos, 'GET', '/onec/v1/balance?card=CARD-1C-2', key)).body.Available).toBe(0);
  });

  it('answers HTTP+JSON errors in the native form', async () => {
    const noKey = await call(s.pos, 'POST', '/onec/v1/calculate', null, check('e'));
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.code).toBe('UNAUTHORIZED');
    expect((await call(s.pos, 'POST', '/onec/v1/calculate', cashierKey, check('e'))).status).toBe(401);
    const basic = await fetch(`${s.pos}/onec/v1/balance?phone=%2B79160000002`, { headers: { authorization: `Basic ${Buffer.from(`onec:${key}`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    const bad = await call(s.pos, 'POST', '/onec/v1/calculate', key, check('e', { Redeem: 1.001 }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'Check.Redeem' } });
    const badQty = await call(s.pos, 'POST', '/onec/v1/commit', key, check('e', { Line: [{ LineNo: 1, ProductId: 'a', Quantity: 0, Price: 1, Amount: 1 }] }));
    expect(badQty.status).toBe(400);
    expect(badQty.body.error.details.field).toBe('Check.Line[0].Quantity');
    const unknown = await call(s.pos, 'GET', '/onec/v1/balance?card=NOPE', key);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('CUSTOMER_NOT_FOUND');
    const notJson = await call(s.pos, 'POST', '/onec/v1/commit', key, undefined, '<xml/>');
    expect(notJson.status).toBe(400);
    // A return of a sale Kopilka never saw: kept for review (202), not refused.
    const noSale = await call(s.pos, 'POST', '/onec/v1/refund', key, { SaleExternalId: 'never-sold', ExternalId: 'r' });
    expect(noSale.status).toBe(202);
    expect(noSale.body.Status).toBe('review');
    expect(noSale.body.Message.join(' ')).toMatch(/CHECK_NOT_FOUND/);
  });
});
