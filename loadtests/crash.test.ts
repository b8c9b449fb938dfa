import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisFront } from '../gateway/front/redis-front.ts';
import { createPool } from '../ledger/postgres.ts';
import { expectLedgerInvariants } from '../test/invariants.ts';
import { REDIS_URL } from '../test/service.ts';
import { attempt, faultTenant, startGatewayProcess, type GatewayProcess } from './gateway-process.ts';
import { ownedPostgres, type OwnedPostgres } from './owned-postgres.ts';
import { checkBody } from './scenarios.ts';

// Faults under load, against two gateways sharing one Redis and one database, with sales, bonus
// payments and partial refunds in the mix: Postgres restarted, then one gateway killed with -9.
// After each fault every check a till had acknowledged is in Postgres exactly once and balances
// equal postings; at the end the tills resend everything (as they do after a timeout) and get
// their first answers back, recording nothing twice. Loopback only, about 30 seconds.

const CUSTOMERS = 60;
const TILLS = 20;
const RUN = 'crash';

interface Op {
  kind: 'sale' | 'refund';
  externalId: string;
  path: string;
  body: string;
  /** The first 200/201 answer a till got, or a final 4xx. */
  answer?: { status: number; text: string };
}

let db: OwnedPostgres;
const prefix = `kpcrash${randomBytes(3).toString('hex')}`;
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  db = await ownedPostgres();
}, 60_000);

