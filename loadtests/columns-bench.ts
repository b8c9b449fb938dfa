// How a batch's columns are best sent (issue #17; ledger/binary-array.ts, ledger/array-literal.ts):
//   node --import tsx loadtests/columns-bench.ts
// One batch's worth of bigint, int, text and timestamptz columns (80 rows, 56 columns, the mix of
// a sale's write: ids as the ledger reads them, as decimal strings, amounts as numbers, short
// ASCII text, times as epoch milliseconds), encoded both ways and written into one buffer, as pg
// writes a Bind message: the literal as UTF-8 (times made ISO text first, as the literal needs),
// the binary array as a copy. Each way in turn, three rounds, 5,000 batches each after
// 2,000 to warm up; µs per batch and the bytes sent.
//   COLUMNS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx loadtests/columns-bench.ts
// also times Postgres reading a column of 100,000 elements of each type sent each way (the median
// of seven `SELECT cardinality($1::type[])`, sending included).
import pg from 'pg';
import { arrayLiteral } from '../ledger/array-literal.ts';
import { binaryArray, type BinaryElement } from '../ledger/binary-array.ts';
import { iso } from '../ledger/rows.ts';

const ROWS = 80;
const columns: [unknown[], BinaryElement][] = [
  ...Array.from({ length: 20 }, (_, c): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => `tenant-${c % 3}-${i}`), 'text']),
  ...Array.from({ length: 16 }, (_, c): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => String(1_000_000 + i * 37 + c)), 'bigint']),
  ...Array.from({ length: 8 }, (_, c): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => i * 1234 + c), 'bigint']),
  ...Array.from({ length: 4 }, (): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => i), 'int']),
  ...Array.from({ length: 8 }, (_, c): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => Date.UTC(2026, 10, 25, 12, c, i % 60, i)), 'timestamptz']),
];
const bind = Buffer.allocUnsafe(1 << 20);

const ways: Record<string, () => number> = {
  'array literals, written as UTF-8': () => {
    let at = 0;
    for (const [values, type] of columns) at += bind.write(arrayLiteral(type === 'timestamptz' ? values.map((v) => iso(v as number)) : values)!, at);
    return at;
  },
  'binary arrays, copied': () => {
    let at = 0;
    for (const [values, type] of columns) at += binaryArray(values, type)!.copy(bind, at);
    return at;
  },
};

for (let round = 1; round <= 3; round++) {
  for (const [name, encode] of Object.entries(ways)) {
    for (let i = 0; i < 2000; i++) encode();
    const started = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < 5000; i++) bytes = encode();
    const us = Number(process.hrtime.bigint() - started) / 5000 / 1000;
    console.log(`round ${round}  ${name.padEnd(34)} ${us.toFixed(1).padStart(7)} µs a batch of ${ROWS} rows × ${columns.length} columns, ${bytes.toLocaleString('en-US')} bytes`);
  }
}

const url = process.env.COLUMNS_DATABASE_URL;
if (url !== undefined) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const N = 100_000;
  const sample: Record<BinaryElement, unknown[]> = {
    timestamptz: Array.from({ length: N }, (_, i) => Date.UTC(2026, 10, 25, 12, 0, 0, i * 7)),
    bigint: Array.from({ length: N }, (_, i) => String(1_000_000 + i)),
    int: Array.from({ length: N }, (_, i) => i),
    text: Array.from({ length: N }, (_, i) => `tenant-${i % 3}`),
  };
  for (const [type, values] of Object.entries(sample) as [BinaryElement, unknown[]][]) {
    const literal = arrayLiteral(type === 'timestamptz' ? values.map((v) => iso(v as number)) : values);
    for (const [way, param] of [['literal', literal], ['binary', binaryArray(values, type)]] as const) {
      const ms: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        await client.query(`SELECT cardinality($1::${type}[]) AS n`, [param]);
        ms.push(performance.now() - started);
      }
      const median = ms.sort((a, b) => a - b)[3]!;
      console.log(`Postgres reads ${N.toLocaleString('en-US')} ${type.padEnd(11)} as ${way.padEnd(7)} ${median.toFixed(1).padStart(6)} ms, ${((median * 1000) / N).toFixed(3)} µs an element`);
    }
  }
  await client.end();
}
