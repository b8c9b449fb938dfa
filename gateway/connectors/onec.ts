import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import soap, { type IOptions, type IServerOptions } from 'soap';
import {
  checkFromOnec,
  checkRequestSchema,
  checkResultOut,
  customerBalanceOut,
  customerOut,
  customerRefOf,
  faultCode,
  faultEnvelope,
  faultXml,
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
import { inspectSoapRequest, MAX_SOAP_BODY, tooLarge, wsdlFor, wsdlText } from '../../connectors/onec/xml.ts';
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

async function callerOf(d: RouteDeps, key: string | null): Promise<Caller> {
  if (key === null) {
    throw new KopilkaError('UNAUTHORIZED', 'Нет ключа доступа: укажите ключ канала «onec» паролем (WSПрокси.Пароль), заголовком Authorization: Bearer <ключ> или в элементе Key');
  }
  const p = await caller(d, `Bearer ${key}`);
  if (p.kind !== 'channel' || p.channel !== CHANNEL) {
    const what = p.kind === 'channel' ? `ключ канала «${p.channel}»` : p.kind === 'admin' ? 'ключ администратора' : 'служебный токен';
    throw new KopilkaError('UNAUTHORIZED', `Это ${what}, а нужен ключ канала «onec»: создайте его в Копилке (POST /v1/keys {"channel": "onec"})`);
  }
  return { tenantId: p.tenantId, storeId: p.storeId, offset: await tenantZone(d, p.tenantId) };
}

/** Any failure as a KopilkaError, its field (if any) in the WSDL's names. */
function asKopilka(e: unknown, d: RouteDeps, root: string): KopilkaError {
  const known = protocolError(e);
  if (known !== null) {
    const field = known.details?.field;
    if (typeof field === 'string' && /^[a-z(]/.test(field)) {
      return new KopilkaError(known.code, known.message, { ...known.details, field: onecField(field, root).replace(/^\./, '') });
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
        return await f(await callerOf(d, keyOf(req.headers.authorization, undefined)), req);
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

// ── SOAP ────────────────────────────────────────────────────────────────────────────────────

// Values of these XML Schema types reach the operations as the exact text 1C wrote: the soap
// package would otherwise turn an xs:decimal into a float and an xs:dateTime into a Date
// (losing the fact that 1C sent no offset).
const asText = (t: string) => t;
export const SOAP_DESERIALIZERS = { decimal: asText, long: asText, int: asText, integer: asText, dateTime: asText, date: asText };

function soapServices(d: RouteDeps) {
  const ops = operations(d);
  const m = xmlMoney;
  type Args = Record<string, unknown> | null | undefined;
  const op =
    (root: string, f: (c: Caller, args: Args) => Promise<unknown>) =>
    async (args: Args, _cb: unknown, _headers: unknown, req: IncomingMessage): Promise<{ Result: unknown }> => {
      try {
        const bodyKey = typeof args?.Key === 'string' ? args.Key : undefined;
        return { Result: await f(await callerOf(d, keyOf(req.headers.authorization, bodyKey)), args) };
      } catch (e) {
        const k = asKopilka(e, d, root);
        // SOAP 1.1 over HTTP: every fault is a 500; the fault code says whose the fault is.
        throw { Fault: { faultcode: faultCode(k), _xml: faultXml(k), statusCode: 500 } };
      }
    };
  return {
    Kopilka: {
      KopilkaSoap: {
        FindCustomer: op('', (c, a) => ops.findCustomer(c, parseRequest(lookupSchema, a, 'FindCustomer'), m)),
        RegisterCustomer: op('', (c, a) => ops.registerCustomer(c, parseRequest(registerSchema, a, 'RegisterCustomer'), m)),
        Balance: op('', (c, a) => ops.balance(c, parseRequest(lookupSchema, a, 'Balance'), m)),
        Calculate: op('Check', (c, a) => ops.calculate(c, parseRequest(checkRequestSchema, a, 'Calculate').Check, m)),
        Commit: op('Check', async (c, a) => (await ops.commit(c, parseRequest(checkRequestSchema, a, 'Commit').Check, m)).out),
        Refund: op('', async (c, a) => (await ops.refund(c, parseRequest(refundSchema, a, 'Refund'), m)).out),
      },
    },
  };
}

async function mount(server: Server, d: RouteDeps): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    // customDeserializer is read by the WSDL the server builds (IWsdlBaseOptions at run time),
    // though the typings list it for clients only.
    const options: IServerOptions & Pick<IOptions, 'customDeserializer'> = {
      path: SOAP_PATH,
      services: soapServices(d),
      xml: wsdlText(),
      suppressStack: true,
      customDeserializer: SOAP_DESERIALIZERS,
      callback: (err: unknown) => (err ? reject(err) : resolve()),
    };
    soap.listen(server, options);
  });
  guardSoap(server);
}

/** Is this request for the SOAP service (with or without a trailing slash)? */
function isSoapPath(url: string | undefined): boolean {
  const q = (url ?? '/').indexOf('?');
  const path = q < 0 ? (url ?? '/') : (url ?? '/').slice(0, q);
  return path === SOAP_PATH || path === `${SOAP_PATH}/`;
}

/**
 * Puts a guard in front of everything on the server (the soap package's listener included):
 * requests to the SOAP path are read here, within MAX_SOAP_BODY, inspected (no DTD, UTF-8, a
 * well-formed SOAP 1.1 envelope) and handed to the soap package already read; anything else
 * goes on untouched. Refusals are SOAP Faults too.
 */
function guardSoap(server: Server): void {
  const inner = server.listeners('request').slice() as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const l of inner) l.call(server, req, res);
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!isSoapPath(req.url)) return pass(req, res);
    if (req.method === 'GET' || req.method === 'HEAD') {
      const query = (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1);
      if ((req.url ?? '').includes('?') && /^wsdl(=|&|$)/i.test(query)) return sendWsdl(req, res);
      return pass(req, res);
    }
    if (req.method !== 'POST') return pass(req, res);
    readSoap(req).then(
      ({ text }) => {
        (req as IncomingMessage & { body?: Buffer }).body = Buffer.from(text, 'utf8');
        // Dispatch by the body's element (what document/literal wrapped means), whatever
        // SOAPAction a client sent: the guard has checked that element names an operation.
        delete req.headers.soapaction;
        pass(req, res);
      },
      (e: unknown) => sendFault(res, isKopilkaError(e) ? e : new KopilkaError('INVALID_INPUT', 'Запрос не прочитан', { field: '(body)' })),
    );
  });
}

