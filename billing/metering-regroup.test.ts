import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontKeys } from '../gateway/front/keys.ts';
import { RedisFront } from '../gateway/front/redis-front.ts';
import type { KopilkaEvent } from '../ledger/index.ts';
import { REDIS_URL } from '../test/service.ts';
import { startMetering } from './metering.ts';
import { usageMonth } from './month.ts';

// Issue 8: after Redis restarted empty the metering consumer group was never recreated: every
// read answered NOGROUP (logged every 2.5 s) and no check was counted again. Here the stream is
// deleted under a running consumer (what an empty restart leaves: no stream, no group), an event
// is published, and it must be counted within a few seconds.

const prefix = `kpt${randomBytes(4).toString('hex')}`;
let front: RedisFront;
const warnings: string[] = [];
const log = { warn: (_o: object, m: string) => void warnings.push(m) };

beforeAll(async () => {
  front = await RedisFront.connect({ url: REDIS_URL, prefix, logger: log });
});
afterAll(async () => {
  await front?.destroyAll();
  await front?.close();
});

const sale = (tenantId: string): KopilkaEvent => ({ type: 'checkCommitted', tenantId, channel: 'cashier', at: new Date().toISOString() });

async function countOf(tenantId: string, name: string, want: number, withinMs: number): Promise<number> {
  const until = Date.now() + withinMs;
  let n = 0;
  while (Date.now() < until) {
    n = (await front.readCounters(tenantId, name))[name] ?? 0;
    if (n >= want) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
  return n;
}

describe('metering after Redis lost its stream and group', () => {
  it('recreates the consumer group and counts the next event', async () => {
    const tenantId = `t-${randomBytes(3).toString('hex')}`;
    const name = `${usageMonth(new Date().toISOString())}:checks:cashier`;
    const metering = startMetering(front, 'regroup-test', log);
    try {
      await front.publish([sale(tenantId)]);
      expect(await countOf(tenantId, name, 1, 5000)).toBe(1);

      const raw = createClient({ url: REDIS_URL });
      await raw.connect();
      await raw.del(frontKeys(prefix).events); // the stream and its groups are gone, as after FLUSHALL
      await raw.close();

      const lostAt = Date.now();
      await front.publish([sale(tenantId)]); // XADD makes a new stream, with no group
      expect(await countOf(tenantId, name, 2, 6000)).toBe(2);
      console.log(`metering: group recreated, event counted ${Date.now() - lostAt} ms after the stream was lost`);
      expect(warnings.some((w) => w.includes('recreating'))).toBe(true);
    } finally {
      await metering.stop();
    }
  }, 20_000);
});
