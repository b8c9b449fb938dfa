import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromMinor, lineAmount, minorToNumber, toMinor } from './decimal.ts';

describe('decimal ↔ minor units', () => {
  it('converts exactly, refusing what would be rounded away', () => {
    expect(toMinor(0.1, 2, 'x') + toMinor(0.2, 2, 'x')).toBe(30);
    expect(toMinor('1234.5', 2, 'x')).toBe(123450);
    expect(toMinor('12,345', 3, 'q')).toBe(12345);
    expect(toMinor(123.456, 3, 'q')).toBe(123456);
    expect(toMinor('1.500', 2, 'x')).toBe(150);
    expect(() => toMinor('1.005', 2, 'price')).toThrow(/больше 2 знаков/);
    expect(() => toMinor('-1', 2, 'x')).toThrow(/отрицательное/);
    expect(() => toMinor('abc', 2, 'x')).toThrow(/не десятичное/);
    expect(toMinor(1e-7, 7, 'x')).toBe(1);
    expect(fromMinor(5, 2)).toBe('0.05');
    expect(fromMinor(-12345, 2)).toBe('-123.45');
    expect(minorToNumber(6295, 2)).toBe(62.95);
    expect(lineAmount(12345, 123456)).toBe(1524064); // 123.45 ₽ × 123.456 = 15240.6432 ₽
  });
  it('round-trips every amount', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e13 }), fc.integer({ min: 0, max: 3 }), (v, scale) => {
      expect(toMinor(fromMinor(v, scale), scale, 'x')).toBe(v);
      expect(toMinor(minorToNumber(v, scale), scale, 'x')).toBe(v);
    }));
  });
});
