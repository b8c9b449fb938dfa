// A column of a batch's rows as a one-dimensional Postgres array in its binary form (what
// array_send writes and array_recv reads), for the batch statement's bigint, int and text columns.
// pg sends a Buffer parameter as binary. Against the text literal (array-literal.ts) the gateway no
// longer builds a string per column (a tenth of what a commit allocated, issue #17) that pg then
// encodes to UTF-8 again, and Postgres reads lengths and fixed-size integers instead of parsing and
// unquoting every element.
//
// Only values that keep their meaning exactly are encoded: integers within the type's range (as
// numbers, bigints or decimal strings), strings, null. Anything else returns null, and the column
// goes as a literal, as before.

export type BinaryElement = 'bigint' | 'int' | 'text';

/** Element types' oids (pg_type): array_recv refuses an array whose element type is not the one it reads. */
const OID: Record<BinaryElement, number> = { bigint: 20, int: 23, text: 25 };
const WIDTH = { bigint: 8, int: 4 } as const;
const HEADER = 20; // ndim, has-nulls flag, element oid, then the one dimension's length and lower bound
const TWO_32 = 2 ** 32;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
const DECIMAL = /^-?\d{1,19}$/;

export function isBinaryElement(type: string): type is BinaryElement {
  return type === 'bigint' || type === 'int' || type === 'text';
}

/** `values` as a binary array of `type`, or null when one of them is not a plain value of it. */
export function binaryArray(values: readonly unknown[], type: BinaryElement): Buffer | null {
  if (values.length === 0) return EMPTY[type];
  return type === 'text' ? textArray(values) : integerArray(values, type);
}

/** No dimensions: how array_send writes an empty array. */
const EMPTY: Record<BinaryElement, Buffer> = { bigint: emptyArray('bigint'), int: emptyArray('int'), text: emptyArray('text') };

function emptyArray(type: BinaryElement): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32BE(OID[type], 8);
  return out;
}

function textArray(values: readonly unknown[]): Buffer | null {
  let size = HEADER;
  for (const v of values) {
    if (v === null || v === undefined) size += 4;
    else if (typeof v === 'string') size += 4 + Buffer.byteLength(v);
    else return null;
  }
  const out = Buffer.allocUnsafe(size);
  let at = header(out, values, 'text');
  for (const v of values) {
    if (v === null || v === undefined) at = out.writeInt32BE(-1, at);
    else {
      // The length goes before the bytes, which are written first to learn it without a second pass.
      const n = out.write(v as string, at + 4);
      out.writeInt32BE(n, at);
      at += 4 + n;
    }
  }
  return out;
}

function integerArray(values: readonly unknown[], type: 'bigint' | 'int'): Buffer | null {
  const width = WIDTH[type];
  let nulls = 0;
  for (const v of values) if (v === null || v === undefined) nulls++;
  const out = Buffer.allocUnsafe(HEADER + nulls * 4 + (values.length - nulls) * (4 + width));
  let at = header(out, values, type);
  for (const v of values) {
    if (v === null || v === undefined) {
      at = out.writeInt32BE(-1, at);
      continue;
    }
    at = out.writeInt32BE(width, at);
    const written = type === 'int' ? writeInt4(out, at, v) : writeInt8(out, at, v);
    if (written < 0) return null;
    at = written;
  }
  return out;
}

function header(out: Buffer, values: readonly unknown[], type: BinaryElement): number {
  out.writeInt32BE(1, 0);
  out.writeInt32BE(values.some((v) => v === null || v === undefined) ? 1 : 0, 4);
  out.writeUInt32BE(OID[type], 8);
  out.writeInt32BE(values.length, 12);
  out.writeInt32BE(1, 16);
  return HEADER;
}

/** Writes an int4; -1 when `v` is not an integer within its range. */
function writeInt4(out: Buffer, at: number, v: unknown): number {
  const n = typeof v === 'string' && DECIMAL.test(v) ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) return -1;
  return out.writeInt32BE(n, at);
}

/** Writes an int8; -1 when `v` is not an integer within its range. */
function writeInt8(out: Buffer, at: number, v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return -1;
    // High and low 32 bits of the two's complement, without a BigInt per element.
    const hi = Math.floor(v / TWO_32);
    out.writeInt32BE(hi, at);
    return out.writeUInt32BE(v - hi * TWO_32, at + 4);
  }
  if (typeof v === 'string') {
    if (!DECIMAL.test(v)) return -1;
    const n = Number(v);
    if (Number.isSafeInteger(n)) return writeInt8(out, at, n);
    return writeInt8(out, at, BigInt(v));
  }
  if (typeof v === 'bigint') {
    if (v < INT8_MIN || v > INT8_MAX) return -1;
    return out.writeBigInt64BE(v, at);
  }
  return -1;
}
