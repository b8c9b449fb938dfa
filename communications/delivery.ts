import PgBoss from 'pg-boss';
import { claim, claimMany, finish, finishSent, messageById, type Sql, type SqlClient, type StoredMessage } from './store.ts';
import type { Outgoing, Provider, SendOutcome } from './providers/provider.ts';

// Durable delivery: one pg-boss job per message, in the same Postgres (schema pgboss), inserted in
// the same transaction as the message row — a message is never written without its job.
//
// The guarantee, exactly: a message reaches its provider at most once. The worker turns the row
// `sending` (committed) before it calls the provider and writes the outcome after. If the process
// dies in between, pg-boss hands the job out again after its expiry; the row still says
// `sending`, and then
//  - a provider that takes our client id (SMSC) is asked whether it has the message: found → sent
//    (exactly once), not found → sent now;
//  - a provider that cannot be asked (SMS.ru, Telegram, SMTP) is not called again: the message
//    becomes `unknown` for a person to look at. At most the messages in flight at the crash
//    (one batch) can end this way.
// Failures that provably did not reach the provider (refused connection, 5xx, "try later") are
// retried with pg-boss's exponential backoff up to `maxAttempts`, then `failed`.

export const QUEUE = 'kopilka-messages';

export interface DeliveryOptions {
  sql: Sql;
  /** The provider a tenant's message goes through (its settings opened), or null when none is set up. */
  provider(tenantId: string, name: string): Promise<Provider | null>;
  /** Most messages a second per provider name (default 20); beyond it the worker waits. */
  ratePerSecond?: Record<string, number>;
  batchSize?: number;
  pollingIntervalSeconds?: number;
  /** After this long an unfinished job (a dead worker) is handed out again. */
  expireInSeconds?: number;
  retryDelaySeconds?: number;
  maxAttempts?: number;
  /** Runs pg-boss's maintenance (expiry, retries) this often. */
  maintenanceIntervalSeconds?: number;
  onSent?(m: StoredMessage): void;
  /** False: this process only queues (another one sends). */
  work?: boolean;
  log: { warn(o: object, m: string): void; info(o: object, m: string): void };
}

export interface Delivery {
  /** Jobs for messages just inserted with `client` (in its transaction). */
  enqueue(client: SqlClient, messages: StoredMessage[]): Promise<void>;
  /** Stops taking jobs; `graceful` waits for the batch in hand. */
  stop(graceful?: boolean): Promise<void>;
  /** Hands out again the jobs of a dead worker now (tests; maintenance does it on its own). */
  expireNow(): Promise<void>;
  /** Runs `task` on a cron schedule (UTC), once across processes (pg-boss's scheduler). */
  every(queue: string, cron: string, task: () => Promise<void>): Promise<void>;
}

type Step = 'done' | 'retry';

export async function startDelivery(o: DeliveryOptions): Promise<Delivery> {
  const boss = new PgBoss({
    db: executor(o.sql),
    // pg-boss's cron (reminders) runs where messages are sent.
    schedule: o.work !== false,
    // Expiry and retries are the sending process's maintenance; a process that only queues (POS) skips it.
    supervise: o.work !== false,
    maintenanceIntervalSeconds: o.maintenanceIntervalSeconds ?? 30,
    expireInSeconds: o.expireInSeconds ?? 120,
  });
  boss.on('error', (e: Error) => o.log.warn({ err: e.message }, 'messages: queue error'));
  await boss.start();
  const maxAttempts = o.maxAttempts ?? 6;
  await boss.createQueue(QUEUE, {
    name: QUEUE,
    // pg-boss may retry more often than we send: the row's attempts decide when to give up.
    retryLimit: maxAttempts + 4,
    retryDelay: o.retryDelaySeconds ?? 10,
    retryBackoff: true,
    expireInSeconds: o.expireInSeconds ?? 120,
  });
  const limiter = rateLimiter(o.ratePerSecond ?? {}, 20);
  if (o.work !== false) {
    await boss.work<{ messageId: string }>(QUEUE, { batchSize: o.batchSize ?? 50, pollingIntervalSeconds: o.pollingIntervalSeconds ?? 1 }, async (jobs) => {
      const steps = await deliverBatch(o, limiter, maxAttempts, jobs.map((j) => j.data.messageId));
      const again = jobs.filter((j) => steps.get(j.data.messageId) === 'retry').map((j) => j.id);
      // Failed jobs go back with backoff; the rest complete when this handler returns.
      if (again.length > 0) await boss.fail(QUEUE, again);
    });
  }
  return {
    async enqueue(client, messages) {
      if (messages.length === 0) return;
      await boss.insert(
        messages.map((m) => ({ name: QUEUE, data: { messageId: m.id }, startAfter: m.sendAfter })),
        { db: executor(client) },
      );
    },
    async stop(graceful = true) {
      await boss.stop({ graceful, wait: true, timeout: 10_000 });
    },
    async expireNow() {
      await boss.expire();
    },
    async every(queue, cron, task) {
      await boss.createQueue(queue, { name: queue, retryLimit: 2, retryDelay: 60, expireInSeconds: 3600 });
      await boss.schedule(queue, cron);
      await boss.work(queue, { pollingIntervalSeconds: 30 }, async () => task());
    },
  };
}

