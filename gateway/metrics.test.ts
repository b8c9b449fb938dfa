import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

// The tallies of metrics.ts print what prom-client's own Counter and Histogram print for the same
// requests and events: prom-client is the reference model here.

const NAMES = ['kopilka_http_requests_total', 'kopilka_http_request_duration_seconds', 'kopilka_events_total'];

/** The blocks of the named metrics in a /metrics text, in a fixed order. */
function blocks(text: string): string[] {
  return text
    .split('\n\n')
    .filter((b) => NAMES.some((n) => b.includes(`# TYPE ${n} `)))
    .map((b) => b.trim().split('\n').sort().join('\n'))
    .sort();
}

function reference(requests: [port: string, route: string, method: string, status: number, ms: number][], events: string[]): client.Registry {
  const registry = new client.Registry();
  const count = new client.Counter({ name: NAMES[0]!, help: 'HTTP requests by port, route and status', labelNames: ['port', 'route', 'method', 'status'], registers: [registry] });
  const duration = new client.Histogram({
    name: NAMES[1]!,
    help: 'HTTP request duration by port and route',
    labelNames: ['port', 'route', 'method'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const byType = new client.Counter({ name: NAMES[2]!, help: 'Ledger events published, by type', labelNames: ['type'], registers: [registry] });
  for (const [port, route, method, status, ms] of requests) {
    count.labels(port, route, method, String(status)).inc();
    duration.labels(port, route, method).observe(ms / 1000);
  }
  for (const type of events) byType.inc({ type });
  return registry;
}

describe('metrics', () => {
  it('prints what prom-client prints for the same requests and events, bounds included', async () => {
    const requests: [string, string, string, number, number][] = [
      ['pos', '/v1/checks', 'POST', 200, 0.3],
      ['pos', '/v1/checks', 'POST', 200, 0.5], // on a bound: counted in it (le is "less or equal")
      ['pos', '/v1/checks', 'POST', 409, 7],
      ['pos', '/v1/checks/calculate', 'POST', 200, 1.2],
      ['api', '/v1/customers/:id', 'GET', 404, 2500],
      ['api', '/v1/customers/:id', 'GET', 200, 9000], // past the last bound: +Inf only
      ['api', 'unmatched', 'GET', 404, 0],
    ];
    const events = ['checkCommitted', 'accrued', 'checkCommitted', 'levelChanged'];
    const m = createMetrics(() => null);
    for (const r of requests) m.observe(r[0] as 'pos' | 'api', r[1], r[2], r[3], r[4]);
    m.published(events.map((type) => ({ type })));
    const ours = blocks(await m.registry.metrics());
    expect(ours).toHaveLength(3);
    expect(ours).toEqual(blocks(await reference(requests, events).metrics()));
    expect(ours.join('\n')).toContain('kopilka_http_request_duration_seconds_bucket{le="0.0005",port="pos",route="/v1/checks",method="POST"} 2');
  });

  it('prints no series before the first request, like prom-client', async () => {
    expect(blocks(await createMetrics(() => null).registry.metrics())).toEqual(blocks(await reference([], []).metrics()));
  });
});
