import type { ApiRequest, ApiResponse, ErrorForm } from '../kit/route.ts';
import { KopilkaError } from '../../ledger/index.ts';
import { NO_KEY } from './credentials.ts';
import { faultEnvelope, onecField } from './protocol.ts';

// 1C's two error forms: a SOAP 1.1 Fault (HTTP 500, faultcode soap:Client or soap:Server,
// Kopilka's code in the detail) and, over HTTP+JSON, the native {"error": {code, message,
// details}} with its status. Both name the field at fault as the WSDL does (Check.Line[0].Price),
// not as the ledger does (lines.0.price).

/** The query parameters of GET /onec/v1/customers and /balance. */
const QUERY_PARAMETERS = new Set(['phone', 'card', 'id']);

/**
 * The error with its field (if any) in the WSDL's names, below `root` (the element the operation's
 * check is in: "Check" for Calculate and Commit, "" for the others).
 */
export function asOnec(e: KopilkaError, root: string): KopilkaError {
  const field = e.details?.field;
  if (typeof field !== 'string') return e;
  // A query parameter is named as the caller wrote it (?card=…), not as a ledger field.
  if (QUERY_PARAMETERS.has(field) && /^Параметр запроса/.test(e.message)) return e;
  if (/^[a-z(]/.test(field)) return new KopilkaError(e.code, e.message, { ...e.details, field: onecField(field, root).replace(/^\./, '') });
  // Our own schemas' paths (Check.Line.0.ProductId) as the WSDL's (Check.Line[0].ProductId).
  if (/\.\d+(\.|$)/.test(field)) return new KopilkaError(e.code, e.message, { ...e.details, field: field.replace(/\.(\d+)(?=\.|$)/g, '[$1]') });
  return e;
}

/**
 * 1C's HTTP client (WSПрокси, HTTPСоединение) may send Basic credentials only after the server
 * has asked for them: a request with no key at all is answered 401 with a Basic challenge. A key
 * that is wrong or of another channel is not a missing one: it keeps the protocol's own fault.
 */
export const CHALLENGE = 'Basic realm="Kopilka"';

/** True for the gateway's answer to a request that carried no key anywhere (route.missingCredential). */
export function isMissingKey(e: KopilkaError): boolean {
  return e.code === 'UNAUTHORIZED' && e.message === NO_KEY;
}

/** The native form, fields in the WSDL's names: the HTTP+JSON routes' `errors`. */
export function jsonErrors(root: string): ErrorForm {
  return (e) => {
    const k = asOnec(e, root);
    const headers: Record<string, string> = {};
    if (isMissingKey(k)) headers['www-authenticate'] = CHALLENGE;
    if (k.code === 'RATE_LIMITED') headers['retry-after'] = String(Math.max(1, Math.ceil(Number(k.details?.retryAfterMs ?? 1000) / 1000)));
    return { status: k.status, body: k.toJSON(), headers };
  };
}

// The SOAP call's operation, once its body is read: its faults name fields below the operation's
// root. Before that (the key, the XML itself) a fault's field is already in the WSDL's names.
const roots = new WeakMap<ApiRequest, string>();

export function setSoapRoot(req: ApiRequest, root: string): void {
  roots.set(req, root);
}

/**
 * SOAP 1.1 over HTTP: every fault is a 500; the fault code says whose the fault is. A body
 * refused as too large may still be streaming in: the connection is not kept for another request.
 */
export const soapFault: ErrorForm = (e, req): ApiResponse => {
  const root = roots.get(req);
  const k = root === undefined ? e : asOnec(e, root);
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' };
  if (k.code === 'BODY_TOO_LARGE') headers.connection = 'close';
  // No key at all: a challenge (401), the fault kept as its body for a client that reads it.
  if (isMissingKey(k)) return { status: 401, body: null, raw: faultEnvelope(k), headers: { ...headers, 'www-authenticate': CHALLENGE } };
  return { status: 500, body: null, raw: faultEnvelope(k), headers };
};
