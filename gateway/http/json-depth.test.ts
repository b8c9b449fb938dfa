import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnsafeJson, JSON_MAX_DEPTH } from '../../ledger/validation.ts';
import { jsonBody, mayHoldUnsafeJson, nestedDeeperThan } from './router.ts';

// Deep nesting is refused by a byte scan before JSON.parse, which would hold the event loop for
// ~100 ms on 150,000 nested objects. The scan must agree with the JSON it reads: brackets inside
// strings, escaped quotes, and depth exactly at the limit.

const nested = (n: number, open = '{"a":', close = '}') => `${open.repeat(n)}1${close.repeat(n)}`;

describe('nesting depth before JSON.parse', () => {
  it('counts objects and arrays, not brackets in strings or after escaped quotes', () => {
    expect(nestedDeeperThan(Buffer.from(nested(JSON_MAX_DEPTH)), JSON_MAX_DEPTH)).toBe(false);
    expect(nestedDeeperThan(Buffer.from(nested(JSON_MAX_DEPTH + 1)), JSON_MAX_DEPTH)).toBe(true);
    expect(nestedDeeperThan(Buffer.from(nested(JSON_MAX_DEPTH + 1, '[', ']')), JSON_MAX_DEPTH)).toBe(true);
    expect(nestedDeeperThan(Buffer.from(JSON.stringify({ name: '{'.repeat(1000), quote: '\\"[[[[' })), 2)).toBe(false);
    // Object, array, object: 3 deep, with an escaped quote and a trailing backslash in its strings.
    expect(nestedDeeperThan(Buffer.from(JSON.stringify({ a: ['"', { b: '\\' }] })), 3)).toBe(false);
    expect(nestedDeeperThan(Buffer.from(JSON.stringify({ a: ['"', { b: [1] }] })), 4)).toBe(false);
    expect(nestedDeeperThan(Buffer.from(JSON.stringify({ a: ['"', { b: [1] }] })), 3)).toBe(true);
  });

  it('refuses the fuzz body (150,000 deep) as the caller\'s error, naming the limit', () => {
    const body = jsonBody(Buffer.from(nested(150_000)), 'application/json');
    expect(body).toThrow(/слишком глубокая вложенность \(больше 64\)/);
    expect(jsonBody(Buffer.from(JSON.stringify({ ok: [[{ x: 1 }]] })), 'application/json')()).toEqual({ ok: [[{ x: 1 }]] });
  });
});

describe('the pass for unstorable text, skipped for short bodies without a backslash', () => {
  it('skips only bodies that findUnsafeJson would pass', () => {
    // Any JSON, with any UTF-16 in its strings (lone surrogates and NUL come out as \\u escapes).
    const value = fc.jsonValue({ maxDepth: 4 }).chain((v) => fc.tuple(fc.constant(v), fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 })));
    fc.assert(
      fc.property(value, ([v, strings]) => {
        const body = Buffer.from(JSON.stringify({ v, strings }));
        if (!mayHoldUnsafeJson(body)) expect(findUnsafeJson(JSON.parse(body.toString()))).toBeNull();
      }),
      { numRuns: 5_000 },
    );
    expect(mayHoldUnsafeJson(Buffer.from(JSON.stringify({ a: 'x\u0000' })))).toBe(true);
    expect(jsonBody(Buffer.from('{"a":"x\\u0000"}'), 'application/json')).toThrow(/NUL/);
    expect(jsonBody(Buffer.from('{"a":"\\ud800"}'), 'application/json')).toThrow(/суррогат/);
    // A list longer than the pass allows is long text: the pass runs.
    expect(mayHoldUnsafeJson(Buffer.from(JSON.stringify(new Array(5_001).fill(1))))).toBe(true);
  });
});
