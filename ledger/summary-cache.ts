import { balanceAt, type Lot } from './account.ts';
import { customerSummary, type CustomerRow, type CustomerSummary } from './customers.ts';
import { customerBurnAt } from './lots.ts';
import type { CompiledProgram } from './program.ts';

// What the front caches for a customer: their record as the ledger stored it (the row and the
// open lots), not the summary made of it. A record changes only when something writes it, never
// with time or with the program, so it can be filled by the writer right after a commit and kept
// until the next write; the summary (level, balance at this moment, burn date) is made from it on
// every read with the program in force, as Postgres' copy would be.

/**
 * Where customer records may be cached (the gateway's front). A generation, read before a record
 * is built, guards the cache: every write moves it on, so a record read before a commit cannot be
 * stored after it.
 */
export interface SummaryCache {
  getCustomer(tenantId: string, customerId: string): Promise<{ json: string | null; generation: number }>;
  setCustomer(tenantId: string, customerId: string, json: string, generation: number, ttlSeconds: number): Promise<boolean>;
  /**
   * The customers' generations (-1 where they could not be read), read by a batch while it holds
   * their rows locked, before it commits: nothing can write them in between.
   */
  customerGenerations(customers: readonly { tenantId: string; customerId: string }[]): Promise<number[]>;
  /**
   * After a commit: each record is stored if the customer's generation is still the one the batch
   * read (else the cache is just emptied for them), and the generation moves on in every case.
   */
  refreshCustomers(records: readonly FreshRecord[]): Promise<void>;
  invalidateCustomer(tenantId: string, customerId: string): Promise<void>;
}

export interface CustomerRecord {
  row: CustomerRow;
  /** The lots not yet closed. */
  lots: Lot[];
}

export interface FreshRecord {
  tenantId: string;
  customerId: string;
  generation: number;
  json: string;
  ttlSeconds: number;
  /** The customer's phone and card as stored: this process's reads then find them by id (reads.ts). */
  phone: string | null;
  cardNumber: string | null;
}

/**
 * How long a record stays cached. Every write replaces or drops it; the limit only bounds how long
 * a write whose invalidation was lost (the front away at that moment) could go unseen.
 */
export const RECORD_TTL_S = 300;

/** The format mark: an entry of another shape (an older version's summary) is taken as a miss. */
const FORMAT = 2;

export function recordJson(row: CustomerRow, lots: readonly Lot[]): string {
  return JSON.stringify({ f: FORMAT, row, lots: lots.filter((l) => l.state !== 'closed') });
}

export function parseRecord(json: string): CustomerRecord | null {
  try {
    const x = JSON.parse(json) as { f?: unknown; row?: CustomerRow; lots?: Lot[] };
    return x.f === FORMAT && x.row !== undefined && Array.isArray(x.lots) ? { row: x.row, lots: x.lots } : null;
  } catch {
    return null;
  }
}

/** The summary at `now` under the program in force, and when time alone will change it next. */
export function summaryOf(program: CompiledProgram, record: CustomerRecord, now: number): { summary: CustomerSummary; changesAt: number | null } {
  const { row, lots } = record;
  const burnAt = customerBurnAt(program.source.expiry, row.lastPurchaseAt);
  let changesAt: number | null = null;
  const consider = (t: number | null) => {
    if (t !== null && t > now && (changesAt === null || t < changesAt)) changesAt = t;
  };
  for (const l of lots) {
    if (l.state === 'pending') consider(l.activatesAt);
    consider(l.expiresAt);
  }
  if (lots.length > 0) consider(burnAt);
  // A personal offer that starts or ends changes the summary too.
  for (const b of row.boosts) (consider(b.from), consider(b.to));
  const balance = balanceAt({ debt: row.debt, burnAt }, lots, now);
  return { summary: customerSummary(program, row, balance, now), changesAt };
}
