import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OPERATOR, startTestService, type TestService } from '../test/service.ts';

// The native API v1 over real HTTP, on both ports, with the Redis front and with the in-process
// one: every endpoint and every error code of the contract.

const now = () => new Date().toISOString().replace('Z', '+00:00');
let n = 0;
const sale = (o: Record<string, unknown> = {}) => ({
  externalId: `e2e-${++n}`,
  occurredAt: now(),
  storeId: 'shop-1',
  lines: [{ lineNo: 1, productId: 'sku-1', groupId: 'coffee', name: 'Капучино', quantity: 1000, price: 55000, amount: 55000 }],
  payments: [{ type: 'card', amount: 55000 }],
  ...o,
});

describe.each([
  ['redis', true],
  ['in-process', false],
])('native API v1 (%s front)', (_label, redis) => {
  let s: TestService;
  let admin: string;
  let cashier: string;
  let other: { admin: string; cashier: string };
  let t0: string;

  beforeAll(async () => {
    s = await startTestService({ redis });
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Кофейня', plan: 'month' });
    expect(t.status).toBe(201);
    expect(t.body.id).toMatch(/^t_/);
    admin = t.body.adminKey;
    t0 = t.body.id;
    const k = await call(s.api, 'POST', '/v1/keys', admin, { channel: 'cashier', storeId: 'shop-1' });
    expect(k.status).toBe(201);
    cashier = k.body.key;
    const t2 = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Другая' });
    other = { admin: t2.body.adminKey, cashier: (await call(s.api, 'POST', '/v1/keys', t2.body.adminKey, { channel: 'api' })).body.key };
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('serves /health and /metrics on the API port', async () => {
    const h = await call(s.api, 'GET', '/health', null);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', postgres: 'ok', front: redis ? 'redis' : 'memory' });
    const m = await call(s.api, 'GET', '/metrics', null);
    expect(m.status).toBe(200);
    expect(String(m.body)).toContain('kopilka_http_requests_total');
  });

  it('stores the program: PUT validates and returns it, GET reads it, on both ports', async () => {
    const bad = await call(s.api, 'PUT', '/v1/program', admin, { levels: [{ code: 'a', name: 'A', threshold: 5, accrual: { type: 'percent', percent: 10 } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('levels.0.threshold');
    const program = {
      levels: [
        { code: 'standard', name: 'Стандартная', threshold: 0, accrual: { type: 'percent', percent: 10 }, discount: null, maxRedeemPercent: 30, welcomeBonus: { points: 20000, ttlDays: 14 } },
        { code: 'silver', name: 'Серебряная', threshold: 1000000, accrual: { type: 'progressive', steps: [{ from: 0, percent: 5 }, { from: 100000, percent: 10 }] }, discount: { type: 'percent', percent: 3 }, maxRedeemPercent: 50 },
      ],
      activationDays: 0,
      expiry: { mode: 'afterAccrual', days: 30 },
      rounding: 'floor',
      exclusions: { productIds: ['tobacco-1'], groupIds: ['alcohol'] },
      modifiers: [{ when: { groupIds: ['services'] }, accrualPercent: 10, maxRedeemPercent: 50 }],
      gifts: { registration: { points: 10000, ttlDays: 14 } },
      referral: { reward: { type: 'percent', percent: 5 }, scope: 'firstPurchase', periodDays: 365 },
      maxBackdateDays: 90,
    };
    const put = await call(s.api, 'PUT', '/v1/program', admin, program);
    expect(put.status).toBe(200);
    expect(put.body.levels[1].code).toBe('silver');
    const got = await call(s.pos, 'GET', '/v1/program', admin);
    expect(got.body.activationDays).toBe(0);
    expect((await call(s.pos, 'GET', '/v1/program', cashier)).status).toBe(401); // admin only (native-api.md)
    expect((await call(s.pos, 'PUT', '/v1/program', cashier, program)).status).toBe(401);
  });

  it('registers customers with phones normalised to E.164 and finds them by phone, card and id', async () => {
    const r = await call(s.pos, 'POST', '/v1/customers', cashier, { phone: '8 (916) 000-00-01', cardNumber: 'CARD-1', name: 'Анна', birthDate: '1990-05-17' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ phone: '+79160000001', cardNumber: 'CARD-1', level: { code: 'standard' }, balance: { available: 30000, pending: 0 } });
    expect((await call(s.pos, 'GET', '/v1/customers?phone=%2B79160000001', cashier)).body.id).toBe(r.body.id);
    expect((await call(s.pos, 'GET', '/v1/customers?card=CARD-1', cashier)).body.id).toBe(r.body.id);
    const byId = await call(s.pos, 'GET', `/v1/customers/${r.body.id}`, cashier);
    expect(byId.body).toMatchObject({ id: r.body.id, nextLevel: { code: 'silver', remaining: 1000000 } });
    const again = await call(s.pos, 'POST', '/v1/customers', cashier, { phone: '+79160000001' });
    expect([again.status, again.body.error.code]).toEqual([409, 'PHONE_TAKEN']);
    const badPhone = await call(s.pos, 'POST', '/v1/customers', cashier, { phone: '12345' });
    expect([badPhone.status, badPhone.body.error.details.field]).toEqual([400, 'phone']);
    const tx = await call(s.pos, 'GET', `/v1/customers/${r.body.id}/transactions`, cashier);
    expect(tx.status).toBe(200);
    expect(tx.body.map((p: { kind: string }) => p.kind)).toEqual(['gift', 'gift']);
  });

  it('calculates without recording, commits once, replays the first answer, refuses a changed body', async () => {
    const phone = '+79160000002';
    await call(s.pos, 'POST', '/v1/customers', cashier, { phone });
    const body = sale({ customer: { phone }, redeem: 'max' });
    const calc = await call(s.pos, 'POST', '/v1/checks/calculate', cashier, body);
    expect(calc.status).toBe(200);
    expect(calc.body).toMatchObject({ status: 'calculated', totals: { amount: 55000, maxRedeem: 16500, redeemed: 16500, toPay: 38500 } });
    const first = await call(s.pos, 'POST', '/v1/checks', cashier, body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ status: 'committed', totals: { redeemed: 16500, accrued: 3800 } });
    const replay = await call(s.pos, 'POST', '/v1/checks', cashier, body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    const conflict = await call(s.pos, 'POST', '/v1/checks', cashier, { ...body, redeem: 0 });
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    const c = await call(s.pos, 'GET', `/v1/customers/${first.body.customer.id}`, cashier);
    expect(c.body.balance.available).toBe(30000 - 16500 + 3800);
  });

  it('keeps the cached summary coherent with commits from any path', async () => {
    const r = await call(s.pos, 'POST', '/v1/customers', cashier, { phone: '+79160000009' });
    const cached = await call(s.pos, 'GET', `/v1/customers/${r.body.id}`, cashier); // now cached
    expect(cached.body.purchases).toBe(0);
    // Straight into the ledger, as a connector's commit or another gateway's would be.
    await s.app.ledger.commit(t0, 'onec', sale({ customer: { id: r.body.id } }));
    const after = await call(s.pos, 'GET', `/v1/customers/${r.body.id}`, cashier);
    expect(after.body.purchases).toBe(1);
    // Calculate reads the same cache: twice to get it cached, then a commit, then it must see it.
    const calc = () => call(s.pos, 'POST', '/v1/checks/calculate', cashier, sale({ customer: { phone: '+79160000009' }, redeem: 'max' }));
    const before = (await calc(), await calc()).body.customer.balance.available;
    await s.app.ledger.commit(t0, 'onec', sale({ customer: { id: r.body.id }, redeem: 1000 }));
    expect((await calc()).body.customer.balance.available).toBe(before - 1000 + 5400); // 10% of 540 ₽ paid
  });

  it('refunds fully and partly', async () => {
    const phone = '+79160000003';
    const body = sale({ customer: { phone }, lines: [{ lineNo: 1, productId: 'a', quantity: 2000, price: 50000, amount: 100000 }], payments: [{ type: 'card', amount: 100000 }] });
    const c = await call(s.pos, 'POST', '/v1/checks', cashier, body);
    expect(c.status).toBe(201);
    const part = await call(s.pos, 'POST', `/v1/checks/${body.externalId}/refund`, cashier, { externalId: `${body.externalId}-r1`, lines: [{ lineNo: 1, quantity: 1000 }] });
    expect(part.status).toBe(201);
    expect(part.body.totals).toMatchObject({ amount: 50000, accrued: c.body.totals.accrued / 2 });
    const rest = await call(s.pos, 'POST', `/v1/checks/${body.externalId}/refund`, cashier, { externalId: `${body.externalId}-r2` });
    expect(rest.body.totals.amount).toBe(50000);
    const again = await call(s.pos, 'POST', `/v1/checks/${body.externalId}/refund`, cashier, { externalId: `${body.externalId}-r2` });
    expect(again.status).toBe(200);
    const more = await call(s.pos, 'POST', `/v1/checks/${body.externalId}/refund`, cashier, { externalId: `${body.externalId}-r3` });
    expect([more.status, more.body.error.code]).toEqual([422, 'REFUND_EXCEEDS_SALE']);
    const missing = await call(s.pos, 'POST', '/v1/checks/nope/refund', cashier, { externalId: 'x' });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'CHECK_NOT_FOUND']);
  });

  it('answers 400 naming the field, and for malformed JSON', async () => {
    const r = await call(s.pos, 'POST', '/v1/checks', cashier, sale({ lines: [{ lineNo: 1, productId: 'a', quantity: 1000, price: 1, amount: 1.5 }] }));
    expect([r.status, r.body.error.code, r.body.error.details.field]).toEqual([400, 'INVALID_INPUT', 'lines.0.amount']);
    const j = await call(s.pos, 'POST', '/v1/checks', cashier, undefined, '{"externalId": ');
    expect([j.status, j.body.error.code]).toEqual([400, 'INVALID_INPUT']);
    expect(j.body.error.message).toMatch(/JSON/);
  });

  it('answers 401 without a key, with a wrong key, and for a channel key on admin endpoints', async () => {
    expect((await call(s.pos, 'POST', '/v1/checks', null, sale())).status).toBe(401);
    expect((await call(s.pos, 'POST', '/v1/checks', 'kp_api_wrong', sale())).status).toBe(401);
    expect((await call(s.api, 'POST', '/v1/keys', cashier, { channel: 'api' })).status).toBe(401);
    expect((await call(s.api, 'POST', '/v1/tenants', admin, { name: 'x' })).status).toBe(401);
  });

  it("answers 404 for another tenant's customer and check, never 403", async () => {
    const mine = await call(s.pos, 'POST', '/v1/customers', cashier, { phone: '+79160000004' });
    const theirs = await call(s.pos, 'GET', `/v1/customers/${mine.body.id}`, other.cashier);
    expect([theirs.status, theirs.body.error.code]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
    expect((await call(s.pos, 'GET', `/v1/customers/${mine.body.id}/transactions`, other.cashier)).status).toBe(404);
    expect((await call(s.pos, 'GET', '/v1/customers?phone=%2B79160000004', other.admin)).status).toBe(404);
    const body = sale();
    await call(s.pos, 'POST', '/v1/checks', cashier, body);
    expect((await call(s.pos, 'POST', `/v1/checks/${body.externalId}/refund`, other.cashier, { externalId: 'r' })).status).toBe(404);
    expect((await call(s.pos, 'GET', '/v1/nothing-here', cashier)).status).toBe(404);
  });

  it('answers 413 over 1 MB on both ports', async () => {
    const big = JSON.stringify(sale({ note: 'x'.repeat(1_100_000) }));
    for (const base of [s.pos, s.api]) {
      const r = await call(base, 'POST', '/v1/checks', cashier, undefined, big);
      expect([r.status, r.body.error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    }
    // A route's own, smaller limit: a key request is a few hundred bytes.
    const key = await call(s.api, 'POST', '/v1/keys', admin, { channel: 'api', storeId: 'x'.repeat(5000) });
    expect([key.status, key.body.error.code, key.body.error.details.limitBytes]).toEqual([413, 'BODY_TOO_LARGE', 4096]);
  });

  it('answers 422 when the program refuses: bonus payment beyond the cap, too old, no customer', async () => {
    const phone = '+79160000005';
    await call(s.pos, 'POST', '/v1/customers', cashier, { phone });
    const cap = await call(s.pos, 'POST', '/v1/checks', cashier, sale({ customer: { phone }, redeem: 20000 }));
    expect([cap.status, cap.body.error.code]).toEqual([422, 'REDEEM_EXCEEDS_LIMIT']);
    expect(cap.body.error.details.maxRedeem).toBe(16500);
    const old = await call(s.pos, 'POST', '/v1/checks', cashier, sale({ occurredAt: '2020-01-01T00:00:00+03:00' }));
    expect([old.status, old.body.error.code]).toEqual([422, 'CHECK_TOO_OLD']);
    const anon = await call(s.pos, 'POST', '/v1/checks', cashier, sale({ redeem: 100 }));
    expect([anon.status, anon.body.error.code]).toEqual([422, 'REDEEM_WITHOUT_CUSTOMER']);
  });

  it('serves /openapi.json without a key on both ports', async () => {
    for (const base of [s.pos, s.api]) {
      const r = await call(base, 'GET', '/openapi.json', null);
      expect([r.status, r.body.openapi]).toEqual([200, '3.1.0']);
      expect(r.body.paths['/v1/checks'].post.requestBody.content['application/json'].schema.properties.pricedBy).toBeDefined();
    }
  });

  it('lists, counts and resolves the review queue with the admin key only', async () => {
    const list = await call(s.api, 'GET', '/v1/review?limit=10', admin);
    expect([list.status, list.body.count, list.body.items]).toEqual([200, 0, []]);
    expect((await call(s.api, 'GET', '/v1/review?limit=0', admin)).body.error.details.field).toBe('limit');
    expect((await call(s.api, 'GET', '/v1/review', cashier)).status).toBe(401);
    const counts = await call(s.api, 'GET', '/v1/review/counts', admin);
    expect([counts.status, counts.body.open]).toEqual([200, 0]);
    const bad = await call(s.api, 'POST', '/v1/review/1/resolve', admin, { action: 'forget' });
    expect([bad.status, bad.body.error.details.field]).toEqual([400, 'action']);
    expect((await call(s.api, 'POST', '/v1/review/1/resolve', cashier, { action: 'dismiss' })).status).toBe(401);
    const missing = await call(s.api, 'POST', '/v1/review/999999/resolve', admin, { action: 'dismiss', comment: 'нет' });
    expect(missing.status).toBe(404);
  });

  it('grants bonuses by hand once per key, with the admin key only; the operator issues a lost admin key', async () => {
    const c = await call(s.api, 'POST', '/v1/customers', admin, { phone: '+79990007001' });
    const grant = { points: 5_000, key: 'gift-1', reason: 'Компенсация' };
    const first = await call(s.api, 'POST', `/v1/customers/${c.body.id}/grants`, admin, grant);
    expect([first.status, first.body.given], JSON.stringify(first.body)).toEqual([201, true]);
    const held = (b: { balance: { available: number; pending: number } }) => b.balance.available + b.balance.pending;
    expect(held(first.body.customer)).toBe(held(c.body) + 5_000);
    const again = await call(s.api, 'POST', `/v1/customers/${c.body.id}/grants`, admin, grant);
    expect([again.status, again.body.given, held(again.body.customer)]).toEqual([200, false, held(c.body) + 5_000]);
    expect((await call(s.api, 'POST', `/v1/customers/${c.body.id}/grants`, cashier, grant)).status).toBe(401);
    const bad = await call(s.api, 'POST', `/v1/customers/${c.body.id}/grants`, admin, { points: -1, key: 'k' });
    expect([bad.status, bad.body.error.details.field]).toEqual([400, 'points']);
    expect((await call(s.api, 'POST', `/v1/customers/${c.body.id}/grants`, other.admin, { ...grant, key: 'x' })).status).toBe(404);

    const key = await call(s.api, 'POST', `/v1/tenants/${t0}/admin-keys`, OPERATOR, {});
    expect([key.status, key.body.id]).toEqual([201, t0]);
    expect((await call(s.api, 'GET', '/v1/review/counts', key.body.adminKey)).status).toBe(200);
    expect((await call(s.api, 'POST', `/v1/tenants/${t0}/admin-keys`, admin, {})).status).toBe(401);
    expect((await call(s.api, 'POST', '/v1/tenants/t_nope/admin-keys', OPERATOR, {})).status).toBe(404);
  });

  it('issues coupons for a promotion, as JSON or a CSV to print; a sale with one gets its discount once', async () => {
    const program = (await call(s.api, 'GET', '/v1/program', other.admin)).body;
    const promo = { id: 'flyer', name: 'Листовка', issuedCoupons: true, effect: { type: 'percent', percent: 10 } };
    expect((await call(s.api, 'PUT', '/v1/program', other.admin, { ...program, promotions: [promo] })).status).toBe(200);
    const issued = await call(s.api, 'POST', '/v1/promotions/flyer/coupons', other.admin, { count: 2, uses: 1 });
    expect([issued.status, issued.body.codes.length]).toEqual([201, 2]);
    const csv = await fetch(`${s.api}/v1/promotions/flyer/coupons?format=csv`, { method: 'POST', headers: { authorization: `Bearer ${other.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ count: 3 }) });
    expect((await csv.text()).split('\r\n').filter(Boolean)).toHaveLength(4);
    expect((await call(s.api, 'POST', '/v1/promotions/none/coupons', other.admin, { count: 1 })).status).toBe(404);
    const body = (id: string) => ({ externalId: id, occurredAt: new Date().toISOString(), customer: { phone: '+79990008001' }, coupon: issued.body.codes[0], lines: [{ lineNo: 1, productId: 'p', quantity: 1000, price: 10_000, amount: 10_000 }] });
    expect((await call(s.pos, 'POST', '/v1/checks', other.cashier, body('cp-1'))).body.totals.discount).toBe(1_000);
    expect((await call(s.pos, 'POST', '/v1/checks', other.cashier, body('cp-2'))).body.messages[0]).toMatch(/уже использован/);
  });

  it('records a check the till has closed as the till priced it, and keeps what it cannot apply for review', async () => {
    const phone = '+79160000077';
    await call(s.pos, 'POST', '/v1/customers', cashier, { phone });
    // 550 ₽ with 50 ₽ off at the till: recorded at 500 ₽, no program discount on top.
    const till = sale({ customer: { phone }, pricedBy: 'till', lines: [{ lineNo: 1, productId: 'sku-1', quantity: 1000, price: 55000, amount: 50000 }], payments: [{ type: 'card', amount: 50000 }] });
    const first = await call(s.pos, 'POST', '/v1/checks', cashier, till);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.totals).toMatchObject({ amount: 50000, discount: 0, toPay: 50000 });
    const balance = (await call(s.pos, 'GET', `/v1/customers?phone=${encodeURIComponent(phone)}`, cashier)).body.balance;
    // The till took 500 bonuses the customer does not have (what the sale accrued is still
    // pending): not refused, clamped to what is spendable, the shortfall recorded and queued.
    const over = await call(s.pos, 'POST', '/v1/checks', cashier, sale({ customer: { phone }, pricedBy: 'till', redeem: 50_000, payments: [{ type: 'card', amount: 5000 }] }));
    expect(over.status, JSON.stringify(over.body)).toBe(201);
    expect(over.body.totals.redeemed + over.body.totals.shortfall).toBe(50_000);
    expect(over.body.totals.redeemed).toBe(balance.available);
    expect(over.body.totals.shortfall).toBeGreaterThan(0);
    // An unknown card: kept for review (202), then linked to the right customer and recorded.
    const unknown = sale({ customer: { cardNumber: 'NO-SUCH-CARD' }, pricedBy: 'till' });
    const q = await call(s.pos, 'POST', '/v1/checks', cashier, unknown);
    expect([q.status, q.body.status, q.body.reasonCode]).toEqual([202, 'review', 'CUSTOMER_NOT_FOUND']);
    expect((await call(s.pos, 'POST', '/v1/checks', cashier, unknown)).body.reviewId).toBe(q.body.reviewId);
    const counts = (await call(s.api, 'GET', '/v1/review/counts', admin)).body;
    expect(counts.byReason).toMatchObject({ CUSTOMER_NOT_FOUND: 1, BONUS_SHORTFALL: 1 });
    const customer = (await call(s.pos, 'GET', `/v1/customers?phone=${encodeURIComponent(phone)}`, cashier)).body;
    const linked = await call(s.api, 'POST', `/v1/review/${q.body.reviewId}/resolve`, admin, { action: 'link', customerId: customer.id });
    expect(linked.status).toBe(200);
    expect((await call(s.api, 'GET', '/v1/review/counts', admin)).body.byReason.CUSTOMER_NOT_FOUND ?? 0).toBe(0);
    const resolved = (await call(s.api, 'GET', '/v1/review?status=resolved', admin)).body.items;
    expect(resolved.map((i: { id: string }) => i.id)).toContain(q.body.reviewId);
    expect((await call(s.api, 'GET', '/v1/review?status=later', admin)).body.error.details.field).toBe('status');
    // The resend now gets what was recorded.
    const again = await call(s.pos, 'POST', '/v1/checks', cashier, unknown);
    expect(again.status).toBe(200);
  });

  it('serves the same routes on the API port', async () => {
    const r = await call(s.api, 'POST', '/v1/checks/calculate', cashier, sale());
    expect([r.status, r.body.status]).toEqual([200, 'calculated']);
  });
});

describe('limits and failures', () => {
  it('answers 429 with Retry-After past the per-key rate', async () => {
    const s = await startTestService({ redis: true, env: { RATE_LIMIT_PER_KEY: '5' } });
    try {
      const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'x' });
      const statuses: number[] = [];
      let retry: string | null = null;
      for (let i = 0; i < 15; i++) {
        const r = await call(s.pos, 'GET', '/v1/program', t.body.adminKey);
        statuses.push(r.status);
        if (r.status === 429) retry = r.headers.get('retry-after');
      }
      expect(statuses.slice(0, 10).every((x) => x === 200)).toBe(true);
      expect(statuses).toContain(429);
      expect(Number(retry)).toBeGreaterThanOrEqual(1);
    } finally {
      await s.stop();
    }
  });

  it('answers 503 when Postgres is unavailable, records nothing, and recovers', async () => {
    const s = await startTestService({ redis: false });
    try {
      const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'x' });
      const key = t.body.adminKey;
      expect((await call(s.pos, 'POST', '/v1/checks', key, sale())).status).toBe(201); // warms the key cache
      const dbName = new URL(s.db.url).pathname.slice(1);
      const admin = new (await import('pg')).default.Client({ connectionString: process.env.KOPILKA_TEST_PG_URL });
      await admin.connect();
      await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [dbName]);
      const body = sale();
      const down = await call(s.pos, 'POST', '/v1/checks', key, body);
      expect([down.status, down.body.error.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`);
      await admin.end();
      const up = await call(s.pos, 'POST', '/v1/checks', key, body);
      expect(up.status).toBe(201); // the retry is the first record: nothing was written before
    } finally {
      await s.stop();
    }
  });
});
