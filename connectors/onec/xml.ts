import { readFileSync } from 'node:fs';
import xml2js from 'xml2js';
import { KopilkaError } from '../../ledger/errors.ts';
import { NS, SOAP_ENV } from './protocol.ts';

// What a SOAP request must be before any SOAP machinery sees it. The soap package parses with
// sax, which does not expand entities, but it neither limits the size of a request (it buffers
// whatever arrives, gunzipped without a bound) nor refuses a DTD (it skips it silently and then
// answers an entity reference with a non-standard fault carrying a parser trace). So: no
// DTD at all (no XXE, no billion laughs, whatever the parser behind), UTF-8 only, a SOAP 1.1
// envelope that is well-formed, at most MAX_SOAP_BODY bytes.

export const MAX_SOAP_BODY = 1024 * 1024;

export const WSDL_FILE = new URL('./kopilka.wsdl', import.meta.url);
const WSDL_TEXT = readFileSync(WSDL_FILE, 'utf8');
const LOCATION = /(<soap:address\s+location=")[^"]*(")/;

/** The WSDL as 1C imports it, its endpoint set to where it was fetched from. */
export function wsdlFor(endpoint: string): string {
  return WSDL_TEXT.replace(LOCATION, `$1${endpoint.replace(/[<>&"]/g, '')}$2`);
}

export function wsdlText(): string {
  return WSDL_TEXT;
}

const bad = (message: string) => new KopilkaError('INVALID_INPUT', message, { field: '(body)' });

export function tooLarge(): KopilkaError {
  return new KopilkaError('BODY_TOO_LARGE', `Запрос больше ${MAX_SOAP_BODY / 1024 / 1024} МБ: разделите его на части`, { limitBytes: MAX_SOAP_BODY });
}

/**
 * Checks a request's bytes and returns its text; throws a KopilkaError (INVALID_INPUT) saying
 * what is wrong. Declarations (<!DOCTYPE, <!ENTITY, <!ELEMENT…) are refused outright: nothing
 * in a SOAP message needs one, and a parser that never sees one cannot be tricked by it.
 */
export const OPERATIONS = ['FindCustomer', 'RegisterCustomer', 'Calculate', 'Commit', 'Refund', 'Balance'] as const;

interface Node {
  $ns?: { local: string; uri: string };
  [child: string]: unknown;
}

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (const [k, v] of Object.entries(n)) if (k !== '$' && k !== '$ns' && k !== '_' && Array.isArray(v)) for (const c of v) if (typeof c === 'object' && c !== null) out.push(c as Node);
  return out;
}

export async function inspectSoapRequest(body: Buffer): Promise<{ text: string; operation: (typeof OPERATIONS)[number] }> {
  if (body.length === 0) throw bad('Пустой запрос: ожидается конверт SOAP 1.1');
  if (body.length > MAX_SOAP_BODY) throw tooLarge();
  if ((body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe) || body.includes(0)) {
    throw bad('Запрос не в кодировке UTF-8: отправляйте XML в UTF-8');
  }
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const decl = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']/i.exec(text);
  if (decl !== null && !/^utf-?8$/i.test(decl[1]!)) throw bad(`Кодировка «${decl[1]}» не поддерживается: отправляйте XML в UTF-8`);
  // Any markup declaration: only comments and CDATA sections may start with "<!".
  if (/<!(?!--|\[CDATA\[)/.test(text)) throw bad('DTD и объявления сущностей (<!DOCTYPE, <!ENTITY) в запросе запрещены');
  let doc: Record<string, Node> | null;
  try {
    doc = await xml2js.parseStringPromise(text, { strict: true, xmlns: true, explicitRoot: true, explicitArray: true });
  } catch (e) {
    throw bad(`Запрос — не корректный XML: ${String((e as Error).message).split('\n')[0]}`);
  }
  const envelope = doc === null ? undefined : Object.values(doc)[0];
  const root = envelope?.$ns;
  if (envelope === undefined || root?.local !== 'Envelope') throw bad('Запрос — не конверт SOAP (нет элемента Envelope)');
  if (root.uri !== SOAP_ENV) throw bad(`Конверт не SOAP 1.1 (пространство имён ${root.uri || 'не указано'}): сервис принимает SOAP 1.1`);
  const soapBody = children(envelope).find((c) => c.$ns?.local === 'Body' && c.$ns.uri === SOAP_ENV);
  const call = soapBody === undefined ? undefined : children(soapBody)[0]?.$ns;
  if (call === undefined) throw bad('В конверте SOAP нет тела (Body) с вызовом операции');
  const operation = OPERATIONS.find((o) => o === call.local);
  if (operation === undefined || call.uri !== NS) {
    throw bad(`Неизвестная операция «${call.local}» (пространство имён ${call.uri || 'не указано'}): ожидается одна из ${OPERATIONS.join(', ')} в ${NS}`);
  }
  return { text, operation };
}
