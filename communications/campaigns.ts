import { z } from 'zod';
import type { CustomerSegment } from '../ledger/index.ts';
import { consentStates, mayReceive } from './consent.ts';
import type { ChannelKind } from './providers/provider.ts';
import { smsParts } from './providers/sms-parts.ts';

export { smsParts };
import type { Communications, Draft } from './service.ts';
import { rules, SYSTEMS, type SmsSettings } from './settings.ts';

// Manual campaigns: one text to every customer of a segment, advertising unless said otherwise
// (so only to customers with advertising consent), optionally with gift bonuses. The owner names
// the campaign (`id`): sending it again resumes it — each customer gets one message and one gift
// per campaign (dedupe key, grant key), whatever crashed in between.

const range = (what: string) => z.number().int().min(0).optional().meta({ description: what });

export const segmentSchema = z
  .object({
    levels: z.array(z.string().max(64)).max(50).optional(),
    sources: z.array(z.string().max(64)).max(50).optional(),
    gender: z.string().max(16).optional(),
    nameContains: z.string().max(100).optional(),
    minPurchases: range('покупок не меньше'),
    maxPurchases: range('покупок не больше'),
    minSpent: range('выручка не меньше, копейки'),
    maxSpent: range('выручка не больше, копейки'),
    minAverageCheck: range('средний чек не меньше, копейки'),
    maxAverageCheck: range('средний чек не больше, копейки'),
    minBalance: range('баланс не меньше, в сотых бонуса (10000 — 100 бонусов)'),
    maxBalance: range('баланс не больше, в сотых бонуса'),
    minDaysWithoutPurchase: range('дней без покупок не меньше'),
    maxDaysWithoutPurchase: range('дней без покупок не больше'),
    minAge: range('возраст не меньше'),
    maxAge: range('возраст не больше'),
  })
  .strict() satisfies z.ZodType<CustomerSegment>;

export const previewSchema = z
  .object({
    segment: segmentSchema.default({}),
    text: z.string().trim().min(1).max(1000),
    channel: z.enum(['sms', 'email', 'telegram']).default('sms'),
    advertising: z.boolean().default(true),
  })
  .strict();

export const campaignSchema = previewSchema
  .extend({
    id: z.string().trim().regex(/^[\w.-]{1,64}$/).meta({ description: 'имя кампании: повторная отправка с тем же id продолжает её, не дублируя' }),
    subject: z.string().max(200).optional(),
    gift: z.object({ points: z.number().int().min(1).max(1_000_000), ttlDays: z.number().int().min(1).max(3650).optional() }).strict().optional(),
  })
  .strict();


interface Audience {
  customerId: string;
  address: string | null;
  allowed: boolean;
}

/** The segment with each customer's address and consent, read a thousand customers a query. */
async function audience(comms: Communications, tenantId: string, segment: CustomerSegment, channel: ChannelKind, advertising: boolean): Promise<Audience[]> {
  const ids = await comms.o.ledger.segment(tenantId, segment);
  const out: Audience[] = [];
  const never = { processing: null, advertising: null };
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const [contacts, consents, chats] = await Promise.all([
      comms.o.ledger.contacts(tenantId, chunk),
      consentStates(comms.o.sql, tenantId, chunk),
      channel === 'telegram' ? comms.telegramChats(tenantId, chunk) : Promise.resolve(new Map<string, string>()),
    ]);
    for (const customerId of chunk) {
      const c = contacts.get(customerId);
      if (c === undefined) continue;
      const address = channel === 'sms' ? c.phone : channel === 'email' ? c.email : (chats.get(customerId) ?? null);
      out.push({ customerId, address, allowed: mayReceive(consents.get(customerId) ?? never, advertising).ok });
    }
  }
  return out;
}

/**
 * The price of one SMS part, kopecks: the tenant's SMS settings' `price` when they name one, else
 * the price the operator bills per SMS (billing's price list); null when neither is known.
 */
export async function smsPrice(comms: Communications, tenantId: string): Promise<{ kopecks: number; source: 'provider' | 'service' } | null> {
  const s = await comms.o.ledger.connectorSettings<SmsSettings>(tenantId, SYSTEMS.sms);
  if (s?.provider === 'smsru' && s.price !== undefined) return { kopecks: s.price, source: 'provider' };
  return comms.o.serviceSmsPrice === undefined ? null : { kopecks: comms.o.serviceSmsPrice, source: 'service' };
}

/** What a campaign would do: how many customers, how many can be reached with consent, SMS parts and their cost. */
export async function preview(comms: Communications, tenantId: string, p: z.infer<typeof previewSchema>) {
  const a = await audience(comms, tenantId, p.segment, p.channel, p.advertising);
  const reachable = a.filter((x) => x.address !== null && x.allowed).length;
  const parts = p.channel === 'sms' ? smsParts(p.text) : 0;
  const provider = await comms.provider(tenantId, p.channel);
  const price = p.channel === 'sms' ? await smsPrice(comms, tenantId) : null;
  return {
    customers: a.length,
    withoutAddress: a.filter((x) => x.address === null).length,
    withoutConsent: a.filter((x) => x.address !== null && !x.allowed).length,
    messages: reachable,
    smsParts: parts * reachable,
    /** Kopecks: SMS parts × the price of one (0 for e-mail and Telegram; null when no SMS price is known). */
    cost: p.channel !== 'sms' ? 0 : price === null ? null : parts * reachable * price.kopecks,
    /** Which price: the tenant's SMS settings (`provider`) or the operator's price list (`service`). */
    smsPrice: price,
    provider: provider?.name ?? null,
    quietHours: (await rules(comms.o.ledger, tenantId)).quietHours,
  };
}

/** Queues the campaign (gifts first: a gift is granted once per campaign and customer). */
export async function send(comms: Communications, tenantId: string, c: z.infer<typeof campaignSchema>) {
  const a = (await audience(comms, tenantId, c.segment, c.channel, c.advertising)).filter((x) => x.address !== null && x.allowed);
  let gifts = 0;
  let queued = 0;
  let skipped = 0;
  for (let i = 0; i < a.length; i += 500) {
    const chunk = a.slice(i, i + 500);
    if (c.gift) {
      // All at once: the ledger's group commit writes the chunk's gifts in a few transactions.
      const gift = { points: c.gift.points, kind: 'campaign', key: `campaign:${c.id}`, reason: `Кампания ${c.id}`, ...(c.gift.ttlDays ? { ttlDays: c.gift.ttlDays } : {}) };
      const given = await Promise.all(chunk.map((x) => comms.o.ledger.grantKnown(tenantId, x.customerId, gift)));
      gifts += given.filter(Boolean).length;
    }
    const drafts: Draft[] = chunk.map((x) => ({
      customerId: x.customerId, topic: 'campaign', advertising: c.advertising, channel: c.channel, address: x.address!, subject: c.subject, text: c.text, dedupeKey: `campaign:${c.id}:${x.customerId}`, automatic: false,
    }));
    for (const m of await comms.queue(tenantId, drafts)) {
      if (m?.status === 'queued') queued++;
      else if (m?.status === 'skipped') skipped++;
    }
  }
  return { id: c.id, audience: a.length, queued, skipped, alreadyQueued: a.length - queued - skipped, gifts };
}
