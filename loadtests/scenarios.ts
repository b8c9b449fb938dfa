// The POS traffic the load tests send, shared by the Node runner (loadtests/bench.ts); the k6
// scripts in loadtests/k6 build the same bodies. A check has 3 lines; customers are drawn from
// a fixed pool so most checks find an existing customer, as at a real till.

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
