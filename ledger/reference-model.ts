// An independent reference ledger for tests: what the contract (native-api.md, README) says a
// customer's bonuses do, written again from the words and not from the ledger's code, for a
// deliberately simple program — one level, accrual by percent floored to whole bonuses, a cap on
// bonus payment in percent, activation after N days, expiry N days after accrual, no discounts,
// gifts or referrals. Exact by construction: every figure is a bigint, so the model itself never
// rounds or overflows, and a test can tell "the real ledger drifted" from "the model did".
//
// The model answers the same operations as the ledger (sale, refund, time passing) and keeps,
// per customer, the lots of bonuses with their activation and expiry, a debt (bonuses taken back
// after they were spent), the purchase total and the count of purchases.

export const MODEL_DAY_MS = 86_400_000;

export interface ModelProgram {
  /** Whole percent of the money paid that comes back as bonuses (10 → 10%). */
  accrualPercent: number;
  /** Whole percent of a check that bonuses may pay. */
  maxRedeemPercent: number;
  activationDays: number;
  /** Lots burn this many days after the sale (expiry mode afterAccrual); more than activationDays. */
  expiryDays: number;
}

/** The program in the native API's JSON, for PUT /v1/program or Ledger.createTenant. */
export function programJson(p: ModelProgram): unknown {
  return {
    levels: [{ code: 'base', name: 'Базовая', threshold: 0, accrual: { type: 'percent', percent: p.accrualPercent }, maxRedeemPercent: p.maxRedeemPercent }],
    activationDays: p.activationDays,
    expiry: { mode: 'afterAccrual', days: p.expiryDays },
    rounding: 'floor',
  };
}

export interface ModelLot {
  /** Creation order: ties in expiry and activation are broken by it. */
  seq: number;
  /** The sale that accrued it. */
  saleId: string;
  remaining: bigint;
  activatesAt: number;
  expiresAt: number;
  state: 'pending' | 'active' | 'closed';
}

export interface ModelCustomer {
  lots: ModelLot[];
  debt: bigint;
  totalSpent: bigint;
  purchases: number;
  /**
   * Set when the contract leaves the outcome open: a refund took back bonuses from several
   * pending lots of other sales, and which of them shrinks (so when the rest activates) is not
   * specified. From then on only this customer's current sums are comparable, not its future.
   */
  ambiguous: string | null;
}

export interface ModelLine {
  lineNo: number;
  quantity: number;
  amount: bigint;
}

interface ModelSale {
  phone: string;
  body: string;
  lines: (ModelLine & { redeemed: bigint; accrued: bigint; refunded: number })[];
  /** Bonuses paid, lot by lot, in the order they were taken. */
  spends: { lot: ModelLot; amount: bigint }[];
  redeemedReturned: bigint;
}

export type ModelOutcome =
  | { ok: true; replay: boolean; redeemed: bigint; accrued: bigint }
  | { ok: false; code: string };

export interface ModelBalance {
  /** What the customer sees: never below zero. */
  available: bigint;
  pending: bigint;
  /** The bucket itself: below zero by the debt when more was taken back than was left. */
  rawAvailable: bigint;
  totalSpent: bigint;
  purchases: number;
}

