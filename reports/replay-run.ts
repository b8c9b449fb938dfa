import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { z } from 'zod';
import { compileProgram, KopilkaError, localDate, parseProgram, zonedMidnight, type Ledger } from '../ledger/index.ts';
import { ReplaySimulation, type Figures, type MonthBound } from './replay.ts';

// Runs a what-if replay for a tenant: pages of its recorded checks from the ledger into the pure
// simulation (replay.ts), starting states loaded as customers first appear, one page at a time
// with the event loop let go between pages, then the real and simulated bonus liability at each
// month's end. Reads only.

const isoDay = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'дата ГГГГ-ММ-ДД');

export const replayRequestSchema = z
  .object({
    /** The proposed program, the same schema as PUT /v1/program. */
    program: z.record(z.string(), z.unknown()),
    from: isoDay,
    to: isoDay,
  })
  .strict()
  .refine((r) => r.from <= r.to, { message: 'начало периода позже конца', path: ['from'] })
  .meta({ title: 'что было бы: проигрывание чеков по предлагаемой программе' });
export type ReplayRequest = z.output<typeof replayRequestSchema>;

export interface Compared extends Figures {
  /** Hundredths of a point held by customers (pending + available) at the end of the month, or now for the current one. */
  liability: number;
}

export interface ReplayRow {
  month: string;
  real: Compared;
  proposed: Compared;
  /** proposed − real. */
  change: Compared;
}

export interface ReplayReport {
  from: string;
  to: string;
  months: ReplayRow[];
  totals: { real: Figures; proposed: Figures; change: Figures };
  checks: number;
  /** Checks the proposed program refused to price: counted at their real figures. */
  failed: number;
  customers: number;
  seconds: number;
  checksPerSecond: number;
}

/** The calendar months the period touches, in the tenant's zone; the first and last cut to the period. */
export function monthBounds(from: string, to: string, zone: string, now = Date.now()): MonthBound[] {
  const midnight = (y: number, m: number, d: number) => zonedMidnight(y, m, d, zone);
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  const start = midnight(fy, fm, fd);
  const next = new Date(Date.UTC(ty, tm - 1, td + 1));
  const end = midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
  const out: MonthBound[] = [];
  for (let y = fy, m = fm; y < ty || (y === ty && m <= tm); m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    const s = Math.max(start, midnight(y, m, 1));
    const e = Math.min(end, m === 12 ? midnight(y + 1, 1, 1) : midnight(y, m + 1, 1));
    out.push({ month: `${y}-${String(m).padStart(2, '0')}`, start: s, end: e, asOf: Math.min(e, now) });
  }
  return out;
}

export async function runReplay(
  ledger: Ledger,
  tenantId: string,
  input: ReplayRequest,
  onProgress: (processed: number) => void | Promise<void> = () => {},
  pageSize?: number,
): Promise<ReplayReport> {
  const started = performance.now();
  const program = compileProgram(parseProgram(input.program));
  const months = monthBounds(input.from, input.to, await ledger.timeZone(tenantId));
  const from = new Date(months[0]!.start);
  const to = new Date(months[months.length - 1]!.end);
  const sim = new ReplaySimulation(program, months, await ledger.replayOutsideLots(tenantId, from, to));
  const pages = ledger.replayChecks(tenantId, from, to, pageSize);
  // The next page and its customers are read while this one is simulated: the database and the
  // CPU work at once.
  const read = async () => {
    const next = await pages.next();
    if (next.done === true) return null;
    const starts = await ledger.replayStarts(tenantId, sim.missing(next.value), from);
    return { page: next.value, starts, referrers: await ledger.replayStarts(tenantId, sim.referrersOf(starts), from) };
  };
  for (let ahead = read(), got = await ahead; got !== null; got = await ahead) {
    sim.load(got.starts);
    sim.load(got.referrers);
    ahead = read();
    for (const row of got.page) sim.apply(row);
    await onProgress(sim.processed);
    // A page is a few milliseconds of work: other requests get their turn between pages.
    await yieldToLoop();
  }
  sim.finish();
  const rows: ReplayRow[] = [];
  for (let i = 0; i < months.length; i++) {
    const held = sim.holdings[i]!;
    const real = await ledger.holdingsAt(tenantId, new Date(months[i]!.asOf), [...held.keys()]);
    let proposed = real.total;
    for (const [id, h] of held) proposed += h - (real.byCustomer.get(id) ?? 0);
    rows.push(row(months[i]!.month, { ...sim.real[i]!, liability: real.total }, { ...sim.proposed[i]!, liability: proposed }));
  }
  const seconds = (performance.now() - started) / 1000;
  const real = sum(sim.real);
  const proposed = sum(sim.proposed);
  return {
    from: input.from,
    to: input.to,
    months: rows,
    totals: { real, proposed, change: minus(proposed, real) },
    checks: sim.processed,
    failed: sim.failed,
    customers: sim.customers,
    seconds: Math.round(seconds * 1000) / 1000,
    checksPerSecond: seconds === 0 ? 0 : Math.round(sim.processed / seconds),
  };
}

function row(month: string, real: Compared, proposed: Compared): ReplayRow {
  return { month, real, proposed, change: { ...minus(proposed, real), liability: proposed.liability - real.liability } };
}

function sum(fs: readonly Figures[]): Figures {
  const t: Figures = { checks: 0, revenue: 0, discount: 0, accrued: 0, redeemed: 0 };
  for (const f of fs) for (const k of Object.keys(t) as (keyof Figures)[]) t[k] += f[k];
  return t;
}

function minus(a: Figures, b: Figures): Figures {
  return { checks: a.checks - b.checks, revenue: a.revenue - b.revenue, discount: a.discount - b.discount, accrued: a.accrued - b.accrued, redeemed: a.redeemed - b.redeemed };
}

/** The period a person asked for, refused in their words when it cannot be replayed. */
export function checkPeriod(r: ReplayRequest, zone: string, now = Date.now()): void {
  const today = localDate(now, zone);
  const todayIso = `${today.year}-${String(today.month).padStart(2, '0')}-${String(today.day).padStart(2, '0')}`;
  if (r.from > todayIso) throw new KopilkaError('INVALID_INPUT', 'Период ещё не наступил: проигрываются уже записанные чеки', { field: 'from' });
  const months = monthBounds(r.from, r.to, zone, now).length;
  if (months > 36) throw new KopilkaError('INVALID_INPUT', 'Период не длиннее 36 месяцев', { field: 'to' });
}
