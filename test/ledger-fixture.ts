import { afterAll, beforeAll } from 'vitest';
import { Ledger, type LedgerOptions } from '../ledger/ledger.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

/**
 * A ledger core on a database of its own for one test file, on a clock the file moves: opened
 * before the file's tests, closed and dropped after. `opened` hands both to the file's variables.
 */
export function ledgerOnClock(now: () => number, opened: (ledger: Ledger, db: TestDatabase) => void, options: Partial<LedgerOptions> = {}): void {
  let ledger: Ledger | undefined;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    ledger = await Ledger.open({ pool: db.pool, now, ...options });
    opened(ledger, db);
  });
  afterAll(async () => {
    await ledger?.close();
    await db?.drop();
  });
}