const floorDiv = (a: bigint, b: bigint): bigint => a / b; // operands are never negative here
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export class ReferenceLedger {
  readonly customers = new Map<string, ModelCustomer>();
  private readonly sales = new Map<string, ModelSale>();
  private readonly refunds = new Map<string, string>();
  private seq = 0;

  constructor(readonly program: ModelProgram) {}

  /** A deep copy: the test applies an operation to a copy and keeps it only if the real ledger did too. */
  clone(): ReferenceLedger {
    const c = new ReferenceLedger(this.program);
    const lotMap = new Map<ModelLot, ModelLot>();
    const copyLot = (l: ModelLot) => {
      let x = lotMap.get(l);
      if (x === undefined) lotMap.set(l, (x = { ...l }));
      return x;
    };
    for (const [k, v] of this.customers) c.customers.set(k, { ...v, lots: v.lots.map(copyLot) });
    for (const [k, s] of this.sales) {
      c.sales.set(k, { ...s, lines: s.lines.map((l) => ({ ...l })), spends: s.spends.map((x) => ({ lot: copyLot(x.lot), amount: x.amount })) });
    }
    for (const [k, v] of this.refunds) c.refunds.set(k, v);
    c.seq = this.seq;
    return c;
  }

  balance(phone: string, now: number): ModelBalance | null {
    const c = this.customers.get(phone);
    if (c === undefined) return null;
    this.settle(c, now);
    const raw = this.active(c) - c.debt;
    const pending = c.lots.filter((l) => l.state === 'pending').reduce((s, l) => s + l.remaining, 0n);
    return { available: raw < 0n ? 0n : raw, pending, rawAvailable: raw, totalSpent: c.totalSpent, purchases: c.purchases };
  }

  private active(c: ModelCustomer): bigint {
    return c.lots.filter((l) => l.state === 'active').reduce((s, l) => s + l.remaining, 0n);
  }

  /** Lots that became spendable by `now` do so, those past their expiry burn, in time order. */
  settle(c: ModelCustomer, now: number): void {
    const due: { at: number; lot: ModelLot; activate: boolean }[] = [];
    for (const lot of c.lots) {
      if (lot.state === 'pending' && lot.activatesAt <= now) due.push({ at: lot.activatesAt, lot, activate: true });
      if (lot.state !== 'closed' && lot.expiresAt <= now) due.push({ at: lot.expiresAt, lot, activate: false });
    }
    // A lot activates before it can burn at the same instant.
    due.sort((a, b) => a.at - b.at || (a.activate === b.activate ? a.lot.seq - b.lot.seq : a.activate ? -1 : 1));
    for (const e of due) {
      if (e.activate) {
        e.lot.state = 'active';
        this.repayDebt(c, e.lot);
      } else {
        e.lot.remaining = 0n;
        e.lot.state = 'closed';
      }
    }
    c.lots = c.lots.filter((l) => l.state !== 'closed');
  }

  /** Bonuses becoming spendable first repay what a refund could not take back. */
  private repayDebt(c: ModelCustomer, lot: ModelLot): void {
    const r = min(c.debt, lot.remaining);
    lot.remaining -= r;
    c.debt -= r;
  }

  /** Spending takes the lot that burns first (then the one that activated first, then the oldest). */
  private spendOrder(c: ModelCustomer): ModelLot[] {
    return c.lots
      .filter((l) => l.state === 'active' && l.remaining > 0n)
      .sort((a, b) => a.expiresAt - b.expiresAt || a.activatesAt - b.activatesAt || a.seq - b.seq);
  }

  /**
   * A sale of `lines` to the customer with `phone` at `at` (also the moment the till sends it,
   * `now`), paying `redeem` bonuses. `body` is the request as sent: a replay is the same text.
   */
  sale(externalId: string, body: string, phone: string, lines: ModelLine[], redeem: bigint, at: number, now: number): ModelOutcome {
    const seen = this.sales.get(externalId);
    if (seen !== undefined) return seen.body === body ? { ok: true, replay: true, redeemed: 0n, accrued: 0n } : { ok: false, code: 'IDEMPOTENCY_CONFLICT' };
    const known = this.customers.get(phone);
    if (known !== undefined) this.settle(known, now);
    const spendable = known === undefined ? 0n : this.active(known) - known.debt;
    const amount = lines.reduce((s, l) => s + l.amount, 0n);
    const cap = floorDiv(amount * BigInt(this.program.maxRedeemPercent), 100n);
    if (redeem > (spendable < 0n ? 0n : spendable)) return { ok: false, code: 'NOT_ENOUGH_BONUSES' };
    if (redeem > cap) return { ok: false, code: 'REDEEM_EXCEEDS_LIMIT' };
    const c: ModelCustomer = known ?? { lots: [], debt: 0n, totalSpent: 0n, purchases: 0, ambiguous: null };
    this.customers.set(phone, c);

    const spends: ModelSale['spends'] = [];
    let left = redeem;
    for (const lot of this.spendOrder(c)) {
      if (left === 0n) break;
      const take = min(left, lot.remaining);
      lot.remaining -= take;
      left -= take;
      spends.push({ lot, amount: take });
    }
    // Bonuses come back on the money paid, floored to whole bonuses (hundredths: to a multiple of 100).
    const exact = floorDiv((amount - redeem) * BigInt(this.program.accrualPercent), 100n);
    const accrued = exact - (exact % 100n);
    if (accrued > 0n) {
      const lot: ModelLot = {
        seq: ++this.seq,
        saleId: externalId,
        remaining: accrued,
        activatesAt: at + this.program.activationDays * MODEL_DAY_MS,
        expiresAt: at + this.program.expiryDays * MODEL_DAY_MS,
        state: 'pending',
      };
      c.lots.push(lot);
      this.settle(c, now);
    }
    c.totalSpent += amount;
    c.purchases += 1;
    // The first line carries the check's payment and accrual: exact for a one-line check, and
    // a check of several lines is only ever refunded whole, where the split does not matter.
    this.sales.set(externalId, {
      phone,
      body,
      lines: lines.map((l, i) => ({ ...l, redeemed: i === 0 ? redeem : 0n, accrued: i === 0 ? accrued : 0n, refunded: 0 })),
      spends,
      redeemedReturned: 0n,
    });
    return { ok: true, replay: false, redeemed: redeem, accrued };
  }

  /**
   * A refund of `quantities` (lineNo → thousandths; null: everything not yet returned) of a sale.
   * Sales of several lines must be refunded whole (the model does not split their figures by line).
   */
  refund(saleId: string, refundId: string, body: string, quantities: Map<number, number> | null, now: number): ModelOutcome {
    const seen = this.refunds.get(refundId);
    if (seen !== undefined) return seen === body ? { ok: true, replay: true, redeemed: 0n, accrued: 0n } : { ok: false, code: 'IDEMPOTENCY_CONFLICT' };
    const sale = this.sales.get(saleId);
    if (sale === undefined) return { ok: false, code: 'CHECK_NOT_FOUND' };
    if (quantities !== null && sale.lines.length > 1) throw new Error('model: partial refunds of several lines are not modelled');
    if (quantities !== null) for (const n of quantities.keys()) if (!sale.lines.some((l) => l.lineNo === n)) return { ok: false, code: 'INVALID_INPUT' };
    let amount = 0n;
    let redeemed = 0n;
    let accrued = 0n;
    let any = false;
    let complete = true;
    const after = new Map<number, number>();
    for (const l of sale.lines) {
      const q = quantities === null ? l.quantity - l.refunded : (quantities.get(l.lineNo) ?? 0);
      const to = l.refunded + q;
      if (to > l.quantity) return { ok: false, code: 'REFUND_EXCEEDS_SALE' };
      if (q > 0) any = true;
      if (to < l.quantity) complete = false;
      // Each refund is worth floor(v·after/Q) − floor(v·before/Q): partial refunds add up to the whole.
      const part = (v: bigint) => floorDiv(v * BigInt(to), BigInt(l.quantity)) - floorDiv(v * BigInt(l.refunded), BigInt(l.quantity));
      amount += part(l.amount);
      redeemed += part(l.redeemed);
      accrued += part(l.accrued);
      after.set(l.lineNo, to);
    }
    if (!any) return { ok: false, code: 'REFUND_EXCEEDS_SALE' };
    const c = this.customers.get(sale.phone)!;
    this.settle(c, now);
    this.giveBack(c, sale, redeemed, now);
    this.takeBack(c, saleId, accrued);
    c.totalSpent = c.totalSpent > amount ? c.totalSpent - amount : 0n;
    if (complete) c.purchases = Math.max(0, c.purchases - 1);
    for (const l of sale.lines) l.refunded = after.get(l.lineNo)!;
    this.refunds.set(refundId, body);
    return { ok: true, replay: false, redeemed, accrued };
  }

  /** Bonuses paid on the refunded part go back into the lots they came from, last spent first. */
  private giveBack(c: ModelCustomer, sale: ModelSale, amount: bigint, now: number): void {
    // Spends already given back by earlier refunds are the last ones.
    let skip = sale.redeemedReturned;
    let left = amount;
    for (let i = sale.spends.length - 1; i >= 0 && left > 0n; i--) {
      const s = sale.spends[i]!;
      const skipped = min(skip, s.amount);
      skip -= skipped;
      const give = min(left, s.amount - skipped);
      if (give === 0n) continue;
      left -= give;
      // A lot that burnt meanwhile comes back and burns again at once (settle below).
      if (s.lot.state === 'closed') {
        s.lot.state = 'active';
        c.lots.push(s.lot);
      }
      s.lot.remaining += give;
      this.repayDebt(c, s.lot);
    }
    if (left !== 0n) throw new Error('model: gave back more than was spent');
    sale.redeemedReturned += amount;
    this.settle(c, now);
  }

  /**
   * Bonuses accrued on the refunded part are taken back: from the sale's own lot, then from
   * the customer's other spendable lots in spending order, then from pending ones; what is left
   * becomes debt that the next bonuses repay.
   */
  private takeBack(c: ModelCustomer, saleId: string, amount: bigint): void {
    let left = amount;
    const own = c.lots.filter((l) => l.saleId === saleId && l.remaining > 0n);
    const active = this.spendOrder(c).filter((l) => !own.includes(l));
    const pending = c.lots.filter((l) => l.state === 'pending' && l.remaining > 0n && !own.includes(l));
    for (const lot of [...own, ...active]) {
      const take = min(left, lot.remaining);
      lot.remaining -= take;
      left -= take;
    }
    const inPending = pending.reduce((s, l) => s + l.remaining, 0n);
    if (left > 0n && pending.length > 1 && left < inPending) {
      c.ambiguous = `a refund of ${saleId} took ${left} back from ${pending.length} pending lots of other sales`;
    }
    for (const lot of pending) {
      const take = min(left, lot.remaining);
      lot.remaining -= take;
      left -= take;
    }
    c.debt += left;
  }
}
