import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import { KopilkaError } from '../../ledger/errors.ts';
import { dispatch, errorOutcome, jsonBody, parseQuery, type Logger, type Outcome, type Router } from './router.ts';
import type { Served, ServerHooks } from './uws-server.ts';
import { MAX_BODY } from './uws-server.ts';

// The API port: koa, for admin, billing, SOAP and exports. Koa middleware registered by the
// caller runs first (health, metrics, SOAP); whatever it leaves unanswered goes to the route table.

async function readBody(req: Koa.Context['req'], limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(): KopilkaError {
  return new KopilkaError('BODY_TOO_LARGE', `Запрос больше ${MAX_BODY / 1024 / 1024} МБ: разделите его на части`, { limitBytes: MAX_BODY });
}

export function routeTableMiddleware(router: Router, log: Logger, hooks: ServerHooks = {}): Koa.Middleware {
  return async (ctx) => {
    const started = performance.now();
    const method = ctx.method.toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.headers)) if (typeof v === 'string') headers[k] = v;
    let o: Outcome;
    try {
      const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? Buffer.alloc(0) : await readBody(ctx.req, MAX_BODY);
      o = await dispatch(router, { method, path: ctx.path, query: parseQuery(ctx.querystring), headers, remoteAddress: ctx.req.socket.remoteAddress, json: jsonBody(body, headers['content-type']) }, log);
    } catch (e) {
      o = { ...errorOutcome(e, log, { method, path: ctx.path }), route: 'unmatched' };
    }
    ctx.status = o.status;
    // A refused upload may still be streaming in: close the connection rather than reuse it.
    if (o.status === 413) ctx.set('connection', 'close');
    ctx.type = o.headers['content-type'] ?? 'application/json; charset=utf-8';
    for (const [k, v] of Object.entries(o.headers)) if (k !== 'content-type') ctx.set(k, v);
    ctx.body = o.text;
    hooks.onResponse?.(o, method, performance.now() - started);
  };
}

export function serveKoa(app: Koa, host: string, port: number, onServer?: (server: Server) => Promise<void> | void): Promise<Served> {
  let inFlight = 0;
  const idle: (() => void)[] = [];
  const server: Server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  const count = () =>
    // Added after onServer: a connector that wraps the request listeners (the soap package does,
    // to serve its path before koa) cannot hide its requests from the count shutdown waits on.
    server.on('request', (_req, res) => {
      inFlight++;
      res.once('close', () => {
        if (--inFlight === 0) for (const f of idle.splice(0)) f();
      });
    });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Listen only once the connectors are mounted: no request may reach a half-built server.
    void Promise.resolve(onServer?.(server)).then(count).then(() => server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr !== null ? addr.port : port,
        inFlight: () => inFlight,
        close: async (timeoutMs = 10_000) => {
          const closed = new Promise<void>((r) => server.close(() => r()));
          server.closeIdleConnections();
          if (inFlight > 0) {
            await new Promise<void>((r) => {
              const t = setTimeout(r, timeoutMs);
              idle.push(() => (clearTimeout(t), r()));
            });
          }
          server.closeAllConnections();
          await closed;
        },
      });
    }), reject);
  });
}
