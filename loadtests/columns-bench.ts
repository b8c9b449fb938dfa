// How a batch's columns are best sent (issue #17; ledger/binary-array.ts, ledger/array-literal.ts):
//   node --import tsx loadtests/columns-bench.ts
// One batch's worth of bigint, int and text columns (80 rows, 48 columns, the mix of a sale's
// write: ids as the ledger reads them, as decimal strings, amounts as numbers, short ASCII text),
// encoded both ways and written into one buffer, as pg writes a Bind message: the literal as
// UTF-8, the binary array as a copy. Each way in turn, three rounds, 5,000 batches each after
// 2,000 to warm up; µs per batch and the bytes sent.
import { arrayLiteral } from '../ledger/array-literal.ts';
import { binaryArray, type BinaryElement } from '../ledger/binary-array.ts';

const ROWS = 80;
const columns: [unknown[], BinaryElement][] = [
  ...Array.from({ length: 20 }, (_, c): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => `tenant-${c % 3}-${i}`), 'text']),
  ...Array.from({ length: 16 }, (_, c): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => String(1_000_000 + i * 37 + c)), 'bigint']),
  ...Array.from({ length: 8 }, (_, c): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => i * 1234 + c), 'bigint']),
  ...Array.from({ length: 4 }, (): [unknown[], BinaryElement] => [Array.from({ length: ROWS }, (_, i) => i), 'int']),
];
const bind = Buffer.allocUnsafe(1 << 20);

const ways: Record<string, () => number> = {
  'array literals, written as UTF-8': () => {
    let at = 0;
    for (const [values] of columns) at += bind.write(arrayLiteral(values)!, at);
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
