import {
  accrualLotsOf,
  credit,
  customerBurnAt,
  evaluateCheck,
  giftLotTimes,
  giveBack,
  openAccount,
  parseCheck,
  planRefund,
  proportionalTakeBack,
  remainingSpends,
  settle,
  spend,
  spendable,
  takeBack,
  type Account,
  type CompiledProgram,
  type CustomerState,
  type Evaluation,
  type Lot,
  type ParsedCheck,
  type ReplayCheckRow,
  type ReplayStart,
  type SaleLine,
  type Spend,
} from '../ledger/index.ts';

// The what-if replay itself, pure: recorded checks in the order the ledger applied them, each
// re-priced under a proposed program with the ledger's own rules (evaluateCheck) and moved
// through an in-memory copy of the customer's account with the ledger's own arithmetic (credit,
// spend, settle, giveBack, takeBack) — so lots activate and burn by the proposed program's terms.
// A customer who paid X with bonuses is assumed to pay min(X, what the proposed program and
// their simulated balance allow). Checks closed at the till keep the till's prices and bonus
// payment; only what they accrue changes. Nothing here touches storage: the runner
// (replay-run.ts) feeds it pages and starting states.

export interface Figures {
  /** Sales (refunds are netted into the sums, not counted). */
  checks: number;
  /** Kopecks: paid for goods (amount − discount), less refunds. */
  revenue: number;
  discount: number;
  /** Hundredths of a point, refunds netted. */
  accrued: number;
  redeemed: number;
}

export interface MonthBound {
  month: string;
  start: number;
  end: number;
  /** When its liability is taken: its end, or now for the month under way (nothing burns ahead of time). */
  asOf: number;
}

interface Sim {
  state: Omit<ReplayStart, 'lots' | 'available' | 'pending'>;
  acc: Account;
  outside: { createdAt: number; lot: Lot }[];
  nextOutside: number;
}

/** What the replay remembers of a sale it priced, for its refunds. */
interface SaleMemo {
  lines: SaleLine[];
  refundedQty: Record<string, number>;
  spends: Spend[];
  referral: { referrerId: string; points: number } | null;
}

/**
 * How long the replay remembers a sale for its refunds (and the lots it touched): a return after
 * that is taken as it really was, like a return of a sale before the replay. Memory then stays
 * proportional to a few months of checks, however long the replay.
 */
export const SALE_MEMORY_MS = 120 * 86_400_000;

const zero = (): Figures => ({ checks: 0, revenue: 0, discount: 0, accrued: 0, redeemed: 0 });

export class ReplaySimulation {
  readonly real: Figures[];
  readonly proposed: Figures[];
  /** Per closed month: each simulated customer's holding (pending + available) at its end. */
  readonly holdings: Map<string, number>[] = [];
  /** Checks the proposed program could not price (kept at their real figures). */
  failed = 0;
  processed = 0;
  private readonly sims = new Map<string, Sim>();
  private readonly sales = new Map<string, SaleMemo>();
  private readonly lots = new Map<string, Lot>();
  private readonly outside = new Map<string, { createdAt: number; lot: Lot }[]>();
  private month = 0;
  private lotSeq = 0;
  /** Sales and lots in the order the replay met them, to forget after SALE_MEMORY_MS. */
  private readonly remembered: { at: number; saleId: string | null; lotId: string | null }[] = [];
  private forgotten = 0;

  constructor(
    private readonly program: CompiledProgram,
    readonly months: readonly MonthBound[],
    outsideLots: readonly { createdAt: number; lot: Lot }[] = [],
  ) {
    this.real = months.map(zero);
    this.proposed = months.map(zero);
    for (const o of outsideLots) this.outside.set(o.lot.customerId, [...(this.outside.get(o.lot.customerId) ?? []), o]);
  }

  /** Customers of these checks (and refunds) the simulation does not hold yet. */
  missing(page: readonly ReplayCheckRow[]): string[] {
    const ids = new Set<string>();
    for (const r of page) if (r.customerId !== null && !this.sims.has(r.customerId)) ids.add(r.customerId);
    return [...ids];
  }

  /** Referrers of these customers not held yet (their sales may reward them). */
  referrersOf(starts: readonly ReplayStart[]): string[] {
    const ids = new Set<string>();
    for (const s of starts) if (s.referrerId !== null && !this.sims.has(s.referrerId)) ids.add(s.referrerId);
    return [...ids];
  }

  /** Customers simulated so far. */
  get customers(): number {
    return this.sims.size;
  }

  load(starts: readonly ReplayStart[]): void {
    for (const s of starts) {
      // Read ahead with the next page, a customer may come twice: the one held is the truth.
      if (this.sims.has(s.id)) continue;
      const { lots, available, pending, ...state } = s;
      const active = lots.reduce((t, l) => t + (l.state === 'active' ? l.remaining : 0), 0);
      const burnAt = customerBurnAt(this.program.source.expiry, state.lastPurchaseAt);
      const acc = openAccount({ customerId: s.id, available, pending, debt: Math.max(0, active - available), burnAt }, lots);
      for (const l of lots) this.lots.set(l.id, l);
      this.sims.set(s.id, { state, acc, outside: this.outside.get(s.id) ?? [], nextOutside: 0 });
    }
  }

