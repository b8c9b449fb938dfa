import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { ledgerOnClock } from '../test/ledger-fixture.ts';
import type { TestDatabase } from '../test/postgres.ts';
import { MAX_AMOUNT } from './check.ts';
import { KopilkaError } from './errors.ts';
import { Ledger } from './ledger.ts';
import { MODEL_DAY_MS, programJson, ReferenceLedger, type ModelLine, type ModelOutcome, type ModelProgram } from './reference-model.ts';

// The real ledger on real Postgres against the reference model (ledger/reference-model.ts), side
// by side over long random histories: sales with bonus payment, full and partial refunds, replays
// and reused ids, time passing with the sweeper, unicode ids (and ids that must be refused), line
// amounts up to MAX_AMOUNT. After every step the customer's balance, purchase total and purchase
// count are the model's, and the customer's buckets equal the sums of their postings.
//
// A balance the ledger cannot hold exactly must be refused: an answer with a limit code (the cap
// on a customer's balance, e.g. BALANCE_LIMIT) is modelled as "refused, nothing changed"; the
// model itself is in bigint, so a figure past 2^53 that the ledger accepts shows as a mismatch.

const SEED = Number(process.env.FC_SEED ?? 20261123);
const T0 = Date.parse('2026-06-01T09:00:00Z');
let clock = T0;
let db: TestDatabase;
let ledger: Ledger;

ledgerOnClock(() => clock, (l, d) => ((ledger = l), (db = d)), { writer: { maxBatch: 50 } });

const PHONES = ['+79990011001', '+79990011002', '+79990011003'];
const iso = (ms: number) => new Date(ms).toISOString();

// ── ids ──
// Valid: any well-formed text without control characters, as a till may print it. Invalid: the
// same with a NUL, a lone surrogate or a control character inside.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Cs}/u;
const validId = fc
  .oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.constantFrom('чек-1', '🧾-1', 'e\u0301', 'é', 'a b'))
  .filter((s) => s.length <= 128 && s === s.trim() && s.length > 0 && !LONE_SURROGATE.test(s) && !CONTROL.test(s));
const BAD_CHARS = ['\u0000', '\ud800', '\udfff', '\u0007', '\u001b', '\u007f', '\u0085', '\u009f', '\u000b'];
const badId = fc.tuple(fc.string({ maxLength: 5 }), fc.constantFrom(...BAD_CHARS), fc.string({ maxLength: 5 })).map(([a, c, b]) => `x${a}${c}${b}x`);

// ── actions ──
const amount = fc.oneof(fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: MAX_AMOUNT - 1000, max: MAX_AMOUNT }), fc.integer({ min: 1, max: MAX_AMOUNT }));
type Action =
  | { t: 'sale'; who: number; id: string; amount: number; quantity: number; redeem: number; replay: boolean }
  | { t: 'bigSale'; who: number; id: string; amounts: number[]; redeem: number }
  | { t: 'reuse'; pick: number; amount: number }
  | { t: 'refund'; pick: number; id: string; part: number | null; replay: boolean }
  | { t: 'badSale'; who: number; id: string; field: 'externalId' | 'productId' | 'storeId' | 'cashierId' | 'payments.0.type' }
  | { t: 'badRefund'; pick: number; id: string; where: 'externalId' | 'sale' }
  | { t: 'wait'; days: number; minutes: number }
  | { t: 'sweep' };

const redeemFactor = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(1), fc.double({ min: 1, max: 1.3, noNaN: true }));
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant('sale' as const), who: fc.nat(2), id: validId, amount, quantity: fc.integer({ min: 1, max: 5000 }), redeem: redeemFactor, replay: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('bigSale' as const), who: fc.nat(2), id: validId, amounts: fc.array(fc.integer({ min: MAX_AMOUNT - 100, max: MAX_AMOUNT }), { minLength: 2, maxLength: 40 }), redeem: redeemFactor }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reuse' as const), pick: fc.nat(), amount }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('refund' as const), pick: fc.nat(), id: validId, part: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 3 }), replay: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('badSale' as const), who: fc.nat(2), id: badId, field: fc.constantFrom('externalId' as const, 'productId' as const, 'storeId' as const, 'cashierId' as const, 'payments.0.type' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('badRefund' as const), pick: fc.nat(), id: badId, where: fc.constantFrom('externalId' as const, 'sale' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('wait' as const), days: fc.integer({ min: 0, max: 20 }), minutes: fc.integer({ min: 1, max: 600 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('sweep' as const) }) },
);
const programArb: fc.Arbitrary<ModelProgram> = fc
  .record({ accrualPercent: fc.integer({ min: 1, max: 100 }), maxRedeemPercent: fc.integer({ min: 0, max: 100 }), activationDays: fc.constantFrom(0, 3), expiryDays: fc.integer({ min: 5, max: 40 }) })
  .map((p) => ({ ...p, expiryDays: Math.max(p.expiryDays, p.activationDays + 1) }));

