import { KopilkaError, zoneOffset, type KopilkaEvent, type Ledger } from '../ledger/index.ts';
import { consentStates, mayReceive, recordConsent, type ConsentInput, type ConsentState } from './consent.ts';
import { startDelivery, type Delivery, type DeliveryOptions } from './delivery.ts';
import type { ChannelKind, Provider } from './providers/provider.ts';
import { sweepReminders } from './reminders.ts';
import { sweepChains } from './chains.ts';
import { CHANNEL_OF, providerFor, rules, type ProviderEndpoints, type Rules } from './settings.ts';
import { templates, type Template } from './automatic.ts';
import { countSince, finish, insertMessages, type NewMessage, type Sql, type StoredMessage } from './store.ts';
import { localMidnight, quietUntil } from './templates.ts';

// Communications as one object the gateway starts: the message store, durable delivery, the
// tenant's providers and the rules every message passes (consent, daily cap, quiet hours). It is
// also the connectors' `Messages` (confirmation codes by SMS).

export type CommsLedger = Pick<
  Ledger,
  'connectorSettings' | 'saveConnectorSettings' | 'customer' | 'findCustomer' | 'timeZone' | 'tenantExists' | 'tenantIds' | 'expiringBonuses' | 'birthdaysOn' | 'relativeBirthdaysOn' | 'segment' | 'contacts' | 'grant' | 'grantKnown' | 'grantBoost' | 'tenantName'
>;

export interface CommunicationsOptions extends ProviderEndpoints {
  ledger: CommsLedger;
  sql: Sql;
  publish(events: KopilkaEvent[]): void;
  log: DeliveryOptions['log'];
  /** The price of one SMS the operator bills (billing's price list, kopecks): campaign previews use it when the tenant's SMS settings name none. */
  serviceSmsPrice?: number;
  /** Where the service's pages are reached from outside (PUBLIC_URL): links in messages (feedback). */
  publicUrl?: string;
  delivery?: Omit<DeliveryOptions, 'sql' | 'provider' | 'onSent' | 'log'>;
}

/** A message someone wants sent; the rules decide whether, when and through what. */
export interface Draft {
  customerId: string | null;
  topic: string;
  advertising: boolean;
  channel: ChannelKind;
  address: string;
  subject?: string;
  text: string;
  dedupeKey?: string;
  /** Automatic messages count against the daily cap; ones the owner sends by hand do not. */
  automatic: boolean;
  /** Not sent before this time (a feedback request some hours after the purchase); quiet hours apply then. */
  notBefore?: Date;
}

/** Settings read per message (providers, rules, templates) are kept this long; a save here forgets them at once. */
const SETTINGS_TTL_MS = 30_000;
const REMINDERS = 'kopilka-reminders';

export class Communications {
  private readonly settings = new Map<string, { at: number; p: Promise<unknown> }>();
  private constructor(
    readonly o: CommunicationsOptions,
    private readonly delivery: Delivery,
  ) {}

  static async start(o: CommunicationsOptions): Promise<Communications> {
    let self: Communications | null = null;
    const delivery = await startDelivery({
      ...o.delivery,
      sql: o.sql,
      log: o.log,
      provider: (tenantId, name) => self!.provider(tenantId, CHANNEL_OF[name] ?? 'sms'),
      onSent: (m) => {
        if (m.channel === 'sms') o.publish([{ type: 'sms', tenantId: m.tenantId, customerId: m.customerId, data: { topic: m.topic, messageId: m.id }, at: new Date().toISOString() }]);
      },
    });
    self = new Communications(o, delivery);
    const comms = self;
    if (o.delivery?.work !== false) {
      await delivery.every(REMINDERS, '0 * * * *', async () => {
        const n = await sweepReminders(comms);
        if (n > 0) o.log.info({ messages: n }, 'messages: reminders queued');
        const chains = await sweepChains(comms);
        if (chains.enrolled + chains.left + chains.steps > 0) o.log.info(chains, 'messages: reactivation chains swept');
      });
    }
    return self;
  }

