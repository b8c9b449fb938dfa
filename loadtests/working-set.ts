import { totalmem } from 'node:os';
import pg from 'pg';

// At size (BENCH_SIZE), what a check reads and writes at a random customer: the customer's row and
// its index entries, their open lots, and the entries of their checks and postings by customer.
// A server that has run for a while holds these in memory; right after the seed they are on disk,
// and every check waits on some ten random reads (issue #17, README "The tenth pass"). The heaps
// of checks and postings are left out: a check only appends to them.

const WORKING_SET = [
  'customers',
  'customers_pkey',
  'customers_phone',
  'customers_referral_code',
  'lots',
  'lots_pkey',
  'lots_open',
  'lots_due_expiry',
  'postings_by_customer',
  'checks_by_customer',
] as const;

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '']);

/** At most this share of the machine's memory is read in: the rest is Postgres's, Node's, wrk's and the tables' tails. */
const MEMORY_SHARE = 0.6;

/**
 * Reads the working set into the operating system's cache with pg_prewarm's 'read' mode (not into
 * shared_buffers, which stay as configured), when it fits in MEMORY_SHARE of this machine's memory.
 * A Postgres elsewhere is warmed too; its memory is not known here.
 */
export async function warmWorkingSet(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const sizes = await c.query<{ bytes: string }>('SELECT coalesce(sum(pg_relation_size(r)), 0)::text AS bytes FROM unnest($1::regclass[]) AS r', [WORKING_SET]);
    const bytes = Number(sizes.rows[0]!.bytes);
    const gb = (bytes / 1024 ** 3).toFixed(1);
    const total = LOCAL_HOSTS.has(new URL(url).hostname) ? totalmem() : null;
    if (total !== null && bytes > total * MEMORY_SHARE) {
      return `not warmed: what a check touches is ${gb} GB, over ${MEMORY_SHARE * 100} % of this machine's ${(total / 1024 ** 3).toFixed(0)} GB; the phases read it from disk`;
    }
    const available = await c.query("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_prewarm'");
    if (available.rowCount === 0) return `not warmed: Postgres has no pg_prewarm extension (contrib); the phases read ${gb} GB from disk as they go`;
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    const started = performance.now();
    await c.query("SELECT pg_prewarm(r, 'read') FROM unnest($1::regclass[]) AS r", [WORKING_SET]);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return (
      `warmed what a check touches at a random customer into the OS cache (pg_prewarm 'read'): ${WORKING_SET.join(', ')} — ${gb} GB in ${seconds} s.\n` +
      `  A server that has run a while holds them; right after the seed they are on disk (BENCH_COLD=1 measures that).`
    );
  } finally {
    await c.end();
  }
}