// ── one run ──

type Real = { ok: true; json: string; replay: boolean } | { ok: false; error: KopilkaError };
async function real(p: Promise<{ json: string; replay: boolean }>): Promise<Real> {
  try {
    const r = await p;
    return { ok: true, json: r.json, replay: r.replay };
  } catch (e) {
    if (!(e instanceof KopilkaError)) throw new Error(`not a KopilkaError: ${String((e as Error)?.stack ?? e)}`);
    return { ok: false, error: e };
  }
}

/** A refusal because a figure would pass what the ledger holds exactly (code chosen by the ledger). */
const isLimit = (e: KopilkaError) => e.code !== 'REDEEM_EXCEEDS_LIMIT' && /LIMIT|OVERFLOW|TOO_LARGE/.test(e.code) && e.status === 422;

interface SaleMemo {
  id: string;
  body: Record<string, unknown>;
  lines: ModelLine[];
}

/** What the histories exercised, printed at the end: a property that never reaches debt proves little about it. */
const seen = new Map<string, number>();
const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

class Run {
  model: ReferenceLedger;
  sales: SaleMemo[] = [];
  refundIds = new Map<string, string>();
  log: string[] = [];
  constructor(
    readonly tenant: string,
    program: ModelProgram,
  ) {
    this.model = new ReferenceLedger(program);
  }

  /** Applies one operation to a copy of the model; keeps it when the real ledger agreed, checks the answers match. */
  judge(what: string, r: Real, apply: (m: ReferenceLedger) => ModelOutcome): void {
    const next = this.model.clone();
    const m = apply(next);
    const realSays = r.ok ? (r.replay ? 'replay' : 'ok') : `${r.error.code} (${r.error.message} ${JSON.stringify(r.error.details ?? {})})`;
    this.log.push(`${what} → real ${realSays} / model ${m.ok ? (m.replay ? 'replay' : 'ok') : m.code}`);
    count(`${what.split(' ')[0]} ${r.ok ? (r.replay ? 'replay' : 'ok') : r.error.code}`);
    if (!r.ok && isLimit(r.error) && m.ok) {
      // Refused for size: nothing changed. But only a figure far beyond any real programme may be refused.
      const big = [...next.customers.values()].some((c) => c.totalSpent > 10n ** 14n || c.lots.reduce((x, l) => x + l.remaining, 0n) > 10n ** 12n);
      expect(big, `${what}: refused for a limit, yet the model's figures are small`).toBe(true);
      return;
    }
    if (!r.ok) expect({ what, code: r.error.code, message: r.error.message }).toEqual({ what, code: m.ok ? '(accepted)' : m.code, message: r.error.message });
    else {
      expect({ what, outcome: r.replay ? 'replay' : 'ok' }).toEqual({ what, outcome: m.ok ? (m.replay ? 'replay' : 'ok') : m.code });
      if (m.ok && !m.replay) {
        const t = JSON.parse(r.json).totals;
        expect({ what, redeemed: BigInt(t.redeemed), accrued: BigInt(t.accrued) }).toEqual({ what, redeemed: m.redeemed, accrued: m.accrued });
      }
      this.model = next;
    }
  }

  async compare(): Promise<void> {
    for (const phone of PHONES) {
      const want = this.model.balance(phone, clock);
      const c = this.model.customers.get(phone);
      const seen = await ledger.customer(this.tenant, { phone }).catch((e) => (e instanceof KopilkaError && e.code === 'CUSTOMER_NOT_FOUND' ? null : Promise.reject(e)));
      if (want === null) {
        expect(seen).toBeNull();
        continue;
      }
      expect(seen, `customer ${phone} exists`).not.toBeNull();
      if (c?.ambiguous === 'compared') continue;
      const got = { available: BigInt(seen!.balance.available), pending: BigInt(seen!.balance.pending), totalSpent: BigInt(seen!.totalSpent), purchases: seen!.purchases };
      expect({ phone, ...got }).toEqual({ phone, available: want.available, pending: want.pending, totalSpent: want.totalSpent, purchases: want.purchases });
      for (const v of [want.available, want.pending, want.totalSpent]) expect(v <= BigInt(Number.MAX_SAFE_INTEGER), `${phone}: the ledger accepted a figure past 2^53`).toBe(true);
    }
    await expectBucketsEqualPostings(this.tenant);
  }
}

