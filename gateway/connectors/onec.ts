import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip as zlibGunzip, inflate as zlibInflate } from 'node:zlib';
import {
  checkFromOnec,
  checkRequestSchema,
  checkResultOut,
  customerBalanceOut,
  customerOut,
  customerRefOf,
  faultEnvelope,
  jsonMoney,
  lookupSchema,
  onecField,
  parseRequest,
  refundFromOnec,
  refundResultOut,
  refundSchema,
  registerSchema,
  xmlMoney,
  type MoneyOut,
  type OnecCheck,
  type OnecLookup,
  type OnecRefund,
  type OnecRegister,
  type ZoneOffset,
} from '../../connectors/onec/protocol.ts';
import { inspectSoapRequest, KEY_SCAN_BYTES, keyInBody, MAX_SOAP_BODY, soapResponse, tooLarge, wsdlFor, type Operation } from '../../connectors/onec/xml.ts';
import type { CheckResult } from '../../ledger/check.ts';
import { KopilkaError, isKopilkaError } from '../../ledger/errors.ts';
import type { RefundResult } from '../../ledger/operations.ts';
import { caller, type ApiRequest, type ApiResponse, type Route, type RouteDeps } from '../routes.ts';
import { protocolError, tenantZone, type Connector } from './connector.ts';

// 1C:Enterprise: a document/literal SOAP 1.1 service a configurator imports as a WS-reference
// (connectors/onec/kopilka.wsdl, served at /onec/soap?wsdl) and the same operations as HTTP+JSON
// for 1C's HTTPСоединение (/onec/v1/…). Both speak decimal roubles and authenticate with a key
// of the sales channel `onec`. Translation: connectors/onec/protocol.ts.

const CHANNEL = 'onec';
export const SOAP_PATH = '/onec/soap';
const JSON_BASE = '/onec/v1';

export const onecConnector: Connector = { name: CHANNEL, routes, mount };

// ── who is calling ──────────────────────────────────────────────────────────────────────────

interface Caller {
  tenantId: string;
  storeId: string | null;
  offset: ZoneOffset;
}

/**
 * The key, from (first found) Authorization: Bearer, the password of Authorization: Basic (what
 * WSПрокси.Пользователь/Пароль send on every platform version), or the request's Key element.
 */
export function keyOf(authorization: string | undefined, bodyKey: string | undefined): string | null {
  const a = (authorization ?? '').trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(a);
  if (bearer !== null) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(a);
  if (basic !== null) {
    const pair = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const i = pair.indexOf(':');
    const password = i < 0 ? '' : pair.slice(i + 1);
    const user = i < 0 ? pair : pair.slice(0, i);
    const key = (password || user).trim();
    if (key !== '') return key;
  }
  return bodyKey?.trim() || null;
}

async function callerOf(d: RouteDeps, key: string | null, remoteAddress: string | undefined): Promise<Caller> {
  if (key === null) {
    throw new KopilkaError('UNAUTHORIZED', 'Нет ключа доступа: укажите ключ канала «onec» паролем (WSПрокси.Пароль), заголовком Authorization: Bearer <ключ> или в элементе Key');
  }
  const p = await caller(d, `Bearer ${key}`, remoteAddress);
  if (p.kind !== 'channel' || p.channel !== CHANNEL) {
    const what = p.kind === 'channel' ? `ключ канала «${p.channel}»` : p.kind === 'admin' ? 'ключ администратора' : 'служебный токен';
    throw new KopilkaError('UNAUTHORIZED', `Это ${what}, а нужен ключ канала «onec»: создайте его в Копилке (POST /v1/keys {"channel": "onec"})`);
  }
  return { tenantId: p.tenantId, storeId: p.storeId, offset: await tenantZone(d, p.tenantId) };
}

/** The query parameters of GET /onec/v1/customers and /balance. */
const QUERY_PARAMETERS = new Set(['phone', 'card', 'id']);

