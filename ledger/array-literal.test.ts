import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { arrayLiteral, jsonColumn } from './array-literal.ts';

// The batch's columns are sent as array literals made by ledger/array-literal.ts instead of pg's
// encoder. Postgres must read every literal as the array pg's own encoding gives: the same
// elements, NULLs where they were, for every type persist sends.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('kparraylit');
});
afterAll(async () => {
  await db?.drop();
});

/** Postgres's reading of the values sent both ways, as text so that any difference shows. */
async function bothWays(values: unknown[], type: string): Promise<[unknown, unknown]> {
  const literal = arrayLiteral(values);
  expect(literal).not.toBeNull();
  const r = await db.pool.query<{ ours: unknown; pgs: unknown }>(`SELECT $1::${type}[]::text AS ours, $2::${type}[]::text AS pgs`, [literal, values]);
  return [r.rows[0]!.ours, r.rows[0]!.pgs];
}

const nul = fc.constantFrom(null, undefined);
const tricky = fc.constantFrom('', 'NULL', 'null', ' ', ' a ', '{', '}', '{}', ',', '"', '\\', '\\"', 'a,b', 'Ёлка «ёж»', '\t\n', '😀');
const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('"', '\\', ',', '{', '}', ' ', 'a', 'я') }), tricky).filter((s) => !s.includes('\u0000'));

describe('array literals', () => {
  it('text: Postgres reads what pg would have sent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(text, nul), { maxLength: 12 }), async (values) => {
        const [ours, pgs] = await bothWays(values, 'text');
        expect(ours).toEqual(pgs);
      }),
      { numRuns: 300 },
    );
  });

  it('bigint and int: numbers, digit strings, bigints, NULLs', async () => {
    const big = fc.oneof(fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String), nul);
    const int = fc.oneof(fc.integer(), nul);
    await fc.assert(
      fc.asyncProperty(fc.array(big, { maxLength: 12 }), fc.array(int, { maxLength: 12 }), async (b, i) => {
        const [ours, pgs] = await bothWays(b, 'bigint');
        expect(ours).toEqual(pgs);
        const [ours2, pgs2] = await bothWays(i, 'int');
        expect(ours2).toEqual(pgs2);
      }),
      { numRuns: 200 },
    );
  });

  it('date, timestamptz, json and jsonb given as text; booleans', async () => {
    const at = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(at.map((d) => d.toISOString()), nul), { maxLength: 8 }),
        fc.array(fc.oneof(at.map((d) => d.toISOString().slice(0, 10)), nul), { maxLength: 8 }),
        fc.array(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), nul), { maxLength: 6 }),
        fc.array(fc.oneof(fc.boolean(), nul), { maxLength: 6 }),
        async (ts, days, json, flags) => {
          for (const [values, type] of [[ts, 'timestamptz'], [days, 'date'], [json, 'jsonb'], [json, 'json'], [flags, 'boolean']] as const) {
            const [ours, pgs] = await bothWays([...values], type);
            expect(ours).toEqual(pgs);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('JSON columns sent as one JSON array: the same values in the same order, json kept as written', async () => {
    const outcome = (q: Promise<{ rows: { v: unknown }[] }>) => q.then((r) => r.rows[0]!.v, (e: Error) => `error: ${e.message}`);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue(), { minLength: 0, maxLength: 8 }), fc.constantFrom('json' as const, 'jsonb' as const), async (values, type) => {
        const texts = values.map((v) => JSON.stringify(v));
        const col = jsonColumn(texts, type)!;
        const ours = await outcome(db.pool.query(`SELECT (${col.expression('$1')})::text AS v`, [col.param]));
        const pgs = await outcome(db.pool.query(`SELECT $1::${type}[]::text AS v`, [texts]));
        expect(ours).toEqual(pgs);
      }),
      { numRuns: 300 },
    );
    expect(jsonColumn(['{"a":1}', null], 'jsonb')).toBeNull();
  });

  it('leaves to pg what is not a plain value: a Date, an object, a number that is not finite', () => {
    expect(arrayLiteral([1, new Date()])).toBeNull();
    expect(arrayLiteral(['a', { a: 1 }])).toBeNull();
    expect(arrayLiteral([Number.NaN])).toBeNull();
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral([null, 'NULL', '', 'a"b\\c', -5, 10n, true])).toBe('{NULL,"NULL","","a\\"b\\\\c",-5,10,true}');
  });
});
