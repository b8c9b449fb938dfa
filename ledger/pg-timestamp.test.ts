import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/postgres.ts';
import { parseTimestamptz, TIMESTAMPTZ_OID } from './pg-timestamp.ts';

// The ledger's pools read timestamptz with ledger/pg-timestamp.ts instead of pg's reader. Every
// text must give the instant pg's reader gives, and the instant Postgres itself means by it.

const pgReader = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (s: string) => Date | number | null;
const instant = (v: Date | number | null) => (v instanceof Date ? v.getTime() : v);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('kppgtime');
});
afterAll(async () => {
  await db?.drop();
});

const two = (n: number) => String(n).padStart(2, '0');

/** A text in Postgres's ISO form, from its parts: any fraction length, any offset form. */
const isoText = fc
  .record({
    year: fc.integer({ min: 1000, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9]{1,6}$/)),
    sign: fc.constantFrom('+', '-'),
    offset: fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 1, max: 3 })),
  })
  .map(({ year, month, day, hour, minute, second, fraction, sign, offset: [h, m, s, parts] }) => {
    const zone = [two(h), two(m), two(s)].slice(0, parts).join(':');
    return `${year}-${two(month)}-${two(day)} ${two(hour)}:${two(minute)}:${two(second)}${fraction === '' ? '' : `.${fraction}`}${sign}${zone}`;
  });

describe('timestamptz read without regular expressions', () => {
  it('gives the instant pg gives for every ISO text', () => {
    fc.assert(
      fc.property(isoText, (text) => {
        const ours = parseTimestamptz(text);
        expect(ours).toBeInstanceOf(Date);
        expect(instant(ours)).toBe(instant(pgReader(text)));
      }),
      { numRuns: 20_000 },
    );
  });

  it('hands anything else to pg: infinity, BC, years before 1000, other forms', () => {
    for (const text of ['infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '0099-01-01 00:00:00+00', '0999-12-31 23:59:59.999999+03', '2024-03-01 04:30:00+00 BC', '2024-03-01T04:30:00Z', '2024-03-01 04:30:00', '2024-03-01', '2024-03-01 04:30:00.1234567+00', '2024-03-01 04:30:00+5', '2024-03-01 04:30:00+05:3']) {
      expect(instant(parseTimestamptz(text)), text).toEqual(instant(pgReader(text)));
    }
  });

  it('means what Postgres means, in zones with odd offsets, from 1000 to 9999', async () => {
    const client = await db.pool.connect();
    try {
      for (const zone of ['UTC', 'Europe/Moscow', 'Asia/Kolkata', 'America/St_Johns', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/Sao_Paulo']) {
        await client.query(`SET TimeZone = '${zone}'`);
        // Random instants with microseconds, and Moscow's local mean time (+02:30:17) before 1880.
        const r = await client.query<{ text: string; ms: string }>(
          `SELECT t::text AS text, floor(extract(epoch FROM t) * 1000)::text AS ms
             FROM (SELECT timestamptz '1000-01-01 00:00:00+00' + random() * (timestamptz '9999-12-31+00' - timestamptz '1000-01-01+00') AS t
                     FROM generate_series(1, 2000)
                   UNION ALL SELECT timestamptz '1850-06-01 12:00:00.123456+00'
                   UNION ALL SELECT timestamptz '1970-01-01 00:00:00.0005+00' - interval '1 microsecond') x`,
        );
        for (const row of r.rows) {
          expect(instant(parseTimestamptz(row.text)), `${zone} ${row.text}`).toBe(Number(row.ms));
          expect(instant(pgReader(row.text)), `${zone} ${row.text}`).toBe(Number(row.ms));
        }
      }
    } finally {
      client.release();
    }
  });

  it("is what the ledger's pools read (createPool); every type reads as pg reads it", async () => {
    const plain = new pg.Pool({ connectionString: db.url, max: 1 });
    const sql = `SELECT timestamptz '2024-03-01 04:30:00.5+05:30' AS t, 'infinity'::timestamptz AS inf, timestamp '2024-03-01 04:30:00' AS local,
                        12::bigint AS n, date '2024-03-01' AS d, '{1,2}'::int[] AS a, '{"x":1}'::jsonb AS j, ARRAY[timestamptz '2024-03-01 00:00:00+00'] AS ta`;
    try {
      const [ours, theirs] = await Promise.all([db.pool.query(sql), plain.query(sql)]);
      expect(ours.rows[0].t).toEqual(new Date('2024-02-29T23:00:00.500Z'));
      expect(ours.rows[0].inf).toBe(Infinity);
      expect(ours.rows).toEqual(theirs.rows);
    } finally {
      await plain.end();
    }
  });
});
