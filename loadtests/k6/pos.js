// k6 scenarios for Kopilka's POS port, for users who have k6 (https://k6.io):
//   k6 run -e BASE=http://127.0.0.1:8080 -e KEY=kp_api_... -e SCENARIO=commit loadtests/k6/pos.js
// SCENARIO: calculate (fixed rate RATE req/s), commit (VUS virtual users as fast as they can),
// mixed (70% calculate, 30% commit). Kept for users who have k6; `npm run bench` drives its load
// with wrk instead (loadtests/wrk/*.lua: bodies of 1 to 4 lines, every fifth paying with bonuses)
// and is what produced the figures in the README.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

const BASE = __ENV.BASE || 'http://127.0.0.1:8080';
const KEY = __ENV.KEY;
const SCENARIO = __ENV.SCENARIO || 'mixed';
const CUSTOMERS = Number(__ENV.CUSTOMERS || 20000);
const RUN = __ENV.RUN || `k6-${Date.now()}`;
const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };

export const options = {
  scenarios: {
    pos:
      SCENARIO === 'calculate'
        ? { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE || 10000), timeUnit: '1s', duration: __ENV.DURATION || '30s', preAllocatedVUs: 200, maxVUs: 1000 }
        : { executor: 'constant-vus', vus: Number(__ENV.VUS || 256), duration: __ENV.DURATION || '30s' },
  },
  thresholds:
    SCENARIO === 'calculate'
      ? { 'http_req_duration{kind:calculate}': ['p(99)<5'], http_req_failed: ['rate<0.001'] }
      : { 'http_req_duration{kind:commit}': ['p(99)<25'], http_req_failed: ['rate<0.001'] },
};

function phoneOf(i) {
  return `+7999${String(i).padStart(7, '0')}`;
}

function checkBody(i) {
  const a = 15000 + (i % 40) * 2500;
  return JSON.stringify({
    externalId: `${RUN}-${i}`,
    occurredAt: new Date().toISOString(),
    storeId: `shop-${i % 7}`,
    cashierId: `cashier-${i % 13}`,
    customer: { phone: phoneOf(i % CUSTOMERS) },
    lines: [
      { lineNo: 1, productId: `sku-${i % 97}`, groupId: 'coffee', quantity: 1000, price: a, amount: a },
      { lineNo: 2, productId: `sku-${(i * 7) % 89}`, groupId: 'bakery', quantity: 2000, price: 9000, amount: 18000 },
      { lineNo: 3, productId: 'bag', groupId: 'other', quantity: 1000, price: 500, amount: 500 },
    ],
    payments: [{ type: i % 3 === 0 ? 'cash' : 'card', amount: a + 18500 }],
    redeem: 0,
  });
}

export default function () {
  const i = exec.scenario.iterationInTest;
  const calculate = SCENARIO === 'calculate' || (SCENARIO === 'mixed' && i % 10 < 7);
  const res = calculate
    ? http.post(`${BASE}/v1/checks/calculate`, checkBody(i), { headers, tags: { kind: 'calculate' } })
    : http.post(`${BASE}/v1/checks`, checkBody(i), { headers, tags: { kind: 'commit' } });
  check(res, { 'status 2xx': (r) => r.status >= 200 && r.status < 300 });
}