/** Each customer's cached buckets equal the sums of the postings into and out of them (this tenant). */
async function expectBucketsEqualPostings(tenant: string): Promise<void> {
  const r = await db.pool.query(
    `SELECT c.id, c.available::text AS a, c.pending::text AS p,
            COALESCE(SUM(CASE WHEN p.credit = 'available' THEN p.amount WHEN p.debit = 'available' THEN -p.amount ELSE 0 END), 0)::text AS pa,
            COALESCE(SUM(CASE WHEN p.credit = 'pending' THEN p.amount WHEN p.debit = 'pending' THEN -p.amount ELSE 0 END), 0)::text AS pp
       FROM customers c LEFT JOIN postings p ON p.tenant_id = c.tenant_id AND p.customer_id = c.id
      WHERE c.tenant_id = $1 GROUP BY c.tenant_id, c.id`,
    [tenant],
  );
  for (const row of r.rows) expect({ id: row.id, available: row.a, pending: row.p }).toEqual({ id: row.id, available: row.pa, pending: row.pp });
}

function saleBody(id: string, phone: string, lines: (ModelLine & { price?: number })[], redeem: number): Record<string, unknown> {
  return {
    externalId: id,
    occurredAt: iso(clock),
    storeId: 'shop-1',
    cashierId: 'кассир',
    customer: { phone },
    lines: lines.map((l) => ({ lineNo: l.lineNo, productId: `sku-${l.lineNo}`, quantity: l.quantity, price: l.price ?? Number(l.amount), amount: Number(l.amount) })),
    // No payments: how they must add up to a check paid partly with bonuses is another test's business.
    redeem,
  };
}

/** The redeem a till would ask for: a share of what the model says may be paid (over 1: too much). */
function redeemFor(run: Run, phone: string, lines: ModelLine[], factor: number): number {
  const b = run.model.balance(phone, clock);
  const amountSum = lines.reduce((s, l) => s + l.amount, 0n);
  const cap = (amountSum * BigInt(run.model.program.maxRedeemPercent)) / 100n;
  const most = b === null ? 0n : b.available < cap ? b.available : cap;
  // The contract's bound on a bonus payment, as a till would respect it.
  return Math.min(MAX_AMOUNT, Math.floor(Number(most) * factor));
}

async function sell(run: Run, id: string, phone: string, lines: (ModelLine & { price?: number })[], factor: number, replay: boolean): Promise<void> {
  clock += 60_000; // every sale at its own minute: lots never tie in activation or expiry
  const redeem = redeemFor(run, phone, lines, factor);
  const body = saleBody(id, phone, lines, redeem);
  const text = JSON.stringify(body);
  const r = await real(ledger.commit(run.tenant, 'api', body));
  run.judge(`sale ${JSON.stringify(id)} ${text.length > 400 ? `${lines.length} lines` : text}`, r, (m) => m.sale(id, text, phone, lines, BigInt(redeem), clock, clock));
  if (r.ok && !r.replay && !run.sales.some((s) => s.id === id)) run.sales.push({ id, body, lines });
  if (r.ok && replay) {
    const again = await real(ledger.commit(run.tenant, 'api', body));
    expect(again.ok && again.replay && again.json === r.json, `replay of ${JSON.stringify(id)} returns the first answer`).toBe(true);
  }
}

/** A line as a till computes it: the amount is price × quantity, rounded to the kopeck. */
function lineOf(target: number, quantity: number): ModelLine & { price: number } {
  const price = Math.min(MAX_AMOUNT, Math.floor((target * 1000) / quantity));
  const amount = Math.min(MAX_AMOUNT, Math.round((price * quantity) / 1000));
  return { lineNo: 1, quantity, price, amount: BigInt(amount) };
}