/** Any failure as a KopilkaError, its field (if any) in the WSDL's names. */
function asKopilka(e: unknown, d: RouteDeps, root: string): KopilkaError {
  const known = protocolError(e);
  if (known !== null) {
    const field = known.details?.field;
    // A query parameter is named as the caller wrote it (?card=…), not as a ledger field.
    if (typeof field === 'string' && QUERY_PARAMETERS.has(field) && /^Параметр запроса/.test(known.message)) return known;
    if (typeof field === 'string' && /^[a-z(]/.test(field)) {
      return new KopilkaError(known.code, known.message, { ...known.details, field: onecField(field, root).replace(/^\./, '') });
    }
    // Our own schemas' paths (Check.Line.0.ProductId) as the WSDL's (Check.Line[0].ProductId).
    if (typeof field === 'string' && /\.\d+(\.|$)/.test(field)) {
      return new KopilkaError(known.code, known.message, { ...known.details, field: field.replace(/\.(\d+)(?=\.|$)/g, '[$1]') });
    }
    return known;
  }
  d.log?.warn({ err: e instanceof Error ? e.message : String(e) }, 'onec: unhandled error');
  return new KopilkaError('INTERNAL', 'Внутренняя ошибка сервиса. Повторите запрос; если ошибка повторится, сообщите в поддержку');
}

// ── the operations, once for both transports ────────────────────────────────────────────────

function operations(d: RouteDeps) {
  return {
    async findCustomer(c: Caller, q: OnecLookup, m: MoneyOut) {
      const ref = customerRefOf({ Phone: q.Phone, CardNumber: q.CardNumber }, 'FindCustomer');
      if (ref === null) throw new KopilkaError('INVALID_INPUT', 'Укажите телефон (Phone) или номер карты (CardNumber)', { field: 'Phone' });
      try {
        return { Found: true, Customer: customerOut(await d.ledger.customer(c.tenantId, ref), m, c.offset) };
      } catch (e) {
        // Not found is an answer a cashier acts on (offer to register), not a failure.
        if (isKopilkaError(e) && e.code === 'CUSTOMER_NOT_FOUND') return { Found: false };
        throw e;
      }
    },
    async registerCustomer(c: Caller, r: OnecRegister, m: MoneyOut) {
      const s = await d.ledger.registerCustomer(c.tenantId, {
        phone: r.Phone,
        cardNumber: r.CardNumber ?? null,
        name: r.Name ?? null,
        birthDate: r.BirthDate === undefined ? null : r.BirthDate.slice(0, 10),
        email: r.Email ?? null,
        source: CHANNEL,
      });
      return customerOut(s, m, c.offset);
    },
    async balance(c: Caller, q: OnecLookup, m: MoneyOut) {
      const ref = customerRefOf(q, 'Balance');
      if (ref === null) throw new KopilkaError('INVALID_INPUT', 'Укажите телефон (Phone), номер карты (CardNumber) или код клиента (CustomerId)', { field: 'Phone' });
      return customerBalanceOut(await d.ledger.customer(c.tenantId, ref), m);
    },
    async calculate(c: Caller, check: OnecCheck, m: MoneyOut) {
      const r = await d.ledger.calculate(c.tenantId, checkFromOnec(check, c));
      return checkResultOut(r, false, m);
    },
    async commit(c: Caller, check: OnecCheck, m: MoneyOut) {
      const r = await d.ledger.commit(c.tenantId, CHANNEL, checkFromOnec(check, c));
      const result = JSON.parse(r.json) as CheckResult;
      return { out: checkResultOut(result, r.replay, m), replay: r.replay };
    },
    async refund(c: Caller, q: OnecRefund, m: MoneyOut) {
      const { saleExternalId, request } = refundFromOnec(q, c.offset);
      const r = await d.ledger.refund(c.tenantId, CHANNEL, saleExternalId, request);
      const result = JSON.parse(r.json) as RefundResult;
      return { out: refundResultOut(result, r.replay, m), replay: r.replay };
    },
  };
}

// ── HTTP+JSON ───────────────────────────────────────────────────────────────────────────────

function routes(d: RouteDeps): Route[] {
  const ops = operations(d);
  const m = jsonMoney;
  const json =
    (root: string, f: (c: Caller, req: ApiRequest) => Promise<ApiResponse>) =>
    async (req: ApiRequest): Promise<ApiResponse> => {
      try {
        return await f(await callerOf(d, keyOf(req.headers.authorization, undefined), req.remoteAddress), req);
      } catch (e) {
        throw asKopilka(e, d, root);
      }
    };
  const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });
  return [
    {
      method: 'GET',
      path: `${JSON_BASE}/customers`,
      handler: json('', async (c, req) => ok(await ops.findCustomer(c, parseRequest(lookupSchema, { Phone: req.query.phone, CardNumber: req.query.card }, 'поиск клиента'), m))),
    },
    {
      method: 'POST',
      path: `${JSON_BASE}/customers`,
      handler: json('', async (c, req) => ok(await ops.registerCustomer(c, parseRequest(registerSchema, req.json(), 'клиент'), m), 201)),
    },
    {
      method: 'GET',
      path: `${JSON_BASE}/balance`,
      handler: json('', async (c, req) =>
        ok(await ops.balance(c, parseRequest(lookupSchema, { Phone: req.query.phone, CardNumber: req.query.card, CustomerId: req.query.id }, 'баланс'), m)),
      ),
    },
    {
      method: 'POST',
      path: `${JSON_BASE}/calculate`,
      handler: json('Check', async (c, req) => ok(await ops.calculate(c, parseRequest(checkRequestSchema, { Check: req.json() }, 'чек 1С').Check, m))),
    },
    {
      method: 'POST',
      path: `${JSON_BASE}/commit`,
      handler: json('Check', async (c, req) => {
        const r = await ops.commit(c, parseRequest(checkRequestSchema, { Check: req.json() }, 'чек 1С').Check, m);
        return ok(r.out, r.replay ? 200 : 201);
      }),
    },
    {
      method: 'POST',
      path: `${JSON_BASE}/refund`,
      handler: json('', async (c, req) => {
        const r = await ops.refund(c, parseRequest(refundSchema, req.json(), 'возврат 1С'), m);
        return ok(r.out, r.replay ? 200 : 201);
      }),
    },
  ];
}

