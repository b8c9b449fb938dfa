import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';

// Request bodies for the fuzz suite (test/fuzz.test.ts): every protocol's valid bodies, taken from
// the fixtures kept with each connector (with today's times and fresh ids, so they reach the
// ledger), and the ways an attacker or a broken till spoils them — text no storage can hold,
// numbers past every limit, dates that do not exist, missing, doubled and mistyped fields, deep
// nesting, truncation, XML entity tricks and hostile query strings.

export type Channel = 'api' | 'admin' | 'programAdmin' | 'moysklad' | 'evotor' | 'frontol' | 'onec' | 'operator';

export interface Target {
  name: string;
  port: 'pos' | 'api';
  method: 'GET' | 'POST' | 'PUT';
  /** The path; `{q}` is where a fuzzed path segment goes. */
  path: string;
  channel: Channel;
  kind: 'json' | 'xml' | 'query';
  /** A valid body (JSON value or XML text) or, for kind 'query', the valid query parameters. */
  base: () => unknown;
}

export interface FuzzRequest {
  target: string;
  port: 'pos' | 'api';
  method: string;
  path: string;
  channel: Channel;
  contentType: string;
  body: string | Uint8Array | undefined;
  /** What was done to the valid request, for the failure report. */
  mutation: string;
}

// ── fixtures, made current ──

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../connectors/${path}`, import.meta.url), 'utf8'));
const fixtureText = (path: string): string => readFileSync(new URL(`../connectors/${path}`, import.meta.url), 'utf8');

/** Local wall time in Moscow, minus a minute, as the tills write it: "2026-11-23 14:05:00". */
function moscowLocal(): string {
  return new Date(Date.now() + 3 * 3600_000 - 60_000).toISOString().slice(0, 19).replace('T', ' ');
}
const isoNow = () => new Date(Date.now() - 60_000).toISOString();
const evotorNow = () => isoNow().replace('Z', '+0000');

/** Ids of objects the suite creates before fuzzing, so that refunds and lookups find something. */
export const SEED_DATA = {
  phone: '+79990077001',
  card: '2000000000017',
  onecCard: 'CARD-FIXTURE-1',
  nativeSale: 'fuzz-native-sale',
  frontolSale: '1-1-12-345',
  onecSale: 'fuzz-onec-sale',
  moyskladSale: 'fuzz-ms-sale',
  evotorStore: '20170928-3176-40EB-80E2-A11F032E282A',
};

const nativeCheck = () => ({
  externalId: `fz-${randomUUID()}`,
  occurredAt: isoNow(),
  storeId: 'shop-1',
  cashierId: 'ivanova',
  customer: { phone: SEED_DATA.phone },
  lines: [
    { lineNo: 1, productId: 'sku-1', groupId: 'coffee', name: 'Капучино', quantity: 1000, price: 55000, amount: 55000 },
    { lineNo: 2, productId: 'sku-2', name: 'Сыр', quantity: 345, price: 123450, amount: 42590 },
  ],
  payments: [{ type: 'card', amount: 97590 }],
  redeem: 0,
  coupon: null,
});

const PROGRAM = {
  levels: [
    { code: 'standard', name: 'Стандартная', threshold: 0, accrual: { type: 'percent', percent: 10 }, discount: null, maxRedeemPercent: 30, welcomeBonus: { points: 20000, ttlDays: 14 } },
    { code: 'silver', name: 'Серебряная', threshold: 1000000, accrual: { type: 'progressive', steps: [{ from: 0, percent: 5 }, { from: 100000, percent: 10 }] }, discount: { type: 'percent', percent: 3 }, maxRedeemPercent: 50 },
  ],
  activationDays: 14,
  expiry: { mode: 'afterAccrual', days: 30 },
  rounding: 'floor',
  exclusions: { productIds: ['tobacco-1'], groupIds: ['alcohol'] },
  modifiers: [
    { when: { groupIds: ['services'] }, accrualPercent: 10, maxRedeemPercent: 50 },
    { when: { hours: { from: 9, to: 12 } }, accrualMultiplier: 2 },
    { when: { paymentTypes: ['cash'] }, accrualMultiplier: 1.5 },
  ],
  gifts: { registration: { points: 10000, ttlDays: 14 }, birthday: { points: 30000, ttlDays: 7, daysBefore: 3 }, inactivity: { days: 66, points: 10000, ttlDays: 7 } },
  referral: { reward: { type: 'percent', percent: 5 }, scope: 'firstPurchase', periodDays: 365 },
  maxBackdateDays: 90,
};

const msSale = () => ({ ...(fixture('moysklad/fixtures/loyalty/retaildemand-create.request.json') as object), moment: moscowLocal(), meta: { href: '', id: `fz-ms-${randomUUID()}` } });
const frontol = (name: string) => fixture(`frontol/fixtures/extra/${name}`) as Record<string, unknown>;
const onecCheck = () => ({ ...(fixture('onec/fixtures/extra/commit.request.json') as object), ExternalId: `fz-1c-${randomUUID()}`, OccurredAt: moscowLocal().replace(' ', 'T') });

function soap(operation: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header/>
  <soap:Body>
    <m:${operation} xmlns:m="urn:kopilka:onec:1">${inner}</m:${operation}>
  </soap:Body>
</soap:Envelope>`;
}
/** The fixture's Commit envelope with a fresh id and today's time. */
const soapCommit = () =>
  fixtureText('onec/fixtures/extra/commit.request.xml')
    .replace(/<m:ExternalId>[^<]*</, `<m:ExternalId>fz-soap-${randomUUID()}<`)
    .replace(/<m:OccurredAt>[^<]*</, `<m:OccurredAt>${moscowLocal().replace(' ', 'T')}<`);