async function step(run: Run, act: Action): Promise<void> {
  switch (act.t) {
    case 'sale':
      return sell(run, act.id, PHONES[act.who]!, [lineOf(act.amount, act.quantity)], act.redeem, act.replay);
    case 'bigSale':
      return sell(run, act.id, PHONES[act.who]!, act.amounts.map((a, i) => ({ lineNo: i + 1, quantity: 1000, amount: BigInt(a) })), act.redeem, false);
    case 'reuse': {
      if (run.sales.length === 0) return;
      const s = run.sales[act.pick % run.sales.length]!;
      const body = { ...s.body, lines: [{ lineNo: 1, productId: 'other', quantity: 1000, price: act.amount, amount: act.amount }], payments: [], redeem: 0 };
      const r = await real(ledger.commit(run.tenant, 'api', body));
      return run.judge(`reuse of ${JSON.stringify(s.id)}`, r, (m) => m.sale(s.id, JSON.stringify(body), (s.body.customer as { phone: string }).phone, [], 0n, clock, clock));
    }
    case 'refund':
      return refund(run, act);
    case 'badSale': {
      clock += 60_000;
      const body: Record<string, unknown> = { ...saleBody('ok-id', PHONES[act.who]!, [{ lineNo: 1, quantity: 1000, amount: 10_000n }], 0), payments: [{ type: 'card', amount: 10_000 }] };
      const target = act.field === 'payments.0.type' ? (body.payments as Record<string, unknown>[])[0]! : act.field === 'productId' ? (body.lines as Record<string, unknown>[])[0]! : body;
      target[act.field === 'payments.0.type' ? 'type' : act.field] = act.id;
      const r = await real(ledger.commit(run.tenant, 'api', body));
      return expectRefused(run, `sale with ${act.field} ${JSON.stringify(act.id)}`, r, act.field === 'productId' ? 'lines.0.productId' : act.field);
    }
    case 'badRefund': {
      const sale = run.sales.length === 0 ? 'no-sale' : run.sales[act.pick % run.sales.length]!.id;
      const r = act.where === 'sale' ? await real(ledger.refund(run.tenant, 'api', act.id, { externalId: 'r-ok' })) : await real(ledger.refund(run.tenant, 'api', sale, { externalId: act.id }));
      return expectRefused(run, `refund with ${act.where === 'sale' ? 'sale id' : 'externalId'} ${JSON.stringify(act.id)}`, r, act.where === 'sale' ? null : 'externalId');
    }
    case 'wait':
      clock += act.days * MODEL_DAY_MS + act.minutes * 60_000;
      return;
    case 'sweep':
      await ledger.sweep();
      return expectRowsSettled(run);
  }
}

async function refund(run: Run, act: Extract<Action, { t: 'refund' }>): Promise<void> {
  if (run.sales.length === 0) return;
  const s = run.sales[act.pick % run.sales.length]!;
  const line = s.lines[0]!;
  // Sales of several lines are refunded whole; one line may be refunded in part.
  const part = s.lines.length > 1 ? null : act.part;
  const qty = part === null ? null : Math.max(1, Math.floor(line.quantity * part));
  const body = qty === null ? { externalId: act.id } : { externalId: act.id, lines: [{ lineNo: 1, quantity: qty }] };
  const text = JSON.stringify({ sale: s.id, ...body });
  clock += 1000;
  const r = await real(ledger.refund(run.tenant, 'api', s.id, body));
  run.judge(`refund ${text}`, r, (m) => m.refund(s.id, act.id, text, qty === null ? null : new Map([[1, qty]]), clock));
  if (r.ok && act.replay) {
    const again = await real(ledger.refund(run.tenant, 'api', s.id, body));
    expect(again.ok && again.replay && again.json === r.json, `replay of refund ${JSON.stringify(act.id)} returns the first answer`).toBe(true);
  }
}

/** Refused as invalid input naming the field, and nothing changed (compare() runs next). */
function expectRefused(run: Run, what: string, r: Real, field: string | null): void {
  run.log.push(`${what} → ${r.ok ? 'ACCEPTED' : r.error.code}`);
  expect({ what, code: r.ok ? '(accepted)' : r.error.code, status: r.ok ? 200 : r.error.status }).toEqual({ what, code: 'INVALID_INPUT', status: 400 });
  if (field !== null && !r.ok) expect({ what, field: r.error.details?.field }).toEqual({ what, field });
}

/** After the sweeper, the stored buckets themselves (not only the read path) are the model's. */
async function expectRowsSettled(run: Run): Promise<void> {
  for (const phone of PHONES) {
    const want = run.model.balance(phone, clock);
    const c = run.model.customers.get(phone);
    if (want === null || (c?.ambiguous === 'compared')) continue;
    const r = await db.pool.query('SELECT available::text AS a, pending::text AS p, total_spent::text AS s FROM customers WHERE tenant_id = $1 AND phone = $2', [run.tenant, phone]);
    expect({ phone, available: BigInt(r.rows[0].a), pending: BigInt(r.rows[0].p) }).toEqual({ phone, available: want.rawAvailable, pending: want.pending });
  }
}

