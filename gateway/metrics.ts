import client from 'prom-client';
import type { WriterStats } from '../ledger/writer.ts';

// What /metrics exposes for Prometheus: request rates and latencies per port and route, and how
// the group-commit writer batches. A registry per service instance keeps tests independent.
//
// Requests and events are tallied here in plain numbers and handed to the registry only when
// /metrics is read. prom-client's own observe() builds a label object, validates it, hashes it to
// a string and turns the bucket's bound into a property name on every call: a few µs a request,
// 3–4 % of the gateway's CPU per calculation (issue #17). The text /metrics prints is prom-client's
// own (metrics.test.ts compares it with prom-client's Counter and Histogram fed the same values).

export interface Metrics {
  registry: client.Registry;
  observe(port: 'pos' | 'api', route: string, method: string, status: number, ms: number): void;
  /** Counts ledger events by type. */
  published(events: readonly { type: string }[]): void;
}

const DURATION = 'kopilka_http_request_duration_seconds';

/** The duration histogram's upper bounds, seconds. */
const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** One port, route and method: requests by status and durations by bucket. */
interface RouteTally {
  labels: { port: string; route: string; method: string };
  statuses: Map<number, number>;
  /** Requests per bucket, not cumulative; the last slot is past the largest bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** A metric whose values are read from the tallies when the registry is read. */
function tallied(registry: client.Registry, name: string, help: string, type: 'counter' | 'histogram', values: () => Value[]): void {
  const metric = { name, help, type, aggregator: 'sum' as const, get: async () => ({ name, help, type, aggregator: 'sum' as const, values: values() }), reset() {} };
  // prom-client's Registry reads any object with get(); its types only name its own classes.
  registry.registerMetric(metric as unknown as client.Counter);
}

export function createMetrics(writer: () => WriterStats | null): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'kopilka_' });
  // port → route → method; routes are the table's templates (or 'unmatched'), so this stays as small as the table.
  const tallies = new Map<string, Map<string, Map<string, RouteTally>>>();
  const all: RouteTally[] = [];
  const events = new Map<string, number>();
  tallied(registry, 'kopilka_http_requests_total', 'HTTP requests by port, route and status', 'counter', () =>
    all.flatMap((t) => [...t.statuses].map(([status, n]) => ({ labels: { ...t.labels, status: String(status) }, value: n }))),
  );
  tallied(registry, DURATION, 'HTTP request duration by port and route', 'histogram', () => all.flatMap(histogramValues));
  tallied(registry, 'kopilka_events_total', 'Ledger events published, by type', 'counter', () => [...events].map(([type, n]) => ({ labels: { type }, value: n })));
  writerMetrics(registry, writer);
  const tallyOf = (port: string, route: string, method: string): RouteTally => {
    let routes = tallies.get(port);
    if (routes === undefined) tallies.set(port, (routes = new Map()));
    let methods = routes.get(route);
    if (methods === undefined) routes.set(route, (methods = new Map()));
    let t = methods.get(method);
    if (t === undefined) {
      t = { labels: { port, route, method }, statuses: new Map(), buckets: new Float64Array(BOUNDS.length + 1), sum: 0, count: 0 };
      methods.set(method, t);
      all.push(t);
    }
    return t;
  };
  return {
    registry,
    observe(port, route, method, status, ms) {
      const t = tallyOf(port, route, method);
      t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
      const seconds = ms / 1000;
      let i = 0;
      while (i < BOUNDS.length && seconds > BOUNDS[i]!) i++;
      t.buckets[i]!++;
      t.sum += seconds;
      t.count++;
    },
    published(list) {
      for (const e of list) events.set(e.type, (events.get(e.type) ?? 0) + 1);
    },
  };
}

/** A route's histogram as prom-client prints one: cumulative buckets, +Inf, sum, count. */
function histogramValues(t: RouteTally): Value[] {
  const out: Value[] = [];
  let below = 0;
  BOUNDS.forEach((le, i) => {
    below += t.buckets[i]!;
    out.push({ labels: { le, ...t.labels }, value: below, metricName: `${DURATION}_bucket` });
  });
  out.push({ labels: { le: '+Inf', ...t.labels }, value: t.count, metricName: `${DURATION}_bucket` });
  out.push({ labels: t.labels, value: t.sum, metricName: `${DURATION}_sum` });
  out.push({ labels: t.labels, value: t.count, metricName: `${DURATION}_count` });
  return out;
}

/** The group-commit writer's counts, read from the writer when /metrics is read. */
function writerMetrics(registry: client.Registry, writer: () => WriterStats | null): void {
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
}
