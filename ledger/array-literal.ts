// A column of a batch's rows as one Postgres array literal ('{1,"a b",NULL}'), made here rather
// than by pg. pg's own encoder quotes each element through two regular expressions and a value
// conversion: with a hundred-odd columns per batch that was about a tenth of the gateway's CPU per
// committed check, and its garbage lived long enough to be promoted (issue #17).
//
// Only plain values are encoded here: strings, finite numbers, bigints, booleans, null. A column
// holding anything else (a Date, an object for json) is left to pg, as before, so its conversion
// stays pg's.

const NEEDS_ESCAPE = /["\\]/;

/** The literal for `values`, or null when one of them is not a plain value (pg encodes it then). */
export function arrayLiteral(values: readonly unknown[]): string | null {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'string') out += quoted(v);
    // A number's text needs no quotes: digits, sign, point, exponent.
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return null;
      out += String(v);
    } else if (typeof v === 'bigint' || typeof v === 'boolean') out += String(v);
    else return null;
  }
  return out + '}';
}

/** Always quoted: an empty string, «NULL», commas, braces and spaces then stay text. */
function quoted(s: string): string {
  return NEEDS_ESCAPE.test(s) ? `"${s.replace(/["\\]/g, '\\$&')}"` : `"${s}"`;
}

/**
 * A column of JSON texts as one JSON array, unpacked by Postgres in order: JSON is full of quotes,
 * and escaping each one for an array literal cost more than the rest of the batch's columns
 * together. Only when every element is a string (JSON.stringify's output); a NULL among them would
 * come back as JSON null, so such a column is left to arrayLiteral. `param` is the placeholder.
 */
export function jsonColumn(values: readonly unknown[], type: 'json' | 'jsonb'): { param: string; expression: (param: string) => string } | null {
  if (!values.every((v) => typeof v === 'string')) return null;
  return {
    param: `[${values.join(',')}]`,
    expression: (param) => `ARRAY(SELECT e FROM ${type}_array_elements(${param}::${type}) WITH ORDINALITY AS x(e, i) ORDER BY i)`,
  };
}
