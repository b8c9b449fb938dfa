// A column of a batch's rows as a one-dimensional Postgres array in its binary form (what
// array_send writes and array_recv reads), for the batch statement's bigint, int, text and
// timestamptz columns.
// pg sends a Buffer parameter as binary. Against the text literal (array-literal.ts) the gateway no
// longer builds a string per column (a tenth of what a commit allocated, issue #17) that pg then
// encodes to UTF-8 again, and Postgres reads lengths and fixed-size integers instead of parsing and
// unquoting every element.
//
// Only values that keep their meaning exactly are encoded: integers within the type's range (as
// numbers, bigints or decimal strings), strings, times as epoch milliseconds (the ledger's own
// form; Postgres counts microseconds from 2000-01-01 UTC), null. Anything else returns null, and
// the column goes as a literal, as before.

export type BinaryElement = 'bigint' | 'int' | 'text' | 'timestamptz';

/** Element types' oids (pg_type): array_recv refuses an array whose element type is not the one it reads. */
const OID: Record<BinaryElement, number> = { bigint: 20, int: 23, text: 25, timestamptz: 1184 };
const WIDTH = { bigint: 8, int: 4, timestamptz: 8 } as const;
/** 2000-01-01T00:00:00Z in epoch milliseconds: where Postgres's timestamps count from. */
const PG_EPOCH_MS = 946_684_800_000;
const HEADER = 20; // ndim, has-nulls flag, element oid, then the one dimension's length and lower bound
const TWO_32 = 2 ** 32;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
const DECIMAL = /^-?\d{1,19}$/;

export function isBinaryElement(type: string): type is BinaryElement {
  return type === 'bigint' || type === 'int' || type === 'text' || type === 'timestamptz';
}

/** `values` as a binary array of `type`, or null when one of them is not a plain value of it. */
export function binaryArray(values: readonly unknown[], type: BinaryElement): Buffer | null {
  if (values.length === 0) return EMPTY[type];
  return type === 'text' ? textArray(values) : integerArray(values, type);
}

/** No dimensions: how array_send writes an empty array. */
const EMPTY: Record<BinaryElement, Buffer> = {
  bigint: emptyArray('bigint'),
  int: emptyArray('int'),
  text: emptyArray('text'),
  timestamptz: emptyArray('timestamptz'),
};

function emptyArray(type: BinaryElement): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32BE(OID[type], 8);
  return out;
}

function textArray(values: readonly unknown[]): Buffer | null {
  let size = HEADER;
  let nulls = false;
  for (const v of values) {
    if (v === null || v === undefined) {
      size += 4;
      nulls = true;
    } else if (typeof v === 'string') size += 4 + (isAscii(v) ? v.length : Buffer.byteLength(v));
    else return null;
  }
  const out = Buffer.allocUnsafe(size);
  let at = header(out, values.length, nulls, 'text');
  for (const v of values) {
    if (v === null || v === undefined) {
      at = put32(out, at, -1);
      continue;
    }
    const s = v as string;
    // Most of a batch's text is short and ASCII (ids, kinds, channels): copied by hand, it saves a
    // call into C++ per element, which cost more than the copy. Other text is left to UTF-8.
    const copied = copyAscii(out, at + 4, s);
    const n = copied === s.length ? copied : out.write(s, at + 4);
    at = put32(out, at, n) + n;
  }
  return out;
}

/** Copies `s` byte for byte while it is ASCII; how many characters it copied (all of them, or up to the first that is not). */
function copyAscii(out: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return i;
    out[at + i] = c;
  }
  return s.length;
}

/** A big-endian int32 by hand: Buffer's writeInt32BE checks its arguments on every call. */
function put32(out: Buffer, at: number, n: number): number {
  out[at] = n >>> 24;
  out[at + 1] = n >>> 16;
  out[at + 2] = n >>> 8;
  out[at + 3] = n;
  return at + 4;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function integerArray(values: readonly unknown[], type: 'bigint' | 'int' | 'timestamptz'): Buffer | null {
  const width = WIDTH[type];
  let nulls = 0;
  for (const v of values) if (v === null || v === undefined) nulls++;
  const out = Buffer.allocUnsafe(HEADER + nulls * 4 + (values.length - nulls) * (4 + width));
  let at = header(out, values.length, nulls > 0, type);
  for (const v of values) {
    if (v === null || v === undefined) {
      at = put32(out, at, -1);
      continue;
    }
    at = put32(out, at, width);
    const written = type === 'int' ? writeInt4(out, at, v) : type === 'bigint' ? writeInt8(out, at, v) : writeTimestamp(out, at, v);
    if (written < 0) return null;
    at = written;
  }
  return out;
}

function header(out: Buffer, length: number, nulls: boolean, type: BinaryElement): number {
  out.writeInt32BE(1, 0);
  out.writeInt32BE(nulls ? 1 : 0, 4);
  out.writeUInt32BE(OID[type], 8);
  out.writeInt32BE(length, 12);
  out.writeInt32BE(1, 16);
  return HEADER;
}

/** Writes an int4; -1 when `v` is not an integer within its range. */
function writeInt4(out: Buffer, at: number, v: unknown): number {
  const n = typeof v === 'string' ? smallDecimal(v) : typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) return -1;
  return put32(out, at, n);
}

/** Writes an int8; -1 when `v` is not an integer within its range. */
function writeInt8(out: Buffer, at: number, v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return -1;
    // High and low 32 bits of the two's complement, without a BigInt per element.
    const hi = Math.floor(v / TWO_32);
    put32(out, at, hi);
    return put32(out, at + 4, v - hi * TWO_32);
  }
  if (typeof v === 'string') {
    const n = smallDecimal(v);
    if (n !== null) return writeInt8(out, at, n);
    if (!DECIMAL.test(v)) return -1;
    return writeInt8(out, at, BigInt(v));
  }
  if (typeof v === 'bigint') {
    if (v < INT8_MIN || v > INT8_MAX) return -1;
    return out.writeBigInt64BE(v, at);
  }
  return -1;
}

/** Writes a time given as epoch milliseconds; -1 for anything else, or a time whose microseconds pass 2^53 (some 285 years from 2000). */
function writeTimestamp(out: Buffer, at: number, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) return -1;
  return writeInt8(out, at, (v - PG_EPOCH_MS) * 1000);
}

/** A string of at most 15 digits, optionally signed (an id as the ledger reads it), as its number; else null. */
function smallDecimal(s: string): number | null {
  const negative = s.charCodeAt(0) === 45; // '-'
  const from = negative ? 1 : 0;
  if (s.length === from || s.length - from > 15) return null;
  let n = 0;
  for (let i = from; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}
