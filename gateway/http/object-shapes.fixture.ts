// What gateway/http/object-shapes.test.ts must find (two) and must not (an override, a spread last).
const base = { a: 1, b: 2 };
export const found1 = { ...base, c: 3 };
export const found2 = { ...base, ...{ d: 4 }, e: 5 };
export const spreadLast = { c: 3, ...base };
export const spreadOnly = { ...base };
