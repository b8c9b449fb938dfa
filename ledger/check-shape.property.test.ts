import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSchema } from './check.ts';
import { plainCheck } from './check-shape.ts';

// The plain reader against zod (the schema is the definition): on random checks, valid and not,
// whatever the plain reader accepts zod accepts, with the same output — the same keys in the
// same order, the same values — and the well-formed checks tills send are taken by the plain
// reader, not left to zod (else it would be correct and useless).

/** A value, or one of the ways a till gets it wrong. */
const maybe = <T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]) => fc.oneof({ weight: 40, arbitrary: good as fc.Arbitrary<unknown> }, ...bad.map((arbitrary) => ({ weight: 1, arbitrary })));

const nasty = fc.constantFrom('', ' ', '  x  ', 'a\u0000b', 'a\ud800b', '\udc00', 'tab\tin', 'line\nbreak', 'del\u007f', 'c1\u0085', 'ёжик', 'x'.repeat(129), 'x'.repeat(33), 'x'.repeat(65), 'x'.repeat(513));
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), nasty);
const wrongType = fc.constantFrom(null, undefined, 0, 1.5, -1, true, [], {}, '12', 'max', Number.NaN, Number.POSITIVE_INFINITY);
const int = (min: number, max: number) => maybe(fc.integer({ min, max }), fc.constantFrom(min - 1, max + 1, 0.5, -0), wrongType);
const money = int(0, 100_000_000_000);
const time = maybe(
  fc.constantFrom('2026-11-24T10:00:00+03:00', '2026-11-24T07:00:00Z', '2026-11-24T10:00:00.123+0300'),
  fc.constantFrom('2026-02-30T10:00:00Z', '2026-11-24T24:00:00Z', '2026-11-24 10:00', '1999-01-01T00:00:00Z', '2026-11-24T10:00:00+19:00'),
  wrongType,
);

/** A key that may be left out, given as null, or given. */
const field = (key: string, v: fc.Arbitrary<unknown>) =>
  fc.oneof(fc.constant({}), fc.constant({ [key]: null }), v.map((x) => ({ [key]: x })));

const line = fc
  .tuple(
    int(1, 20),
    maybe(fc.constantFrom('sku-1', ' sku-2 ', 'кофе'), text, wrongType),
    field('groupId', maybe(fc.constantFrom('coffee', 'bakery'), text, wrongType)),
    field('name', maybe(fc.constantFrom('Капучино', 'Круассан\tс маслом'), text, wrongType)),
    int(1, 3000),
    int(0, 50_000),
    fc.oneof(fc.constant('exact'), fc.constant('over'), fc.constant('under'), money),
    fc.option(fc.dictionary(fc.constantFrom('vat', 'discount', 'extra'), fc.integer()), { nil: undefined }),
  )
  .map(([lineNo, productId, groupId, name, quantity, price, amount, extra]) => {
    const exact = typeof price === 'number' && typeof quantity === 'number' ? Math.round((price * quantity) / 1000) : 0;
    const a = amount === 'exact' ? exact : amount === 'over' ? exact + 2 + Math.ceil(Number(quantity) / 1000) : amount === 'under' ? Math.max(0, exact - 7) : amount;
    return { ...extra, lineNo, productId, ...groupId, ...name, quantity, price, amount: a };
  });

const customer = fc.oneof(
  maybe(fc.constantFrom('+79991234567', '8 (999) 123-45-67', '+7999'), text, wrongType).map((phone) => ({ phone })),
  maybe(fc.constantFrom('42', ' 43 '), text).map((id) => ({ id })),
  maybe(fc.constantFrom('CARD-1'), text).map((cardNumber) => ({ cardNumber })),
  fc.constant({ phone: '+79991234567', id: '1' }),
  fc.constant({}),
  wrongType,
);

const payment = fc
  .tuple(maybe(fc.constantFrom('cash', 'card', ' giftcard '), text, wrongType), money, field('code', maybe(fc.constantFrom('GC-1'), text, wrongType)))
  .map(([type, amount, code]) => ({ type, amount, ...code }));