  apply(row: ReplayCheckRow): void {
    this.closeMonthsBefore(row.committedAt);
    this.forgetBefore(row.committedAt - SALE_MEMORY_MS);
    const m = Math.min(this.month, this.months.length - 1);
    const sign = row.kind === 'sale' ? 1 : -1;
    add(this.real[m]!, row, sign);
    const sim = row.customerId === null ? null : (this.sims.get(row.customerId) ?? null);
    if (sim !== null) this.catchUp(sim, row.committedAt);
    try {
      if (row.kind === 'sale') this.sale(row, sim, this.proposed[m]!);
      else this.refund(row, sim, this.proposed[m]!);
    } catch {
      // A check the proposed program refuses outright (e.g. a promotion's figures out of bounds):
      // it is counted at its real figures, and said so.
      this.failed++;
      add(this.proposed[m]!, row, sign);
    }
    if (sim !== null) forget(sim.acc);
    this.processed++;
  }

  /** Closes every month (the last one included): holdings at each end. */
  finish(): void {
    this.closeMonthsBefore(Infinity);
  }

  private sale(row: ReplayCheckRow, sim: Sim | null, f: Figures): void {
    const check = parseCheck(row.request);
    const now = row.committedAt;
    const ev = price(this.program, check, sim === null ? null : customerState(sim), row.redeemed);
    f.checks++;
    f.revenue += ev.totals.amount - ev.totals.discount;
    f.discount += ev.totals.discount;
    f.accrued += ev.totals.accrued;
    f.redeemed += ev.totals.redeemed;
    const memo: SaleMemo = {
      lines: check.lines.map((l, i) => ({ lineNo: l.lineNo, quantity: l.quantity, amount: l.amount, discount: ev.lines[i]!.discount, redeemed: ev.lines[i]!.redeemed, accrued: ev.lines[i]!.accrued })),
      refundedQty: {},
      spends: [],
      referral: null,
    };
    this.sales.set(row.id, memo);
    this.remembered.push({ at: now, saleId: row.id, lotId: null });
    if (sim === null) return;
    const acc = sim.acc;
    if (ev.totals.redeemed > 0) memo.spends = spend(acc, ev.totals.redeemed, row.id, now);
    for (const lot of accrualLotsOf(this.program, ev, check.at)) this.credit(acc, { checkId: row.id, kind: 'accrual', ...lot }, now);
    sim.state.totalSpent += ev.purchaseAmount;
    sim.state.purchases += 1;
    if (sim.state.lastPurchaseAt === null || check.at > sim.state.lastPurchaseAt) sim.state.lastPurchaseAt = check.at;
    acc.burnAt = customerBurnAt(this.program.source.expiry, sim.state.lastPurchaseAt);
    for (const g of ev.gifts) this.credit(acc, { checkId: row.id, kind: g.kind, amount: g.gift.points, ...giftLotTimes(this.program.source, g.gift, check.at) }, now);
    const referrer = ev.referral === null ? undefined : this.sims.get(ev.referral.referrerId);
    if (ev.referral !== null && referrer !== undefined) {
      this.catchUp(referrer, now);
      const gift = { points: ev.referral.points, ttlDays: null, activationDays: this.program.source.activationDays };
      this.credit(referrer.acc, { checkId: row.id, kind: 'referral', amount: gift.points, ...giftLotTimes(this.program.source, gift, check.at) }, now);
      forget(referrer.acc);
      memo.referral = ev.referral;
    }
  }

  private refund(row: ReplayCheckRow, sim: Sim | null, f: Figures): void {
    const memo = row.originalId === null ? undefined : this.sales.get(row.originalId);
    const now = row.committedAt;
    if (memo === undefined) {
      // The sale came before the replay: it was priced under the program then, so its return is
      // as it really was — points paid come back, points accrued go.
      subtract(f, row);
      if (sim !== null && row.redeemed > 0) this.credit(sim.acc, { checkId: row.id, kind: 'accrual', amount: row.redeemed, activatesAt: now, expiresAt: null }, now);
      if (sim !== null && row.accrued > 0) takeBack(sim.acc, [row.originalId ?? ''], row.accrued, row.id, now);
      if (sim !== null) restate(sim, row.amount - row.discount, (row.request.lines ?? null) === null);
      return;
    }
    const plan = planRefund(memo.lines, memo.refundedQty, (row.request.lines as { lineNo: number; quantity: number }[] | null | undefined) ?? null);
    f.revenue -= plan.amount - plan.discount;
    f.discount -= plan.discount;
    f.accrued -= plan.accrued;
    f.redeemed -= plan.redeemed;
    memo.refundedQty = plan.refundedQty;
    if (sim === null) return;
    if (plan.redeemed > 0) giveBack(sim.acc, remainingSpends(memo.spends, plan.redeemedBefore), plan.redeemed, row.id, now, this.lots);
    if (plan.accrued > 0) takeBack(sim.acc, [row.originalId!], plan.accrued, row.id, now);
    restate(sim, plan.amount - plan.discount, plan.complete);
    const referrer = memo.referral === null ? undefined : this.sims.get(memo.referral.referrerId);
    if (memo.referral !== null && referrer !== undefined) {
      const paid = memo.lines.reduce((s, l) => s + l.amount - l.discount - l.redeemed, 0);
      const back = proportionalTakeBack(memo.referral.points, paid, plan.paidBefore, plan.paidAfter);
      this.catchUp(referrer, now);
      if (back > 0) takeBack(referrer.acc, [row.originalId!], back, row.id, now);
      forget(referrer.acc);
    }
  }