export const TARGETS: Target[] = [
  // native API v1
  { name: 'native calculate', port: 'pos', method: 'POST', path: '/v1/checks/calculate', channel: 'api', kind: 'json', base: nativeCheck },
  { name: 'native commit', port: 'pos', method: 'POST', path: '/v1/checks', channel: 'api', kind: 'json', base: nativeCheck },
  { name: 'native refund', port: 'pos', method: 'POST', path: `/v1/checks/${SEED_DATA.nativeSale}/refund`, channel: 'api', kind: 'json', base: () => ({ externalId: `fz-ret-${randomUUID()}`, occurredAt: isoNow(), lines: [{ lineNo: 2, quantity: 100 }] }) },
  {
    name: 'native register',
    port: 'pos',
    method: 'POST',
    path: '/v1/customers',
    channel: 'api',
    kind: 'json',
    base: () => ({ phone: `+7999${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`, cardNumber: `fz-${randomUUID()}`, name: 'Иван', gender: 'male', birthDate: '1990-02-28', email: 'a@b.ru', address: 'Москва', comment: 'постоянный', relatives: [{ name: 'Мария', birthDate: '2015-06-01' }], source: 'pos' }),
  },
  { name: 'native program', port: 'api', method: 'PUT', path: '/v1/program', channel: 'programAdmin', kind: 'json', base: () => structuredClone(PROGRAM) },
  { name: 'native keys', port: 'api', method: 'POST', path: '/v1/keys', channel: 'programAdmin', kind: 'json', base: () => ({ channel: 'evotor', storeId: 'shop-2' }) },
  { name: 'native tenants', port: 'api', method: 'POST', path: '/v1/tenants', channel: 'operator', kind: 'json', base: () => ({ name: 'Аптека', plan: 'month' }) },
  { name: 'native customer by phone', port: 'pos', method: 'GET', path: '/v1/customers', channel: 'api', kind: 'query', base: () => ({ phone: SEED_DATA.phone }) },
  { name: 'native customer by card', port: 'pos', method: 'GET', path: '/v1/customers', channel: 'api', kind: 'query', base: () => ({ card: SEED_DATA.card }) },
  { name: 'native customer by id', port: 'pos', method: 'GET', path: '/v1/customers/{q}', channel: 'api', kind: 'query', base: () => ({ '{q}': '1' }) },
  { name: 'native transactions', port: 'pos', method: 'GET', path: '/v1/customers/1/transactions', channel: 'api', kind: 'query', base: () => ({ before: '100', limit: '10' }) },
  { name: 'native refund path', port: 'pos', method: 'POST', path: '/v1/checks/{q}/refund', channel: 'api', kind: 'query', base: () => ({ '{q}': SEED_DATA.nativeSale }) },
  { name: 'billing usage', port: 'api', method: 'GET', path: '/v1/billing/usage', channel: 'operator', kind: 'query', base: () => ({ month: '2026-11' }) },
  { name: 'tenant usage', port: 'api', method: 'GET', path: '/v1/usage', channel: 'admin', kind: 'query', base: () => ({ month: '2026-11' }) },
  // МойСклад Loyalty API
  { name: 'moysklad counterparty create', port: 'pos', method: 'POST', path: '/moysklad/loyalty/counterparty', channel: 'moysklad', kind: 'json', base: () => fixture('moysklad/fixtures/loyalty/counterparty-create.request.json') },
  { name: 'moysklad counterparty detail', port: 'pos', method: 'POST', path: '/moysklad/loyalty/counterparty/detail', channel: 'moysklad', kind: 'json', base: () => fixture('moysklad/fixtures/loyalty/counterparty-detail.request.json') },
  { name: 'moysklad counterparty verify', port: 'pos', method: 'POST', path: '/moysklad/loyalty/counterparty/verify', channel: 'moysklad', kind: 'json', base: () => fixture('moysklad/fixtures/loyalty/counterparty-verify.request.json') },
  { name: 'moysklad retaildemand verify', port: 'pos', method: 'POST', path: '/moysklad/loyalty/retaildemand/verify', channel: 'moysklad', kind: 'json', base: () => fixture('moysklad/fixtures/loyalty/retaildemand-verify.request.json') },
  { name: 'moysklad recalc', port: 'pos', method: 'POST', path: '/moysklad/loyalty/retaildemand/recalc', channel: 'moysklad', kind: 'json', base: () => fixture('moysklad/fixtures/loyalty/retaildemand-recalc.request.json') },
  { name: 'moysklad retaildemand', port: 'pos', method: 'POST', path: '/moysklad/loyalty/retaildemand', channel: 'moysklad', kind: 'json', base: msSale },
  {
    name: 'moysklad return',
    port: 'pos',
    method: 'POST',
    path: '/moysklad/loyalty/retailsalesreturn',
    channel: 'moysklad',
    kind: 'json',
    base: () => ({ ...(fixture('moysklad/fixtures/loyalty/retailsalesreturn.request.v-f1a9667.json') as object), moment: moscowLocal(), meta: { href: '', id: `fz-msr-${randomUUID()}` }, demand: { meta: { href: '', id: SEED_DATA.moyskladSale } } }),
  },
  { name: 'moysklad counterparty search', port: 'pos', method: 'GET', path: '/moysklad/loyalty/counterparty', channel: 'moysklad', kind: 'query', base: () => ({ search: '+7 555 123 4568' }) },
  { name: 'moysklad giftcard', port: 'pos', method: 'GET', path: '/moysklad/loyalty/giftcard', channel: 'moysklad', kind: 'query', base: () => ({ name: '123456', retailStoreId: 'x' }) },
  // Эвотор
  {
    name: 'evotor documents',
    port: 'pos',
    method: 'PUT',
    path: `/evotor/api/v1/inventories/stores/${SEED_DATA.evotorStore}/documents`,
    channel: 'evotor',
    kind: 'json',
    base: () => [{ ...(fixture('evotor/fixtures/extra/sell.document.json') as object), id: randomUUID(), close_date: evotorNow() }],
  },
  { name: 'evotor documents store', port: 'pos', method: 'PUT', path: '/evotor/api/v1/inventories/stores/{q}/documents', channel: 'evotor', kind: 'query', base: () => ({ '{q}': SEED_DATA.evotorStore }) },
  {
    name: 'evotor receipt v1',
    port: 'pos',
    method: 'POST',
    path: '/evotor/api/v1/receipt',
    channel: 'evotor',
    kind: 'json',
    base: () => (fixture('evotor/fixtures/extra/receipt-v1.instance.json') as object[]).map((r) => ({ ...r, uuid: randomUUID(), dateTime: evotorNow(), fields: { phone: SEED_DATA.phone } })),
  },
  {
    name: 'evotor receipts v2',
    port: 'pos',
    method: 'POST',
    path: '/evotor/api/v2/receipts',
    channel: 'evotor',
    kind: 'json',
    base: () => {
      const v2 = fixture('evotor/fixtures/extra/receipt-v2.observed.json') as { data: object };
      return { ...v2, id: randomUUID(), data: { ...v2.data, id: randomUUID(), dateTime: evotorNow() } };
    },
  },
  // Frontol
  { name: 'frontol calculate', port: 'pos', method: 'POST', path: '/frontol/v1/calculate', channel: 'frontol', kind: 'json', base: () => frontol('calculate.request.json') },
  { name: 'frontol commit', port: 'pos', method: 'POST', path: '/frontol/v1/commit', channel: 'frontol', kind: 'json', base: () => ({ ...frontol('commit.request.json'), document: `fz-${randomUUID()}`, dateTime: moscowLocal() }) },
  { name: 'frontol refund', port: 'pos', method: 'POST', path: '/frontol/v1/refund', channel: 'frontol', kind: 'json', base: () => ({ ...frontol('refund.request.json'), document: `fz-r-${randomUUID()}`, dateTime: moscowLocal() }) },
  { name: 'frontol balance', port: 'pos', method: 'GET', path: '/frontol/v1/balance', channel: 'frontol', kind: 'query', base: () => ({ card: SEED_DATA.card }) },
  // 1C over HTTP+JSON
  { name: '1c customers get', port: 'pos', method: 'GET', path: '/onec/v1/customers', channel: 'onec', kind: 'query', base: () => ({ phone: SEED_DATA.phone }) },
  { name: '1c balance', port: 'pos', method: 'GET', path: '/onec/v1/balance', channel: 'onec', kind: 'query', base: () => ({ card: SEED_DATA.onecCard }) },
  { name: '1c customers post', port: 'pos', method: 'POST', path: '/onec/v1/customers', channel: 'onec', kind: 'json', base: () => ({ Phone: `+7916${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`, CardNumber: `fz-${randomUUID()}`, BirthDate: '1985-01-31T00:00:00' }) },
  { name: '1c calculate', port: 'pos', method: 'POST', path: '/onec/v1/calculate', channel: 'onec', kind: 'json', base: onecCheck },
  { name: '1c commit', port: 'pos', method: 'POST', path: '/onec/v1/commit', channel: 'onec', kind: 'json', base: onecCheck },
  { name: '1c refund', port: 'pos', method: 'POST', path: '/onec/v1/refund', channel: 'onec', kind: 'json', base: () => ({ SaleExternalId: SEED_DATA.onecSale, ExternalId: `fz-1cr-${randomUUID()}`, OccurredAt: moscowLocal().replace(' ', 'T'), Line: [{ LineNo: 2, Quantity: 1 }] }) },
  // 1C over SOAP (API port)
  { name: 'soap commit', port: 'api', method: 'POST', path: '/onec/soap', channel: 'onec', kind: 'xml', base: soapCommit },
  { name: 'soap calculate', port: 'api', method: 'POST', path: '/onec/soap', channel: 'onec', kind: 'xml', base: () => soapCommit().replace(/m:Commit/g, 'm:Calculate') },
  { name: 'soap balance', port: 'api', method: 'POST', path: '/onec/soap', channel: 'onec', kind: 'xml', base: () => soap('Balance', `<m:CardNumber>${SEED_DATA.onecCard}</m:CardNumber>`) },
  {
    name: 'soap refund',
    port: 'api',
    method: 'POST',
    path: '/onec/soap',
    channel: 'onec',
    kind: 'xml',
    base: () => soap('Refund', `<m:SaleExternalId>${SEED_DATA.onecSale}</m:SaleExternalId><m:ExternalId>fz-sr-${randomUUID()}</m:ExternalId><m:OccurredAt>${moscowLocal().replace(' ', 'T')}</m:OccurredAt><m:Line><m:LineNo>1</m:LineNo><m:Quantity>1</m:Quantity></m:Line>`),
  },
  {
    name: 'soap register',
    port: 'api',
    method: 'POST',
    path: '/onec/soap',
    channel: 'onec',
    kind: 'xml',
    base: () => soap('RegisterCustomer', `<m:Phone>+7916${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}</m:Phone><m:CardNumber>fz-${randomUUID()}</m:CardNumber><m:Name>Иван</m:Name><m:BirthDate>1985-01-31</m:BirthDate><m:Email>a@b.ru</m:Email>`),
  },
];

