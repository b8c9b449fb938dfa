import { createServer, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import Koa from 'koa';
import { ClientGone, dispatch, errorOutcome, parseQuery, routed, tooLarge, type Logger, type Outcome, type Router } from './router.ts';
import { DRAIN_GRACE_MS, settle } from './drain.ts';
import type { Served, ServerHooks } from './uws-server.ts';

// The API port: koa, for admin, billing, SOAP and exports. Koa middleware registered by the
// caller runs first (health, metrics, SOAP); whatever it leaves unanswered goes to the route table.

/**
 * The body, pulled from the socket only as far as asked: a prefix (peek) for a key in the body,
 * then the rest (receive). A stranger's megabyte is never read past the bytes that hold the key.
 */
function bodyReader(req: Koa.Context['req']) {
  const it = req[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  const pull = async (until: number, limit: number): Promise<void> => {
    if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
    try {
      while (!done && size < until) {
        const r = await it.next();
        if (r.done) done = true;
        else {
          size += (r.value as Buffer).length;
          if (size > limit) throw tooLarge(limit);
          chunks.push(r.value as Buffer);
        }
      }
    } catch (e) {
      throw clientGone(e) ? new ClientGone(e) : e;
    }
  };
  return {
    async peek(bytes: number, limit: number): Promise<Buffer> {
      await pull(bytes, limit);
      return Buffer.concat(chunks).subarray(0, bytes);
    },
    async receive(limit: number): Promise<{ body: Buffer; complete: boolean }> {
      await pull(Infinity, limit);
      return { body: Buffer.concat(chunks), complete: done };
    },
  };
}

const CLIENT_GONE = new Set(['ERR_HTTP_REQUEST_TIMEOUT', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Errors that say the client's connection ended (or was ended by a timeout), not that we failed. */
function clientGone(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return (typeof code === 'string' && CLIENT_GONE.has(code)) || (e as Error)?.message === 'aborted';
}

export function routeTableMiddleware(router: Router, log: Logger, hooks: ServerHooks = {}): Koa.Middleware {
  return async (ctx) => {
    const started = performance.now();
    const method = ctx.method.toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.headers)) if (typeof v === 'string') headers[k] = v;
    let o: Outcome;
    // Read only when the route asks (after auth, within its limit): a body never asked for is not read.
    const hasBody = !(method === 'GET' || method === 'HEAD') && (Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined);
    let read = !hasBody;
    const reader = hasBody ? bodyReader(ctx.req) : null;
    const receive = async (limit: number) => {
      if (reader === null) return Buffer.alloc(0);
      const r = await reader.receive(limit);
      read = r.complete;
      return r.body;
    };
    const peek = async (bytes: number, limit: number) => (reader === null ? Buffer.alloc(0) : reader.peek(bytes, limit));
    try {
      o = await dispatch(router, { method, path: ctx.path, query: parseQuery(ctx.querystring), headers, remoteAddress: ctx.req.socket.remoteAddress, localPort: ctx.req.socket.localPort, receive, peek, streams: true }, log);
    } catch (e) {
      // The client went away or was cut for being too slow (slowloris): nobody to answer, and
      // nothing to log at error level, once per such connection.
      if (e instanceof ClientGone || clientGone(e)) o = { status: 408, text: '', headers: { connection: 'close' }, route: 'unmatched' };
      else o = routed(errorOutcome(e, log, { method, path: ctx.path }), 'unmatched');
    }
    ctx.status = o.status;
    // A body refused or never asked for may still be streaming in: close the connection rather
    // than reuse it.
    if (o.status === 413 || !read) ctx.set('connection', 'close');
    ctx.type = o.headers['content-type'] ?? 'application/json; charset=utf-8';
    for (const [k, v] of Object.entries(o.headers)) if (k !== 'content-type') ctx.set(k, v);
    // A streamed body (an export) goes out chunk by chunk as it is written; koa ends the
    // connection if it fails half-way, so a cut file is never taken for a whole one.
    ctx.body = o.stream ?? o.text;
    hooks.onResponse?.(o, method, performance.now() - started);
  };
}

export interface KoaServerOptions {
  /** A client that has not sent its request headers by then gets 408 and is disconnected (slowloris). */
  headersTimeoutMs?: number;
  /** The whole request (headers and body) must arrive within this time. */
  requestTimeoutMs?: number;
}

export function serveKoa(
  app: Koa,
  host: string,
  port: number,
  opts: KoaServerOptions = {},
): Promise<Served> {
  let inFlight = 0;
  let received = 0;
  let draining = false;
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(opts.headersTimeoutMs ?? 10_000, requestTimeout);
  // Koa prints every error of a response to stderr unless someone listens: a client cut by the
  // timeouts below is expected, and a flood of them must not flood the logs. The rest is still
  // printed. Registered before app.callback(), which adds Koa's printer when nobody listens.
  if (app.listenerCount('error') === 0) app.on('error', (err: Error) => clientGone(err) || app.onerror(err));
  const server: Server = createServer(
    // Node checks the timeouts on this interval (30 s by default): a slow client would get up to that much extra.
    { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))) },
    app.callback(),
  );
  server.keepAliveTimeout = 65_000;
  // Every request is counted: shutdown waits for those in flight.
  server.on('request', (_req, res) => {
    inFlight++;
    received++;
    // Stopping: the answer closes its connection, so the client does not reuse it.
    if (draining && !res.headersSent) res.setHeader('connection', 'close');
    res.once('close', () => inFlight--);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr !== null ? addr.port : port,
        inFlight: () => inFlight,
        close: async (timeoutMs = 10_000) => {
          draining = true;
          // Stops accepting. http.Server#close would also cut every idle kept-alive connection at
          // once, while a request may be on its way over one: net.Server's close only stops listening.
          const closed = new Promise<void>((r) => NetServer.prototype.close.call(server, () => r()));
          await settle(() => inFlight, () => received, Math.min(DRAIN_GRACE_MS, timeoutMs), Date.now() + timeoutMs);
          server.closeAllConnections();
          // Now http.Server#close, for what it adds: its timeout checker stops.
          server.close();
          await closed;
        },
      });
    });
  });
}
