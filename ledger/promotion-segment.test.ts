import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import type { CheckResult } from './check.ts';
import { Ledger } from './ledger.ts';
import { parseCheck } from './check.ts';
import evaluateTask from './rules/worker.ts';
import { evaluateCheck } from './rules/evaluate.ts';

// A promotion for a segment of customers, through the real ledger: calculate and commit give the
// same answer (the read path prices from the summary, the batch from the locked row, the worker
// threads from the state sent to them); a customer who moves into the segment by a purchase gets
// the promotion on the next check; days count from each check's own time.

const NOW = Date.parse('2026-11-22T12:00:00+03:00');
const DAY = 86_400_000;
let db: TestDatabase;
let inline: Ledger;
let workers: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  inline = await Ledger.open({ pool: db.pool, now: () => NOW });
  workers = await Ledger.open({ pool: db.pool, now: () => NOW, workers: 1 });
});
afterAll(async () => {
  await inline?.close();
  await workers?.close();
  await db?.drop();
});

const program = {
  levels: [{ code: 'base', name: 'Базовая', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 }],
  promotions: [
    // Women of age who registered themselves, from their third purchase.
    { id: 'regular', name: 'Постоянным покупательницам', when: { segment: { sources: ['self'], gender: 'female', minAge: 18, minPurchases: 2 } }, effect: { type: 'percent', percent: 10 } },
    // A sale registered at the till: source `pos`, no purchases yet.
    { id: 'hello', name: 'Первая покупка на кассе', when: { segment: { sources: ['pos'], maxPurchases: 0 } }, effect: { type: 'bonus', points: 5_000 } },
    // Registered by a cashier and back after a month or more.
    { id: 'back', name: 'С возвращением', when: { segment: { sources: ['cashier'], minDaysWithoutPurchase: 30, minPurchases: 1 } }, effect: { type: 'percent', percent: 15 } },
  ],
  maxBackdateDays: 90,
};

let n = 0;
const sale = (customer: Record<string, string> | null, at = NOW, amount = 100_000) => ({
  externalId: `s${++n}`,
  occurredAt: new Date(at + 3 * 3_600_000).toISOString().replace('Z', '+03:00'),
  customer,
  lines: [{ lineNo: 1, productId: 'dress', quantity: 1000, price: amount, amount }],
});
const given = (r: Pick<CheckResult, 'lines'>) => [...new Set(r.lines.flatMap((l) => (l.promotions ?? []).map((g) => g.id)))].sort();
/** Calculate, then commit the same check: the two answers agree; returns the promotions given. */
async function both(ledger: Ledger, t: string, check: ReturnType<typeof sale>): Promise<string[]> {
  const calc = await ledger.calculate(t, check);
  const done = (await ledger.commit(t, 'api', check)).answer;
  expect({ totals: done.totals, lines: done.lines, messages: done.messages }).toEqual({ totals: calc.totals, lines: calc.lines, messages: calc.messages });
  return given(done);
}

