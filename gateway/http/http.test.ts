import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KopilkaError } from '../../ledger/errors.ts';
import type { ApiRequest, Route } from '../routes.ts';
import { routeTableMiddleware, serveKoa } from './koa-server.ts';
import { Router, type Logger } from './router.ts';
import { MAX_BODY, serveUws, type Served } from './uws-server.ts';

// The HTTP layer over real sockets on 127.0.0.1, the same table mounted on uWebSockets.js (POS
// port) and on koa (API port): both must answer byte for byte alike.

const errors: { obj: object; msg: string }[] = [];
const log: Logger = { error: (obj, msg) => void errors.push({ obj, msg }), warn: () => {} };

let release: () => void = () => {};
const routes: Route[] = [
  { method: 'GET', path: '/v1/ping', handler: async () => ({ status: 200, body: { pong: true } }) },
  {
    method: 'GET',
    path: '/v1/customers/:id',
    handler: async (req: ApiRequest) => ({ status: 200, body: { id: req.params.id, query: req.query } }),
  },
  {
    method: 'POST',
    path: '/v1/checks/:externalId/refund',
    handler: async (req) => ({ status: 201, body: { externalId: req.params.externalId, got: req.json() }, headers: { 'x-kp': 'yes' } }),
  },
  { method: 'POST', path: '/v1/echo', handler: async (req) => ({ status: 200, body: { got: req.json(), auth: req.headers.authorization ?? null } }) },
  {
    // As a kit route does it: the key first, then the body within the route's own limit.
    method: 'POST',
    path: '/v1/guarded',
    readsBody: true,
    handler: async (req) => {
      if (req.headers.authorization !== 'Bearer ok') throw new KopilkaError('UNAUTHORIZED', 'Нет ключа');
      const body = await req.receive!(1024);
      return { status: 200, body: { size: body.length } };
    },
  },
  { method: 'GET', path: '/v1/raw', handler: async () => ({ status: 200, body: null, raw: '{"stored":"as is"}' }) },
  {
    method: 'GET',
    path: '/v1/refused',
    handler: async () => {
      throw new KopilkaError('NOT_ENOUGH_BONUSES', 'Недостаточно бонусов', { available: 100 });
    },
  },
  {
    method: 'GET',
    path: '/v1/boom',
    handler: async () => {
      throw new Error('password=hunter2 at db.internal:5432');
    },
  },
  {
    method: 'GET',
    path: '/v1/slow/:n',
    handler: async (req) => {
      await new Promise((r) => setTimeout(r, 20 + (Number(req.params.n) % 5) * 10));
      return { status: 200, body: { n: Number(req.params.n) } };
    },
  },
  {
    method: 'GET',
    path: '/v1/held',
    handler: async () => {
      await new Promise<void>((r) => (release = r));
      return { status: 200, body: { released: true } };
    },
  },
];

async function startKoa(router: Router): Promise<Served> {
  const app = new Koa();
  app.use(routeTableMiddleware(router, log));
  return serveKoa(app, '127.0.0.1', 0);
}

