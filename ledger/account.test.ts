import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceAt, credit, giveBack, openAccount, settle, spend, spendable, takeBack, type Account, type Lot, type Spend } from './account.ts';

// The account's bookkeeping, exercised by random histories: whatever happens, the buckets equal
// the postings, the lots explain the buckets, and no point is spent that was not there.

const DAY = 86_400_000;

function bucketsFromPostings(acc: Account): { available: number; pending: number } {
  let available = 0;
  let pending = 0;
  for (const p of acc.postings) {
    if (p.credit === 'available') available += p.amount;
    if (p.debit === 'available') available -= p.amount;
    if (p.credit === 'pending') pending += p.amount;
    if (p.debit === 'pending') pending -= p.amount;
  }
  return { available, pending };
}

function lotsExplainBuckets(acc: Account): void {
  let active = 0;
  let pend = 0;
  for (const l of acc.lots) {
    if (l.state === 'active') active += l.remaining;
    if (l.state === 'pending') pend += l.remaining;
    expect(l.remaining).toBeGreaterThanOrEqual(0);
    expect(l.remaining).toBeLessThanOrEqual(l.amount);
  }
  expect(acc.available).toBe(active - acc.debt);
  expect(acc.pending).toBe(pend);
  expect(acc.debt).toBeGreaterThanOrEqual(0);
  if (acc.debt > 0) expect(active).toBe(0);
}

type Step =
  | { t: 'credit'; amount: number; activateIn: number; ttl: number | null }
  | { t: 'spend'; fraction: number }
  | { t: 'takeBack'; which: number; amount: number }
  | { t: 'giveBack'; which: number; fraction: number }
  | { t: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ t: fc.constant('credit' as const), amount: fc.integer({ min: 1, max: 100_000 }), activateIn: fc.integer({ min: 0, max: 20 * DAY }), ttl: fc.option(fc.integer({ min: 1, max: 60 * DAY })) }),
  fc.record({ t: fc.constant('spend' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ t: fc.constant('takeBack' as const), which: fc.nat(), amount: fc.integer({ min: 1, max: 200_000 }) }),
  fc.record({ t: fc.constant('giveBack' as const), which: fc.nat(), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ t: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40 * DAY }) }),
);

describe('account', () => {
  it('keeps buckets equal to postings and explained by lots, through any history', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.boolean(), (steps, burnsAfterPurchase) => {
        let now = Date.parse('2026-01-01T00:00:00Z');
        const acc = openAccount({ customerId: '1', available: 0, pending: 0, debt: 0, burnAt: burnsAfterPurchase ? now + 90 * DAY : null }, []);
        let nextId = 1;
        const checks: { id: string; spends: Spend[]; given: number; spent: number }[] = [];
        const allLots = new Map<string, Lot>();
        let credited = 0;
        let spentTotal = 0;
        for (const s of steps) {
          if (s.t === 'credit') {
            const id = String(nextId++);
            const lot = credit(acc, { id, checkId: `c${id}`, kind: 'accrual', amount: s.amount, activatesAt: now + s.activateIn, expiresAt: s.ttl === null ? null : now + s.activateIn + s.ttl }, 'accrual', now);
            allLots.set(id, lot);
            credited += s.amount;
          } else if (s.t === 'spend') {
            const amount = Math.floor(spendable(acc) * s.fraction);
            if (amount > 0) {
              const before = spendable(acc);
              const id = `c${nextId++}`;
              const spends = spend(acc, amount, id, now);
              expect(spends.reduce((x, y) => x + y.amount, 0)).toBe(amount);
              expect(spendable(acc)).toBe(before - amount);
              checks.push({ id, spends, given: 0, spent: amount });
              spentTotal += amount;
            }
          } else if (s.t === 'takeBack') {
            const id = String((s.which % Math.max(1, nextId - 1)) + 1);
            takeBack(acc, [`c${id}`], s.amount, `r${nextId++}`, now);
          } else if (s.t === 'giveBack' && checks.length > 0) {
            const c = checks[s.which % checks.length]!;
            const amount = Math.floor((c.spent - c.given) * s.fraction);
            if (amount > 0) {
              // Earlier give-backs returned the last spends first.
              let skip = c.given;
              const rest = [...c.spends].reverse().map((x) => {
                const cut = Math.min(skip, x.amount);
                skip -= cut;
                return { ...x, amount: x.amount - cut };
              }).reverse().filter((x) => x.amount > 0);
              giveBack(acc, rest, amount, `r${nextId++}`, now, allLots);
              c.given += amount;
            }
          } else if (s.t === 'wait') {
            now += s.ms;
            settle(acc, now);
          }
          expect(bucketsFromPostings(acc)).toEqual({ available: acc.available, pending: acc.pending });
          lotsExplainBuckets(acc);
          expect(spendable(acc)).toBeGreaterThanOrEqual(0);
          // Nothing is created: what the customer holds never exceeds what was credited.
          expect(acc.available + acc.pending).toBeLessThanOrEqual(credited);
        }
        // The read path, computed from lots alone, agrees with the settled account.
        const view = balanceAt(acc, acc.lots, now + 365 * DAY);
        settle(acc, now + 365 * DAY);
        expect(view).toEqual({ available: acc.available, pending: acc.pending });
        expect(spentTotal).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('spends the lot that burns first', () => {
    const now = 0;
    const acc = openAccount({ customerId: '1', available: 0, pending: 0, debt: 0, burnAt: null }, []);
    credit(acc, { id: '1', checkId: null, kind: 'accrual', amount: 500, activatesAt: 0, expiresAt: 30 * DAY }, 'accrual', now);
    credit(acc, { id: '2', checkId: null, kind: 'registration', amount: 500, activatesAt: 0, expiresAt: 7 * DAY }, 'gift', now);
    credit(acc, { id: '3', checkId: null, kind: 'accrual', amount: 500, activatesAt: 0, expiresAt: null }, 'accrual', now);
    expect(spend(acc, 700, 'x', now)).toEqual([
      { lotId: '2', amount: 500 },
      { lotId: '1', amount: 200 },
    ]);
  });

  it('activates and burns as of the due time, and a lot due to burn before it activates never becomes available', () => {
    const acc = openAccount({ customerId: '1', available: 0, pending: 0, debt: 0, burnAt: null }, []);
    credit(acc, { id: '1', checkId: null, kind: 'accrual', amount: 100, activatesAt: 10, expiresAt: 20 }, 'accrual', 0);
    settle(acc, 15);
    expect([acc.available, acc.pending]).toEqual([100, 0]);
    expect(acc.postings.at(-1)).toMatchObject({ kind: 'activation', at: 10 });
    settle(acc, 25);
    expect([acc.available, acc.pending]).toEqual([0, 0]);
    expect(acc.postings.at(-1)).toMatchObject({ kind: 'expiry', at: 20, debit: 'available', credit: 'expired' });
  });
});
