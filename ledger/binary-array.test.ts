import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { binaryArray, type BinaryElement } from './binary-array.ts';

// The batch's bigint, int and text columns go to Postgres as binary arrays (ledger/binary-array.ts).
// Postgres must read each one as the array pg's own text encoding of the same values gives: the
// same elements, in order, NULLs where they were; and a value the encoder cannot keep exactly must
// be refused (null), never sent changed.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('kpbinarray');
});
afterAll(async () => {
  await db?.drop();
});

/** Postgres's reading of the values sent both ways, as text so that any difference shows. */
async function bothWays(values: unknown[], type: BinaryElement): Promise<[unknown, unknown]> {
  const binary = binaryArray(values, type);
  expect(binary).not.toBeNull();
  const plain = values.map((v) => (v === undefined || v === null ? null : typeof v === 'bigint' ? String(v) : type === 'timestamptz' ? new Date(v as number).toISOString() : v));
  const r = await db.pool.query<{ ours: unknown; pgs: unknown }>(`SELECT $1::${type}[]::text AS ours, $2::${type}[]::text AS pgs`, [binary, plain]);
  return [r.rows[0]!.ours, r.rows[0]!.pgs];
}

const nul = fc.constantFrom(null, undefined);
const tricky = fc.constantFrom('', 'NULL', 'null', ' ', '{', '}', ',', '"', '\\', 'Ёлка «ёж»', '\t\n', '😀');
const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('"', '\\', ',', '{', '}', ' ', 'a', 'я') }), tricky).filter((s) => !s.includes('\u0000'));
const int8 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

/** Any column of `element`s (NULLs among them) reads in Postgres as pg's own encoding of it does. */
async function readsAsPgWould(element: fc.Arbitrary<unknown>, type: BinaryElement, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(element, nul), { maxLength: 12 }), async (values) => {
      const [ours, pgs] = await bothWays(values, type);
      expect(ours).toEqual(pgs);
    }),
    { numRuns },
  );
}

describe('binary arrays', () => {
  it('text: Postgres reads what pg would have sent', async () => {
    await readsAsPgWould(text, 'text', 200);
  });

  it('bigint: numbers, decimal strings (ids as the ledger reads them) and bigints, to both ends of int8', async () => {
    const element = fc.oneof(fc.maxSafeInteger(), int8, int8.map(String), fc.integer().map(String), fc.constantFrom(0, -1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, -(2 ** 31)));
    await readsAsPgWould(element, 'bigint', 200);
  });

  it('int: to both ends of int4', async () => {
    const element = fc.oneof(fc.integer(), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0), fc.integer().map(String));
    await readsAsPgWould(element, 'int', 150);
  });

  it('timestamptz: epoch milliseconds are the instant their ISO text names, to the millisecond', async () => {
    // 1900–2200 and around 2000-01-01, where Postgres's count of microseconds starts.
    const ms = fc.oneof(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) }), fc.integer({ min: 946_684_800_000 - 5000, max: 946_684_800_000 + 5000 }));
    await readsAsPgWould(ms, 'timestamptz', 150);
  });

  it('an empty column is an empty array of its type', async () => {
    const names = { text: 'text', bigint: 'bigint', int: 'integer', timestamptz: 'timestamp with time zone' };
    for (const type of ['text', 'bigint', 'int', 'timestamptz'] as const) {
      const r = await db.pool.query<{ n: number; t: string }>(`SELECT cardinality($1::${type}[]) AS n, pg_typeof($1::${type}[])::text AS t`, [binaryArray([], type)]);
      expect(r.rows[0]).toEqual({ n: 0, t: `${names[type]}[]` });
    }
  });

  it('refuses what it cannot send exactly: the column then goes as a literal', () => {
    expect(binaryArray([1.5], 'bigint')).toBeNull();
    expect(binaryArray([2 ** 53], 'bigint')).toBeNull(); // not a safe integer: its digits are not the value meant
    expect(binaryArray([2n ** 63n], 'bigint')).toBeNull();
    expect(binaryArray(['12a'], 'bigint')).toBeNull();
    expect(binaryArray(['99999999999999999999'], 'bigint')).toBeNull();
    expect(binaryArray([2 ** 31], 'int')).toBeNull();
    expect(binaryArray([Number.NaN], 'int')).toBeNull();
    expect(binaryArray([1], 'text')).toBeNull();
    expect(binaryArray([new Date()], 'text')).toBeNull();
    expect(binaryArray(['2026-11-25T12:00:00.000Z'], 'timestamptz')).toBeNull(); // text: the literal's
    expect(binaryArray([1.5], 'timestamptz')).toBeNull();
    expect(binaryArray([Date.UTC(2400, 0, 1)], 'timestamptz')).toBeNull(); // its microseconds pass 2^53
  });
});
