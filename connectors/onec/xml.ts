import { readFileSync } from 'node:fs';
import sax from 'sax';
import { KopilkaError } from '../../ledger/index.ts';
import { NS, SOAP_ENV } from './protocol.ts';

// The XML side of the 1C SOAP service, without any SOAP package on the server: a request's bytes
// are read in ONE pass — UTF-8 decoding, the refusal of any DTD, the sax tokenizer — straight into
// the plain arguments object the operations validate. The pass is cut into slices, one slice of
// one request per turn of the event loop, and stops at once at a document nested deeper than
// MAX_DEPTH or holding more than MAX_ELEMENTS elements, or at a character XML 1.0 forbids (named
// by its field): a hostile body costs a millisecond at a time, never the whole process (issue 8:
// 20 deep bodies, parsed twice by xml2js and the soap package, held the loop for seconds).

export const MAX_SOAP_BODY = 1024 * 1024;
/** Envelope/Body/Commit/Check/Line/Quantity is 6; 32 leaves room for any client's wrapping. */
export const MAX_DEPTH = 32;
/** A check of 1,000 lines (the ledger's most) is about 8,100 elements with every field filled. */
export const MAX_ELEMENTS = 10_000;
/** Bytes decoded and given to the tokenizer before the event loop gets a turn (≈1 ms of work). */
const SLICE = 2 * 1024;
/** How far into a body the Key element is looked for when no header carries a key. */
export const KEY_SCAN_BYTES = 16 * 1024;

