import { hostname } from 'node:os';
import Koa from 'koa';
import type pg from 'pg';
import pino from 'pino';
import type { Settings } from '../config/settings.ts';
import type { KopilkaEvent } from '../ledger/events.ts';
import { Ledger, loadSecretKey, SecretBox } from '../ledger/index.ts';
import { createPool } from '../ledger/postgres.ts';
import { reconcileCounters, startMetering } from '../billing/metering.ts';
import { usageMonth } from '../billing/month.ts';
import { PRICES } from '../billing/prices.ts';
import { startAutomaticMessages } from '../communications/automatic.ts';
import { Communications } from '../communications/service.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { HOSTED } from './hosted.ts';
import { hostRoute, type Guard } from './http/enforce.ts';
import { openApiRoute } from './http/openapi.ts';
import { ensureDemo, type Demo } from './demo.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.ts';
import type { Front } from './front/front.ts';
import { createFront } from './front/create-front.ts';
import { routeTableMiddleware, serveKoa } from './http/koa-server.ts';
import { Router } from './http/router.ts';
import { serveUws, type Served } from './http/uws-server.ts';
import { KeyStore } from './keys.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { caller, limitUnknownKeys, type AuthDeps } from './routes.ts';

// Wiring: settings in, a running service out. Everything started here is stopped by stop(), in
// the reverse order: stop taking requests, finish those in flight, drain the writer, close stores.

export interface RunningKopilka {
  posPort: number;
  apiPort: number;
  ledger: Ledger;
  /** The service's Postgres pool (the gateway made it; tests count its queries). */
  pool: pg.Pool;
  front: Front;
  demo: Demo | null;
  databaseLabel: string;
  /** What a further process connects to (the embedded server's URL when embedded). */
  databaseUrl: string;
  frontLabel: string;
  stop(): Promise<void>;
}

export type StartSettings = Settings & { OPERATOR_TOKEN: string };

/** `all`: the whole service; `pos`: an extra process serving only the POS port (POS_PROCESSES > 1). */
export type Role = 'all' | 'pos';

export async function startKopilka(s: StartSettings, role: Role = 'all'): Promise<RunningKopilka> {
  const log = pino({ level: s.LOG_LEVEL, base: { pid: process.pid, service: 'kopilka' } });
  const stores = await openStores(s, log);
  const { pool, front, embedded } = stores;
  let ledger: Ledger | null = null;
  const metrics = createMetrics(() => ledger?.stats() ?? null);
  const publish = publisher(front, metrics, log);
  ledger = await Ledger.open({
    pool,
    secrets: stores.secrets,
    summaries: front,
    answers: front,
    onEvents: publish,
    writer: { maxBatch: s.WRITER_MAX_BATCH, concurrency: s.WRITER_CONCURRENCY, preparedStatements: s.PG_PREPARED_STATEMENTS === '1' },
    workers: s.WORKERS,
  });
  const keys = new KeyStore(pool, s.OPERATOR_TOKEN, s.BILLING_TOKEN);
  // Rows an earlier version wrote in plain text are sealed here, before any request reads them
  // (an SQL migration has no key).
  if (role === 'all') await ledger.sealLegacySecrets();
  const comms = await startCommunications(s, role, ledger, pool, publish, log);
  const router = routeTable(s, ledger, keys, front, comms, log);
  const metering = startMetering(front, `${hostname()}-${process.pid}`, log);
  const automatic = role === 'all' ? startAutomaticMessages(front, `${hostname()}-${process.pid}`, comms) : null;
  const timers = await startTimers(s, role, ledger, front, pool, log);
  const servers = await serve(s, role, router, apiApp(router, pool, front, metrics, log), metrics, log);
  const demo = role === 'all' && (embedded !== null || s.DEMO === '1') ? await ensureDemo(s.DATA_DIR, ledger, keys) : null;
  log.info({ role, posPort: servers[0]!.port, apiPort: servers[1]?.port ?? null, front: front.kind, embedded: embedded !== null }, 'kopilka started');

  return {
    posPort: servers[0]!.port,
    apiPort: servers[1]?.port ?? 0,
    ledger,
    pool,
    front,
    demo,
    databaseUrl: stores.url,
    databaseLabel: embedded !== null ? `embedded (${s.DATA_DIR}/postgres, port ${s.EMBEDDED_PG_PORT})` : stores.url.replace(/:[^:@/]*@/, ':***@'),
    frontLabel: front.kind === 'memory' ? 'not configured: in-process front (single node)' : s.REDIS_URL!.replace(/:[^:@/]*@/, ':***@'),
    async stop() {
      timers.stop();
      await Promise.all(servers.map((x) => x.close(s.SHUTDOWN_TIMEOUT_MS)));
      await ledger!.close();
      await metering.stop();
      await automatic?.stop();
      await comms.stop();
      await front.close();
      await pool.end();
      await embedded?.stop();
      log.info('kopilka stopped');
    },
  };
}

