import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, SecretBox } from '../ledger/index.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { runReplay } from './replay-run.ts';

// The what-if replay of a promotion for a segment: the replay knows each customer's source,
// gender and birth date (read with their starting figures) and counts their purchases as it
// goes, so the proposed promotion is given exactly where the ledger would have given it.

const PROGRAM = {
  levels: [{ code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 5 }, maxRedeemPercent: 50 }],
  activationDays: 0,
  timezone: 'Europe/Moscow',
};

let db: TestDatabase;
let ledger: Ledger;
let tenantId: string;
const today = () => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow' }).format(new Date());

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(Buffer.alloc(32, 1)) });
  tenantId = (await ledger.createTenant('Ателье', 'month', PROGRAM)).id;
  const anna = await ledger.registerCustomer(tenantId, { phone: '+79160000401', gender: 'female', birthDate: '1990-01-01', source: 'self' });
  const boris = await ledger.registerCustomer(tenantId, { phone: '+79160000402', gender: 'male', birthDate: '1990-01-01', source: 'self' });
  let n = 0;
  for (let i = 0; i < 3; i++) {
    for (const c of [anna, boris, null]) {
      const sale = { externalId: `s${++n}`, occurredAt: new Date().toISOString(), customer: c === null ? null : { id: c.id }, lines: [{ lineNo: 1, productId: 'dress', quantity: 1000, price: 10_000, amount: 10_000 }] };
      await ledger.commit(tenantId, 'api', sale);
    }
  }
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

describe('what-if replay of a promotion for a segment', () => {
  it('gives the discount to the segment\'s customers from the purchase that brings them in, to no one else', async () => {
    const proposed = {
      ...PROGRAM,
      promotions: [{ id: 'her', name: 'Постоянным покупательницам', when: { segment: { gender: 'female', sources: ['self'], minAge: 18, minPurchases: 1 } }, effect: { type: 'percent', percent: 10 } }],
    };
    const r = await runReplay(ledger, tenantId, { program: proposed, from: today(), to: today() });
    expect(r.failed).toBe(0);
    expect(r.totals.real.discount).toBe(0);
    // Anna's 2nd and 3rd checks: 10% of 100 ₽ each. Boris is a man; the anonymous checks have no one.
    expect(r.totals.proposed.discount).toBe(2_000);
  });
});
