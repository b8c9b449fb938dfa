// The POS traffic the load tests send. checkBody: 3 lines, as the k6 scripts in loadtests/k6 and
// the fault tests send. saleBody: what `npm run bench` sends (the wrk scripts build the same in
// Lua). Customers are drawn from a fixed pool so most checks find an existing customer, as at a
// real till.

import { DEFAULT_PROGRAM_INPUT } from '../ledger/program.ts';

/** The bench's program: the default one, but bonuses are spendable at once, so returning customers pay with them. */
export const BENCH_PROGRAM = { ...DEFAULT_PROGRAM_INPUT, activationDays: 0 };

export interface ScenarioOptions {
  customers: number;
  /** Distinguishes runs, so external ids never repeat across runs on one database. */
  run: string;
}

export function phoneOf(i: number): string {
  return `+7999${String(i).padStart(7, '0')}`;
}

export function checkBody(i: number, o: ScenarioOptions, redeem: number | 'max' = 0): string {
  const a = 15_000 + (i % 40) * 2_500;
  return JSON.stringify({
    externalId: `${o.run}-${i}`,
    occurredAt: new Date().toISOString(),
    storeId: `shop-${i % 7}`,
    cashierId: `cashier-${i % 13}`,
    customer: { phone: phoneOf(i % o.customers) },
    lines: [
      { lineNo: 1, productId: `sku-${i % 97}`, groupId: 'coffee', quantity: 1000, price: a, amount: a },
      { lineNo: 2, productId: `sku-${(i * 7) % 89}`, groupId: 'bakery', quantity: 2000, price: 9_000, amount: 18_000 },
      { lineNo: 3, productId: 'bag', groupId: 'other', quantity: 1000, price: 500, amount: 500 },
    ],
    payments: [{ type: i % 3 === 0 ? 'cash' : 'card', amount: a + 18_500 }],
    redeem,
  });
}

const GROUPS = ['coffee', 'bakery', 'other'] as const;

/**
 * The sale `npm run bench` sends: 1 to 4 lines, one or two of each, a phone from the seeded
 * customers, and every fifth pays with as many bonuses as the program allows. loadtests/wrk/body.lua
 * builds the same bodies for wrk (keep the two in step).
 */
export function saleBody(i: number, customer: number, run: string, occurredAt = new Date().toISOString()) {
  const lines = [];
  let total = 0;
  for (let k = 1; k <= 1 + (i % 4); k++) {
    const price = 5_000 + ((i * 31 + k * 17) % 40) * 2_500;
    const quantity = 1000 * (1 + ((i + k) % 2));
    const amount = (price * quantity) / 1000;
    lines.push({ lineNo: k, productId: `sku-${(i * 7 + k) % 97}`, groupId: GROUPS[k % 3]!, quantity, price, amount });
    total += amount;
  }
  return {
    externalId: `${run}-${i}`,
    occurredAt,
    storeId: `shop-${i % 7}`,
    cashierId: `cashier-${i % 13}`,
    customer: { phone: phoneOf(customer) },
    lines,
    payments: [{ type: i % 3 === 0 ? 'cash' : 'card', amount: total }],
    redeem: i % 5 === 0 ? ('max' as const) : 0,
  };
}