export const WSDL_FILE = new URL('./kopilka.wsdl', import.meta.url);
const WSDL_TEXT = readFileSync(WSDL_FILE, 'utf8');
const LOCATION = /(<soap:address\s+location=")[^"]*(")/;

/** The WSDL as 1C imports it, its endpoint set to the service's public address. */
export function wsdlFor(endpoint: string): string {
  return WSDL_TEXT.replace(LOCATION, `$1${endpoint.replace(/[<>&"]/g, '')}$2`);
}

export function wsdlText(): string {
  return WSDL_TEXT;
}

export const OPERATIONS = ['FindCustomer', 'RegisterCustomer', 'Calculate', 'Commit', 'Refund', 'Balance'] as const;
export type Operation = (typeof OPERATIONS)[number];

const bad = (message: string, field = '(body)') => new KopilkaError('INVALID_INPUT', message, { field });

export function tooLarge(): KopilkaError {
  return new KopilkaError('BODY_TOO_LARGE', `Запрос больше ${MAX_SOAP_BODY / 1024 / 1024} МБ: разделите его на части`, { limitBytes: MAX_SOAP_BODY });
}

// ── before parsing ──────────────────────────────────────────────────────────────────────────

// Bounded quantifiers only: the scan costs at most a few hundred steps per "<" in its window.
// A key is printable ASCII without "<" and ">".
const KEY_ELEMENT = /<(?:[A-Za-z_][\w.-]{0,63}:)?Key(?:\s[^<>]{0,256})?>\s{0,64}([!-;=?-~]{1,256})\s{0,64}<\//;

/**
 * The text of the first Key element in the first KEY_SCAN_BYTES of a body, found without parsing
 * it: a caller without a key in the headers is authenticated by this before any XML is read.
 * The SOAP route (soap.ts) then requires the parsed Key element to be the same, so a
 * key in a comment or another element cannot stand in for it.
 */
export function keyInBody(body: Buffer): string | undefined {
  return KEY_ELEMENT.exec(body.subarray(0, KEY_SCAN_BYTES).toString('latin1'))?.[1];
}

/**
 * What can be refused from the first bytes alone: an empty or oversized body, UTF-16 or UTF-32.
 */
function checkBytes(body: Buffer): void {
  if (body.length === 0) throw bad('Пустой запрос: ожидается конверт SOAP 1.1');
  if (body.length > MAX_SOAP_BODY) throw tooLarge();
  // With a byte-order mark, or without one ("<" followed by a zero byte).
  if ((body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe) || body[0] === 0 || body[1] === 0) {
    throw bad('Запрос не в кодировке UTF-8: отправляйте XML в UTF-8');
  }
}

/** The XML declaration's encoding, read from the start of the text: UTF-8 or nothing. */
function checkDeclaration(start: string): void {
  const decl = /^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([^"']{1,40})["']/i.exec(start);
  if (decl !== null && !/^utf-?8$/i.test(decl[1]!)) throw bad(`Кодировка «${decl[1]}» не поддерживается: отправляйте XML в UTF-8`);
}

// Any markup declaration (<!DOCTYPE, <!ENTITY, <!ELEMENT…): only comments and CDATA sections may
// start with "<!". Nothing in a SOAP message needs one, and a parser that never sees one cannot be
// tricked by it (XXE, billion laughs). LOOKAHEAD: what the pattern reads after "<" to decide.
const DECLARATION = /<!(?!--|\[CDATA\[)/;
const LOOKAHEAD = 9;
const declarationRefused = () => bad('DTD и объявления сущностей (<!DOCTYPE, <!ENTITY) в запросе запрещены');

// ── the one pass ────────────────────────────────────────────────────────────────────────────

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
/** Elements the WSDL lets repeat: their fields are named with an index (Check.Line[0].Price). */
const REPEATED = new Set(['Line', 'Payment']);
/**
 * Characters XML 1.0 does not allow (its Char production) and a well-formed document therefore
 * cannot carry: C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
 */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Frame {
  local: string;
  uri: string;
  /** Part of the operation's arguments (the operation element and what is inside it)? */
  collect: boolean;
  /** The field this element is, in the WSDL's names below the operation: Check.Line[0].Price. */
  field: string;
  text: string;
  nil: boolean;
  kids: Map<string, unknown[]> | null;
}

export interface SoapRequest {
  operation: Operation;
  /** The operation element's content: elements → objects, repeated ones → arrays, text → string. */
  args: Record<string, unknown>;
}

function valueOf(f: Frame): unknown {
  if (f.kids !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of f.kids) o[k] = v.length === 1 ? v[0] : v;
    return o;
  }
  return f.nil ? null : f.text;
}

const fieldFault = (field: string, what: string) => bad(`Поле «${field}»: ${what} — уберите управляющие символы и непарные суррогаты`, field);

/** The tokenizer with handlers that build the arguments and throw at the first thing refused. */
function reader() {
  const stack: Frame[] = [];
  let elements = 0;
  let operation: Operation | undefined;
  let args: Record<string, unknown> | undefined;
  const p = sax.parser(true, { xmlns: true, position: false });
  const where = () => stack[stack.length - 1]?.field || '(body)';

  p.onerror = (e) => {
    const entity = p.entity ?? '';
    if (/^Invalid character entity/.test(e.message) && entity.startsWith('#')) throw fieldFault(where(), `недопустимый символ (&${entity};)`);
    const why = entity === '' ? e.message.split('\n')[0] : `неизвестная сущность &${entity};`;
    throw bad(`Запрос — не корректный XML: ${why}`);
  };
  p.onopentag = (tag) => {
    if (++elements > MAX_ELEMENTS) throw bad(`В запросе больше ${MAX_ELEMENTS} элементов: разделите его на части`);
    if (stack.length >= MAX_DEPTH) throw bad(`Вложенность элементов больше ${MAX_DEPTH}: такой запрос не может быть вызовом сервиса`);
    const parent = stack[stack.length - 1];
    if (parent === undefined && tag.local !== 'Envelope') throw bad('Запрос — не конверт SOAP (нет элемента Envelope)');
    if (parent === undefined && tag.uri !== SOAP_ENV) throw bad(`Конверт не SOAP 1.1 (пространство имён ${tag.uri || 'не указано'}): сервис принимает SOAP 1.1`);
    const frame: Frame = { local: tag.local, uri: tag.uri, collect: false, field: '', text: '', nil: false, kids: null };
    if (stack.length === 2 && parent!.local === 'Body' && parent!.uri === SOAP_ENV && stack[0]!.local === 'Envelope') {
      if (operation !== undefined) throw bad('В теле SOAP больше одного вызова: отправляйте по одной операции');
      operation = OPERATIONS.find((o) => o === tag.local && tag.uri === NS);
      if (operation === undefined) {
        throw bad(`Неизвестная операция «${tag.local}» (пространство имён ${tag.uri || 'не указано'}): ожидается одна из ${OPERATIONS.join(', ')} в ${NS}`);
      }
      frame.collect = true;
    } else if (parent?.collect) {
      parent.kids ??= new Map();
      const siblings = parent.kids.get(tag.local) ?? [];
      parent.kids.set(tag.local, siblings);
      const name = REPEATED.has(tag.local) ? `${tag.local}[${siblings.length}]` : tag.local;
      siblings.push(undefined); // filled in when the element closes
      frame.collect = true;
      frame.field = parent.field === '' ? name : `${parent.field}.${name}`;
    }
    for (const a of Object.values(tag.attributes)) {
      if (NOT_XML_CHAR.test(a.value)) throw fieldFault(frame.field || '(body)', `недопустимый символ в атрибуте ${a.name}`);
      if (a.local === 'nil' && a.uri === XSI && (a.value === 'true' || a.value === '1')) frame.nil = true;
    }
    stack.push(frame);
  };
  const onText = (t: string) => {
    const f = stack[stack.length - 1];
    if (f?.collect) f.text += t; // whitespace around the envelope's parts, the Header: not used
  };
  p.ontext = onText;
  p.oncdata = onText;
  p.onclosetag = () => {
    const f = stack.pop()!;
    if (!f.collect) return;
    // Checked whole (text and CDATA pieces joined): XML 1.0 forbids these characters anyway.
    if (f.kids === null && NOT_XML_CHAR.test(f.text)) throw fieldFault(f.field || '(body)', 'недопустимый символ');
    const parent = stack[stack.length - 1]!;
    if (!parent.collect) {
      args = valueOf(f) as Record<string, unknown>;
      return;
    }
    const siblings = parent.kids!.get(f.local)!;
    siblings[siblings.length - 1] = valueOf(f);
  };
  return {
    parser: p,
    result(): SoapRequest {
      if (operation === undefined || args === undefined) throw bad('В конверте SOAP нет тела (Body) с вызовом операции');
      return { operation, args: typeof args === 'object' && args !== null ? args : {} };
    },
  };
}

export const MAX_ATTRIBUTES = 64;

/**
 * Counts the attributes of each tag in one linear pass, across slices, before sax sees them: sax
 * checks each new attribute against the tag's earlier ones, so 50,000 attributes on one element
 * would hold the event loop for tens of milliseconds. No SOAP call needs more than a few.
 */
function attributeGuard() {
  let inTag = false;
  let quote = '';
  let count = 0;
  return {
    scan(text: string): void {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (quote !== '') {
          if (text[i] === quote) quote = '';
        } else if (!inTag) {
          if (c === 60 /* < */) (inTag = true), (count = 0);
        } else if (c === 34 || c === 39) quote = text[i]!;
        else if (c === 62 /* > */) inTag = false;
        else if (c === 61 /* = */ && ++count > MAX_ATTRIBUTES) throw bad(`У элемента больше ${MAX_ATTRIBUTES} атрибутов: такой запрос не может быть вызовом сервиса`);
      }
    },
  };
}

// Turns of the event loop for the parsers of all requests together: one slice of one request per
// turn, round robin. (A setImmediate per slice is not enough: the loop runs every immediate that
// is queued in one go, so 20 requests would hold it for 20 slices.)
const waiting: (() => void)[] = [];
let scheduled = false;
function schedule(): void {
  if (scheduled || waiting.length === 0) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    waiting.shift()!();
    schedule();
  });
}

/** Resolves when it is this parser's turn: the loop has seen I/O and timers since the last one. */
export function parserTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}

