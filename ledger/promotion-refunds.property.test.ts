import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger, SecretBox, type CheckResult, type RefundResult } from './index.ts';

// Property test through the ledger's face against real Postgres: a sale with random promotions
// (a percent, a discount by sum, a product free, bonuses on top) and a random bonus payment, then
// partial refunds of random lines and sizes and finally the rest. After every refund, what came
// back on each line is exactly its telescoping part of what the sale gave (floor(v·q/Q), bonuses on
// top included, since they sit in the line's accrual), each promotion's discount in the
// promotions' report is what is left of it, and the customer's balance is the sale's effect less
// what the refunds undid. Once all is returned: the balance is what it was before the sale and
// every promotion's net discount is 0.

const NOW = Date.parse('2026-11-23T12:00:00+03:00');
const DAY = { from: '2026-11-23', to: '2026-11-23' };
let db: TestDatabase;
let ledger: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(randomBytes(32)), now: () => NOW });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

const pct = fc.integer({ min: 1, max: 10_000 }).map((bp) => bp / 100);
const caseArb = fc.record({
  percent: fc.option(pct, { nil: null }),
  bySum: fc.option(pct, { nil: null }),
  gift: fc.boolean(),
  bonus: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: null }),
  redeem: fc.constantFrom(0, 'max' as const),
  lines: fc.array(fc.record({ product: fc.constantFrom(['coffee', 'drinks'], ['tea', 'drinks'], ['cake', 'bakery']), units: fc.integer({ min: 1, max: 5 }), price: fc.integer({ min: 1, max: 100_000 }) }), { minLength: 1, maxLength: 4 }),
  refunds: fc.array(fc.record({ line: fc.nat(), share: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 4 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function programOf(c: Case) {
  const promotions: unknown[] = [];
  if (c.percent !== null) promotions.push({ id: 'drinks', name: 'Напитки', when: { groupIds: ['drinks'] }, effect: { type: 'percent', percent: c.percent } });
  if (c.bySum !== null) promotions.push({ id: 'sum', name: 'От суммы', effect: { type: 'bySum', steps: [{ from: 1_000, percent: c.bySum }] } });
  if (c.gift) promotions.push({ id: 'cake', name: 'Десерт в подарок', effect: { type: 'gift', productId: 'cake', quantity: 1000 } });
  if (c.bonus !== null) promotions.push({ id: 'bonus', name: 'Бонусы сверху', when: { groupIds: ['drinks'] }, effect: { type: 'bonus', points: c.bonus } });
  return { levels: [{ code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 }], activationDays: 0, promotions };
}

const part = (v: number, q: number, total: number) => Number((BigInt(v) * BigInt(q)) / BigInt(total));

let run = 0;

async function check(c: Case): Promise<void> {
  const n = ++run;
  const t = (await ledger.createTenant(`refunds-${n}`, 'month', programOf(c))).id;
  const customer = await ledger.registerCustomer(t, { phone: `+7916555${String(n).padStart(4, '0')}` });
  await ledger.grant(t, customer.id, { points: 1_000_000, key: 'start' });
  const before = (await ledger.customer(t, { id: customer.id })).balance.available;
  const lines = c.lines.map((l, i) => ({ lineNo: i + 1, productId: l.product[0]!, groupId: l.product[1]!, quantity: l.units * 1000, price: l.price, amount: l.units * l.price }));
  const r = await ledger.commit(t, 'api', { externalId: 's', occurredAt: new Date(NOW).toISOString(), customer: { id: customer.id }, redeem: c.redeem, lines });
  if (r.status !== 'recorded') throw new Error('sale not recorded');
  const sale: CheckResult = r.answer;
  const given = new Map<string, number[]>(); // per promotion, its discount on each line
  sale.lines.forEach((l, i) => {
    for (const g of l.promotions ?? []) {
      if (!given.has(g.id)) given.set(g.id, lines.map(() => 0));
      given.get(g.id)![i]! += g.discount;
    }
  });

  const back = lines.map(() => 0); // units returned per line
  const returned = { discount: lines.map(() => 0), redeemed: lines.map(() => 0), accrued: lines.map(() => 0) };
  const undo = async (externalId: string, body: { externalId: string; lines?: { lineNo: number; quantity: number }[] }) => {
    const rr = await ledger.refund(t, 'api', 's', body);
    if (rr.status !== 'recorded') throw new Error(`refund ${externalId} not recorded`);
    const a: RefundResult = rr.answer;
    for (const l of a.lines) {
      const i = l.lineNo - 1;
      back[i]! += l.quantity;
      returned.discount[i]! += l.discount;
      returned.redeemed[i]! += l.redeemed;
      returned.accrued[i]! += l.accrued;
    }
    // Each line: exactly its telescoping part of what the sale gave, bonuses on top included.
    sale.lines.forEach((s, i) => {
      const q = back[i]!;
      const Q = lines[i]!.quantity;
      expect([returned.discount[i], returned.redeemed[i], returned.accrued[i]]).toEqual([part(s.discount, q, Q), part(s.redeemed, q, Q), part(s.accrued, q, Q)]);
    });
    // Each promotion: what is left of its discount, in the report.
    const report = await ledger.promotionsReport(t, DAY);
    for (const [id, d] of given) {
      const left = d.reduce((s, x, i) => s + x - part(x, back[i]!, lines[i]!.quantity), 0);
      expect(report.promotions.find((x) => x.id === id)?.discount ?? 0).toBe(left);
    }
    const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    const balance = (await ledger.customer(t, { id: customer.id })).balance.available;
    expect(balance).toBe(before - sale.totals.redeemed + sale.totals.accrued + sum(returned.redeemed) - sum(returned.accrued));
  };

  let k = 0;
  for (const step of c.refunds) {
    const i = step.line % lines.length;
    const left = lines[i]!.quantity - back[i]!;
    if (left === 0) continue;
    const quantity = Math.max(1, Math.min(left, Math.round(left * step.share)));
    await undo(`r${++k}`, { externalId: `r${k}`, lines: [{ lineNo: i + 1, quantity }] });
  }
  if (back.some((q, i) => q < lines[i]!.quantity)) await undo('rest', { externalId: 'rest' }); // the whole rest
  expect((await ledger.customer(t, { id: customer.id })).balance.available).toBe(before);
  const report = await ledger.promotionsReport(t, DAY);
  for (const id of given.keys()) expect(report.promotions.find((x) => x.id === id)).toMatchObject({ discount: 0, revenue: 0 });
}

describe('promotions and refunds (property, through the ledger)', () => {
  it('partial refunds return exactly what the promotions gave, discount and bonuses on top, and all of it in the end', async () => {
    await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: 30 });
  });
});
