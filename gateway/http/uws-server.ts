import { createRequire } from 'node:module';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { KopilkaError } from '../../ledger/errors.ts';
import { dispatch, errorOutcome, jsonBody, parseQuery, type Logger, type Outcome, type Router } from './router.ts';
import { statusLine } from './status.ts';

// The POS port: uWebSockets.js, for the hot path. uWS request objects live only until the
// handler returns, so everything needed is copied first; a response whose client went away is
// never written; writes are corked into one syscall.

const uWS = createRequire(import.meta.url)('uWebSockets.js') as typeof import('uWebSockets.js');

export const MAX_BODY = 1024 * 1024;

export interface Served {
  port: number;
  /** Stops accepting, waits for requests in flight (up to timeoutMs), then closes connections. */
  close(timeoutMs?: number): Promise<void>;
  inFlight(): number;
}

export interface ServerHooks {
  /** Called with every finished request: metrics and access logs. */
  onResponse?: (o: Outcome, method: string, ms: number) => void;
}

export function serveUws(router: Router, host: string, port: number, log: Logger, hooks: ServerHooks = {}): Promise<Served> {
  const app: TemplatedApp = uWS.App();
  let inFlight = 0;
  let draining = false;
  const idle: (() => void)[] = [];

  app.any('/*', (res: HttpResponse, req: HttpRequest) => {
    const started = performance.now();
    const method = req.getCaseSensitiveMethod().toUpperCase();
    const path = req.getUrl();
    const query = parseQuery(req.getQuery());
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      headers[k] = v;
    });
    const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    inFlight++;

    const finish = (o: Outcome) => {
      if (!aborted) {
        res.cork(() => {
          res.writeStatus(statusLine(o.status));
          if (o.headers['content-type'] === undefined) res.writeHeader('content-type', 'application/json; charset=utf-8');
          for (const [k, v] of Object.entries(o.headers)) res.writeHeader(k, v);
          if (draining) res.writeHeader('connection', 'close');
          res.end(o.text);
        });
      }
      hooks.onResponse?.(o, method, performance.now() - started);
      if (--inFlight === 0) for (const f of idle.splice(0)) f();
    };
    const fail = (e: unknown) => finish({ ...errorOutcome(e, log, { method, path }), route: 'unmatched' });

    const declared = Number(headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      fail(tooLarge());
      return;
    }
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
      void dispatch(router, { method, path, query, headers, remoteAddress, json: jsonBody(Buffer.alloc(0), undefined) }, log).then(finish, fail);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    res.onData((chunk, isLast) => {
      if (refused) return;
      size += chunk.byteLength;
      if (size > MAX_BODY) {
        refused = true;
        fail(tooLarge());
        return;
      }
      // The chunk's memory is reused by uWS after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (!isLast) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      void dispatch(router, { method, path, query, headers, remoteAddress, json: jsonBody(body, headers['content-type']) }, log).then(finish, fail);
    });
  });

  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket: us_listen_socket | false) => {
      if (!socket) {
        reject(new Error(`POS port: cannot listen on ${host}:${port} (in use?)`));
        return;
      }
      resolve({
        port: uWS.us_socket_local_port(socket as never),
        inFlight: () => inFlight,
        close: async (timeoutMs = 10_000) => {
          draining = true;
          uWS.us_listen_socket_close(socket);
          if (inFlight > 0) {
            await new Promise<void>((r) => {
              const t = setTimeout(r, timeoutMs);
              idle.push(() => (clearTimeout(t), r()));
            });
          }
          // close() is in this uWS build but not in its typings.
          (app as unknown as { close(): void }).close();
        },
      });
    });
  });
}

function tooLarge(): KopilkaError {
  return new KopilkaError('BODY_TOO_LARGE', `Запрос больше ${MAX_BODY / 1024 / 1024} МБ: разделите его на части`, { limitBytes: MAX_BODY });
}