  async stop(graceful = true): Promise<void> {
    await this.delivery.stop(graceful);
  }

  /** For tests: hand out the jobs of a dead worker now. */
  async expireNow(): Promise<void> {
    await this.delivery.expireNow();
  }

  /** The tenant's provider for a channel (cached briefly: settings are read per message). */
  provider(tenantId: string, channel: ChannelKind): Promise<Provider | null> {
    return this.remembered(tenantId, `provider:${channel}`, () => providerFor(this.o.ledger, this.o, tenantId, channel));
  }

  /** The tenant's message rules (quiet hours, daily cap, order of channels), cached briefly. */
  rules(tenantId: string): Promise<Rules> {
    return this.remembered(tenantId, 'rules', () => rules(this.o.ledger, tenantId));
  }

  /** The tenant's automatic-message templates, cached briefly: every ledger event asks for them. */
  templates(tenantId: string): Promise<Template[]> {
    return this.remembered(tenantId, 'templates', () => templates(this.o.sql, tenantId));
  }

  /** A tenant's setting read through `load`, kept SETTINGS_TTL_MS; forgetSettings drops it. */
  remembered<T>(tenantId: string, what: string, load: () => Promise<T>): Promise<T> {
    const key = `${tenantId}\u0000${what}`;
    const hit = this.settings.get(key);
    if (hit !== undefined && Date.now() - hit.at < SETTINGS_TTL_MS) return hit.p as Promise<T>;
    const p = load();
    this.settings.set(key, { at: Date.now(), p });
    p.catch(() => this.settings.delete(key)); // a failed read is not remembered
    return p;
  }

  /** The customer's Telegram chat, when the bot knows one. */
  async telegramChat(tenantId: string, customerId: string): Promise<string | null> {
    const r = await this.o.sql.query<{ telegram_chat_id: string | null }>('SELECT telegram_chat_id FROM customer_contacts WHERE tenant_id = $1 AND customer_id = $2', [tenantId, customerId]);
    return r.rows[0]?.telegram_chat_id ?? null;
  }

  /** Telegram chats of many customers at once (a campaign's audience). */
  async telegramChats(tenantId: string, customerIds: readonly string[]): Promise<Map<string, string>> {
    const r = await this.o.sql.query<{ customer_id: string; telegram_chat_id: string }>(
      'SELECT customer_id::text, telegram_chat_id FROM customer_contacts WHERE tenant_id = $1 AND customer_id = ANY($2::bigint[]) AND telegram_chat_id IS NOT NULL',
      [tenantId, customerIds],
    );
    return new Map(r.rows.map((x) => [x.customer_id, x.telegram_chat_id]));
  }

  /** Settings changed (providers, rules, templates): the next message reads them again. */
  forgetSettings(tenantId: string): void {
    for (const k of this.settings.keys()) if (k.startsWith(`${tenantId}\u0000`)) this.settings.delete(k);
  }

  /**
   * Queues messages after the rules: without consent a message is kept as `skipped` with the
   * reason; past the daily cap too; in quiet hours it waits for their end. Each message and its
   * job are written in one transaction. Returns the rows (null: a dedupe key seen before).
   */
  async queue(tenantId: string, drafts: Draft[]): Promise<(StoredMessage | null)[]> {
    const now = Date.now();
    const r = await this.rules(tenantId);
    const offset = zoneOffset(await this.o.ledger.timeZone(tenantId))(now) ;
    const rows: NewMessage[] = [];
    // One read of consent for the whole batch (a campaign queues hundreds at once).
    const consents = await consentStates(this.o.sql, tenantId, [...new Set(drafts.flatMap((d) => (d.customerId === null ? [] : [d.customerId])))]);
    for (const d of drafts) {
      const at = Math.max(now, d.notBefore?.getTime() ?? now);
      const quiet = quietUntil(at, offset, r.quietHours);
      const provider = await this.provider(tenantId, d.channel);
      const refused = await this.refusal(tenantId, d, r.dailyCap, localMidnight(now, offset), provider, consents);
      rows.push({
        tenantId,
        customerId: d.customerId,
        topic: d.topic,
        advertising: d.advertising,
        channel: d.channel,
        provider: provider?.name ?? 'none',
        address: d.address,
        subject: d.subject ?? null,
        body: d.text,
        dedupeKey: d.dedupeKey ?? null,
        // Quiet hours hold every queued message (codes go through sms(), never queued).
        sendAfter: quiet ?? new Date(at),
        ...(refused === null ? {} : { status: 'skipped' as const, error: refused }),
      });
    }
    return this.insertAndEnqueue(rows);
  }