type Log = pino.Logger;

/** Postgres (embedded when DATABASE_URL is not set), the front (Redis or in-process), the secret key. */
async function openStores(s: StartSettings, log: Log) {
  // Connector credentials are sealed with this key (ledger/secrets.ts): SECRET_KEY, else
  // DATA_DIR/secret-key, created on first start. Loaded first: a wrong key starts nothing.
  const secrets = new SecretBox(await loadSecretKey(s.SECRET_KEY, s.DATA_DIR));
  let embedded: EmbeddedDatabase | null = null;
  let url = s.DATABASE_URL;
  if (url === undefined) {
    embedded = await startEmbeddedPostgres(s.DATA_DIR, s.EMBEDDED_PG_PORT, (m) => log.info(m));
    url = embedded.url;
  }
  const pool = createPool({ connectionString: url, max: s.PG_POOL_SIZE });
  const front = await createFront({ redisUrl: s.REDIS_URL, prefix: s.REDIS_PREFIX, logger: log });
  return { secrets, embedded, url, pool, front };
}

/** What the ledger calls after every commit. */
function publisher(front: Front, metrics: Metrics, log: Log): (events: KopilkaEvent[]) => void {
  return (events) => {
    // The cached customer records are the ledger's own business (the writer refreshes them, the
    // face drops what it changes outside the writer); here events are counted and sent on.
    metrics.published(events);
    // Published after commit; a lost event costs a recount from Postgres, never a point.
    front.publish(events).catch((e: Error) => log.warn({ err: e.message, events: events.length }, 'event stream: publish failed'));
  };
}

/** Every hosted connector's routes, held to their declarations (gateway/http/enforce.ts), and /openapi.json. */
/** Messages to customers (communications/): the main process sends the queue; POS processes only send codes. */
function startCommunications(s: StartSettings, role: Role, ledger: Ledger, pool: pg.Pool, publish: (events: KopilkaEvent[]) => void, log: Log): Promise<Communications> {
  const rate = s.MESSAGES_PER_SECOND;
  return Communications.start({
    ledger,
    sql: pool,
    publish,
    log,
    smsruUrl: s.SMSRU_URL,
    smscUrl: s.SMSC_URL,
    telegramUrl: s.TELEGRAM_API_URL,
    ...(s.PUBLIC_URL === undefined ? {} : { publicUrl: s.PUBLIC_URL }),
    serviceSmsPrice: PRICES.sms,
    ...(s.SMSRU_API_ID === undefined ? {} : { serviceSmsRu: { apiId: s.SMSRU_API_ID, ...(s.SMS_FROM === undefined ? {} : { from: s.SMS_FROM }) } }),
    delivery: { work: role === 'all', ratePerSecond: { smsru: rate, smsc: rate, smtp: rate, telegram: rate } },
  });
}