  private credit(acc: Account, lot: Omit<Lot, 'id' | 'remaining' | 'state' | 'customerId'>, now: number): void {
    // Ids after every real one, in order, so that spending order among equal expiries is the ledger's.
    const l = credit(acc, { id: String(1e15 + ++this.lotSeq), ...lot }, lot.kind === 'accrual' ? 'accrual' : 'gift', now);
    this.lots.set(l.id, l);
    this.remembered.push({ at: now, saleId: null, lotId: l.id });
  }

  private forgetBefore(t: number): void {
    while (this.forgotten < this.remembered.length && this.remembered[this.forgotten]!.at < t) {
      const r = this.remembered[this.forgotten++]!;
      if (r.saleId !== null) this.sales.delete(r.saleId);
      // An open lot stays in its account; only the index entry, kept for give-backs, goes.
      if (r.lotId !== null) this.lots.delete(r.lotId);
    }
    if (this.forgotten > 100_000) {
      this.remembered.splice(0, this.forgotten);
      this.forgotten = 0;
    }
  }

  /** Credits the lots given outside checks up to `t` (grants, imports, dated gifts), then what is due. */
  private catchUp(sim: Sim, t: number): void {
    while (sim.nextOutside < sim.outside.length && sim.outside[sim.nextOutside]!.createdAt < t) {
      const o = sim.outside[sim.nextOutside++]!;
      const l = credit(sim.acc, { ...o.lot }, 'gift', o.createdAt);
      this.lots.set(l.id, l);
    }
    settle(sim.acc, t);
  }

  private closeMonthsBefore(t: number): void {
    while (this.month < this.months.length && this.months[this.month]!.end <= t) {
      const end = this.months[this.month]!.asOf;
      const h = new Map<string, number>();
      for (const [id, sim] of this.sims) {
        this.catchUp(sim, end);
        forget(sim.acc);
        h.set(id, sim.acc.available + sim.acc.pending);
      }
      this.holdings.push(h);
      this.month++;
    }
  }
}

/**
 * The check under the program: a till's closed check as it was closed; Kopilka's own with the
 * bonus payment the customer really made, cut to what the program and the balance now allow.
 */
export function price(p: CompiledProgram, check: ParsedCheck, cs: CustomerState | null, realRedeemed: number): Evaluation {
  if (check.pricedBy === 'till') return evaluateCheck(p, check, cs);
  const bare = evaluateCheck(p, { ...check, redeem: 0 }, cs);
  const want = Math.min(realRedeemed, bare.totals.maxRedeem);
  return want <= 0 ? bare : evaluateCheck(p, { ...check, redeem: want }, cs);
}

function customerState(sim: Sim): CustomerState {
  const s = sim.state;
  return {
    id: s.id,
    totalSpent: s.totalSpent,
    purchases: s.purchases,
    assignedLevel: s.assignedLevel,
    available: spendable(sim.acc),
    pending: sim.acc.pending,
    referrerId: s.referrerId,
    registeredAt: s.registeredAt,
    source: s.source,
    gender: s.gender,
    birthDate: s.birthDate,
    lastPurchaseAt: s.lastPurchaseAt,
  };
}

function restate(sim: Sim, returned: number, complete: boolean): void {
  sim.state.totalSpent = Math.max(0, sim.state.totalSpent - returned);
  if (complete) sim.state.purchases = Math.max(0, sim.state.purchases - 1);
}


/** The account keeps what it changed for the writer to store; the replay stores nothing. */
function forget(acc: Account): void {
  acc.postings.length = 0;
  acc.changedLots.clear();
  acc.newLots.clear();
}

function add(f: Figures, row: ReplayCheckRow, sign: 1 | -1): void {
  if (sign === 1) f.checks++;
  f.revenue += sign * (row.amount - row.discount);
  f.discount += sign * row.discount;
  f.accrued += sign * row.accrued;
  f.redeemed += sign * row.redeemed;
}

function subtract(f: Figures, row: ReplayCheckRow): void {
  add(f, row, -1);
}
