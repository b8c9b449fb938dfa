import { promisify } from 'node:util';
import { gunzip as zlibGunzip, inflate as zlibInflate } from 'node:zlib';
import type { ConnectorContext } from '../kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../kit/route.ts';
import { KopilkaError } from '../../ledger/index.ts';
import { bodyKey, headerKey, NO_KEY } from './credentials.ts';
import { setSoapRoot, soapFault } from './errors.ts';
import { callerOf, operations, type OnecCaller } from './operations.ts';
import { checkRequestSchema, lookupSchema, parseRequest, refundSchema, registerSchema, xmlMoney } from './protocol.ts';
import { MAX_SOAP_BODY, readSoapRequest, soapResponse, tooLarge, wsdlFor, type Operation } from './xml.ts';

// The SOAP 1.1 service 1C imports as a WS-reference (kopilka.wsdl, served at /onec/soap?wsdl).
// The gateway checks the key before this reads anything: from the headers, or from the Key
// element found by a bounded scan of the first bytes (credentials.ts). Only then is the body
// parsed, once, by a pass that yields to the event loop and stops at the first thing refused
// (xml.ts).

export const SOAP_PATH = '/onec/soap';

// What a soap client generated from our WSDL is told to do with these XML Schema types (used by
// the tests and by any Node client): keep the exact text 1C wrote, not a float or a Date.
const asText = (t: string) => t;
export const SOAP_DESERIALIZERS = { decimal: asText, long: asText, int: asText, integer: asText, dateTime: asText, date: asText };

type Args = Record<string, unknown>;
type Run = (c: OnecCaller, a: Args) => Promise<Record<string, unknown>>;

/** The six operations: arguments as xml.ts reads them → Result, and the root their fields are under. */
function soapOperations(ctx: ConnectorContext): Record<Operation, { root: string; run: Run }> {
  const ops = operations(ctx);
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

export function soapRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const ops = soapOperations(ctx);
  return [
    route({
      method: 'GET',
      path: SOAP_PATH,
      summary: '1С: WSDL сервиса (?wsdl) для импорта WS-ссылки',
      auth: 'public',
      handler: async ({ req }) => xml(wsdlFor(soapEndpoint(ctx.settings.PUBLIC_URL, req.headers.host, localPort(req, ctx)))),
    }),
    route({
      method: 'POST',
      path: SOAP_PATH,
      summary: '1С: вызов операции SOAP 1.1 (FindCustomer, RegisterCustomer, Balance, Calculate, Commit, Refund)',
      auth: 'channel:onec',
      credential: headerKey,
      credentialInBody: bodyKey,
      missingCredential: NO_KEY,
      bodyLimit: MAX_SOAP_BODY,
      errors: soapFault,
      handler: async (call) => {
        const req = call.req;
        const parsed = await readSoapRequest(await decoded(req));
        // The scan and the parse must agree on the key, or a comment could lend one to the call.
        if (headerKey(req) === null) {
          const scanned = bodyKey(req.body);
          const key = parsed.args.Key;
          if (scanned === null || typeof key !== 'string' || key.trim() !== scanned) {
            throw new KopilkaError('UNAUTHORIZED', 'Ключ в элементе Key не прочитан: передайте его первым элементом операции или паролем HTTP Basic');
          }
        }
        const op = ops[parsed.operation];
        setSoapRoot(req, op.root);
        return xml(soapResponse(parsed.operation, await op.run(await callerOf(ctx, call), parsed.args)));
      },
    }),
  ];
}

function xml(text: string): ApiResponse {
  return { status: 200, body: null, raw: text, headers: { 'content-type': 'text/xml; charset=utf-8' } };
}

const inflate = promisify(zlibInflate);
const gunzip = promisify(zlibGunzip);

/** The body as XML bytes: inflated (off the event loop, at most MAX_SOAP_BODY) when compressed. */
async function decoded(req: ApiRequest): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return req.body;
  if (!['gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    throw new KopilkaError('INVALID_INPUT', `Сжатие «${encoding}» не поддерживается: отправляйте запрос без сжатия или в gzip`, { field: 'Content-Encoding' });
  }
  try {
    return encoding === 'deflate' ? await inflate(req.body, { maxOutputLength: MAX_SOAP_BODY }) : await gunzip(req.body, { maxOutputLength: MAX_SOAP_BODY });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new KopilkaError('INVALID_INPUT', 'Сжатый запрос повреждён', { field: 'Content-Encoding' });
  }
}

/** The port the request came to, when the server says; else the configured API port. */
function localPort(req: ApiRequest, ctx: ConnectorContext): number | undefined {
  return req.localPort ?? (ctx.settings.API_PORT || undefined);
}

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i;

/**
 * The address the WSDL gives as the service's: PUBLIC_URL when it is configured; otherwise the
 * Host of a request made on this machine (localhost, 127.x, [::1]); otherwise http://localhost
 * on the port the request came to. Never a Host or X-Forwarded-Host a caller chose: a WSDL that
 * names an attacker's host would send 1C's keys there.
 */
export function soapEndpoint(publicUrl: string | undefined, host: string | undefined, port: number | undefined): string {
  if (publicUrl !== undefined && publicUrl !== '') return `${publicUrl.replace(/\/+$/, '')}${SOAP_PATH}`;
  const h = (host ?? '').trim();
  if (LOOPBACK_HOST.test(h)) return `http://${h}${SOAP_PATH}`;
  return `http://localhost${port === undefined ? '' : `:${port}`}${SOAP_PATH}`;
}