describe.each([
  ['uWebSockets.js', (r: Router) => serveUws(r, '127.0.0.1', 0, log)],
  ['koa', startKoa],
] as const)('HTTP layer on %s', (name, start) => {
  let served: Served;
  let base: string;

  beforeAll(async () => {
    served = await start(new Router(routes));
    base = `http://127.0.0.1:${served.port}`;
  });
  afterAll(async () => {
    await served?.close(1000);
  });

  const call = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(base + path, init);
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, body: text === '' ? null : (JSON.parse(text) as Record<string, any>) };
  };

  it('listens on the port it was given (0: any free one)', () => {
    expect(served.port).toBeGreaterThan(0);
  });

  it('routes by method and path, with decoded params and the query', async () => {
    const r = await call('/v1/customers/c%2042?phone=%2B79991234567&card=77');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toEqual({ id: 'c 42', query: { phone: '+79991234567', card: '77' } });
    expect((await call('/v1/ping')).body).toEqual({ pong: true });
    expect((await call('/v1/ping/')).status).toBe(200); // a trailing slash is forgiven
  });

  it('passes the JSON body, headers and the handler status and headers', async () => {
    const r = await call('/v1/checks/sale-1/refund', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ externalId: 'ret-1' }),
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-kp')).toBe('yes');
    expect(r.body).toEqual({ externalId: 'sale-1', got: { externalId: 'ret-1' } });
    const e = await call('/v1/echo', { method: 'POST', headers: { Authorization: 'Bearer k1' }, body: '{"a":[1,2]}' });
    expect(e.body).toEqual({ got: { a: [1, 2] }, auth: 'Bearer k1' });
  });

  it('sends a stored answer byte for byte', async () => {
    expect((await call('/v1/raw')).text).toBe('{"stored":"as is"}');
  });

  it('404 NOT_FOUND for an unknown path; a known path with the wrong method is 404 too', async () => {
    const r = await call('/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body?.error.code).toBe('NOT_FOUND');
    expect(r.body?.error.message).toMatch(/Нет такого адреса/);
    const m = await call('/v1/ping', { method: 'POST', body: '{}' });
    expect(m.status).toBe(404);
    expect(m.body?.error).toMatchObject({ code: 'NOT_FOUND', details: { method: 'POST' } });
  });

  it('400 INVALID_INPUT for malformed or empty JSON, in Russian', async () => {
    const bad = await call('/v1/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(bad.status).toBe(400);
    expect(bad.body?.error.code).toBe('INVALID_INPUT');
    expect(bad.body?.error.message).toMatch(/не корректный JSON/);
    const empty = await call('/v1/echo', { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(empty.body?.error.message).toMatch(/Пустое тело/);
  });

  it('413 BODY_TOO_LARGE over the limit, declared or streamed, and the port keeps serving', async () => {
    const big = 'x'.repeat(MAX_BODY + 1);
    const declared = await call('/v1/echo', { method: 'POST', body: big });
    expect(declared.status).toBe(413);
    expect(declared.body?.error.code).toBe('BODY_TOO_LARGE');

    // No Content-Length: the limit must hold while reading.
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const streamed = await fetch(`${base}/v1/echo`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit).catch((e: Error) => e);
    if (!(streamed instanceof Error)) {
      expect(streamed.status).toBe(413);
      await streamed.text();
    } // else: the server closed the connection mid-upload, which is also a refusal
    expect((await call('/v1/ping')).status).toBe(200);
  });

  // After a refused streamed upload, the half-read connection must not go back to the client's
  // keep-alive pool, or the next large request on it hangs (koa closes it on a 413).
  it('after a refused streamed upload, the next large request still goes through', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(chunk);
        c.close();
      },
    });
    await fetch(`${base}/v1/echo`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit).then((r) => r.text(), () => '');
    const atLimit = await call('/v1/echo', { method: 'POST', body: JSON.stringify('y'.repeat(MAX_BODY - 10)) });
    expect(atLimit.status).toBe(200);
  }, 5000); // the hang shows as this timeout

  it('a route that reads its own body: its limit, declared or streamed, and nothing read before its key', async () => {
    const ok = { authorization: 'Bearer ok' };
    expect((await call('/v1/guarded', { method: 'POST', headers: ok, body: 'x'.repeat(1000) })).body).toEqual({ size: 1000 });
    const declared = await call('/v1/guarded', { method: 'POST', headers: ok, body: 'x'.repeat(1025) });
    expect([declared.status, declared.body?.error.code, declared.body?.error.details.limitBytes]).toEqual([413, 'BODY_TOO_LARGE', 1024]);
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 40; i++) c.enqueue(chunk);
          c.close();
        },
      });
    const streamed = await fetch(`${base}/v1/guarded`, { method: 'POST', headers: ok, body: stream(), duplex: 'half' } as RequestInit).catch((e: Error) => e);
    if (!(streamed instanceof Error)) expect([streamed.status, (await streamed.json()).error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    // No key: refused at once, before its 2.5 MB are read (more than any limit would let through).
    const unkeyed = await fetch(`${base}/v1/guarded`, { method: 'POST', body: stream(), duplex: 'half' } as RequestInit).catch((e: Error) => e);
    if (!(unkeyed instanceof Error)) expect([unkeyed.status, (await unkeyed.json()).error.code]).toEqual([401, 'UNAUTHORIZED']);
    const small = await call('/v1/guarded', { method: 'POST', body: '{}' });
    expect(small.status).toBe(401);
    // The connection of a refused small body is reused: the next request on it is served.
    expect((await call('/v1/guarded', { method: 'POST', headers: ok, body: '{}' })).body).toEqual({ size: 2 });
    expect((await call('/v1/ping')).status).toBe(200);
  });

  it('renders a KopilkaError with its status, code, message and details', async () => {
    const r = await call('/v1/refused');
    expect(r.status).toBe(422);
    expect(r.body).toEqual({ error: { code: 'NOT_ENOUGH_BONUSES', message: 'Недостаточно бонусов', details: { available: 100 } } });
  });

  it('500 INTERNAL for anything else, without internals, and logs it', async () => {
    const before = errors.length;
    const r = await call('/v1/boom');
    expect(r.status).toBe(500);
    expect(r.body?.error.code).toBe('INTERNAL');
    expect(r.text).not.toMatch(/hunter2|db\.internal/);
    expect(errors.length).toBe(before + 1);
    expect(JSON.stringify(errors.at(-1))).toMatch(/hunter2/);
  });

  it('answers concurrent requests each with its own result', async () => {
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => call(`/v1/slow/${i}`)));
    expect(rs.map((r) => r.body?.n)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('survives a client that goes away before the answer', async () => {
    const ac = new AbortController();
    const p = fetch(`${base}/v1/held`, { signal: ac.signal }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    expect(await p).toBeInstanceOf(Error);
    release(); // the handler finishes after its client left: nothing may be written
    await new Promise((r) => setTimeout(r, 50));
    expect((await call('/v1/ping')).status).toBe(200);
  });
});

describe.each([
  ['uWebSockets.js', (r: Router) => serveUws(r, '127.0.0.1', 0, log)],
  ['koa', startKoa],
] as const)('graceful close on %s', (_name, start) => {
  it('stops accepting, finishes the request in flight, then closes', async () => {
    const served = await start(new Router(routes));
    const base = `http://127.0.0.1:${served.port}`;
    const held = fetch(`${base}/v1/held`).then(async (r) => ({ status: r.status, body: await r.json() }));
    // Wait until the request is in the handler (under a loaded CI machine, 50 ms is not enough).
    for (let i = 0; i < 200 && served.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(served.inFlight()).toBe(1);
    const closing = served.close(5000);
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${base}/v1/ping`, { headers: { connection: 'close' } })).rejects.toThrow();
    release();
    expect(await held).toEqual({ status: 200, body: { released: true } });
    await closing;
  });
});
