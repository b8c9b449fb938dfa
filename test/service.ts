import { randomBytes } from 'node:crypto';
import { loadSettings } from '../config/settings.ts';
import { startKopilka, type RunningKopilka } from '../gateway/app.ts';
import { RedisFront } from '../gateway/front/redis-front.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

// A whole Kopilka on loopback ports for end-to-end tests: its own database, and (when asked)
// real Redis under a key prefix of its own, all removed by stop().

export const REDIS_URL = process.env.REDIS_URL_TEST ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const OPERATOR = 'test-operator-token-0123456789';

export interface TestService {
  app: RunningKopilka;
  db: TestDatabase;
  pos: string;
  api: string;
  /** The Redis key prefix of this service (when it has Redis). */
  redisPrefix: string;
  stop(): Promise<void>;
}

export async function startTestService(o: { redis: boolean; env?: Record<string, string> }): Promise<TestService> {
  const db = await createTestDatabase();
  const prefix = `kpt${randomBytes(4).toString('hex')}`;
  const settings = loadSettings({
    DATABASE_URL: db.url,
    ...(o.redis ? { REDIS_URL: REDIS_URL, REDIS_PREFIX: prefix } : {}),
    HOST: '127.0.0.1',
    POS_PORT: '0',
    API_PORT: '0',
    LOG_LEVEL: 'silent',
    SWEEP_INTERVAL_MS: '3600000',
    ...o.env,
  });
  const app = await startKopilka({ ...settings, OPERATOR_TOKEN: OPERATOR });
  return {
    app,
    db,
    pos: `http://127.0.0.1:${app.posPort}`,
    api: `http://127.0.0.1:${app.apiPort}`,
    redisPrefix: prefix,
    async stop() {
      await app.stop();
      if (o.redis) {
        const f = await RedisFront.connect({ url: REDIS_URL, prefix });
        await f.destroyAll();
        await f.close();
      }
      await db.drop();
    },
  };
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(base: string, method: string, path: string, key: string | null, body?: unknown, raw?: string): Promise<Reply> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), 'content-type': 'application/json' },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The program the connector tests share: one level, 10% accrual, half a check payable, bonuses at once. */
export const SIMPLE_PROGRAM = {
  levels: [{ code: 'base', name: 'Базовый', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 50 }],
  activationDays: 0,
  timezone: 'Europe/Moscow',
};

/** A tenant with SIMPLE_PROGRAM and a key of one sales channel. */
export async function tenantWithChannel(s: TestService, name: string, channel: string, storeId?: string): Promise<{ tenantId: string; admin: string; key: string }> {
  const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name, program: SIMPLE_PROGRAM });
  const key = (await call(s.api, 'POST', '/v1/keys', t.body.adminKey, { channel, ...(storeId ? { storeId } : {}) })).body.key as string;
  return { tenantId: t.body.id, admin: t.body.adminKey, key };
}

/** Polls `what` until it gives a truthy value (background work: webhooks, imports, deliveries); throws after `ms`. */
export async function until<T>(what: () => Promise<T | null | undefined | false>, ms = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v) return v;
    if (Date.now() > end) throw new Error(`not there after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