// ── hostile values ──

const HUGE = 'Ж'.repeat(300_000);
/** Text no storage can hold, text no id may carry, and text merely too long. */
export const HOSTILE_TEXT = ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800', '\u0007', '\u001b[31m', '\u0085', '\u009f', '\u007f', '\t\n', '\u2028', '\ufeff', '\uffff', '', ' ', 'x'.repeat(10_000), HUGE];
export const HOSTILE_NUMBERS = [-1, 0, 1e308, -1e308, 1.5, 0.001, 2 ** 53 + 1, 2 ** 53, 2 ** 63, 1e21, 5e-324, -0];
export const HOSTILE_NUMERIC_TEXT = ['NaN', 'Infinity', '-Infinity', '1e999', '-1', '1.5', '0x10', '1e5', '12,5', '١٢٣', '99999999999999999999', '9007199254740993', ' 1 ', '+1', '.'];
export const HOSTILE_DATES = [
  '2026-02-30',
  '2026-02-30T12:00:00+03:00',
  '2026-11-22T24:00:00+03:00',
  '2026-11-22T23:60:00+03:00',
  '2026-11-22T12:00:60Z',
  '2026-11-22T12:00:00+25:00',
  '+275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '-000001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00',
  '1970-01-01T00:00:00Z',
  '2026-02-30 12:00:00',
  '2026-11-22 24:00:00',
  '2026-13-01',
  '0',
  '2026',
  '22.11.2026 12:00',
];
const OTHER_TYPES: unknown[] = [null, true, false, [], {}, [1, 2], { a: 1 }, '12.5', 12.5];

const DATE_KEY = /date|time|moment|occurred|_at$|At$|birth/i;

// ── JSON mutations ──

type Path = (string | number)[];

function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  // A spoiled body may hold an array of 150,000 copies: the first few stand for the rest.
  if (Array.isArray(v)) for (let i = 0; i < Math.min(5, v.length); i++) paths(v[i], [...at, i], out);
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}
function getAt(v: unknown, p: Path): unknown {
  return p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)?.[k], v);
}
function setAt(v: unknown, p: Path, value: unknown): unknown {
  if (p.length === 0) return value;
  const [k, ...rest] = p;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  copy[k!] = setAt(copy[k!], rest, value);
  return copy;
}
function dropAt(v: unknown, p: Path): unknown {
  const parent = getAt(v, p.slice(0, -1));
  const k = p[p.length - 1]!;
  if (Array.isArray(parent)) return setAt(v, p.slice(0, -1), parent.filter((_, i) => i !== k));
  const { [k]: _gone, ...rest } = parent as Record<string, unknown>;
  return setAt(v, p.slice(0, -1), rest);
}