function sendWsdl(req: IncomingMessage, res: ServerResponse): void {
  const fwdProto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim();
  const proto = fwdProto === 'https' ? 'https' : 'http';
  const fwdHost = String(req.headers['x-forwarded-host'] ?? '').split(',')[0]!.trim();
  const host = [fwdHost, req.headers.host ?? ''].find((h) => /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(h)) ?? 'localhost';
  const body = wsdlFor(`${proto}://${host}${SOAP_PATH}`);
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendFault(res: ServerResponse, e: KopilkaError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = faultEnvelope(e);
  const headers: Record<string, string | number> = { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  // A refused upload may still be streaming in: do not keep the connection for another request.
  if (e.code === 'BODY_TOO_LARGE') headers.connection = 'close';
  res.writeHead(500, headers);
  res.end(body);
}

/** Reads at most MAX_SOAP_BODY bytes (after decompression too) and inspects them. */
async function readSoap(req: IncomingMessage): Promise<{ text: string }> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    req.resume();
    throw new KopilkaError('INVALID_INPUT', `Сжатие «${encoding}» не поддерживается: отправляйте запрос без сжатия или в gzip`, { field: 'Content-Encoding' });
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_SOAP_BODY) {
    req.resume(); // discarded as it arrives, never kept
    throw tooLarge();
  }
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > MAX_SOAP_BODY) {
        chunks.length = 0;
        req.off('data', onData);
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
  let body = raw;
  if (encoding !== 'identity') {
    try {
      body = encoding === 'deflate' ? inflateSync(raw, { maxOutputLength: MAX_SOAP_BODY }) : gunzipSync(raw, { maxOutputLength: MAX_SOAP_BODY });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
      throw new KopilkaError('INVALID_INPUT', 'Сжатый запрос повреждён', { field: 'Content-Encoding' });
    }
  }
  return inspectSoapRequest(body);
}
