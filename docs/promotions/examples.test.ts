import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateExamples, type Example } from './examples.ts';

// The promotions' examples (EXAMPLES.md) are generated from the real ledger; this runs the
// generator into a temp file and checks the figures the document's sentences promise, so a change
// in the rules that moves one fails here instead of leaving the document saying something false.

let dir: string;
let examples: Example[];
let text: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kopilka-examples-'));
  const file = join(dir, 'EXAMPLES.md');
  examples = await generateExamples(file);
  text = await readFile(file, 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Out = { totals: Record<string, number>; lines: Record<string, unknown>[]; messages: string[]; giftcards?: Record<string, unknown>[] };
/** The output of step `i` of the example `key`. */
const out = (key: string, i: number): Out => {
  const e = examples.find((x) => x.key === key);
  if (e === undefined) throw new Error(`no example ${key}`);
  return e.steps[i]!.output as Out;
};

describe('promotions: the examples document', () => {
  it('has every kind, each with a check in and a result out, and no issued code in clear', () => {
    expect(examples.map((e) => e.key)).toEqual([
      'happyHours', 'eveningBoost', 'groupOffer', 'bundle', 'byQuantity', 'bySum', 'freeProduct', 'bonusOnTop',
      'minCheck', 'notPayable', 'issuedCoupon', 'unknownCoupon', 'budget', 'stacking', 'giftcard', 'lifetime', 'audience',
    ]);
    for (const e of examples) expect(text).toContain(`## ${examples.indexOf(e) + 1}. ${e.title}`);
    expect(text.match(/Check in:/g)!.length).toBeGreaterThanOrEqual(16);
    expect(text).toContain('W-<код>');
    expect(text).not.toMatch(/(W-[A-HJ-NP-Z2-9]{10}|GC-[A-HJ-NP-Z2-9]{12})\b/);
  });

  it('percents by hours, group, quantity, sum, a bundle and a free product', () => {
    expect(out('happyHours', 0).lines[0]).toMatchObject({ discount: 6_000, promotions: [{ id: 'hh', discount: 6_000 }] });
    expect(out('happyHours', 1).totals.discount).toBe(0);
    expect(out('happyHours', 3).totals).toMatchObject({ amount: 15_000, discount: 3_000 });
    expect([out('eveningBoost', 0).totals.accrued, out('eveningBoost', 1).totals.accrued]).toEqual([8_000, 4_000]);
    expect(out('groupOffer', 0).lines.map((l) => l.discount)).toEqual([3_600, 0]);
    expect(out('bundle', 0).lines.map((l) => l.discount)).toEqual([3_000, 4_500, 0]);
    expect(out('bundle', 1).totals.discount).toBe(0);
    expect([out('byQuantity', 0).totals.discount, out('byQuantity', 1).totals.discount]).toEqual([2_000, 6_000]);
    expect([out('bySum', 0).totals.discount, out('bySum', 1).totals.discount]).toEqual([7_500, 35_000]);
    expect(out('freeProduct', 0).lines.map((l) => l.discount)).toEqual([0, 15_000]);
  });

  it('bonuses on top are split over the lines and a return takes back its share', () => {
    const sale = out('bonusOnTop', 0);
    expect(sale.totals.accrued).toBe(2_000 + 5_000);
    expect(sale.lines.map((l) => l.promotions)).toEqual([[{ id: 'x50', discount: 0, bonus: 3_750 }], [{ id: 'x50', discount: 0, bonus: 1_250 }]]);
    expect(out('bonusOnTop', 1).totals.accrued).toBe(500 + 1_250);
  });

  it('bonus payment: a minimum check and goods bonuses may not pay for', () => {
    expect(out('minCheck', 0)).toEqual({ error: { code: 'REDEEM_EXCEEDS_LIMIT', message: 'Оплатить бонусами можно чек от 1000,00 ₽' } });
    expect(out('minCheck', 1).totals.maxRedeem).toBe(0);
    expect(out('minCheck', 2).totals).toMatchObject({ maxRedeem: 50_000, redeemed: 50_000 });
    expect(out('notPayable', 0).lines.map((l) => l.redeemed)).toEqual([0, 5_000]);
  });

  it('coupons: held by calculate, spent by commit, refused after with the check going through, given back by the refund; an unknown one said', () => {
    expect(out('issuedCoupon', 1).totals.discount).toBe(10_000);
    expect(out('issuedCoupon', 2).totals.discount).toBe(0);
    expect(out('issuedCoupon', 2).messages[0]).toMatch(/отложен для другого чека/);
    expect(out('issuedCoupon', 3).totals.discount).toBe(10_000);
    expect(out('issuedCoupon', 4).totals).toMatchObject({ discount: 0, toPay: 50_000 });
    expect(out('issuedCoupon', 4).messages[0]).toMatch(/уже использован: чек проведён без него$/);
    expect(out('issuedCoupon', 5).totals.discount).toBe(10_000);
    expect(out('issuedCoupon', 6).totals.discount).toBe(10_000);
    expect(out('unknownCoupon', 0).messages).toContain('Купон «SPRING» не найден: чек проведён без него');
  });

  it('a budget runs out: the next promotion applies, a smaller check still fits', () => {
    expect(out('budget', 0).lines[0]!.promotions).toEqual([{ id: 'limited', discount: 10_000 }]);
    expect(out('budget', 1).lines[0]!.promotions).toEqual([{ id: 'always', discount: 3_000 }]);
    expect(out('budget', 1).messages).toContain('Бюджет акции «Чёрная пятница» исчерпан: чек проведён без неё');
    expect(out('budget', 2).lines[0]!.promotions).toEqual([{ id: 'limited', discount: 3_000 }]);
  });

  it('stacking: the best `best`, then combinable on the rest; exclusive alone', () => {
    expect(out('stacking', 0).lines[0]!.promotions).toEqual([{ id: 'all15', discount: 3_000 }, { id: 'extra5', discount: 850 }]);
    expect(out('stacking', 1).lines.map((l) => l.promotions)).toEqual([[{ id: 'vip', discount: 6_000 }], [{ id: 'vip', discount: 9_000 }]]);
  });

  it('a gift certificate pays part of a check and keeps the rest; bonuses only on the money', () => {
    expect(out('giftcard', 3).totals.accrued).toBe(2_000);
    expect(out('giftcard', 3).giftcards![0]).toMatchObject({ taken: 60_000, balance: 40_000 });
    expect(out('giftcard', 4)).toMatchObject({ status: 'active', balance: 40_000 });
  });

  it('bonuses under a modifier\'s lifetime: spendable at once, burning in 7 days', () => {
    expect(out('lifetime', 0).messages).toEqual(['Начислено 50 бонусов: 20 доступны сразу, 30 станут доступны 07.12.2026']);
    expect(out('lifetime', 1)).toEqual({ available: 2_000, pending: 3_000 });
    const schedule = out('lifetime', 2) as unknown as { activating: { at: string; points: number }[]; burning: { at: string; points: number }[] };
    expect(schedule.activating).toEqual([{ at: '2026-12-07T07:00:00.000Z', points: 3_000 }]);
    expect(schedule.burning).toEqual([{ at: '2026-11-30T07:00:00.000Z', points: 2_000 }]);
  });

  it('audience by segment: purchases counted before the check, the next one in; an anonymous check out', () => {
    expect([out('audience', 0).totals.discount, out('audience', 1).totals.discount]).toEqual([0, 0]);
    expect(out('audience', 2).lines[0]!.promotions).toEqual([{ id: 'regulars', discount: 6_000 }]);
    expect(out('audience', 3).totals).toMatchObject({ discount: 6_000, toPay: 54_000 });
    expect(out('audience', 4).totals).toMatchObject({ discount: 0, accrued: 0 });
  });
});