function executor(db: SqlClient): PgBoss.Db {
  return { executeSql: (text, values) => db.query(text, values) };
}

/**
 * A batch of jobs: the queued messages are claimed in one statement, sent in parallel (within the
 * provider's rate), and the accepted ones written in one statement; anything else (a message a
 * dead worker left half-sent, a refusal, a retry) goes one by one.
 */
async function deliverBatch(o: DeliveryOptions, limiter: RateLimiter, maxAttempts: number, ids: string[]): Promise<Map<string, Step>> {
  const steps = new Map<string, Step>();
  const claimed = await claimMany(o.sql, ids);
  const mine = new Set(claimed.map((m) => m.id));
  const accepted: { m: StoredMessage; providerId: string; cost: number | null }[] = [];
  const guard = (id: string, p: Promise<Step>) => p.catch((e: Error) => (o.log.warn({ err: e.message, message: id }, 'messages: will retry'), 'retry' as Step)).then((s) => void steps.set(id, s));
  await Promise.all([
    ...ids.filter((id) => !mine.has(id)).map((id) => guard(id, deliverOne(o, limiter, maxAttempts, id))),
    ...claimed.map((m) =>
      guard(
        m.id,
        (async (): Promise<Step> => {
          const provider = await o.provider(m.tenantId, m.provider);
          if (provider === null) return settle(o, m, { outcome: 'refused', reason: `Провайдер ${m.provider} не настроен: сохраните его настройки` }, maxAttempts);
          await limiter.take(m.provider);
          const r = await provider.send(outgoing(m));
          if (r.outcome !== 'accepted') return settle(o, m, r, maxAttempts);
          accepted.push({ m, providerId: r.providerId, cost: r.cost });
          return 'done';
        })(),
      ),
    ),
  ]);
  const written = await finishSent(o.sql, accepted.map((a) => ({ id: a.m.id, providerId: a.providerId, cost: a.cost })));
  for (const a of accepted) if (written.has(a.m.id)) o.onSent?.(a.m);
  return steps;
}

async function deliverOne(o: DeliveryOptions, limiter: RateLimiter, maxAttempts: number, id: string): Promise<Step> {
  let m = await claim(o.sql, id);
  if (m === null) {
    const now = await messageById(o.sql, id);
    if (now?.status !== 'sending') return 'done';
    const resolved = await resolveHalfSent(o, now);
    if (resolved !== 'resend') return resolved;
    m = await claim(o.sql, id);
    if (m === null) return 'done';
  }
  const provider = await o.provider(m.tenantId, m.provider);
  if (provider === null) {
    await finish(o.sql, m.id, 'failed', { error: `Провайдер ${m.provider} не настроен: сохраните его настройки` });
    return 'done';
  }
  await limiter.take(m.provider);
  return settle(o, m, await provider.send(outgoing(m)), maxAttempts);
}

/** A message a dead worker left `sending`: ask the provider when it can be asked; never resend blindly. */
async function resolveHalfSent(o: DeliveryOptions, m: StoredMessage): Promise<Step | 'resend'> {
  const provider = await o.provider(m.tenantId, m.provider);
  if (provider?.lookup === undefined) {
    await finish(o.sql, m.id, 'unknown', { error: 'Отправка прервана сбоем; провайдер не позволяет проверить, получил ли он сообщение, — повторно не отправлено' });
    return 'done';
  }
  const found = await provider.lookup(outgoing(m));
  if (found === null) {
    await o.sql.query(`UPDATE messages SET status = 'queued' WHERE id = $1 AND status = 'sending'`, [m.id]);
    return 'resend';
  }
  return settle(o, m, found, Number.MAX_SAFE_INTEGER);
}

async function settle(o: DeliveryOptions, m: StoredMessage, r: SendOutcome, maxAttempts: number): Promise<Step> {
  switch (r.outcome) {
    case 'accepted':
      if (await finish(o.sql, m.id, 'sent', { providerId: r.providerId, cost: r.cost })) o.onSent?.(m);
      return 'done';
    case 'refused':
      await finish(o.sql, m.id, 'failed', { error: r.reason });
      return 'done';
    case 'ambiguous':
      await finish(o.sql, m.id, 'unknown', { error: `Ответ провайдера не получен — повторно не отправлено: ${r.reason}` });
      return 'done';
    case 'unavailable':
      if (m.attempts >= maxAttempts) {
        await finish(o.sql, m.id, 'failed', { error: `Не отправлено за ${m.attempts} попыток: ${r.reason}` });
        return 'done';
      }
      await finish(o.sql, m.id, 'queued', { error: r.reason });
      return 'retry';
  }
}

function outgoing(m: StoredMessage): Outgoing {
  return { seq: m.seq, address: m.address, subject: m.subject, body: m.text };
}

interface RateLimiter {
  take(key: string): Promise<void>;
}

/** A token bucket per provider in this process (one worker process sends; see the README). */
function rateLimiter(rates: Record<string, number>, fallback: number): RateLimiter {
  const next = new Map<string, number>();
  return {
    async take(key) {
      const gap = 1000 / (rates[key] ?? fallback);
      const now = Date.now();
      const at = Math.max(now, next.get(key) ?? now);
      next.set(key, at + gap);
      if (at > now) await new Promise((r) => setTimeout(r, at - now));
    },
  };
}
