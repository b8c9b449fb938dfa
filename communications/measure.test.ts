import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Ledger, SecretBox } from '../ledger/index.ts';
import { createTestDatabase } from '../test/postgres.ts';
import { Communications, type Draft } from './service.ts';
import { SYSTEMS } from './settings.ts';
import { smscStandIn } from './standins.ts';

// The closing measure of issue 13: 10,000 messages through the SMSC stand-in — time, messages,
// duplicates (must be 0). Runs only when asked (it loads the machine):
//   MEASURE_MESSAGES=10000 npx vitest run communications/measure.test.ts

const N = Number(process.env.MEASURE_MESSAGES ?? 0);
// Said loudly when skipped: it is a measurement, not a check of behaviour (delivery.test.ts is).
if (N === 0) console.warn('SKIPPED communications/measure.test.ts: set MEASURE_MESSAGES=10000 to send 10,000 messages through the SMSC stand-in (about 40 s of both cores)');

describe.skipIf(N === 0)('measure: a campaign through the SMSC stand-in (skipped unless MEASURE_MESSAGES is set)', () => {
  it(`sends ${N} messages once each`, async () => {
    const db = await createTestDatabase();
    const ledger = await Ledger.open({ pool: db.pool, secrets: new SecretBox(randomBytes(32)) });
    const smsc = await smscStandIn();
    const t = await ledger.createTenant('measure');
    await ledger.saveConnectorSettings(t.id, SYSTEMS.sms, { provider: 'smsc', login: 'm', token: 'p' });
    await ledger.saveConnectorSettings(t.id, SYSTEMS.rules, { quietHours: null, dailyCap: 0 });
    const rate = Number(process.env.MEASURE_RATE ?? 5000);
    const comms = await Communications.start({
      ledger, sql: db.pool, publish() {}, log: { warn() {}, info() {} }, smscUrl: smsc.url,
      delivery: { ratePerSecond: { smsc: rate }, batchSize: 200, pollingIntervalSeconds: 0.5 },
    });
    try {
      const started = Date.now();
      for (let from = 0; from < N; from += 1000) {
        const drafts: Draft[] = Array.from({ length: Math.min(1000, N - from) }, (_, i) => ({
          customerId: null, topic: 'campaign', advertising: false, channel: 'sms', address: `+7900${String(from + i).padStart(7, '0')}`, text: `Акция №${from + i}`, automatic: false,
        }));
        await comms.queue(t.id, drafts);
      }
      const queued = Date.now();
      for (;;) {
        const r = await db.pool.query(`SELECT count(*) FILTER (WHERE status IN ('queued', 'sending')) AS open, count(*) FILTER (WHERE status = 'sent') AS sent FROM messages`);
        if (Number(r.rows[0].open) === 0) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      const done = Date.now();
      const sent = Number((await db.pool.query(`SELECT count(*) AS n FROM messages WHERE status = 'sent'`)).rows[0].n);
      const dupes = smsc.received.length - new Set(smsc.received.map((r) => r.id)).size;
      console.log(`measure: ${N} messages queued in ${queued - started} ms, all settled in ${done - started} ms (${Math.round((N * 1000) / (done - started))}/s, rate limit ${rate}/s); sent ${sent}, stand-in took ${smsc.received.length}, duplicates ${dupes}`);
      expect([sent, smsc.received.length, dupes]).toEqual([N, N, 0]);
    } finally {
      await comms.stop();
      await smsc.close();
      await ledger.close();
      await db.drop();
    }
  }, 600_000);
});
