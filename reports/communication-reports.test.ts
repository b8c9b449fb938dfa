import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, tenantWithChannel, type TestService } from '../test/service.ts';

// The feedback-and-NPS and reactivation-chain reports over HTTP: JSON, and the files an owner opens.

let s: TestService;
beforeAll(async () => {
  s = await startTestService({ redis: false });
});
afterAll(async () => {
  await s?.stop();
});

async function raw(path: string, key: string): Promise<{ status: number; type: string | null; head: string }> {
  const r = await fetch(`${s.api}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const b = Buffer.from(await r.arrayBuffer());
  return { status: r.status, type: r.headers.get('content-type'), head: b.subarray(0, 2).toString('latin1') };
}

describe('communication reports', () => {
  it('feedback with NPS and chains: JSON, CSV, XLSX; a bad period is named', async () => {
    const { admin } = await tenantWithChannel(s, 'Кофейня', 'api');
    const chain = await call(s.api, 'POST', '/v1/chains', admin, { name: 'Спящие', segment: { minDaysWithoutPurchase: 60 }, steps: [{ delayDays: 0, gift: { points: 100 } }] });
    expect(chain.status).toBe(201);
    const chains = await call(s.api, 'GET', '/v1/reports/chains', admin);
    expect(chains.body.chains).toEqual([expect.objectContaining({ participants: 0, chain: expect.objectContaining({ name: 'Спящие' }) })]);
    const csv = await fetch(`${s.api}/v1/reports/chains?format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect((await csv.text()).split('\r\n')[1]).toMatch(/^Спящие;0;/);
    expect(await raw('/v1/reports/chains?format=xlsx', admin)).toMatchObject({ status: 200, head: 'PK' });

    const fb = await call(s.api, 'GET', '/v1/reports/feedback?from=2026-11-01&to=2026-11-30', admin);
    expect(fb.body).toMatchObject({ nps: { total: { responses: 0, nps: null } }, reviews: [] });
    expect(await raw('/v1/reports/feedback?format=xlsx', admin)).toMatchObject({ status: 200, head: 'PK' });
    const bad = await call(s.api, 'GET', '/v1/reports/feedback?from=2026-13-01', admin);
    expect([bad.status, bad.body.error.details.field]).toEqual([400, 'from']);
  });
});