/** A JSON text with raw pieces (duplicate keys, deep nesting) spliced in where placeholders stand. */
function stringifyWithRaw(v: unknown, raw: Map<string, string>): string {
  let text = JSON.stringify(v);
  for (const [mark, piece] of raw) text = text.replace(JSON.stringify(mark), piece);
  return text;
}

function hostileFor(key: string | number | undefined, current: unknown): fc.Arbitrary<unknown> {
  const dates = typeof key === 'string' && DATE_KEY.test(key);
  const pools: fc.Arbitrary<unknown>[] = [fc.constantFrom(...HOSTILE_TEXT), fc.constantFrom(...HOSTILE_NUMBERS), fc.constantFrom(...OTHER_TYPES)];
  if (dates) pools.unshift(fc.constantFrom(...HOSTILE_DATES), fc.constantFrom(...HOSTILE_DATES));
  if (typeof current === 'number' || (typeof current === 'string' && /^[\d.+-]+$/.test(current))) pools.unshift(fc.constantFrom(...HOSTILE_NUMBERS), fc.constantFrom(...HOSTILE_NUMERIC_TEXT));
  if (typeof current === 'string') pools.push(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `${current}${s}`));
  return fc.oneof(...pools);
}

const show = (x: unknown) => {
  const t = typeof x === 'string' ? JSON.stringify(x.length > 40 ? `${x.slice(0, 20)}…(${x.length} chars)` : x) : JSON.stringify(x);
  return t ?? String(x);
};