/**
 * A request's bytes → its operation and arguments, in one pass: decoding (UTF-8 only; invalid
 * sequences are refused, not replaced — a U+FFFD in an id would be another id), the declaration
 * check and the tokenizer all go SLICE bytes at a time, one slice per turn of the event loop.
 * Throws a KopilkaError (INVALID_INPUT, the field named when a value is at fault) for anything
 * malformed, at the first slice where it shows.
 */
export async function readSoapRequest(body: Buffer): Promise<SoapRequest> {
  checkBytes(body);
  const r = reader();
  const attributes = attributeGuard();
  const decoder = new TextDecoder('utf-8', { fatal: true }); // drops a byte-order mark
  let carry = '';
  for (let i = 0; i < body.length; i += SLICE) {
    await parserTurn();
    const last = i + SLICE >= body.length;
    let piece: string;
    try {
      piece = decoder.decode(body.subarray(i, i + SLICE), { stream: !last });
    } catch {
      throw bad('Запрос не в кодировке UTF-8 (неверная последовательность байтов): отправляйте XML в UTF-8');
    }
    if (i === 0) checkDeclaration(piece);
    // The end of the previous slice is looked at again, with the lookahead it lacked then.
    const window = carry + piece;
    const m = DECLARATION.exec(window);
    if (m !== null && (last || m.index < window.length - LOOKAHEAD)) throw declarationRefused();
    carry = window.slice(-LOOKAHEAD);
    attributes.scan(piece);
    r.parser.write(piece);
  }
  r.parser.close();
  return r.result();
}

/** The same, under the name the guard had: a body's bytes → its operation and arguments. */
export const inspectSoapRequest = readSoapRequest;

// ── answers ─────────────────────────────────────────────────────────────────────────────────

const escapeText = (s: string) =>
  s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');

/** A plain object → elements in key order (the WSDL's xs:sequence), arrays as repeated elements. */
function elements(o: Record<string, unknown>): string {
  let out = '';
  for (const [name, v] of Object.entries(o)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item === undefined || item === null) continue;
      out += typeof item === 'object' ? `<${name}>${elements(item as Record<string, unknown>)}</${name}>` : `<${name}>${escapeText(String(item))}</${name}>`;
    }
  }
  return out;
}

/** The response envelope of a document/literal wrapped operation: <OpResponse><Result>…. */
export function soapResponse(operation: Operation, result: Record<string, unknown>): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_ENV}"><soap:Body>` +
    `<${operation}Response xmlns="${NS}">${elements({ Result: result })}</${operation}Response></soap:Body></soap:Envelope>`
  );
}