// ── SOAP ──────────────────────────────────────────────────────────────────────────────────

// What a soap client generated from our WSDL is told to do with these XML Schema types (used by
// the tests and by any Node client): keep the exact text 1C wrote, not a float or a Date.
const asText = (t: string) => t;
export const SOAP_DESERIALIZERS = { decimal: asText, long: asText, int: asText, integer: asText, dateTime: asText, date: asText };

type Args = Record<string, unknown>;

/** The six operations of kopilka.wsdl: arguments as connectors/onec/xml.ts read them → Result. */
function soapOperations(d: RouteDeps): Record<Operation, { root: string; run: (c: Caller, a: Args) => Promise<Record<string, unknown>> }> {
  const ops = operations(d);
  const m = xmlMoney;
  return {
    FindCustomer: { root: '', run: (c, a) => ops.findCustomer(c, parseRequest(lookupSchema, a, 'FindCustomer'), m) },
    RegisterCustomer: { root: '', run: (c, a) => ops.registerCustomer(c, parseRequest(registerSchema, a, 'RegisterCustomer'), m) },
    Balance: { root: '', run: (c, a) => ops.balance(c, parseRequest(lookupSchema, a, 'Balance'), m) },
    Calculate: { root: 'Check', run: (c, a) => ops.calculate(c, parseRequest(checkRequestSchema, a, 'Calculate').Check, m) },
    Commit: { root: 'Check', run: async (c, a) => (await ops.commit(c, parseRequest(checkRequestSchema, a, 'Commit').Check, m)).out },
    Refund: { root: '', run: async (c, a) => (await ops.refund(c, parseRequest(refundSchema, a, 'Refund'), m)).out },
  };
}

