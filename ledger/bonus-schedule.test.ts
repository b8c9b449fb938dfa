import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger, SecretBox } from './index.ts';

// What the customer's cabinet shows beside the balance: when pending bonuses become spendable and
// when bonuses burn, by the lots' own times.

let db: TestDatabase;
let ledger: Ledger;
const DAY = 86_400_000;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(randomBytes(32)) });
});
afterAll(async () => {
  await ledger?.close();
  await db?.drop();
});

describe('bonus schedule', () => {
  it('pending bonuses by activation, and burns by the lots\' ends', async () => {
    const t = (await ledger.createTenant('Кафе', 'month', {
      levels: [{ code: 'a', name: 'А', threshold: 0, accrual: { type: 'percent', percent: 10 } }],
      activationDays: 14,
      expiry: { mode: 'afterAccrual', days: 30 },
    })).id;
    const at = Date.now();
    const r = await ledger.commit(t, 'api', {
      externalId: 's1', occurredAt: new Date(at).toISOString(), customer: { phone: '+79160000801' },
      lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 50_000, amount: 50_000 }],
    });
    const id = r.status === 'recorded' ? r.answer.customer!.id : '';
    const s = await ledger.bonusSchedule(t, id);
    expect(s.activating.map((x) => x.points)).toEqual([5_000]);
    expect(s.burning.map((x) => x.points)).toEqual([5_000]);
    expect(Math.round((Date.parse(s.activating[0]!.at) - at) / DAY)).toBe(14);
    expect(Math.round((Date.parse(s.burning[0]!.at) - at) / DAY)).toBe(30);
    expect(await ledger.bonusSchedule(t, 'x')).toEqual({ activating: [], burning: [] });
  });
});
