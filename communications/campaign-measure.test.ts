import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Ledger, SecretBox } from '../ledger/index.ts';
import { createTestDatabase } from '../test/postgres.ts';
import { preview, send } from './campaigns.ts';
import { recordConsent } from './consent.ts';
import { Communications } from './service.ts';
import { SYSTEMS } from './settings.ts';
import { smscStandIn } from './standins.ts';

// The closing measure of issue 13 as the issue words it: a campaign to N customers (registered
// through the ledger, each with advertising consent) sent through the SMSC stand-in, with a gift —
// time to queue, time until every message is settled, messages, gifts, duplicates (must be 0);
// then the same campaign sent again, as after a crash mid-way, adds nothing. Runs only when asked:
//   MEASURE_CAMPAIGN=10000 TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx vitest run communications/campaign-measure.test.ts

const N = Number(process.env.MEASURE_CAMPAIGN ?? 0);
if (N === 0) console.warn('SKIPPED communications/campaign-measure.test.ts: set MEASURE_CAMPAIGN=10000 to send a campaign to 10,000 customers through the SMSC stand-in (about a minute of both cores)');

async function customers(ledger: Ledger, db: Parameters<typeof recordConsent>[0], tenantId: string, n: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 256 }, async () => {
    for (let i = next++; i < n; i = next++) {
      const id = await ledger.registerCustomerId(tenantId, { phone: `+7901${String(i).padStart(7, '0')}`, name: `Покупатель ${i}` });
      await recordConsent(db, tenantId, id, { kind: 'advertising', granted: true, textVersion: '2026-11', channel: 'касса' });
    }
  }));
}

describe.skipIf(N === 0)('measure: a campaign to N customers through the SMSC stand-in (skipped unless MEASURE_CAMPAIGN is set)', () => {
  it(`sends a campaign with a gift to ${N} customers once each`, async () => {
    const db = await createTestDatabase();
    const ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(randomBytes(32)) });
    const smsc = await smscStandIn();
    const t = await ledger.createTenant('measure-campaign');
    await ledger.saveConnectorSettings(t.id, SYSTEMS.sms, { provider: 'smsc', login: 'm', token: 'p' });
    await ledger.saveConnectorSettings(t.id, SYSTEMS.rules, { quietHours: null, dailyCap: 0 });
    const rate = Number(process.env.MEASURE_RATE ?? 5000);
    const comms = await Communications.start({
      ledger, sql: db.pool, publish() {}, log: { warn() {}, info() {} }, smscUrl: smsc.url,
      delivery: { ratePerSecond: { smsc: rate }, batchSize: 200, pollingIntervalSeconds: 0.5 },
    });
    try {
      let t0 = Date.now();
      await customers(ledger, db.pool, t.id, N);
      const seeded = Date.now() - t0;
      const campaign = { id: 'measure', segment: {}, text: 'Только до воскресенья: −20% на всё', channel: 'sms' as const, advertising: true, gift: { points: 1000, ttlDays: 14 } };
      t0 = Date.now();
      const pv = await preview(comms, t.id, campaign);
      const previewMs = Date.now() - t0;
      t0 = Date.now();
      const first = await send(comms, t.id, campaign);
      const queuedMs = Date.now() - t0;
      for (;;) {
        const r = await db.pool.query(`SELECT count(*) FILTER (WHERE status IN ('queued', 'sending')) AS open FROM messages`);
        if (Number(r.rows[0].open) === 0) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      const settledMs = Date.now() - t0;
      const again = await send(comms, t.id, campaign);
      const sent = Number((await db.pool.query(`SELECT count(*) AS n FROM messages WHERE status = 'sent' AND topic = 'campaign'`)).rows[0].n);
      const phones = smsc.received.map((r) => r.to);
      const dupes = phones.length - new Set(phones).size;
      console.log(
        `measure: ${N} customers seeded in ${seeded} ms; preview ${previewMs} ms (${JSON.stringify({ messages: pv.messages, smsParts: pv.smsParts, cost: pv.cost })}); ` +
          `campaign queued in ${queuedMs} ms with ${first.gifts} gifts, all settled in ${settledMs} ms (${Math.round((N * 1000) / settledMs)}/s, rate limit ${rate}/s); ` +
          `sent ${sent}, stand-in took ${phones.length}, duplicates ${dupes}; sent again: ${JSON.stringify(again)}`,
      );
      expect([first.queued, first.gifts, sent, phones.length, dupes]).toEqual([N, N, N, N, 0]);
      expect([again.queued, again.gifts, again.alreadyQueued]).toEqual([0, 0, N]);
    } finally {
      await comms.stop();
      await smsc.close();
      await ledger.close();
      await db.drop();
    }
  }, 900_000);
});
