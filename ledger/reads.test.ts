import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryFront } from '../gateway/front/memory-front.ts';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { Ledger } from './ledger.ts';
import { createPool } from './postgres.ts';

// A customer's record read for a till (calculate, a balance) is a named statement, planned once
// per connection: unnamed, Postgres planned it on every read, half of its time per read of a
// customer not cached (README, "The twelfth pass"). PG_PREPARED_STATEMENTS=0 (a pooler that
// cannot keep statements) sends it unnamed, as it does the writer's.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe.each([
  ['named', true],
  ['unnamed (PG_PREPARED_STATEMENTS=0)', false],
])('a customer read by phone, card and id: %s', (_label, prepared) => {
  it('answers the same either way, and is prepared on its connection only when named', async () => {
    // One connection, so the statements it prepared are the ones pg_prepared_statements shows.
    const pool = createPool({ connectionString: db.url, max: 1 });
    const front = new MemoryFront();
    const ledger = await Ledger.open({ pool, summaries: front, writer: { preparedStatements: prepared } });
    try {
      const { id: tenantId } = await ledger.createTenant('Цветы');
      const phone = '+79995550300';
      // Registered through another gateway's ledger: this one reads the record by phone, by card, then by id.
      const other = await Ledger.open({ pool: db.pool });
      await other.registerCustomer(tenantId, { phone, cardNumber: 'CARD-300' });
      await other.close();
      const byPhone = await ledger.customer(tenantId, { phone });
      const byCard = await ledger.customer(tenantId, { cardNumber: 'CARD-300' });
      const byId = await ledger.customer(tenantId, { id: byPhone.id }); // not cached yet: read by id, then cached
      expect(byPhone.phone).toBe(phone);
      expect(byCard).toEqual(byPhone);
      expect(byId).toEqual(byPhone);
      expect((await front.getCustomer(tenantId, byPhone.id)).json).not.toBeNull();
      const named = await pool.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%json_agg(l)%'`);
      expect(named.rows.length).toBe(prepared ? 3 : 0);
    } finally {
      await ledger.close();
      await front.close();
      await pool.end();
    }
  });
});