async function mount(server: Server, d: RouteDeps): Promise<void> {
  guardSoap(server, d);
}

/** Is this request for the SOAP service (with or without a trailing slash)? */
function isSoapPath(url: string | undefined): boolean {
  const q = (url ?? '/').indexOf('?');
  const path = q < 0 ? (url ?? '/') : (url ?? '/').slice(0, q);
  return path === SOAP_PATH || path === `${SOAP_PATH}/`;
}

/**
 * Puts the SOAP service in front of everything on the server: requests to the SOAP path are
 * answered here (the WSDL, or a call), anything else goes on to koa untouched.
 */
function guardSoap(server: Server, d: RouteDeps): void {
  const inner = server.listeners('request').slice() as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  const ops = soapOperations(d);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!isSoapPath(req.url)) {
      for (const l of inner) l.call(server, req, res);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') return sendWsdl(req, res, d);
    if (req.method !== 'POST') {
      req.resume();
      res.writeHead(405, { allow: 'GET, HEAD, POST', 'content-type': 'text/plain; charset=utf-8' });
      res.end('POST a SOAP 1.1 envelope, or GET ?wsdl\n');
      return;
    }
    serveCall(req, d, ops).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      (e: unknown) => {
        const k = e instanceof SoapRefusal ? e.error : asKopilka(e, d, '');
        sendFault(req, res, k, e instanceof SoapRefusal && e.beforeBody);
      },
    );
  });
}

/** A refusal before or while the body was read: the fault, and whether the body is still unread. */
class SoapRefusal {
  constructor(
    readonly error: KopilkaError,
    readonly beforeBody: boolean,
  ) {}
}

/**
 * One call, in the order that keeps a stranger's cost low: the key of the headers is checked
 * (and its rate limit) before a byte of the body is read; without one, the key is looked for in
 * the first bytes of the body by a bounded scan, never by parsing. Only an authenticated body is
 * parsed, once, by a pass that yields to the event loop and stops at the first thing refused.
 */
async function serveCall(req: IncomingMessage, d: RouteDeps, ops: ReturnType<typeof soapOperations>): Promise<string> {
  const remote = req.socket.remoteAddress;
  const headerKey = keyOf(req.headers.authorization, undefined);
  let who: Caller | undefined;
  if (headerKey !== null) {
    try {
      who = await callerOf(d, headerKey, remote);
    } catch (e) {
      throw new SoapRefusal(asKopilka(e, d, ''), true);
    }
  }
  // Without a header key, the key is looked for in the first bytes as soon as they are in (the
  // rest keeps arriving meanwhile): a stranger is answered without the body being kept or read.
  let bodyKey: string | undefined;
  const gate =
    who !== undefined
      ? undefined
      : async (prefix: Buffer) => {
          bodyKey = keyInBody(prefix);
          try {
            who = await callerOf(d, keyOf(undefined, bodyKey), remote);
          } catch (e) {
            throw new SoapRefusal(asKopilka(e, d, ''), true);
          }
        };
  const body = await readSoapBody(req, gate);
  if (who === undefined) throw new Error('onec: a SOAP body was read without a caller');
  const call = await inspectSoapRequest(body).catch((e: unknown) => {
    throw new SoapRefusal(isKopilkaError(e) ? e : new KopilkaError('INVALID_INPUT', 'Запрос не прочитан', { field: '(body)' }), false);
  });
  // The scan and the parse must agree on the key, or a comment could lend one to the call.
  if (bodyKey !== undefined && (typeof call.args.Key !== 'string' || call.args.Key.trim() !== bodyKey.trim())) {
    throw new SoapRefusal(new KopilkaError('UNAUTHORIZED', 'Ключ в элементе Key не прочитан: передайте его первым элементом операции или паролем HTTP Basic'), false);
  }
  const op = ops[call.operation];
  try {
    return soapResponse(call.operation, await op.run(who, call.args));
  } catch (e) {
    throw new SoapRefusal(asKopilka(e, d, op.root), false);
  }
}

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i;