afterAll(async () => {
  for (const g of gateways) g.child.kill('SIGKILL');
  const f = await RedisFront.connect({ url: REDIS_URL, prefix });
  await f.destroyAll();
  await f.close();
  await db?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every acknowledged operation stored exactly once, nothing stored twice, balances equal postings. */
async function verify(ops: Op[], when: string): Promise<{ stored: number; redeemed: number }> {
  const pool = createPool({ connectionString: db.databaseUrl('kopilka'), max: 2 });
  try {
    const rows = await pool.query<{ kind: string; external_id: string; n: number }>('SELECT kind, external_id, count(*)::int AS n FROM checks GROUP BY kind, channel, external_id');
    const stored = new Map(rows.rows.map((r) => [`${r.kind}:${r.external_id}`, r.n]));
    for (const op of ops) {
      if (op.answer !== undefined && op.answer.status < 300) expect(stored.get(`${op.kind}:${op.externalId}`), `${when}: acknowledged ${op.kind} ${op.externalId}`).toBe(1);
    }
    expect([...stored.values()].every((n) => n === 1), `${when}: something stored twice`).toBe(true);
    await expectLedgerInvariants(pool);
    const paid = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM checks WHERE kind = 'sale' AND redeemed > 0");
    return { stored: stored.size, redeemed: paid.rows[0]!.n };
  } finally {
    await pool.end();
  }
}

describe('crash', () => {
  it('Postgres restart and kill -9 under load, two gateways on one Redis: acknowledged checks exactly once, balances equal postings', async () => {
    const env = { DATABASE_URL: db.databaseUrl('kopilka'), REDIS_URL, REDIS_PREFIX: prefix, PG_POOL_SIZE: '6' };
    gateways.push(await startGatewayProcess(env)); // first alone: it runs the migrations
    gateways.push(await startGatewayProcess(env));
    const [a, b] = gateways as [GatewayProcess, GatewayProcess];
    const { key } = await faultTenant(a.api, RUN);

    const ops: Op[] = [];
    const refundable: Op[] = [];
    let nextSale = 0;
    let nextRefund = 0;
    const newOp = (): Op => {
      if (refundable.length > 0 && nextSale % 4 === 0 && nextRefund < nextSale) {
        // A partial refund of an acknowledged sale: one of the two pieces of its second line.
        const sale = refundable.splice(Math.floor(Math.random() * refundable.length), 1)[0]!;
        const externalId = `${RUN}-ret-${nextRefund++}`;
        nextSale++;
        return { kind: 'refund', externalId, path: `/v1/checks/${encodeURIComponent(sale.externalId)}/refund`, body: JSON.stringify({ externalId, lines: [{ lineNo: 2, quantity: 1000 }] }) };
      }
      const i = nextSale++;
      // Every third sale pays with the bonuses the customer has (the program allows half a check).
      return { kind: 'sale', externalId: `${RUN}-${i}`, path: '/v1/checks', body: checkBody(i, { customers: CUSTOMERS, run: RUN }, i % 3 === 0 ? 'max' : 0) };
    };
    const stats = { unavailable: 0, noAnswer: 0, other5xx: [] as string[] };
    let running = false;
    // A till: sends an operation to its gateway and, without an answer or on 503, sends the very
    // same body again (to the other gateway when its own does not answer) until it is answered.
    const till = async (t: number) => {
      let g = t % 2;
      let op: Op | null = null;
      while (running) {
        if (op === null) ops.push((op = newOp()));
        const r = await attempt(gateways[g]!.pos, 'POST', op.path, key, op.body, 4000);
        if (!('status' in r)) {
          stats.noAnswer++;
          g = 1 - g;
          await sleep(50);
          continue;
        }
        if (r.status === 503) {
          stats.unavailable++;
          await sleep(50);
          continue;
        }
        if (r.status >= 500) stats.other5xx.push(`${r.status} ${r.text}`);
        op.answer = r;
        if (op.kind === 'sale' && r.status === 201) refundable.push(op);
        op = null;
      }
    };
    const load = async (ms: number, during?: () => Promise<void>) => {
      running = true;
      const tills = Promise.all(Array.from({ length: TILLS }, (_, t) => till(t)));
      await sleep(ms);
      await during?.();
      running = false;
      await tills;
    };
    const report: string[] = [];

    // 1. Postgres restarted under load: both gateways answer 503 meanwhile and recover by themselves.
    let outage503 = 0;
    await load(1500, async () => {
      const before = stats.unavailable;
      await db.stop('fast');
      await sleep(1000);
      await db.start();
      const up = Date.now();
      const acked = ops.filter((o) => o.answer?.status === 201).length;
      while (ops.filter((o) => o.answer?.status === 201).length === acked && Date.now() - up < 8000) await sleep(20);
      outage503 = stats.unavailable - before;
      report.push(`Postgres restart: ${outage503} × 503, first commit ${Date.now() - up} ms after it was back`);
      await sleep(1000);
    });
    expect(a.child.exitCode, a.stderr()).toBeNull();
    expect(b.child.exitCode, b.stderr()).toBeNull();
    expect(outage503).toBeGreaterThan(0);
    await verify(ops, 'after the Postgres restart');

    // 2. One gateway killed with -9 under load: its tills move to the other.
    await load(1500, async () => {
      a.child.kill('SIGKILL');
      await sleep(1500);
    });
    const { stored } = await verify(ops, 'after kill -9');
    expect(stats.other5xx).toEqual([]);

    // 3. The tills resend everything to the gateway left: first answers back, nothing twice. Each
    // till resends as it sends, one operation at a time and again when no answer comes in time:
    // 800 requests fired at once only measured how long the last of them queued.
    const again: Awaited<ReturnType<typeof attempt>>[] = [];
    let next = 0;
    const resend = async () => {
      for (let i = next++; i < ops.length; i = next++) {
        const op = ops[i]!;
        for (let tries = 0; tries < 3; tries++) {
          const r = await attempt(b.pos, 'POST', op.path, key, op.body, 10_000);
          again[i] = r;
          if ('status' in r && r.status !== 503) break;
          await sleep(50);
        }
      }
    };
    await Promise.all(Array.from({ length: TILLS }, resend));
    again.forEach((r, i) => {
      const op = ops[i]!;
      expect('status' in r, `${op.externalId}: ${JSON.stringify(r)}`).toBe(true);
      const answer = r as { status: number; text: string };
      if (op.answer === undefined) expect([200, 201], `${op.externalId}: ${answer.text}`).toContain(answer.status);
      else if (op.answer.status < 300) expect([answer.status, answer.text]).toEqual([200, op.answer.text]);
      else expect(answer.status).toBe(op.answer.status);
    });
    const { stored: total, redeemed } = await verify(ops, 'after the resend');
    expect(redeemed, 'sales paid partly with bonuses').toBeGreaterThan(0);
    const recorded = ops.filter((o, i) => (again[i] as { status: number }).status < 300).length;
    expect(total).toBe(recorded);
    const count = (kind: Op['kind']) => ops.filter((o) => o.kind === kind && o.answer !== undefined && o.answer.status < 300).length;
    console.log(
      `crash test: ${ops.length} operations (${count('sale')} sales and ${count('refund')} partial refunds acknowledged, ${redeemed} sales paid with bonuses, ${stats.noAnswer} unanswered tries); ` +
        `${report.join('; ')}; ${stored} in Postgres after kill -9, ${total} after the full resend`,
    );
  }, 90_000);
});
