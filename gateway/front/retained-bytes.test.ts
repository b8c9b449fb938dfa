import { describe, expect, it } from 'vitest';
import { RetainedBytes } from './retained-bytes.ts';

describe('RetainedBytes', () => {
  it('gives back each text as it was, across slabs, in any script', () => {
    const bytes = new RetainedBytes();
    const texts = Array.from({ length: 3000 }, (_, i) => `{"externalId":"чек-${i}","sum":${i * 100},"note":"${'é€😀'.repeat(i % 7)}"}`);
    const kept = texts.map((t) => bytes.copy(t));
    expect(kept.map((b) => b.toString())).toEqual(texts);
    // 3000 texts of ~50 bytes fill more than one 64 KB slab.
    expect(new Set(kept.map((b) => b.buffer)).size).toBeGreaterThan(1);
  });

  it('keeps small texts together in slabs of their own, apart from the Buffers the rest of the process makes', () => {
    const bytes = new RetainedBytes();
    const a = bytes.copy('первый ответ');
    const pooled = Buffer.from('a short-lived buffer');
    const b = bytes.copy('второй ответ');
    expect(a.buffer).toBe(b.buffer);
    expect(a.buffer).not.toBe(pooled.buffer);
    expect(a.buffer.byteLength).toBe(64 * 1024);
  });

  it('gives a large text a buffer of its own, and an empty one an empty view', () => {
    const bytes = new RetainedBytes();
    const big = 'ы'.repeat(10_000);
    const kept = bytes.copy(big);
    expect(kept.toString()).toBe(big);
    expect(kept.buffer.byteLength).toBe(20_000);
    expect(bytes.copy('').length).toBe(0);
  });
});