describe('promotion audience by segment, through the ledger', () => {
  let t: string;
  beforeAll(async () => {
    t = (await inline.createTenant('Ателье', 'month', program)).id;
  });

  it('a customer moves into the segment by a purchase and gets the promotion on the next check; others never do', async () => {
    const anna = await inline.registerCustomer(t, { phone: '+79160000301', gender: 'female', birthDate: '1990-05-01', source: 'self' });
    const boris = await inline.registerCustomer(t, { phone: '+79160000302', gender: 'male', birthDate: '1990-05-01', source: 'self' });
    const teen = await inline.registerCustomer(t, { phone: '+79160000303', gender: 'female', birthDate: '2008-11-23', source: 'self' });
    expect(anna.source).toBe('self');
    for (const c of [anna, boris, teen]) {
      expect(await both(inline, t, sale({ id: c.id }))).toEqual([]);
      expect(await both(inline, t, sale({ id: c.id }))).toEqual([]);
    }
    // Two purchases made: Anna is in; Boris is a man; the girl turns 18 tomorrow.
    expect(await both(inline, t, sale({ id: anna.id }))).toEqual(['regular']);
    expect(await both(inline, t, sale({ id: boris.id }))).toEqual([]);
    expect(await both(inline, t, sale({ id: teen.id }))).toEqual([]);
    // No customer, no segment.
    expect(await both(inline, t, sale(null))).toEqual([]);
    await expectLedgerInvariants(db.pool);
  });

  it('a phone the sale registers is priced as that customer (source pos, no purchases), at calculate and at commit', async () => {
    const check = sale({ phone: '+79160000311' });
    const calc = await inline.calculate(t, check);
    const done = (await inline.commit(t, 'api', check)).answer;
    expect(calc.messages).toContain('Акция «Первая покупка на кассе»: +50 бонусов');
    expect(done.totals).toEqual(calc.totals);
    expect(done.messages).toEqual(calc.messages);
    // The second purchase is not the first any more.
    expect((await inline.calculate(t, sale({ phone: '+79160000311' }))).messages).not.toContain('Акция «Первая покупка на кассе»: +50 бонусов');
  });

  it('days without a purchase count from each check\'s own time, not the clock', async () => {
    const c = await inline.registerCustomer(t, { phone: '+79160000321', source: 'cashier' });
    expect(await both(inline, t, sale({ id: c.id }, NOW - 40 * DAY))).toEqual([]); // never bought: `minPurchases: 1` fails
    // Now: 40 days since; a check closed 20 days ago and sent only now: 20 days since, as of it.
    const late = sale({ id: c.id }, NOW - 20 * DAY);
    expect(given(await inline.calculate(t, late))).toEqual([]);
    expect(await both(inline, t, sale({ id: c.id }))).toEqual(['back']);
    expect(given((await inline.commit(t, 'api', late)).answer)).toEqual([]);
    // Bought just now: not back yet.
    expect(await both(inline, t, sale({ id: c.id }))).toEqual([]);
  });

  it('checks priced in worker threads get the same answers as calculate', async () => {
    const people = await Promise.all(
      Array.from({ length: 6 }, (_, i) => inline.registerCustomer(t, { phone: `+7916000033${i}`, gender: i % 2 === 0 ? 'female' : 'male', birthDate: '1985-01-01', source: 'self', carriedOver: { total: 0, purchases: i } })),
    );
    const checks = people.map((p) => sale({ id: p.id }));
    const calcs = await Promise.all(checks.map((c) => workers.calculate(t, c)));
    const done = await Promise.all(checks.map((c) => workers.commit(t, 'api', c)));
    expect(workers.writer.stats.largestBatch).toBeGreaterThanOrEqual(2);
    expect(done.map((d) => given(d.answer))).toEqual(calcs.map(given));
    // Women with at least two purchases carried over: the 3rd and 5th.
    expect(done.map((d) => given(d.answer))).toEqual([[], [], ['regular'], [], ['regular'], []]);
  });

  it('the worker prices the state it is sent as the event loop does', async () => {
    const p = await inline.program(t);
    const anna = await inline.registerCustomer(t, { phone: '+79160000341', gender: 'female', birthDate: '1990-05-01', source: 'self', carriedOver: { total: 0, purchases: 3 } });
    const check = parseCheck(sale({ id: anna.id }));
    const cs = {
      id: anna.id, totalSpent: 0, purchases: 3, assignedLevel: null, available: 0, pending: 0, referrerId: null, registeredAt: NOW,
      source: 'self', gender: 'female', birthDate: '1990-05-01', lastPurchaseAt: null,
    };
    const [reply] = evaluateTask({ programs: { [t]: p.source }, items: [{ tenantId: t, check, customer: structuredClone(cs) }] });
    expect(reply).toMatchObject({ ok: true });
    expect(reply!.ok && given(reply!.ev)).toEqual(['regular']);
    expect(given(evaluateCheck(p, check, cs))).toEqual(['regular']);
  });
});