type Mutant = { value: unknown; raw: Map<string, string>; notes: string[] };

/** One spoiling step on a JSON body. */
function mutateOnce(m: Mutant): fc.Arbitrary<Mutant> {
  const all = paths(m.value);
  if (all.length === 0) return fc.constant(m);
  const pick = fc.nat(all.length - 1).map((i) => all[i]!);
  const at = (p: Path) => p.join('.');
  return fc.oneof(
    { weight: 6, arbitrary: pick.chain((p) => hostileFor(p[p.length - 1], getAt(m.value, p)).map((h) => ({ ...m, value: setAt(m.value, p, h), notes: [...m.notes, `${at(p)} = ${show(h)}`] }))) },
    { weight: 2, arbitrary: pick.map((p) => ({ ...m, value: dropAt(m.value, p), notes: [...m.notes, `drop ${at(p)}`] })) },
    {
      weight: 1,
      arbitrary: fc.tuple(pick, fc.constantFrom(...HOSTILE_TEXT.slice(0, 8), ...HOSTILE_NUMBERS.slice(0, 4))).map(([p, h]) => {
        const parent = p.slice(0, -1);
        const key = p[p.length - 1]!;
        const obj = getAt(m.value, parent);
        if (typeof key !== 'string' || obj === null || typeof obj !== 'object' || Array.isArray(obj)) return m;
        // The same key twice: parsers keep the last, a careless validator may check the first.
        const mark = `\u0001dup${m.raw.size}`;
        const dup = `{${JSON.stringify(key)}:${JSON.stringify(h)},${JSON.stringify(obj).slice(1)}`;
        return { value: setAt(m.value, parent, mark), raw: new Map(m.raw).set(mark, dup), notes: [...m.notes, `duplicate ${at(p)} (first = ${show(h)})`] };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(pick, fc.constantFrom(100, 5_000, 150_000), fc.constantFrom('[', '{"a":')).map(([p, depth, open]) => {
        const mark = `\u0001deep${m.raw.size}`;
        const close = open === '[' ? ']' : '}';
        return { value: setAt(m.value, p, mark), raw: new Map(m.raw).set(mark, `${open.repeat(depth)}1${close.repeat(depth)}`), notes: [...m.notes, `${at(p)} nested ${depth} deep (${open})`] };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(pick, fc.constantFrom(1_000, 15_000)).map(([p, n]) => {
        const cur = getAt(m.value, p);
        // Once per body, and only small values: 150,000 copies of a huge one is the suite's own denial of service.
        if (m.notes.some((x) => x.includes('repeated')) || (JSON.stringify(cur) ?? '').length > 200) return m;
        return { ...m, value: setAt(m.value, p, Array.from({ length: n }, () => cur)), notes: [...m.notes, `${at(p)} repeated ×${n} in an array`] };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype').map((k): Mutant => {
        if (Array.isArray(m.value)) return m;
        const mark = `\u0001proto${m.raw.size}`;
        return { value: setAt(m.value, [k === '__proto__' ? 'x' : k], mark), raw: new Map(m.raw).set(mark, `{"${k}":{"polluted":true,"admin":true}}`), notes: [...m.notes, `key ${k}`] };
      }),
    },
  );
}

/** Whole-body replacements: nothing JSON about them, or JSON of the wrong shape. */
const WHOLE_BODIES: [string, string | Uint8Array][] = [
  ['empty body', ''],
  ['null', 'null'],
  ['array', '[]'],
  ['string', '"x"'],
  ['number', '1e308'],
  ['not JSON', 'not json at all'],
  ['BOM then JSON', '\ufeff{}'],
  ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d])],
  ['NUL byte', '{"a":"\u0000"}'],
  ['deep array 200k', '['.repeat(200_000) + ']'.repeat(200_000)],
  ['deep object 50k', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)],
  ['unterminated', '{"a": ['],
  ['huge number', `{"a": 1${'0'.repeat(10_000)}}`],
];

