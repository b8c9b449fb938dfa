import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { saleBody } from './scenarios.ts';
import { WRK, wrk } from './wrk-load.ts';

// The same-rows ceiling replays sales built by scenarios.ts saleBody; wrk sends the ones
// loadtests/wrk/body.lua builds. They must be the same sales, or the ceiling measures other work.

describe.skipIf(!existsSync(WRK))('wrk scripts', () => {
  it('send the sales saleBody builds, with a new externalId each and customers from the seeded range', async () => {
    const bodies: { path: string; auth: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (bodies.length < 500) bodies.push({ path: req.url ?? '', auth: req.headers.authorization ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await wrk({ url, script: 'loadtests/wrk/commit.lua', args: ['kp_test_key', '50', 'run'], seconds: 1, connections: 1, threads: 1 });
      expect(r.requests).toBeGreaterThan(10);
      expect(r.p50).toBeGreaterThan(0);
      expect(r.cpu).toBeGreaterThan(0);
    } finally {
      server.close();
    }
    expect(bodies.length).toBeGreaterThan(10);
    const ids = new Set<string>();
    for (const { path, auth, body } of bodies) {
      expect(path).toBe('/v1/checks');
      expect(auth).toBe('Bearer kp_test_key');
      const sent = JSON.parse(body) as ReturnType<typeof saleBody>;
      const i = Number(/^run-t0-(\d+)$/.exec(sent.externalId)![1]);
      const customer = Number(sent.customer.phone.slice(5));
      expect(customer).toBeGreaterThanOrEqual(0);
      expect(customer).toBeLessThan(50);
      expect(sent).toEqual(saleBody(i, customer, 'run-t0', sent.occurredAt));
      ids.add(sent.externalId);
    }
    expect(ids.size).toBe(bodies.length);
    expect(bodies.some((b) => b.body.includes('"redeem":"max"'))).toBe(true);
  }, 20_000);

  it('seq: each thread walks the customers in turn, so a short run visits every one', async () => {
    const customers: number[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        customers.push(Number((JSON.parse(body) as { customer: { phone: string } }).customer.phone.slice(5)));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await wrk({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, script: 'loadtests/wrk/commit.lua', args: ['k', '20', 'run', 'seq:1'], seconds: 1, connections: 1, threads: 1 });
    } finally {
      server.close();
    }
    expect(customers.length).toBeGreaterThan(40);
    // In turn (wrk may build a request before the first one it sends, so the walk need not start at 0).
    for (let i = 1; i < 40; i++) expect(customers[i]).toBe((customers[i - 1]! + 1) % 20);
  }, 20_000);

  it('rate: each thread sends on its schedule, not as fast as answers come', async () => {
    // An answer at once: unheld, 8 connections would send thousands of requests in 2 s.
    const sentAt: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        sentAt.push(performance.now());
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let r: Awaited<ReturnType<typeof wrk>>;
    try {
      // 100 a second: 50 on each of two threads.
      r = await wrk({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, script: 'loadtests/wrk/commit.lua', args: ['k', '20', 'run'], seconds: 2, connections: 8, threads: 2, rate: 100 });
    } finally {
      server.close();
    }
    // Bounds wide enough for a loaded machine, narrow enough that an unheld run fails them.
    expect(r.requests).toBeGreaterThan(120);
    expect(r.requests).toBeLessThan(260);
    // Spread over the run, not sent in a burst: every half second has its share.
    const start = sentAt[0]!;
    for (let half = 0; half < 3; half++) expect(sentAt.filter((t) => t >= start + half * 500 && t < start + (half + 1) * 500).length).toBeGreaterThan(25);
  }, 20_000);
});
