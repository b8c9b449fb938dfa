import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import xml2js from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, type TestService } from '../../test/service.ts';
import { NS, SOAP_ENV } from './protocol.ts';
import { soapEndpoint } from './soap.ts';

// The SOAP endpoint under hostile input (issue 8): the key is checked before any XML is parsed,
// one bounded pass refuses deep or huge documents without holding the event loop, the WSDL names
// the configured address whatever Host a caller sends, text fields are clean, and malformed input
// is a client Fault, never an internal error.

const program = {
  levels: [{ code: 'standard', name: 'Стандартная', threshold: 0, accrual: { type: 'percent', percent: 10 }, discount: null, maxRedeemPercent: 30 }],
  activationDays: 0,
  expiry: { mode: 'afterAccrual', days: 30 },
  rounding: 'floor',
};

const envelope = (inner: string) => `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_ENV}" xmlns:k="${NS}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
/** 20 POSTs at once of the file FILE to URL (Authorization: AUTH if set); prints the answers' fault codes. */
const FLOOD = `
const { request } = require('node:http');
const body = require('node:fs').readFileSync(process.env.FILE);
const url = new URL(process.env.URL);
const one = () => new Promise((resolve, reject) => {
  const headers = { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(body.length) };
  if (process.env.AUTH) headers.authorization = process.env.AUTH;
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('end', () => resolve({ status: res.statusCode, code: (/<k:Code>([^<]*)</.exec(text) || [])[1] || null, message: (/<k:Message>([^<]*)</.exec(text) || [])[1] || null }));
  });
  // The server answers a refused body before reading it whole and closes the connection: the
  // rest of our write then fails (EPIPE/ECONNRESET). An answer already being read wins the race;
  // one lost to the reset is counted as CLOSED, and the test wants most answers read.
  req.on('error', (e) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? setTimeout(() => resolve({ status: 0, code: 'CLOSED', message: e.code }), 200) : reject(e)));
  req.end(body);
});
Promise.all(Array.from({ length: 20 }, one)).then((a) => process.stdout.write(JSON.stringify(a)), (e) => { console.error(e); process.exit(1); });
`;

/** Just under 1 MB: 140,000 nested elements inside a Balance call (the probe's body). */
const deep = (keyElement = '') => envelope(`<k:Balance>${keyElement}${'<a>'.repeat(140_000)}${'</a>'.repeat(140_000)}</k:Balance>`);

describe('the SOAP endpoint under hostile input', () => {
  let s: TestService;
  let key: string;
  const soapUrl = () => `${s.api}/onec/soap`;

  const post = async (body: string | Buffer, headers: Record<string, string> = {}) => {
    const r = await fetch(soapUrl(), { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'text/xml; charset=utf-8', ...headers } });
    const text = await r.text();
    const parsed = await xml2js.parseStringPromise(text, { explicitArray: false, tagNameProcessors: [xml2js.processors.stripPrefix] }).catch(() => null);
    return { status: r.status, text, fault: parsed?.Envelope?.Body?.Fault, body: parsed?.Envelope?.Body };
  };
  const bearer = () => ({ authorization: `Bearer ${key}` });
  /**
   * The longest the event loop was held while `work` ran, in ms, two ways: `delay` as
   * monitorEventLoopDelay sees it (wall clock), and `held`, each gap between 1 ms timer ticks
   * counted only as far as the process used the CPU in it. Other test files share the 2 cores:
   * a moment this process was not scheduled shows in `delay` but not in `held`, while a request
   * holding the loop shows in both.
   */
  const loopHold = async (work: () => Promise<unknown>) => {
    const h = monitorEventLoopDelay({ resolution: 1 });
    let held = 0;
    let last = performance.now();
    let lastCpu = process.cpuUsage();
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      held = Math.max(held, Math.min(now - last, (cpu.user + cpu.system) / 1000));
      last = now;
      lastCpu = process.cpuUsage();
      timer = setTimeout(tick, 1);
    };
    h.enable();
    timer = setTimeout(tick, 1);
    await work();
    clearTimeout(timer);
    tick();
    clearTimeout(timer);
    h.disable();
    return { delay: h.max / 1e6, held };
  };

  beforeAll(async () => {
    s = await startTestService({ redis: false });
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Магазин на 1С', program });
    key = (await call(s.api, 'POST', '/v1/keys', t.body.adminKey, { channel: 'onec', storeId: 'shop-1' })).body.key;
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('refuses 20 deep 1 MB bodies, with and without a key, without holding the event loop', async () => {
    const body = deep();
    expect(body.length).toBeLessThan(1024 * 1024);
    // As wide as the element limit allows and then some: an authenticated body the pass must read
    // in slices before it finds it too big.
    const wide = envelope(`<k:Balance>${'<k:CardNumber>1</k:CardNumber>'.repeat(33_000)}</k:Balance>`);
    expect(wide.length).toBeLessThan(1024 * 1024);
    const dir = mkdtempSync(join(tmpdir(), 'kopilka-soap-'));
    writeFileSync(join(dir, 'deep.xml'), body);
    writeFileSync(join(dir, 'wide.xml'), wide);
    type Answer = { status: number; code: string | null; message: string | null };
    // The 20 senders run in a process of their own, as the probe did: what is measured here is
    // the server's event loop, not a client's work on the same one.
    const flood = (file: string, auth: string | null) =>
      new Promise<Answer[]>((resolve, reject) => {
        execFile(process.execPath, ['-e', FLOOD], { env: { ...process.env, URL: soapUrl(), FILE: join(dir, file), AUTH: auth ?? '' } }, (err, stdout) =>
          err ? reject(err) : resolve(JSON.parse(stdout) as Answer[]),
        );
      });
    await flood('deep.xml', null); // warm-up: compilation is not a request holding the loop
    const kinds = ['without', 'withKey', 'wideKey'] as const;
    const rounds: Record<(typeof kinds)[number], { delay: number; held: number }>[] = [];
    const answers: Record<(typeof kinds)[number], Answer[]> = { without: [], withKey: [], wideKey: [] };
    for (let i = 0; i < 3; i++) {
      const without = await loopHold(async () => (answers.without = await flood('deep.xml', null)));
      const withKey = await loopHold(async () => (answers.withKey = await flood('deep.xml', `Bearer ${key}`)));
      const wideKey = await loopHold(async () => (answers.wideKey = await flood('wide.xml', `Bearer ${key}`)));
      rounds.push({ without, withKey, wideKey });
    }
    rmSync(dir, { recursive: true, force: true });
    const worst = (k: (typeof kinds)[number], m: 'delay' | 'held') => Math.max(...rounds.map((r) => r[k][m]));
    const fmt = (m: 'delay' | 'held') => kinds.map((k) => `${k} ${worst(k, m).toFixed(1)}`).join(', ');
    console.log(`event loop over 3 rounds of 20 requests, worst (ms) — monitorEventLoopDelay max: ${fmt('delay')}; held (CPU-backed): ${fmt('held')}`);
    expect(answers.without).toHaveLength(20);
    const read = (k: (typeof kinds)[number]) => answers[k].filter((r) => r.code !== 'CLOSED');
    console.log(`answers lost to the server closing early (last round): ${kinds.map((k) => `${k} ${20 - read(k).length}`).join(', ')}`);
    for (const k of kinds) expect(read(k).length, `${k}: most answers are read before the connection closes`).toBeGreaterThanOrEqual(10);
    for (const r of read('without')) expect(r).toMatchObject({ status: 401, code: 'UNAUTHORIZED' }); // a Basic challenge: 1C sends credentials only after one
    for (const r of read('withKey')) expect(r).toMatchObject({ status: 500, code: 'INVALID_INPUT', message: expect.stringMatching(/Вложенность элементов больше 32/) });
    for (const r of read('wideKey')) expect(r).toMatchObject({ status: 500, code: 'INVALID_INPUT', message: expect.stringMatching(/больше 10000 элементов/) });
    // Measured alone on this 2-core machine: 23–113 ms worst over three rounds (20 MB arriving at
    // once, with the garbage collection that brings); a parser that reads a body in one go held the
    // loop 1.2–14.8 s here. The bound sits between, with room for a slow round, and still catches
    // any whole-body parse by an order of magnitude.
    for (const k of kinds) expect(worst(k, 'held'), k).toBeLessThan(250);
  }, 120_000);

  it('checks a header key before reading the body, and a Key element by a scan, not a parse', async () => {
    // A wrong Bearer key is answered while the body is still arriving: nothing of it was needed.
    const early = await new Promise<string>((resolve, reject) => {
      const url = new URL(soapUrl());
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'text/xml', 'content-length': '500000', authorization: 'Bearer kp_onec_not-a-key' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.write(envelope('<k:Balance>').slice(0, 200)); // and never the rest
    });
    expect(early).toContain('<k:Code>UNAUTHORIZED</k:Code>');

    // No key anywhere: refused as unauthenticated, not as too deep (it was never parsed).
    const stranger = await post(deep());
    expect(stranger.fault).toMatchObject({ faultcode: 'soap:Client', detail: { KopilkaFault: { Code: 'UNAUTHORIZED' } } });
    expect(stranger.fault.faultstring).toMatch(/Нет ключа доступа/);
    // A key in the Key element: found by the scan, then the body is parsed and refused for its depth.
    const withKeyElement = await post(deep(`<k:Key>${key}</k:Key>`));
    expect(withKeyElement.fault.detail.KopilkaFault).toMatchObject({ Code: 'INVALID_INPUT' });
    expect(withKeyElement.fault.faultstring).toMatch(/Вложенность/);
    // The scan sees a key in a comment, the parse finds no Key element: not authenticated.
    const lent = await post(envelope(`<!-- <k:Key>${key}</k:Key> --><k:Balance><k:Phone>+79160000001</k:Phone></k:Balance>`));
    expect(lent.fault.detail.KopilkaFault.Code).toBe('UNAUTHORIZED');
    // And a Key element as 1C writes it still works.
    const ok = await post(envelope(`<k:Balance><k:Key>${key}</k:Key><k:Phone>+79160000001</k:Phone></k:Balance>`));
    expect(ok.fault?.detail?.KopilkaFault?.Code).toBe('CUSTOMER_NOT_FOUND');
    // Compressed, the key is looked for in what the body inflates to; far down a big body, it is not looked for.
    const zipped = await post(gzipSync(envelope(`<k:Balance><k:Key>${key}</k:Key><k:Phone>+79160000001</k:Phone></k:Balance>`)), { 'content-encoding': 'gzip' });
    expect(zipped.fault?.detail?.KopilkaFault?.Code).toBe('CUSTOMER_NOT_FOUND');
    const late = await post(envelope(`<k:Balance><k:Phone>+79160000001</k:Phone>${'<!-- padding -->'.repeat(2000)}<k:Key>${key}</k:Key></k:Balance>`));
    expect(late.fault?.detail?.KopilkaFault?.Code).toBe('UNAUTHORIZED');
  });

  it('refuses documents deeper than 32 or with more than 10,000 elements, with a client Fault', async () => {
    const nested = (n: number) => envelope(`<k:Balance><k:Phone>+79160000001</k:Phone>${'<k:x>'.repeat(n)}${'</k:x>'.repeat(n)}</k:Balance>`);
    expect((await post(nested(20), bearer())).fault.detail.KopilkaFault.Code).toBe('CUSTOMER_NOT_FOUND'); // unknown elements are ignored
    const tooDeep = await post(nested(30), bearer());
    expect(tooDeep.fault).toMatchObject({ faultcode: 'soap:Client', detail: { KopilkaFault: { Code: 'INVALID_INPUT' } } });
    expect(tooDeep.fault.faultstring).toMatch(/Вложенность элементов больше 32/);
    const many = await post(envelope(`<k:Balance>${'<k:y/>'.repeat(10_001)}</k:Balance>`), bearer());
    expect(many.fault.faultstring).toMatch(/больше 10000 элементов/);
  });

  it('names the configured PUBLIC_URL in the WSDL, never a Host a caller sent', async () => {
    const wsdlWith = (headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(soapUrl());
        const req = request({ host: url.hostname, port: url.port, path: `${url.pathname}?wsdl`, headers }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
    const port = new URL(soapUrl()).port;
    const evil = await wsdlWith({ host: 'evil.example' });
    expect(evil).not.toContain('evil.example');
    expect(evil).toContain(`<soap:address location="http://localhost:${port}/onec/soap"/>`);
    const forwarded = await wsdlWith({ host: `127.0.0.1:${port}`, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(forwarded).toContain(`<soap:address location="http://127.0.0.1:${port}/onec/soap"/>`);
    expect(soapEndpoint('https://loyalty.example.ru/', 'evil.example', 8081)).toBe('https://loyalty.example.ru/onec/soap');
    expect(soapEndpoint(undefined, '[::1]:8081', 8081)).toBe('http://[::1]:8081/onec/soap');
    expect(soapEndpoint(undefined, 'localhost.evil.example', 8081)).toBe('http://localhost:8081/onec/soap');
    expect(soapEndpoint(undefined, '127.0.0.1.evil.example', 8081)).toBe('http://localhost:8081/onec/soap');

    const configured = await startTestService({ redis: false, env: { PUBLIC_URL: 'https://loyalty.example.ru' } });
    try {
      const text = await (await fetch(`${configured.api}/onec/soap?wsdl`)).text();
      expect(text).toContain('<soap:address location="https://loyalty.example.ru/onec/soap"/>');
    } finally {
      await configured.stop();
    }
  });

  it('refuses NUL, lone surrogates and control characters in text fields, naming the field', async () => {
    const commit = (o: { externalId?: string; productId?: string; name?: string } = {}) =>
      envelope(
        `<k:Calculate><k:Check><k:ExternalId>${o.externalId ?? 'c-1'}</k:ExternalId><k:OccurredAt>2026-11-22T12:00:00</k:OccurredAt>` +
          `<k:Line><k:LineNo>1</k:LineNo><k:ProductId>${o.productId ?? 'sku-1'}</k:ProductId><k:Name>${o.name ?? 'Кофе'}</k:Name><k:Quantity>1</k:Quantity><k:Price>10</k:Price><k:Amount>10</k:Amount></k:Line>` +
          `</k:Check></k:Calculate>`,
      );
    const fieldOf = async (body: string) => {
      const r = await post(body, bearer());
      expect(r.status).toBe(500);
      expect(r.fault?.faultcode).toBe('soap:Client');
      expect(r.fault?.detail?.KopilkaFault?.Code).toBe('INVALID_INPUT');
      return r.fault.detail.KopilkaFault.Field as string;
    };
    expect(await fieldOf(commit({ externalId: 'a&#0;b' }))).toBe('Check.ExternalId');
    expect(await fieldOf(commit({ externalId: 'a&#xD800;b' }))).toBe('Check.ExternalId');
    expect(await fieldOf(commit({ externalId: 'a&#xDC00;' }))).toBe('Check.ExternalId');
    expect(await fieldOf(commit({ externalId: 'a\u0000b' }))).toBe('Check.ExternalId');
    expect(await fieldOf(commit({ productId: 'a\u0001b' }))).toBe('Check.Line[0].ProductId');
    expect(await fieldOf(commit({ productId: 'a&#x1F;b' }))).toBe('Check.Line[0].ProductId');
    expect(await fieldOf(commit({ externalId: 'a\u0085b' }))).toBe('Check.ExternalId'); // C1: legal XML, not an id
    expect(await fieldOf(commit({ externalId: 'a\tb' }))).toBe('Check.ExternalId');
    expect(await fieldOf(commit({ name: 'a\u0007b' }))).toBe('Check.Line[0].Name');
    const refund = await post(envelope(`<k:Refund><k:SaleExternalId>s</k:SaleExternalId><k:ExternalId>r&#xD800;</k:ExternalId></k:Refund>`), bearer());
    expect(refund.fault.detail.KopilkaFault).toMatchObject({ Code: 'INVALID_INPUT', Field: 'ExternalId' });
    // Free text keeps its tabs and line breaks; a well-formed astral character is just a character.
    const fine = await post(commit({ name: 'Кофе\tбольшой\r\nс собой', externalId: 'чек-😀' }), bearer());
    expect(fine.status).toBe(200);
    expect(fine.body.CalculateResponse.Result.ExternalId).toBe('чек-😀');

    // The HTTP+JSON side, query strings included.
    const json = (path: string, body?: unknown) => call(s.pos, body === undefined ? 'GET' : 'POST', path, key, body);
    const check = (o: Record<string, unknown>) => ({ ExternalId: 'j-1', OccurredAt: '2026-11-22T12:00:00', Line: [{ LineNo: 1, ProductId: 'sku-1', Quantity: 1, Price: 10, Amount: 10 }], ...o });
    for (const [o, field] of [
      [{ ExternalId: 'a\ud800' }, /ExternalId$/],
      [{ ExternalId: 'a\u0000' }, /ExternalId$/],
      [{ ExternalId: 'a\u0001b' }, /^Check\.ExternalId$/],
      [{ Line: [{ LineNo: 1, ProductId: 'a\u001bb', Quantity: 1, Price: 10, Amount: 10 }] }, /^Check\.Line\[0\]\.ProductId$/],
    ] as const) {
      const r = await json('/onec/v1/calculate', check(o));
      expect(r.status, JSON.stringify(o)).toBe(400);
      expect(r.body.error.details.field).toMatch(field);
    }
    const q = await json('/onec/v1/balance?card=a%01b');
    expect(q.status).toBe(400);
    expect(q.body.error.details.field).toBe('card');
  });

  it('answers malformed SOAP with client Faults, never an internal error', async () => {
    const check = (o: Record<string, string> = {}) => {
      const v = { ExternalId: 'fz-1', OccurredAt: '2026-11-22T12:00:00', LineNo: '1', Quantity: '1', Price: '10', Amount: '10', PayAmount: '10', Redeem: '0', ...o };
      return envelope(
        `<k:Calculate><k:Check><k:ExternalId>${v.ExternalId}</k:ExternalId><k:OccurredAt>${v.OccurredAt}</k:OccurredAt>` +
          `<k:Line><k:LineNo>${v.LineNo}</k:LineNo><k:ProductId>sku-1</k:ProductId><k:Quantity>${v.Quantity}</k:Quantity><k:Price>${v.Price}</k:Price><k:Amount>${v.Amount}</k:Amount></k:Line>` +
          `<k:Payment><k:Type>card</k:Type><k:Amount>${v.PayAmount}</k:Amount></k:Payment><k:Redeem>${v.Redeem}</k:Redeem></k:Check></k:Calculate>`,
      );
    };
    const valid = check();
    expect((await post(valid, bearer())).status).toBe(200);
    const bodies: string[] = [
      ...[1, 10, 40, 100, 200, 300, 400, 500, 600, valid.length - 30, valid.length - 1].map((n) => valid.slice(0, n)),
      valid.replace(SOAP_ENV, 'http://www.w3.org/2003/05/soap-envelope'),
      valid.replace(`xmlns:k="${NS}"`, 'xmlns:k="urn:kopilka:onec:2"'),
      valid.replace(`xmlns:k="${NS}"`, ''),
      envelope(''),
      envelope('just text'),
      envelope('<k:Balance/><k:Balance/>'),
      `<soap:Envelope xmlns:soap="${SOAP_ENV}"><soap:Header><x/></soap:Header></soap:Envelope>`,
      '<?xml version="1.0"?>',
      'not xml at all',
      valid.replace('<k:Check>', '<k:Check><k:Check>').replace('</k:Check>', '</k:Check></k:Check>'),
      valid.replace('</k:Check>', '<k:Customer><k:Phone>1</k:Phone></k:Customer><k:Customer><k:Phone>2</k:Phone></k:Customer></k:Check>'),
      valid.replace('<k:ExternalId>fz-1</k:ExternalId>', '<k:ExternalId><k:x>1</k:x></k:ExternalId>'),
      valid.replace('<k:ExternalId>fz-1</k:ExternalId>', '<k:ExternalId xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'),
      valid.replace('<k:ExternalId>', '<k:ExternalId a="&#0;">'),
      valid.replace('fz-1', '&unknown;'),
      valid.replace('fz-1', '&#99999999;'),
      valid.replace('<k:ExternalId>', '<q:ExternalId>'),
      check({ Price: '1e400' }),
      check({ Amount: '1e400', PayAmount: '1e400' }),
      check({ Price: '9'.repeat(500) }),
      check({ Price: '99999999999999999999' }),
      check({ Price: 'NaN' }),
      check({ Price: 'Infinity' }),
      check({ Price: '0x10' }),
      check({ Price: '' }),
      check({ Quantity: '-1' }),
      check({ Quantity: '0' }),
      check({ Quantity: '-0.001' }),
      check({ LineNo: '-1' }),
      check({ LineNo: '99999999999' }),
      check({ LineNo: '1.5' }),
      check({ Redeem: '-5' }),
      check({ Redeem: '1e400' }),
      check({ OccurredAt: '2026-02-30T12:00:00' }),
      check({ OccurredAt: '2026-11-22T24:00:00' }),
      check({ OccurredAt: '2026-11-22T12:60:00' }),
      check({ OccurredAt: '2026-11-22T12:00:61' }),
      check({ OccurredAt: '2026-11-22T12:00:00+25:00' }),
      check({ OccurredAt: '+275760-09-13T00:00:00' }),
      check({ OccurredAt: '9999-12-31T23:59:59' }),
      check({ OccurredAt: '0' }),
      check({ OccurredAt: '' }),
      envelope(`<k:RegisterCustomer><k:Phone>+79160000077</k:Phone><k:BirthDate>2026-02-30</k:BirthDate></k:RegisterCustomer>`),
      envelope(`<k:RegisterCustomer><k:Phone>&#xD800;</k:Phone></k:RegisterCustomer>`),
      envelope(`<k:Refund><k:SaleExternalId>never</k:SaleExternalId><k:ExternalId>r</k:ExternalId><k:OccurredAt>2026-02-30T00:00:00</k:OccurredAt></k:Refund>`),
      envelope(`<k:Refund><k:SaleExternalId>never</k:SaleExternalId><k:ExternalId>r</k:ExternalId><k:Line><k:LineNo>1</k:LineNo><k:Quantity>-1</k:Quantity></k:Line></k:Refund>`),
      envelope(`<k:FindCustomer><k:Phone>${'9'.repeat(100_000)}</k:Phone></k:FindCustomer>`),
      envelope(`<k:Balance><k:CustomerId>x'; DROP TABLE customers; --</k:CustomerId></k:Balance>`),
    ];
    // And random damage to a valid call: bytes replaced by the characters XML cares about.
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let i = 0; i < 150; i++) {
      const chars = [...valid];
      for (let k = 0; k <= rnd(3); k++) chars[rnd(chars.length)] = '<>&;/="\'\u0000 9-.:#x'.charAt(rnd(20));
      bodies.push(chars.join(''));
    }
    const internal: string[] = [];
    for (const b of bodies) {
      const r = await post(b, bearer());
      const code = r.fault?.detail?.KopilkaFault?.Code;
      const ok = r.status === 200 || (r.status === 500 && r.fault?.faultcode === 'soap:Client' && code !== undefined && code !== 'INTERNAL');
      if (!ok) internal.push(`${r.status} ${code ?? r.text.slice(0, 200)} ← ${b.slice(0, 300)}`);
    }
    expect(internal).toEqual([]);

    // The same values over HTTP+JSON: 4xx, never 5xx.
    const jsonCheck = (o: Record<string, unknown>) => ({ ExternalId: 'fzj-1', OccurredAt: '2026-11-22T12:00:00', Line: [{ LineNo: 1, ProductId: 'sku-1', Quantity: 1, Price: 10, Amount: 10, ...o }] });
    for (const raw of ['{"ExternalId":"x","Line":[{"LineNo":1,"ProductId":"a","Quantity":1,"Price":1e400,"Amount":1}]}', '{"ExternalId": "x", "OccurredAt": "2026-02-30T12:00:00", "Line": []}', '[1,2', 'null', '"x"']) {
      const r = await call(s.pos, 'POST', '/onec/v1/calculate', key, undefined, raw);
      expect(r.status, raw).toBeGreaterThanOrEqual(400);
      expect(r.status, raw).toBeLessThan(500);
    }
    for (const o of [{ Quantity: -1 }, { Price: '1e400' }, { LineNo: 1e20 }, { Amount: Number.MAX_VALUE }]) {
      const r = await call(s.pos, 'POST', '/onec/v1/calculate', key, jsonCheck(o));
      expect(r.status, JSON.stringify(o)).toBe(400);
    }
    for (const at of ['2026-02-30T12:00:00', '2026-11-22T24:00:00', '9999-12-31T23:59:59']) {
      const r = await call(s.pos, 'POST', '/onec/v1/refund', key, { SaleExternalId: 'never', ExternalId: 'r', OccurredAt: at });
      expect(r.status, at).toBe(400);
      expect(r.body.error.details.field).toBe('OccurredAt');
    }
  }, 60_000);
});
