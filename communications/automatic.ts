import { isKopilkaError, isStorageFailure, type KopilkaEvent } from '../ledger/index.ts';
import type { Communications, Draft } from './service.ts';
import { askForFeedback } from './feedback.ts';
import type { SqlClient } from './store.ts';
import { AUTOMATIC_EVENTS, bonusText, DEFAULT_TEMPLATES, render, type AutomaticEvent } from './templates.ts';

// Automatic messages from the ledger's events, read from the event stream like metering reads it
// (at least once: a redelivered event finds its message by dedupe key and makes no second one).

/** The part of the gateway's front this consumer uses (gateway/front/front.ts implements it). */
export interface EventSource {
  consume(group: string, consumer: string, handler: (events: KopilkaEvent[]) => Promise<void>, opts?: { batch?: number; blockMs?: number; types?: readonly string[] }): { stop(): Promise<void> };
}

export function startAutomaticMessages(front: EventSource, consumer: string, comms: Communications): { stop(): Promise<void> } {
  return front.consume(
    'communications',
    consumer,
    async (events) => {
      // A shop with no channel set up can be sent nothing: it is asked once per batch, not once
      // per event (each event's template, settings and channels were several awaits and ~5 KB of
      // garbage per sale, in a shop that sends no messages; issue #17).
      const silent = new Map<string, boolean>();
      for (const e of events) {
        try {
          let quiet = silent.get(e.tenantId);
          if (quiet === undefined) silent.set(e.tenantId, (quiet = !(await anyChannelSetUp(comms, e.tenantId))));
          if (quiet) continue;
          await onEvent(comms, e);
        } catch (err) {
          // A business error (a tenant gone, a bad address) skips this event; a lost database
          // throws, and the stream delivers the batch again (dedupe keys make no second message).
          if (!isKopilkaError(err) || err.code === 'STORAGE_UNAVAILABLE' || isStorageFailure(err)) throw err;
          comms.o.log.warn({ err: err.message, event: e.type, tenantId: e.tenantId }, 'messages: event skipped');
        }
      }
    },
    // A sale asks for feedback; the automatic events speak; no other event is read here.
    { batch: 200, blockMs: 1000, types: ['checkCommitted', ...AUTOMATIC_EVENTS] },
  );
}

export interface Template {
  event: AutomaticEvent;
  body: string;
  enabled: boolean;
  custom: boolean;
}

export async function templates(db: SqlClient, tenantId: string): Promise<Template[]> {
  const r = await db.query<{ event: AutomaticEvent; body: string; enabled: boolean }>('SELECT event, body, enabled FROM message_templates WHERE tenant_id = $1', [tenantId]);
  const saved = new Map(r.rows.map((x) => [x.event, x]));
  return AUTOMATIC_EVENTS.map((event) => {
    const s = saved.get(event);
    return s ? { event, body: s.body, enabled: s.enabled, custom: true } : { event, ...DEFAULT_TEMPLATES[event], custom: false };
  });
}

export async function saveTemplate(db: SqlClient, tenantId: string, event: AutomaticEvent, body: string, enabled: boolean): Promise<void> {
  await db.query(
    `INSERT INTO message_templates (tenant_id, event, body, enabled) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, event) DO UPDATE SET body = excluded.body, enabled = excluded.enabled, updated_at = now()`,
    [tenantId, event, body, enabled],
  );
}

const isAutomatic = (t: string): t is AutomaticEvent => (AUTOMATIC_EVENTS as readonly string[]).includes(t);

/** One event → at most one message to its customer, through the first channel that can reach them. */
export async function onEvent(comms: Communications, e: KopilkaEvent): Promise<StoredOrNothing> {
  if (e.type === 'checkCommitted') return askForFeedback(comms, e);
  if (!isAutomatic(e.type) || !e.customerId) return null;
  // A referral reward is a gift lot too; the referrer hears of it once, as referralAccrued.
  if (e.type === 'gift' && e.data?.kind === 'referral') return null;
  const key = `event:${e.type}:${e.customerId}:${e.checkId ?? ''}:${e.at}:${e.points ?? ''}`;
  return speak(comms, e.tenantId, e.customerId, e.type, { points: e.points === undefined ? null : Math.abs(e.points), at: e.at }, key);
}

/**
 * The tenant's template for `event`, filled for this customer, queued once per `dedupeKey` (a
 * redelivered event, a sweep run twice). Null: the template is off, the customer is gone or cannot
 * be reached, or the message was made before.
 */
export async function speak(
  comms: Communications,
  tenantId: string,
  customerId: string,
  event: AutomaticEvent,
  v: { points: number | null; at: string; relative?: string },
  dedupeKey: string,
): Promise<StoredOrNothing> {
  const template = (await comms.templates(tenantId)).find((t) => t.event === event)!;
  if (!template.enabled || !(await anyChannelSetUp(comms, tenantId))) return null;
  const customer = await comms.o.ledger.findCustomer(tenantId, { id: customerId });
  if (customer === null) return null;
  const address = await reach(comms, tenantId, customer);
  if (address === null) return null;
  const text = render(template.body, {
    name: customer.name,
    points: v.points === null ? null : bonusText(v.points),
    balance: bonusText(customer.balance.available),
    level: customer.level.name,
    date: new Date(v.at).toLocaleDateString('ru-RU', { timeZone: await comms.o.ledger.timeZone(tenantId) }),
    relative: v.relative ?? null,
  });
  const draft: Draft = {
    customerId,
    topic: event,
    advertising: false,
    ...address,
    text,
    subject: address.channel === 'email' ? 'Программа лояльности' : undefined,
    dedupeKey,
    automatic: true,
  };
  const [m] = await comms.queue(tenantId, [draft]);
  return m ?? null;
}

type StoredOrNothing = Awaited<ReturnType<Communications['queue']>>[number];

interface Reachable {
  phone: string | null;
  email: string | null;
  id: string;
}

/**
 * Whether any channel in the tenant's order is set up (both are cached): a shop that sends no
 * messages costs its sales no read of the customer (it was 7 % of the gateway's CPU per commit).
 */
export async function anyChannelSetUp(comms: Communications, tenantId: string): Promise<boolean> {
  for (const channel of (await comms.rules(tenantId)).channels) if ((await comms.provider(tenantId, channel)) !== null) return true;
  return false;
}

/** The first channel in the tenant's order that is set up and that the customer has an address for. */
export async function reach(comms: Communications, tenantId: string, c: Reachable): Promise<{ channel: Draft['channel']; address: string } | null> {
  const order = (await comms.rules(tenantId)).channels;
  for (const channel of order) {
    // The provider first: it is cached, the customer's Telegram chat is a query.
    if ((await comms.provider(tenantId, channel)) === null) continue;
    const address = channel === 'sms' ? c.phone : channel === 'email' ? c.email : await comms.telegramChat(tenantId, c.id);
    if (address) return { channel, address };
  }
  return null;
}

export async function saveTelegramChat(db: SqlClient, tenantId: string, customerId: string, chatId: string | null): Promise<void> {
  await db.query(
    `INSERT INTO customer_contacts (tenant_id, customer_id, telegram_chat_id) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, customer_id) DO UPDATE SET telegram_chat_id = excluded.telegram_chat_id`,
    [tenantId, customerId, chatId],
  );
}