async function history(program: ModelProgram, actions: Action[]): Promise<Run> {
  clock = T0;
  const run = new Run((await ledger.createTenant('model', 'month', programJson(program))).id, program);
  try {
    for (const act of actions) {
      await step(run, act);
      await run.compare();
      for (const c of run.model.customers.values()) {
        if (c.debt > 0n) count('customer in debt (step)');
        if (c.lots.some((l) => l.state === 'pending')) count('customer with pending lots (step)');
      }
      // A customer the model cannot follow further is compared once, at the step it became so.
      for (const c of run.model.customers.values()) if (c.ambiguous != null && c.ambiguous !== 'compared') {
        run.log.push(`model: ${c.ambiguous}; this customer is not compared any further`);
        c.ambiguous = 'compared';
      }
    }
  } catch (e) {
    console.error(`reference model run (seed ${SEED}), program ${JSON.stringify(program)}:\n  ${run.log.slice(-15).join('\n  ')}`);
    throw e;
  }
  return run;
}

describe('the real ledger against the reference model', () => {
  it('random histories: balances, purchase totals and refusals are the model\'s after every step', async () => {
    console.log(`reference model: fast-check seed ${SEED} (FC_SEED=… to replay)`);
    await fc.assert(
      fc.asyncProperty(programArb, fc.array(action, { minLength: 10, maxLength: 45 }), async (program, actions) => {
        await history(program, actions);
      }),
      { numRuns: 20, seed: SEED, endOnFailure: true },
    );
    console.log(`reference model exercised: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
    await expectLedgerInvariants(db.pool);
  });

  it('many maximal checks for one customer: refused before any figure passes 2^53, never drifting', async () => {
    // 1% back on checks of 1000 lines at MAX_AMOUNT (10^14 kopecks each) fills the purchase total;
    // 100% back on checks of 20 such lines fills the bonuses. Every other check pays what it may.
    const scenarios = [
      { program: { accrualPercent: 1, maxRedeemPercent: 100, activationDays: 0, expiryDays: 365 }, lines: 1000, checks: 14 },
      { program: { accrualPercent: 100, maxRedeemPercent: 50, activationDays: 2, expiryDays: 365 }, lines: 20, checks: 14 },
    ];
    for (const sc of scenarios) {
      const amounts = Array.from({ length: sc.lines }, (_, i) => MAX_AMOUNT - (i % 7));
      const actions: Action[] = [];
      for (let i = 0; i < sc.checks; i++) {
        actions.push({ t: 'bigSale', who: 0, id: `max-${i}`, amounts, redeem: i % 2 === 1 ? 1 : 0 }, { t: 'wait', days: 1, minutes: 1 });
      }
      actions.push({ t: 'refund', pick: 3, id: 'back-3', part: null, replay: true }, { t: 'sale', who: 0, id: 'after', amount: 1_000_000, quantity: 1000, redeem: 1, replay: true }, { t: 'wait', days: 400, minutes: 1 }, { t: 'sweep' });
      const run = await history(sc.program, actions);
      const refused = run.log.filter((l) => / → real (?!REDEEM_EXCEEDS_LIMIT)[A-Z_]*(LIMIT|OVERFLOW|TOO_LARGE)/.test(l));
      console.log(`maximal checks (${sc.program.accrualPercent}%, ${sc.lines} lines): ${run.sales.length} recorded, ${refused.length} refused for a limit; first: ${refused[0] ?? 'none'}`);
      expect(refused.length, 'the ledger refused the checks that would pass its limits').toBeGreaterThan(0);
    }
    await expectLedgerInvariants(db.pool);
  }, 120_000);

  it('a refund gives back bonuses paid from a lot that burnt after the last sweep', async () => {
    // Sale A accrues a lot burning in 10 days; sale B pays with all of it; 11 days later, before
    // any sweep, B is refunded: the bonuses go back into A's lot and burn again at once.
    const program: ModelProgram = { accrualPercent: 10, maxRedeemPercent: 100, activationDays: 0, expiryDays: 10 };
    await history(program, [
      { t: 'sale', who: 0, id: 'A', amount: 100_000, quantity: 1000, redeem: 0, replay: false },
      { t: 'wait', days: 1, minutes: 1 },
      { t: 'sale', who: 0, id: 'B', amount: 100_000, quantity: 1000, redeem: 1, replay: false },
      { t: 'wait', days: 11, minutes: 1 },
      { t: 'refund', pick: 1, id: 'B-back', part: null, replay: true },
      { t: 'sweep' },
    ]);
    await expectLedgerInvariants(db.pool);
  });
});