  /** Writes rows and the jobs of those queued in one transaction (a row never lacks its job). */
  async insertAndEnqueue(rows: NewMessage[]): Promise<(StoredMessage | null)[]> {
    const client = await this.o.sql.connect();
    try {
      await client.query('BEGIN');
      const stored = await insertMessages(client, rows);
      await this.delivery.enqueue(client, stored.filter((m): m is StoredMessage => m !== null && m.status === 'queued'));
      await client.query('COMMIT');
      return stored;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  private async refusal(tenantId: string, d: Draft, cap: number, dayStart: Date, provider: Provider | null, consents: Map<string, ConsentState>): Promise<string | null> {
    if (provider === null) return `канал ${d.channel} не настроен`;
    if (d.customerId !== null) {
      const ok = mayReceive(consents.get(d.customerId) ?? { processing: null, advertising: null }, d.advertising);
      if (!ok.ok) return ok.reason;
      if (d.automatic && cap > 0 && (await countSince(this.o.sql, tenantId, d.customerId, dayStart)) >= cap) return `дневной лимит сообщений покупателю (${cap}) исчерпан`;
    }
    return null;
  }

  /** A consent given on a registration path (the cashier workplace, self-registration). */
  async consent(tenantId: string, customerId: string, c: ConsentInput): Promise<void> {
    await recordConsent(this.o.sql, tenantId, customerId, c);
  }

  /**
   * One SMS now, the caller waiting (a confirmation code the till compares): stored as a message
   * row like any other, sent in this call, not queued — a code that comes late is no code.
   * Errors: SMS_NOT_CONFIGURED, SMS_NOT_SENT.
   */
  async sms(tenantId: string, topic: string, phone: string, text: string, customerId: string | null): Promise<string> {
    const provider = await this.provider(tenantId, 'sms');
    if (provider === null) throw new KopilkaError('SMS_NOT_CONFIGURED', 'Отправка SMS не настроена в Копилке (SMSRU_API_ID или настройки SMS магазина): проведите операцию без кода', { topic });
    // Written as `sending` at once: no job will ever pick it up, this call sends it.
    const [m] = (await insertMessages(this.o.sql, [{ tenantId, customerId, topic, advertising: false, channel: 'sms', provider: provider.name, address: phone, body: text, status: 'sending' }])) as [StoredMessage];
    const r = await provider.send({ seq: m.seq, address: phone, subject: null, body: text });
    if (r.outcome !== 'accepted') {
      await finish(this.o.sql, m.id, r.outcome === 'ambiguous' ? 'unknown' : 'failed', { error: r.reason });
      throw new KopilkaError('SMS_NOT_SENT', `SMS на ${phone} не отправлено: ${r.reason}`, { provider: provider.name });
    }
    await finish(this.o.sql, m.id, 'sent', { providerId: r.providerId, cost: r.cost });
    this.o.publish([{ type: 'sms', tenantId, customerId, data: { topic, providerId: r.providerId, messageId: m.id }, at: new Date().toISOString() }]);
    return r.providerId;
  }
}