/**
 * The address the WSDL gives as the service's: PUBLIC_URL when it is configured; otherwise the
 * Host of a request made on this machine (localhost, 127.x, [::1]); otherwise http://localhost
 * on the port the request came to. Never a Host or X-Forwarded-Host a caller chose: a WSDL that
 * names an attacker's host would send 1C's keys there.
 */
export function soapEndpoint(publicUrl: string | undefined, host: string | undefined, localPort: number | undefined): string {
  if (publicUrl !== undefined && publicUrl !== '') return `${publicUrl.replace(/\/+$/, '')}${SOAP_PATH}`;
  const h = (host ?? '').trim();
  if (LOOPBACK_HOST.test(h)) return `http://${h}${SOAP_PATH}`;
  return `http://localhost${localPort === undefined ? '' : `:${localPort}`}${SOAP_PATH}`;
}

function sendWsdl(req: IncomingMessage, res: ServerResponse, d: RouteDeps): void {
  req.resume();
  const body = wsdlFor(soapEndpoint(d.settings?.PUBLIC_URL, req.headers.host, req.socket.localPort));
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** SOAP 1.1 over HTTP: every fault is a 500; the fault code says whose the fault is. */
function sendFault(req: IncomingMessage, res: ServerResponse, e: KopilkaError, bodyUnread: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = faultEnvelope(e);
  const headers: Record<string, string | number> = { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  // An oversized upload may still be streaming in: the connection is not kept for another request.
  if (e.code === 'BODY_TOO_LARGE') headers.connection = 'close';
  // The rest of a body refused unread is discarded as it arrives, within the size limit.
  if (bodyUnread) discard(req);
  res.writeHead(500, headers);
  res.end(body);
}

/** Reads and drops what is left of a body; a sender that goes on past MAX_SOAP_BODY is cut off. */
function discard(req: IncomingMessage): void {
  let left = MAX_SOAP_BODY;
  req.on('data', (c: Buffer) => {
    left -= c.length;
    if (left < 0) req.socket.destroy();
  });
  req.resume();
}

const inflate = promisify(zlibInflate);
const gunzip = promisify(zlibGunzip);

/**
 * Reads at most MAX_SOAP_BODY bytes (after decompression too, done off the event loop). `gate`,
 * when given, is called with the first KEY_SCAN_BYTES (or the whole body, if shorter or
 * compressed) while the rest is still arriving; if it throws, reading stops with its error.
 */
async function readSoapBody(req: IncomingMessage, gate?: (prefix: Buffer) => Promise<void>): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    throw new SoapRefusal(new KopilkaError('INVALID_INPUT', `Сжатие «${encoding}» не поддерживается: отправляйте запрос без сжатия или в gzip`, { field: 'Content-Encoding' }), true);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_SOAP_BODY) throw new SoapRefusal(tooLarge(), true);
  let gated: Promise<void> | undefined;
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (e: unknown) => {
      chunks.length = 0;
      req.off('data', onData);
      reject(e);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > MAX_SOAP_BODY) return stop(new SoapRefusal(tooLarge(), true));
      chunks.push(c);
      if (gate !== undefined && gated === undefined && encoding === 'identity' && size >= KEY_SCAN_BYTES) {
        gated = gate(Buffer.concat(chunks));
        gated.catch(stop);
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
  let body = raw;
  if (encoding !== 'identity') {
    try {
      body = encoding === 'deflate' ? await inflate(raw, { maxOutputLength: MAX_SOAP_BODY }) : await gunzip(raw, { maxOutputLength: MAX_SOAP_BODY });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new SoapRefusal(tooLarge(), false);
      throw new SoapRefusal(new KopilkaError('INVALID_INPUT', 'Сжатый запрос повреждён', { field: 'Content-Encoding' }), false);
    }
  }
  if (gate !== undefined) await (gated ?? gate(body));
  return body;
}
