import client from 'prom-client';
import type { WriterStats } from '../ledger/writer.ts';

// What /metrics exposes for Prometheus: request rates and latencies per port and route, and how
// the group-commit writer batches. A registry per service instance keeps tests independent.

export interface Metrics {
  registry: client.Registry;
  observe(port: 'pos' | 'api', route: string, method: string, status: number, ms: number): void;
  events: client.Counter<'type'>;
}

export function createMetrics(writer: () => WriterStats | null): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'kopilka_' });
  const requests = new client.Counter({ name: 'kopilka_http_requests_total', help: 'HTTP requests by port, route and status', labelNames: ['port', 'route', 'method', 'status'] as const, registers: [registry] });
  const duration = new client.Histogram({
    name: 'kopilka_http_request_duration_seconds',
    help: 'HTTP request duration by port and route',
    labelNames: ['port', 'route', 'method'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const events = new client.Counter({ name: 'kopilka_events_total', help: 'Ledger events published, by type', labelNames: ['type'] as const, registers: [registry] });
  for (const [name, help, key] of [
    ['kopilka_writer_batches_total', 'Transactions written by the group-commit writer', 'batches'],
    ['kopilka_writer_operations_total', 'Operations written by the group-commit writer', 'operations'],
    ['kopilka_writer_retries_total', 'Batches run again after a race or deadlock', 'retries'],
  ] as const) {
    new client.Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const w = writer();
        if (w !== null) {
          this.reset();
          this.inc(w[key]);
        }
      },
    });
  }
  new client.Gauge({
    name: 'kopilka_writer_largest_batch',
    help: 'Largest batch written so far',
    registers: [registry],
    collect() {
      this.set(writer()?.largestBatch ?? 0);
    },
  });
  const series = new Map<string, { count: ReturnType<typeof requests.labels>; time: ReturnType<typeof duration.labels> }>();
  return {
    registry,
    events,
    observe(port, route, method, status, ms) {
      // A route's series, looked up once: prom-client hashes a label set on every call otherwise.
      // Routes are the table's templates (or 'unmatched'), so the map stays as small as the table.
      const key = `${port} ${route} ${method} ${status}`;
      let s = series.get(key);
      if (s === undefined) series.set(key, (s = { count: requests.labels(port, route, method, String(status)), time: duration.labels(port, route, method) }));
      s.count.inc();
      s.time.observe(ms / 1000);
    },
  };
}
