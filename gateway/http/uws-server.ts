import { createRequire } from 'node:module';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { KopilkaError } from '../../ledger/errors.ts';
import { DRAIN_GRACE_MS, settle } from './drain.ts';
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
  /**
   * A request whose body has not fully arrived by then is answered 408 and its connection closed
   * (slowloris). Headers need no timer here: uWS drops a connection that has not completed its
   * request headers within its fixed idle timeout (about 10 s, checked by test).
   */
  requestTimeoutMs?: number;
}

/** A request whose body is still arriving, and what to do if it is too slow. */
interface BodyDeadline {
  at: number;
  expire(): void;
}

export function serveUws(router: Router, host: string, port: number, log: Logger, hooks: ServerHooks = {}): Promise<Served> {
  const app: TemplatedApp = uWS.App();
  let inFlight = 0;
  let received = 0;
  let draining = false;
  const requestTimeoutMs = hooks.requestTimeoutMs ?? 30_000;
  // One sweep for all bodies in progress rather than a timer per request: cheap at thousands a second.
  const bodies = new Set<BodyDeadline>();
  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const b of bodies) if (b.at <= now) (bodies.delete(b), b.expire());
    },
    Math.max(50, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
  );
  sweeper.unref();

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
    let deadline: BodyDeadline | null = null;
    // uWS keeps one abort handler per response: everything to undo goes here.
    res.onAborted(() => {
      aborted = true;
      if (deadline !== null) bodies.delete(deadline);
    });
    inFlight++;
    received++;
    let answered = false;

    const finish = (o: Outcome) => {
      if (answered) return;
      answered = true;
      if (!aborted) {
        res.cork(() => {
          res.writeStatus(statusLine(o.status));
          if (o.headers['content-type'] === undefined) res.writeHeader('content-type', 'application/json; charset=utf-8');
          for (const [k, v] of Object.entries(o.headers)) if (k !== 'connection') res.writeHeader(k, v);
          // Stopping, or a request refused half-read: uWS closes the connection once this is sent.
          res.end(o.text, draining || o.headers['connection'] === 'close');
        });
      }
      hooks.onResponse?.(o, method, performance.now() - started);
      inFlight--;
    };
    const fail = (e: unknown) => finish({ ...errorOutcome(e, log, { method, path }), route: 'unmatched' });

    const declared = Number(headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      fail(tooLarge());
      return;
    }
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
      void dispatch(router, { method, path, query, headers, remoteAddress, body: Buffer.alloc(0), json: jsonBody(Buffer.alloc(0), undefined) }, log).then(finish, fail);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const bodyDeadline: BodyDeadline = {
      at: Date.now() + requestTimeoutMs,
      expire: () => {
        refused = true;
        finish({ status: 408, text: '', headers: { connection: 'close', 'content-type': 'text/plain' }, route: 'unmatched' });
      },
    };
    bodies.add((deadline = bodyDeadline));
    res.onData((chunk, isLast) => {
      if (refused) return;
      size += chunk.byteLength;
      if (size > MAX_BODY) {
        refused = true;
        bodies.delete(bodyDeadline);
        fail(tooLarge());
        return;
      }
      // The chunk's memory is reused by uWS after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (!isLast) return;
      bodies.delete(bodyDeadline);
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      void dispatch(router, { method, path, query, headers, remoteAddress, body, json: jsonBody(body, headers['content-type']) }, log).then(finish, fail);
    });
  });

  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket: us_listen_socket | false) => {
      if (!socket) {
        clearInterval(sweeper);
        reject(new Error(`POS port: cannot listen on ${host}:${port} (in use?)`));
        return;
      }
      resolve({
        port: uWS.us_socket_local_port(socket as never),
        inFlight: () => inFlight,
        close: async (timeoutMs = 10_000) => {
          // New connections are refused from here; every answer now closes its connection.
          draining = true;
          uWS.us_listen_socket_close(socket);
          await settle(() => inFlight, () => received, Math.min(DRAIN_GRACE_MS, timeoutMs), Date.now() + timeoutMs);
          clearInterval(sweeper);
          // Cuts what is left: idle kept-alive connections, and requests past the timeout.
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
