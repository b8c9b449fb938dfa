import { createRequire } from 'node:module';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { DRAIN_GRACE_MS, settle } from './drain.ts';
import { ClientGone, dispatch, errorOutcome, MAX_BODY, parseQuery, routed, tooLarge, type Logger, type Outcome, type Router } from './router.ts';
import { statusLine } from './status.ts';

// The POS port: uWebSockets.js, for the hot path. uWS request objects live only until the
// handler returns, so everything needed is copied first; a response whose client went away is
// never written; writes are corked into one syscall.

const uWS = createRequire(import.meta.url)('uWebSockets.js') as typeof import('uWebSockets.js');

export { MAX_BODY };

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
  // The port requests come to (1C's WSDL names it): the one asked for, or the one given for 0.
  let localPort = port;
  let inFlight = 0;
  let received = 0;
  let draining = false;
  const requestTimeoutMs = hooks.requestTimeoutMs ?? 30_000;
  const { bodies, sweeper } = bodyDeadlines(requestTimeoutMs);

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
    const hasBody = !(method === 'GET' || method === 'HEAD') && (Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined);
    let body: BodyReader | null = null;
    let deadline: BodyDeadline | null = null;
    // uWS keeps one abort handler per response: everything to undo goes here.
    res.onAborted(() => {
      aborted = true;
      if (deadline !== null) bodies.delete(deadline);
      body?.fail();
    });
    inFlight++;
    received++;
    let answered = false;

    const finish = (o: Outcome) => {
      if (answered) return;
      answered = true;
      if (deadline !== null) bodies.delete(deadline);
      // Stopping, a request refused half-read, or a body never asked for: uWS closes the connection once this is sent.
      const close = draining || o.headers['connection'] === 'close' || (body !== null && !body.complete());
      if (!aborted) {
        res.cork(() => {
          if (!close) body?.release(); // the next request on this connection must be read
          res.writeStatus(statusLine(o.status));
          if (o.headers['content-type'] === undefined) res.writeHeader('content-type', 'application/json; charset=utf-8');
          for (const [k, v] of Object.entries(o.headers)) if (k !== 'connection') res.writeHeader(k, v);
          res.end(o.text, close);
        });
      }
      body?.fail();
      hooks.onResponse?.(o, method, performance.now() - started);
      inFlight--;
    };
    const fail = (e: unknown) =>
      finish(e instanceof ClientGone ? timedOut() : routed(errorOutcome(e, log, { method, path }), 'unmatched'));

    if (hasBody) {
      body = bufferBody(res, Number(headers['content-length'] ?? 0), () => {
        if (deadline !== null) bodies.delete(deadline);
      });
      bodies.add((deadline = { at: Date.now() + requestTimeoutMs, expire: () => (body!.fail(), finish(timedOut())) }));
    }
    const receive = (limit: number) => (body === null ? Promise.resolve(EMPTY) : body.receive(limit));
    void dispatch(router, { method, path, query, headers, remoteAddress, localPort, receive }, log).then(finish, fail);
  });

  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket: us_listen_socket | false) => {
      if (!socket) {
        clearInterval(sweeper);
        reject(new Error(`POS port: cannot listen on ${host}:${port} (in use?)`));
        return;
      }
      localPort = uWS.us_socket_local_port(socket as never);
      resolve({
        port: localPort,
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

const EMPTY = Buffer.alloc(0);

/** One sweep for all bodies in progress rather than a timer per request: cheap at thousands a second. */
function bodyDeadlines(requestTimeoutMs: number): { bodies: Set<BodyDeadline>; sweeper: NodeJS.Timeout } {
  const bodies = new Set<BodyDeadline>();
  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const b of bodies) if (b.at <= now) (bodies.delete(b), b.expire());
    },
    Math.max(50, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
  );
  sweeper.unref();
  return { bodies, sweeper };
}

/** The body took too long (slowloris) or the client left: 408, and the connection is closed. */
function timedOut(): Outcome {
  return { status: 408, text: '', headers: { connection: 'close', 'content-type': 'text/plain' }, route: 'unmatched' };
}

interface BodyReader {
  /** The body, once it has all arrived; BODY_TOO_LARGE past `limit`. Reading starts here. */
  receive(limit: number): Promise<Buffer>;
  /** Whether the whole body has arrived. */
  complete(): boolean;
  /** Reading resumes (before a kept-alive connection's next request). */
  release(): void;
  /** No one will read the body any more: a route still waiting for it gets ClientGone. */
  fail(): void;
}

/** Most bytes buffered before a route asks for the body (reading is paused; this is what the socket already held). */
const BEFORE_ASKED = 4 * MAX_BODY;

/** A body declared this small is read as it comes, without pausing the socket (a check is a few KB). */
const EAGER_BODY = 64 * 1024;

/**
 * A request's body, read only when its route asks: the socket is paused until then, so a caller
 * refused (unknown key, no such address) never sends its whole body. uWS delivers data only to
 * a handler registered now, so what arrives before the route asks is kept.
 */
function bufferBody(res: HttpResponse, declared: number, onComplete: () => void): BodyReader {
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  let over = false;
  let gone = false;
  let cap = BEFORE_ASKED;
  let waiting: { limit: number; resolve(b: Buffer): void; reject(e: unknown): void } | null = null;
  const whole = () => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  res.onData((chunk, isLast) => {
    if (over || gone) return;
    size += chunk.byteLength;
    if (size > cap) {
      over = true;
      waiting?.reject(tooLarge(waiting.limit));
      waiting = null;
      return;
    }
    // The chunk's memory is reused by uWS after this callback: copy it.
    chunks.push(Buffer.from(new Uint8Array(chunk)));
    if (!isLast) return;
    done = true;
    onComplete();
    waiting?.resolve(whole());
    waiting = null;
  });
  // Paused until the route asks, unless the body is small: a small body is in the socket's buffer
  // already, and pausing and resuming would cost two system calls per till request for nothing.
  let paused = declared === 0 || declared > EAGER_BODY;
  if (paused) res.pause();
  return {
    complete: () => done,
    release: () => void (paused && ((paused = false), res.resume())),
    fail: () => {
      gone = true;
      waiting?.reject(new ClientGone());
      waiting = null;
    },
    receive(limit) {
      if (declared > limit || size > limit) return Promise.reject(tooLarge(limit));
      if (done) return Promise.resolve(whole());
      if (gone || over) return Promise.reject(gone ? new ClientGone() : tooLarge(limit));
      cap = limit;
      return new Promise((resolve, reject) => {
        waiting = { limit, resolve, reject };
        if (paused) (paused = false), res.resume();
      });
    },
  };
}