export function jsonRequests(t: Target): fc.Arbitrary<FuzzRequest> {
  const make = (body: string | Uint8Array, mutation: string): FuzzRequest => ({ target: t.name, port: t.port, method: t.method, path: t.path, channel: t.channel, contentType: 'application/json', body, mutation });
  const spoiled = fc
    .integer({ min: 1, max: 3 })
    .chain((n) => {
      let arb: fc.Arbitrary<Mutant> = fc.constant({ value: t.base(), raw: new Map(), notes: [] });
      for (let i = 0; i < n; i++) arb = arb.chain(mutateOnce);
      return arb;
    })
    .chain((m) => {
      const text = stringifyWithRaw(m.value, m.raw);
      // Sometimes the spoiled body is also cut short, as a dropped connection leaves it.
      return fc.oneof({ weight: 5, arbitrary: fc.constant(make(text, m.notes.join('; '))) }, { weight: 1, arbitrary: fc.nat(Math.max(0, text.length - 1)).map((cut) => make(text.slice(0, cut), `${m.notes.join('; ')}; truncated at ${cut}`)) });
    });
  return fc.oneof({ weight: 12, arbitrary: spoiled }, { weight: 1, arbitrary: fc.constantFrom(...WHOLE_BODIES).map(([what, body]) => make(body, what)) });
}

/** Every string leaf of the valid body replaced, one at a time, with each of `values`: "NUL in any text field". */
export function everyTextField(t: Target, values: string[]): FuzzRequest[] {
  const base = t.base();
  const out: FuzzRequest[] = [];
  for (const p of paths(base)) {
    if (typeof getAt(base, p) !== 'string') continue;
    for (const v of values) {
      out.push({ target: t.name, port: t.port, method: t.method, path: t.path, channel: t.channel, contentType: 'application/json', body: JSON.stringify(setAt(t.base(), p, v)), mutation: `${p.join('.')} = ${show(v)}` });
    }
  }
  return out;
}