function routeTable(s: StartSettings, ledger: Ledger, keys: KeyStore, front: Front, comms: Communications, log: Log): Router {
  const auth: AuthDeps = { keys, front, rateLimitPerKey: s.RATE_LIMIT_PER_KEY, unknownKeyRate: s.UNKNOWN_KEY_RATE };
  const ctx: ConnectorContext = {
    ledger,
    settings: s,
    messages: comms,
    log,
    unknownCredential: (address) => (address === undefined ? Promise.resolve() : limitUnknownKeys(auth, address)),
    issueKey: (tenantId, role, channel, storeId) => keys.create(tenantId, role, channel, storeId),
  };
  const guard: Guard = { authenticate: (key, address) => caller(auth, `Bearer ${key}`, address), log };
  const hosted = HOSTED.map((c) => ({ name: c.name, routes: c.routes(ctx) }));
  return new Router([...hosted.flatMap((c) => c.routes.map((r) => hostRoute(r, guard))), openApiRoute(hosted)]);
}

/** The API port's koa app: /health and /metrics, then the route table. */
function apiApp(router: Router, pool: pg.Pool, front: Front, metrics: Metrics, log: Log): Koa {
  const api = new Koa();
  api.use(async (ctx, next) => {
    if (ctx.path === '/health' && ctx.method === 'GET') {
      const [pg, redis] = await Promise.all([pool.query('SELECT 1').then(() => true, () => false), front.ping()]);
      ctx.status = pg && redis ? 200 : 503;
      ctx.body = { status: pg && redis ? 'ok' : 'degraded', postgres: pg ? 'ok' : 'down', front: front.kind, redis: front.kind === 'memory' ? 'not configured' : redis ? 'ok' : 'down' };
      return;
    }
    if (ctx.path === '/metrics' && ctx.method === 'GET') {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
      return;
    }
    await next();
  });
  api.use(routeTableMiddleware(router, log, { onResponse: (o, m, ms) => metrics.observe('api', o.route, m, o.status, ms) }));
  return api;
}

/** The POS port (uWebSockets.js) and, in the main process, the API port (koa). */
async function serve(s: StartSettings, role: Role, router: Router, api: Koa, metrics: Metrics, log: Log): Promise<Served[]> {
  const servers: Served[] = [];
  try {
    servers.push(await serveUws(router, s.HOST, s.POS_PORT, log, { onResponse: (o, m, ms) => metrics.observe('pos', o.route, m, o.status, ms), requestTimeoutMs: s.REQUEST_TIMEOUT_MS }));
    // Extra POS processes leave the API port (admin, billing, SOAP) to the main one.
    if (role === 'all') servers.push(await serveKoa(api, s.HOST, s.API_PORT, { headersTimeoutMs: s.HEADERS_TIMEOUT_MS, requestTimeoutMs: s.REQUEST_TIMEOUT_MS }));
  } catch (e) {
    await Promise.all(servers.map((x) => x.close(0)));
    throw e;
  }
  return servers;
}

/**
 * The main process's timers: usage counters rebuilt from Postgres right after start and every 10 minutes
 * (a Redis that lost them, or counted an event twice, is put right), and the sweeper writing due
 * activations, expiries and gifts, and deleting the lost-customer list's superseded entries. Extra POS
 * processes run neither.
 */
async function startTimers(s: StartSettings, role: Role, ledger: Ledger, front: Front, pool: pg.Pool, log: Log): Promise<{ stop(): void }> {
  if (role !== 'all') return { stop() {} };
  const reconcile = () =>
    reconcileCounters(front, pool, usageMonth(new Date().toISOString())).catch((e: Error) => log.warn({ err: e.message }, 'metering: reconcile failed'));
  // Not awaited: it counts the month's checks, which on a large database takes longer than a start
  // may wait (10M checks in a month: about 40 s); the events keep counting meanwhile.
  let reconciler: NodeJS.Timeout | null = null;
  if (s.USAGE_RECONCILE_MINUTES > 0) {
    void reconcile();
    reconciler = setInterval(reconcile, s.USAGE_RECONCILE_MINUTES * 60_000);
    reconciler.unref();
  }
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    ledger
      .sweep()
      .then(() => ledger.sweepGifts())
      .then(() => ledger.pruneLastPurchases())
      .catch((e: Error) => log.warn({ err: e.message }, 'sweeper: will try again'))
      .finally(() => (sweeping = false));
  }, s.SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    stop() {
      clearInterval(sweeper);
      if (reconciler !== null) clearInterval(reconciler);
    },
  };
}
