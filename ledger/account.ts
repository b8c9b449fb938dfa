// A customer's bonus account in memory, while the writer holds its row lock. Every change is a
// posting between two buckets, so money is never created or lost inside the ledger, only moved:
//
//   issuer ──accrual/gift──▶ pending ──activation──▶ available ──redeem──▶ redeemed
//                                                         │  ▲
//                                                         │  └──return (refund of a paid check)
//                                                         └──expiry──▶ expired
//   reversal (refund of an accrual) moves points from pending or available back to issuer.
//
// `pending` and `available` are the customer's; issuer, redeemed and expired are the tenant's
// counterparts. A bucket's balance is the sum of postings into it minus those out of it, and the
// writer stores it next to the customer only as a cache of that sum.
//
// Lots say which points are which: each credit is a lot with an activation time and an expiry,
// spending takes lots by earliest expiry. When a refund must take back points the customer has
// already spent, the shortfall is kept as `debt`: available goes below the lots' sum by that much,
// and the next points that become available repay it first. Invariant, after `settle(now)`:
//   available == Σ remaining of active lots − debt,   pending == Σ remaining of pending lots.

/**
 * The most bonuses (hundredths) a customer may hold: Σ remaining of their lots, i.e. available +
 * debt + pending. 10^13 hundredths is 100 billion bonuses, far beyond any real programme; with
 * one operation adding at most 10^14 (the largest check's accrual), every bucket, sum and lot stays
 * below 2^53 ≈ 9·10^15, so JavaScript numbers hold them exactly. An operation that would cross it
 * is refused (BALANCE_LIMIT) before it changes anything.
 */
export const MAX_BALANCE = 10_000_000_000_000;

/** The most a customer's purchase total (customers.total_spent) may reach: 10^15 kopecks, 10 trillion ₽. */
export const MAX_TOTAL_SPENT = 1_000_000_000_000_000;

export type Bucket = 'issuer' | 'pending' | 'available' | 'redeemed' | 'expired';
export type PostingKind = 'accrual' | 'gift' | 'referral' | 'activation' | 'redeem' | 'expiry' | 'reversal' | 'return';
export type LotKind = 'accrual' | 'registration' | 'selfRegistration' | 'welcome' | 'levelWelcome' | 'firstPurchase' | 'referral' | 'birthday' | 'relativeBirthday' | 'inactivity' | 'manual' | 'import' | 'campaign';

export interface Posting {
  customerId: string;
  debit: Bucket;
  credit: Bucket;
  amount: number;
  kind: PostingKind;
  checkId: string | null;
  lotId: string | null;
  /** When it took effect (an activation or expiry is dated when it was due, not when swept). */
  at: number;
}

export interface Lot {
  id: string;
  customerId: string;
  checkId: string | null;
  kind: LotKind;
  amount: number;
  remaining: number;
  activatesAt: number;
  expiresAt: number | null;
  state: 'pending' | 'active' | 'closed';
}

export interface Spend {
  lotId: string;
  amount: number;
}

export interface Account {
  customerId: string;
  available: number;
  pending: number;
  debt: number;
  /** Instant when all of this customer's bonuses burn (expiry mode afterLastPurchase), or null. */
  burnAt: number | null;
  lots: Lot[];
  /** Postings and lots changed since the account was loaded: what the writer must store. */
  postings: Posting[];
  changedLots: Set<Lot>;
  newLots: Set<Lot>;
}

export function openAccount(a: Pick<Account, 'customerId' | 'available' | 'pending' | 'debt' | 'burnAt'>, lots: Lot[]): Account {
  // Field by field: a spread copy that gains properties costs V8 11 a new hidden class per call (issue #17).
  return {
    customerId: a.customerId,
    available: a.available,
    pending: a.pending,
    debt: a.debt,
    burnAt: a.burnAt,
    lots: lots.filter((l) => l.state !== 'closed'),
    postings: [],
    changedLots: new Set(),
    newLots: new Set(),
  };
}

export function effectiveExpiry(acc: Account, lot: Lot): number | null {
  if (acc.burnAt === null) return lot.expiresAt;
  return lot.expiresAt === null ? acc.burnAt : Math.min(lot.expiresAt, acc.burnAt);
}

