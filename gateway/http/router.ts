import type { Readable } from 'node:stream';
import { KopilkaError, isKopilkaError } from '../../ledger/errors.ts';
import { isStorageFailure } from '../../ledger/writer.ts';
import { findUnsafeJson, JSON_MAX_DEPTH, unsafeTextReason } from '../../ledger/validation.ts';
import type { ApiRequest, ApiResponse, Route } from '../routes.ts';

// Matches a method and path to a route. Static paths are one map lookup; paths with :params
// are tried segment by segment. Both servers (uWebSockets.js and koa) use this one table.

export interface Match {
  route: Route;
  params: Record<string, string>;
}

interface Compiled {
  route: Route;
  segments: string[];
}

export class Router {
  private readonly exact = new Map<string, Route>();
  private readonly patterns: Compiled[] = [];
  private readonly paths = new Set<string>();

  constructor(routes: readonly Route[]) {
    for (const r of routes) {
      this.paths.add(r.path);
      if (r.path.includes('/:')) this.patterns.push({ route: r, segments: r.path.split('/') });
      else this.exact.set(`${r.method} ${r.path}`, r);
    }
  }

  match(method: string, path: string): Match | 'wrong-method' | null {
    const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    const hit = this.exact.get(`${method} ${p}`);
    if (hit !== undefined) return { route: hit, params: {} };
    const segs = p.split('/');
    let pathExists = false;
    for (const c of this.patterns) {
      if (c.segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length && ok; i++) {
        const want = c.segments[i]!;
        if (want.startsWith(':')) {
          if (segs[i] === '') ok = false;
          else params[want.slice(1)] = safeDecode(segs[i]!);
        } else ok = want === segs[i];
      }
      if (!ok) continue;
      if (c.route.method === method) return { route: c.route, params };
      pathExists = true;
    }
    if (pathExists) return 'wrong-method';
    for (const m of ['GET', 'POST', 'PUT', 'DELETE']) if (this.exact.has(`${m} ${p}`)) return 'wrong-method';
    return null;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The query string as a record. A value that cannot be stored (NUL or another control character,
 * e.g. `?card=%00`) is not dropped silently: reading it throws the 400 naming it. The check runs
 * when a handler reads the value, inside dispatch, because this function is called where an
 * exception would not become an answer.
 */
export function parseQuery(q: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!q) return out;
  for (const [k, v] of new URLSearchParams(q)) {
    const why = unsafeTextReason(k) ?? unsafeTextReason(v);
    if (why === null) {
      out[k] = v;
      continue;
    }
    const field = k.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
    Object.defineProperty(out, field, {
      enumerable: true,
      configurable: true,
      get() {
        throw new KopilkaError('INVALID_INPUT', `Параметр запроса «${field}» ${why}`, { field });
      },
    });
  }
  return out;
}

/** Parses a JSON body once, lazily; malformed JSON is the caller's error, said plainly. */
export function jsonBody(body: Buffer, contentType: string | undefined): () => unknown {
  let parsed: { v: unknown } | undefined;
  return () => {
    if (parsed !== undefined) return parsed.v;
    if (body.length === 0) throw new KopilkaError('INVALID_INPUT', 'Пустое тело запроса: ожидается JSON', { field: '(body)' });
    // Content-Type is not insisted on: cash-register scripts often send JSON without it.
    // Refused before JSON.parse: parsing 150,000 nested objects holds the event loop ~100 ms on
    // two cores (one caller would stall every till), while this scan costs a few ms a megabyte.
    if (nestedDeeperThan(body, JSON_MAX_DEPTH)) {
      throw new KopilkaError('INVALID_INPUT', `Неверные данные: слишком глубокая вложенность (больше ${JSON_MAX_DEPTH})`, { field: '(body)' });
    }
    try {
      // 1C's text writers often start with a byte-order mark.
      const text = body.toString('utf8');
      parsed = { v: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
    } catch (e) {
      const hint = contentType !== undefined && !/json/i.test(contentType) ? ` (Content-Type: ${contentType}; ожидается application/json)` : '';
      throw new KopilkaError('INVALID_INPUT', `Тело запроса — не корректный JSON: ${(e as Error).message}${hint}`, { field: '(body)' });
    }
    // Every protocol's body, whatever its schema: NUL and lone surrogates never get past here
    // (Postgres refuses the first and silently alters the second, breaking idempotency).
    const bad = mayHoldUnsafeJson(body) ? findUnsafeJson(parsed.v) : null;
    if (bad !== null) {
      parsed = undefined;
      throw new KopilkaError('INVALID_INPUT', `Неверные данные: поле «${bad.field}» ${bad.reason}`, { field: bad.field });
    }
    return parsed.v;
  };
}

/**
 * Whether a parsed body could hold what findUnsafeJson refuses. JSON text can carry a NUL or a
 * lone surrogate only as a \u escape (JSON.parse refuses a raw control character, and decoding
 * UTF-8 never yields a surrogate), and a list longer than findUnsafeJson allows takes more than
 * SMALL_JSON bytes: a short body without a backslash is clean, and most tills' bodies are that.
 */
export function mayHoldUnsafeJson(body: Buffer): boolean {
  return body.length > SMALL_JSON || body.indexOf(0x5c) !== -1;
}

/** Shorter than the shortest list of JSON_MAX_ARRAY + 1 elements ("[1,1,…]"). */
const SMALL_JSON = 10_000;

/** Whether JSON text nests objects and arrays deeper than `max` (strings and escapes skipped; malformed text is JSON.parse's to refuse). */
export function nestedDeeperThan(body: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next byte is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Outcome {
  status: number;
  text: string | Buffer;
  /** A streamed body (only to a server that said it streams, Incoming.streams); `text` is then empty. */
  stream?: Readable;
  headers: Record<string, string>;
  route: string;
}

/** Most bytes of body a route that does not declare its own limit is sent (1 MiB). */
export const MAX_BODY = 1024 * 1024;

export function tooLarge(limit: number): KopilkaError {
  const size = limit % (1024 * 1024) === 0 ? `${limit / 1024 / 1024} МБ` : `${Math.floor(limit / 1024)} КБ`;
  return new KopilkaError('BODY_TOO_LARGE', `Запрос больше ${size}: разделите его на части`, { limitBytes: limit });
}

/**
 * The client went away (or was cut for being too slow) while its body was being read: nobody to
 * answer. Passes through every error form to the server, which closes the connection.
 */
export class ClientGone extends Error {
  constructor(override readonly cause?: unknown) {
    super('client gone');
  }
}

/** A request as a server hands it over: everything but the body, which the route asks for. */
export type Incoming = Omit<ApiRequest, 'params' | 'body' | 'json' | 'receive'> & { receive(limit: number): Promise<Buffer>; streams?: boolean };

/**
 * Runs a request through the table; every error becomes the contract's JSON error body. The body
 * is read only once a route has matched: by the route itself when it reads it (kit routes, within
 * their limit, after auth), else here, within MAX_BODY.
 */
export async function dispatch(router: Router, req: Incoming, log: Logger): Promise<Outcome> {
  const m = router.match(req.method, req.path);
  try {
    if (m === null) throw new KopilkaError('NOT_FOUND', `Нет такого адреса: ${req.method} ${req.path}`);
    if (m === 'wrong-method') throw new KopilkaError('NOT_FOUND', `Метод ${req.method} не поддерживается для ${req.path}`, { method: req.method });
    const full = fullRequest(req, m.params);
    if (!m.route.readsBody) {
      full.body = await req.receive(MAX_BODY);
      full.json = jsonBody(full.body, req.headers['content-type']);
    }
    const res: ApiResponse = await m.route.handler(full);
    if (res.stream !== undefined) {
      const headers = res.headers ?? {};
      if (req.streams === true) return { status: res.status, text: '', stream: res.stream, headers, route: m.route.path };
      return { status: res.status, text: await gathered(res.stream), headers, route: m.route.path };
    }
    return { status: res.status, text: res.raw ?? JSON.stringify(res.body), headers: res.headers ?? {}, route: m.route.path };
  } catch (e) {
    if (e instanceof ClientGone) throw e;
    const route = m !== null && m !== 'wrong-method' ? m.route.path : 'unmatched';
    return routed(errorOutcome(e, log, req), route);
  }
}

// Objects on the path of every request are built field by field, never as `{ ...x, more }`: on
// V8 11 (Node 20) a spread copy that then gains a property it did not have makes a new hidden
// class each time — 15 to 50 times slower than a literal, and garbage that outlives two
// young-generation collections, so each of them copied ~1 MB more (issue #17). Overriding a
// property the source has is not affected.

/** The request a route sees: the server's, with the path's parameters; the body comes later. */
function fullRequest(req: Incoming, params: Record<string, string>): ApiRequest {
  return {
    method: req.method,
    path: req.path,
    params,
    query: req.query,
    headers: req.headers,
    remoteAddress: req.remoteAddress,
    localPort: req.localPort,
    body: undefined,
    json: jsonBody(EMPTY, undefined),
    receive: req.receive,
    peek: req.peek,
  };
}

/** An outcome with the route it is counted under (see above for why not a spread). */
export function routed(o: Omit<Outcome, 'route'>, route: string): Outcome {
  return o.stream === undefined ? { status: o.status, text: o.text, headers: o.headers, route } : { status: o.status, text: o.text, stream: o.stream, headers: o.headers, route };
}

const EMPTY = Buffer.alloc(0);

/** A streamed body for a server that sends only whole ones. */
async function gathered(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

export function errorOutcome(e: unknown, log: Logger, req: { method: string; path: string }): Omit<Outcome, 'route'> {
  if (isKopilkaError(e)) {
    const headers: Record<string, string> = {};
    if (e.code === 'RATE_LIMITED') headers['retry-after'] = String(Math.max(1, Math.ceil(Number(e.details?.retryAfterMs ?? 1000) / 1000)));
    if (e.status >= 500) log.warn({ code: e.code, method: req.method, path: req.path, details: e.details }, e.message);
    return { status: e.status, text: JSON.stringify(e.toJSON()), headers };
  }
  if (isStorageFailure(e)) {
    log.warn({ err: (e as Error).message, method: req.method, path: req.path }, 'storage unavailable');
    const unavailable = new KopilkaError('STORAGE_UNAVAILABLE', 'База данных недоступна, ничего не записано. Повторите запрос через несколько секунд');
    return { status: 503, text: JSON.stringify(unavailable.toJSON()), headers: { 'retry-after': '2' } };
  }
  log.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e), method: req.method, path: req.path }, 'unhandled error');
  const internal = new KopilkaError('INTERNAL', 'Внутренняя ошибка сервиса. Повторите запрос; если ошибка повторится, сообщите в поддержку');
  return { status: 500, text: JSON.stringify(internal.toJSON()), headers: {} };
}