// ── XML mutations ──

const XML_TEXT = ['&#0;', '\u0000', '&#xD800;', '\ud800', '&#7;', '\u0007', '&#x85;', '&#xFFFF;', ']]>', '<![CDATA[\u0000]]>', '&unknown;', '&amp;', ...HOSTILE_NUMERIC_TEXT, ...HOSTILE_DATES, 'x'.repeat(10_000), HUGE];
const LAUGHS = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>`;

function xmlMutateOnce(x: { text: string; notes: string[] }): fc.Arbitrary<{ text: string; notes: string[] }> {
  const leaves = [...x.text.matchAll(/<(m:\w+)>([^<]*)<\/\1>/g)].map((m) => ({ tag: m[1]!, index: m.index!, whole: m[0] }));
  if (leaves.length === 0) return fc.constant(x);
  const leaf = fc.nat(leaves.length - 1).map((i) => leaves[i]!);
  const splice = (at: number, len: number, piece: string) => x.text.slice(0, at) + piece + x.text.slice(at + len);
  const afterBody = x.text.indexOf('<soap:Body>') + '<soap:Body>'.length;
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(leaf, fc.constantFrom(...XML_TEXT)).map(([l, v]) => ({ text: splice(l.index, l.whole.length, `<${l.tag}>${v}</${l.tag}>`), notes: [...x.notes, `${l.tag} = ${show(v)}`] })) },
    { weight: 2, arbitrary: leaf.map((l) => ({ text: splice(l.index, l.whole.length, ''), notes: [...x.notes, `drop ${l.tag}`] })) },
    { weight: 1, arbitrary: leaf.map((l) => ({ text: splice(l.index, l.whole.length, l.whole + l.whole), notes: [...x.notes, `duplicate ${l.tag}`] })) },
    { weight: 1, arbitrary: fc.tuple(leaf, fc.constantFrom(100, 10_000, 140_000)).map(([l, d]) => ({ text: splice(l.index, 0, '<a>'.repeat(d) + '</a>'.repeat(d)), notes: [...x.notes, `${d} nested elements before ${l.tag}`] })) },
    { weight: 1, arbitrary: fc.constantFrom(10_000, 100_000).map((n) => ({ text: splice(afterBody, 0, '<x/>'.repeat(n)), notes: [...x.notes, `${n} sibling elements`] })) },
    { weight: 1, arbitrary: fc.constantFrom(1_000, 50_000).map((n) => ({ text: x.text.replace('<soap:Envelope ', `<soap:Envelope ${Array.from({ length: n }, (_, i) => `a${i}="1"`).join(' ')} `), notes: [...x.notes, `${n} attributes`] })) },
    { weight: 1, arbitrary: leaf.map((l) => ({ text: x.text.replace('<?xml version="1.0" encoding="UTF-8"?>', `<?xml version="1.0" encoding="UTF-8"?>${LAUGHS}`).replace(l.whole, `<${l.tag}>&lol9;</${l.tag}>`), notes: [...x.notes, `billion laughs in ${l.tag}`] })) },
    { weight: 1, arbitrary: leaf.map((l) => ({ text: x.text.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>').replace(l.whole, `<${l.tag}>&ext;</${l.tag}>`), notes: [...x.notes, `external entity in ${l.tag}`] })) },
  );
}

const WHOLE_XML: [string, string | Uint8Array][] = [
  ['empty body', ''],
  ['not XML', 'not xml'],
  ['JSON instead', '{"Check":{}}'],
  ['unclosed envelope', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'],
  ['no envelope', '<m:Balance xmlns:m="urn:kopilka:onec:1"><m:Phone>+79990077001</m:Phone></m:Balance>'],
  ['invalid UTF-8', new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x61, 0x3e])],
  ['UTF-16 declared', '<?xml version="1.0" encoding="UTF-16"?><a/>'],
  ['deep 140k unauthenticated-shaped', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' + '<a>'.repeat(140_000) + '</a>'.repeat(140_000) + '</soap:Body></soap:Envelope>'],
];

export function xmlRequests(t: Target): fc.Arbitrary<FuzzRequest> {
  const make = (body: string | Uint8Array, mutation: string): FuzzRequest => ({ target: t.name, port: t.port, method: t.method, path: t.path, channel: t.channel, contentType: 'text/xml; charset=utf-8', body, mutation });
  const spoiled = fc
    .integer({ min: 1, max: 3 })
    .chain((n) => {
      let arb: fc.Arbitrary<{ text: string; notes: string[] }> = fc.constant({ text: t.base() as string, notes: [] });
      for (let i = 0; i < n; i++) arb = arb.chain(xmlMutateOnce);
      return arb;
    })
    .chain((x) => fc.oneof({ weight: 5, arbitrary: fc.constant(make(x.text, x.notes.join('; '))) }, { weight: 1, arbitrary: fc.nat(Math.max(0, x.text.length - 1)).map((cut) => make(x.text.slice(0, cut), `${x.notes.join('; ')}; truncated at ${cut}`)) }));
  return fc.oneof({ weight: 10, arbitrary: spoiled }, { weight: 1, arbitrary: fc.constantFrom(...WHOLE_XML).map(([what, body]) => make(body, what)) });
}

// ── query strings and path segments ──

/** Already percent-encoded: some are invalid encodings on purpose. */
const HOSTILE_QUERY = [
  '',
  'abc',
  '1.5',
  '-1',
  '0',
  '99999999999999999999',
  '9007199254740993',
  '1e308',
  'NaN',
  '0000-01',
  '2026-13',
  '2026-00',
  '2026-02-30',
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%ZZ',
  '%',
  '%C0%AF',
  '%FF%FE',
  '%07',
  '%E2%80%AE',
  '..%2F..%2Fetc%2Fpasswd',
  '%2B7%20999%20123-45-67',
  'x'.repeat(8_000),
  encodeURIComponent('Ж'.repeat(2_000)),
];

export function queryRequests(t: Target): fc.Arbitrary<FuzzRequest> {
  const base = t.base() as Record<string, string>;
  const keys = Object.keys(base);
  return fc
    .tuple(fc.constantFrom(...keys), fc.constantFrom(...HOSTILE_QUERY), fc.constantFrom('replace', 'repeat', 'drop', 'extra'))
    .map(([key, value, how]) => {
      let path = t.path;
      const params: [string, string][] = [];
      for (const k of keys) {
        const v = k === key && how === 'replace' ? value : encodeURIComponent(base[k]!);
        if (k.startsWith('{')) path = path.replace(k, v);
        else if (!(k === key && how === 'drop')) params.push([k, v]);
        if (k === key && how === 'repeat' && !k.startsWith('{')) params.push([k, value]);
      }
      if (how === 'extra') params.push([value || 'empty', value]);
      const qs = params.map(([k, v]) => `${k}=${v}`).join('&');
      return {
        target: t.name,
        port: t.port,
        method: t.method,
        path: qs === '' ? path : `${path}?${qs}`,
        channel: t.channel,
        contentType: 'application/json',
        body: t.method === 'GET' ? undefined : t.path.includes('refund') ? JSON.stringify({ externalId: `fz-q-${randomUUID()}` }) : '[]',
        mutation: `${how} ${key} = ${value.length > 40 ? `${value.slice(0, 20)}…(${value.length})` : value}`,
      };
    });
}

/** The target's valid request, unspoiled: the baseline that shows the fuzz reaches past the door. */
export function validRequest(t: Target): FuzzRequest {
  const base = t.base();
  let path = t.path;
  let body: string | undefined;
  if (t.kind === 'query') {
    const params: string[] = [];
    for (const [k, v] of Object.entries(base as Record<string, string>)) {
      if (k.startsWith('{')) path = path.replace(k, encodeURIComponent(v));
      else params.push(`${k}=${encodeURIComponent(v)}`);
    }
    if (params.length > 0) path += `?${params.join('&')}`;
    body = t.method === 'GET' ? undefined : t.path.includes('refund') ? JSON.stringify({ externalId: `fz-q-${randomUUID()}` }) : '[]';
  } else body = t.kind === 'xml' ? (base as string) : JSON.stringify(base);
  return { target: t.name, port: t.port, method: t.method, path, channel: t.channel, contentType: t.kind === 'xml' ? 'text/xml; charset=utf-8' : 'application/json', body, mutation: 'none (valid)' };
}

export function requestsFor(t: Target): fc.Arbitrary<FuzzRequest> {
  return t.kind === 'json' ? jsonRequests(t) : t.kind === 'xml' ? xmlRequests(t) : queryRequests(t);
}