function post(acc: Account, debit: Bucket, credit: Bucket, amount: number, kind: PostingKind, lot: Lot | null, checkId: string | null, at: number): void {
  if (amount === 0) return;
  if (!Number.isSafeInteger(amount) || amount < 0) throw new Error(`ledger: bad posting amount ${amount}`);
  acc.postings.push({ customerId: acc.customerId, debit, credit, amount, kind, checkId, lotId: lot?.id ?? null, at });
  for (const [bucket, sign] of [
    [debit, -1],
    [credit, 1],
  ] as const) {
    if (bucket === 'available') acc.available += sign * amount;
    else if (bucket === 'pending') acc.pending += sign * amount;
  }
}

function touch(acc: Account, lot: Lot): void {
  if (!acc.newLots.has(lot)) acc.changedLots.add(lot);
}

/** Points that just became available repay debt first. */
function repayDebt(acc: Account, lot: Lot): void {
  const repay = Math.min(acc.debt, lot.remaining);
  if (repay === 0) return;
  lot.remaining -= repay;
  acc.debt -= repay;
}

/** Activates lots that are due and burns those that have expired, as of `now`, in time order. */
export function settle(acc: Account, now: number): void {
  const events: { at: number; lot: Lot; what: 'activate' | 'expire' }[] = [];
  for (const lot of acc.lots) {
    if (lot.state === 'closed') continue;
    if (lot.state === 'pending' && lot.activatesAt <= now) events.push({ at: lot.activatesAt, lot, what: 'activate' });
    const exp = effectiveExpiry(acc, lot);
    if (exp !== null && exp <= now) events.push({ at: exp, lot, what: 'expire' });
  }
  if (events.length === 0) return;
  // Activation before expiry at the same instant, so a lot never burns from pending.
  events.sort((a, b) => a.at - b.at || (a.what === b.what ? 0 : a.what === 'activate' ? -1 : 1));
  for (const e of events) {
    const lot = e.lot;
    if (e.what === 'activate') {
      if (lot.state !== 'pending') continue;
      post(acc, 'pending', 'available', lot.remaining, 'activation', lot, lot.checkId, e.at);
      lot.state = 'active';
      repayDebt(acc, lot);
    } else {
      if (lot.state === 'pending') {
        // Expired before it activated (a far backdated check): it burns from pending.
        post(acc, 'pending', 'expired', lot.remaining, 'expiry', lot, lot.checkId, e.at);
      } else {
        post(acc, 'available', 'expired', lot.remaining, 'expiry', lot, lot.checkId, e.at);
      }
      lot.remaining = 0;
      lot.state = 'closed';
    }
    touch(acc, lot);
  }
  acc.lots = acc.lots.filter((l) => l.state !== 'closed');
}

/** Credits a new lot from the issuer: to pending, or to available when it is active already. */
export function credit(acc: Account, lot: Omit<Lot, 'remaining' | 'state' | 'customerId'>, postingKind: PostingKind, now: number): Lot {
  const l: Lot = {
    id: lot.id,
    customerId: acc.customerId,
    checkId: lot.checkId,
    kind: lot.kind,
    amount: lot.amount,
    remaining: lot.amount,
    activatesAt: lot.activatesAt,
    expiresAt: lot.expiresAt,
    state: 'pending',
  };
  acc.lots.push(l);
  acc.newLots.add(l);
  if (l.activatesAt <= now) {
    // Spendable at once: straight to available, no activation step in the history.
    post(acc, 'issuer', 'available', l.amount, postingKind, l, l.checkId, now);
    l.state = 'active';
    repayDebt(acc, l);
  } else {
    post(acc, 'issuer', 'pending', l.amount, postingKind, l, l.checkId, now);
  }
  settle(acc, now);
  return l;
}

/** Bonuses the customer holds in lots (spent by debt or not): what MAX_BALANCE bounds. */
export function holding(acc: Pick<Account, 'available' | 'pending' | 'debt'>): number {
  return acc.available + acc.debt + acc.pending;
}

/** Spendable now: what the customer may pay with (never negative, even with debt). */
export function spendable(acc: Account): number {
  return Math.max(0, acc.available);
}