const check = fc
  .tuple(
    maybe(fc.constantFrom('s-1', '  s-2  '), text, wrongType),
    time,
    field('storeId', maybe(fc.constantFrom('shop-1'), text, wrongType)),
    field('cashierId', maybe(fc.constantFrom('c-1'), text, wrongType)),
    field('customer', customer),
    maybe(fc.array(line, { minLength: 1, maxLength: 4 }), fc.constant([]), wrongType, fc.constant(Array.from({ length: 1001 }, (_, i) => ({ lineNo: i + 1, productId: 'p', quantity: 1000, price: 1, amount: 1 })))),
    fc.oneof(fc.constant({}), maybe(fc.array(payment, { maxLength: 3 }), wrongType, fc.constant(Array.from({ length: 33 }, () => ({ type: 'cash', amount: 0 })))).map((payments) => ({ payments }))),
    fc.oneof(fc.constant({}), maybe(fc.oneof(fc.constant('max' as const), fc.integer({ min: 0, max: 10_000 })), wrongType).map((redeem) => ({ redeem }))),
    field('coupon', maybe(fc.constantFrom('SUMMER'), text, wrongType)),
    fc.oneof(fc.constant({}), maybe(fc.constantFrom('till', 'kopilka'), wrongType).map((pricedBy) => ({ pricedBy }))),
    fc.option(fc.constantFrom({ comment: 'x' }, { __proto__: 1 }), { nil: undefined }),
  )
  .map(([externalId, occurredAt, storeId, cashierId, cust, lines, payments, redeem, coupon, pricedBy, extra]) => ({
    ...extra,
    externalId,
    occurredAt,
    ...storeId,
    ...cashierId,
    ...cust,
    lines,
    ...payments,
    ...redeem,
    ...coupon,
    ...pricedBy,
  }));

/** The same keys in the same order, the same values, all the way down. */
function expectSame(a: unknown, b: unknown, path = '(check)'): void {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    expect(Object.is(a, b), `${path}: ${String(a)} vs ${String(b)}`).toBe(true);
    return;
  }
  expect(Array.isArray(a), path).toBe(Array.isArray(b));
  expect(Object.keys(a), path).toEqual(Object.keys(b));
  for (const k of Object.keys(a)) expectSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
}

describe('the plain check reader (property)', () => {
  it('accepts only what zod accepts, and gives what zod gives', () => {
    let plain = 0;
    let zodOnly = 0;
    fc.assert(
      fc.property(check, (input) => {
        const mine = plainCheck(input);
        const theirs = checkSchema.safeParse(input);
        if (mine === null) {
          if (theirs.success) zodOnly++;
          return;
        }
        plain++;
        expect(theirs.success, JSON.stringify(theirs.error?.issues)).toBe(true);
        expectSame(mine, theirs.data);
      }),
      { numRuns: 20_000 },
    );
    // The generator makes enough valid checks for the comparison to mean something.
    expect(plain).toBeGreaterThan(1_000);
    console.log(`plain reader: ${plain} checks read alike; ${zodOnly} valid ones left to zod (undefined values, -0 and the like)`);
  });

  it('reads the checks tills send without zod', () => {
    const sale = {
      externalId: 'bench-1',
      occurredAt: '2026-11-24T10:00:00Z',
      storeId: 'shop-1',
      cashierId: 'cashier-1',
      customer: { phone: '+79990000001' },
      lines: [
        { lineNo: 1, productId: 'sku-1', groupId: 'coffee', quantity: 1000, price: 15000, amount: 15000 },
        { lineNo: 2, productId: 'sku-2', name: 'Круассан', quantity: 2000, price: 9000, amount: 18000 },
      ],
      payments: [{ type: 'card', amount: 33000 }],
      redeem: 'max',
    };
    for (const input of [sale, { ...sale, customer: { cardNumber: 'K-1' }, pricedBy: 'till' }, { ...sale, customer: null, payments: undefined }]) {
      const { payments, ...rest } = input;
      const body = payments === undefined ? rest : input;
      expect(plainCheck(body), JSON.stringify(body)).not.toBeNull();
      expectSame(plainCheck(body), checkSchema.parse(body));
    }
  });
});
