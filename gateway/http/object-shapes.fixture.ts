// What gateway/http/object-shapes.test.ts must find (three) and must not (a spread last, a plain copy).
const base = { a: 1, b: 2 };
export const found1 = { ...base, c: 3 };
export const found2 = { ...base, ...{ d: 4 }, e: 5 };
export const twoSpreads = { ...base, ...{ f: 6 } };
export const spreadLast = { c: 3, ...base };
export const spreadOnly = { ...base };