function spendOrder(acc: Account): Lot[] {
  return acc.lots
    .filter((l) => l.state === 'active' && l.remaining > 0)
    .sort((a, b) => {
      const ea = effectiveExpiry(acc, a) ?? Infinity;
      const eb = effectiveExpiry(acc, b) ?? Infinity;
      return ea - eb || a.activatesAt - b.activatesAt || compareIds(a.id, b.id);
    });
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Pays `amount` from active lots, earliest expiry first. The caller has checked spendable(). */
export function spend(acc: Account, amount: number, checkId: string, now: number): Spend[] {
  if (amount > spendable(acc)) throw new Error(`ledger: spend ${amount} exceeds spendable ${spendable(acc)}`);
  const spends: Spend[] = [];
  let left = amount;
  for (const lot of spendOrder(acc)) {
    if (left === 0) break;
    const take = Math.min(left, lot.remaining);
    lot.remaining -= take;
    left -= take;
    touch(acc, lot);
    post(acc, 'available', 'redeemed', take, 'redeem', lot, checkId, now);
    spends.push({ lotId: lot.id, amount: take });
  }
  if (left !== 0) throw new Error('ledger: active lots do not cover the available balance');
  return spends;
}

/**
 * Takes back points a check credited (a refund of its purchase): from that check's own lots
 * first, then from the customer's other lots (available ones by spend order, then pending),
 * and what is left becomes debt. Returns the part that became debt.
 */
export function takeBack(acc: Account, fromCheckIds: readonly string[], amount: number, refundCheckId: string, now: number): number {
  let left = amount;
  const own = acc.lots.filter((l) => l.checkId !== null && fromCheckIds.includes(l.checkId) && l.remaining > 0);
  const others = [...spendOrder(acc).filter((l) => !own.includes(l)), ...acc.lots.filter((l) => l.state === 'pending' && l.remaining > 0 && !own.includes(l))];
  for (const lot of [...own, ...others]) {
    if (left === 0) break;
    const take = Math.min(left, lot.remaining);
    lot.remaining -= take;
    left -= take;
    touch(acc, lot);
    post(acc, lot.state === 'pending' ? 'pending' : 'available', 'issuer', take, 'reversal', lot, refundCheckId, now);
  }
  if (left > 0) {
    post(acc, 'available', 'issuer', left, 'reversal', null, refundCheckId, now);
    acc.debt += left;
  }
  return left;
}

/**
 * Gives back points paid on a refunded check into the lots they were taken from, last spent
 * first. A lot that has expired meanwhile is reopened and burns again at once, so the history
 * shows both the return and the expiry. `lotsById` supplies closed lots the account no longer holds.
 */
export function giveBack(acc: Account, spends: readonly Spend[], amount: number, refundCheckId: string, now: number, lotsById: Map<string, Lot>): void {
  let left = amount;
  for (let i = spends.length - 1; i >= 0 && left > 0; i--) {
    const s = spends[i]!;
    const lot = acc.lots.find((l) => l.id === s.lotId) ?? lotsById.get(s.lotId);
    if (lot === undefined) throw new Error(`ledger: lot ${s.lotId} of a spend is missing`);
    const give = Math.min(left, s.amount);
    left -= give;
    if (!acc.lots.includes(lot)) acc.lots.push(lot);
    if (lot.state === 'closed') lot.state = 'active';
    lot.remaining += give;
    touch(acc, lot);
    post(acc, 'redeemed', 'available', give, 'return', lot, refundCheckId, now);
    repayDebt(acc, lot);
  }
  if (left !== 0) throw new Error('ledger: give-back exceeds what was spent');
  settle(acc, now);
}

/** The customer-facing balance as of `now`, without writing anything (a read path). */
export function balanceAt(acc: Pick<Account, 'debt' | 'burnAt'>, lots: readonly Lot[], now: number): { available: number; pending: number } {
  const view: Account = openAccount({ customerId: '', available: 0, pending: 0, debt: acc.debt, burnAt: acc.burnAt }, lots.map((l) => ({ ...l })));
  // Rebuild the buckets from the lots, then let settle() move what is due.
  for (const l of view.lots) {
    if (l.state === 'pending') view.pending += l.remaining;
    else view.available += l.remaining;
  }
  view.available -= view.debt;
  settle(view, now);
  return { available: view.available, pending: view.pending };
}
