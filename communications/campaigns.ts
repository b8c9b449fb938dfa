import { z } from 'zod';
import type { CustomerSegment } from '../ledger/index.ts';
import { consentState, mayReceive } from './consent.ts';
import type { ChannelKind } from './providers/provider.ts';
import type { Communications, Draft } from './service.ts';
import { rules } from './settings.ts';

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
    minBalance: range('баланс не меньше, бонусы'),
    maxBalance: range('баланс не больше, бонусы'),
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

/** SMS parts a text takes: 160/153 characters in GSM-7, 70/67 in UCS-2 (any Cyrillic letter). */
export function smsParts(text: string): number {
  const gsm = /^[\x20-\x7E\n\r]*$/.test(text);
  const [one, many] = gsm ? [160, 153] : [70, 67];
  return text.length <= one ? 1 : Math.ceil(text.length / many);
}

interface Audience {
  customerId: string;
  address: string | null;
  allowed: boolean;
}

async function audience(comms: Communications, tenantId: string, segment: CustomerSegment, channel: ChannelKind, advertising: boolean): Promise<Audience[]> {
  const ids = await comms.o.ledger.segment(tenantId, segment);
  const out: Audience[] = [];
  for (const customerId of ids) {
    const c = await comms.o.ledger.findCustomer(tenantId, { id: customerId });
    if (c === null) continue;
    const address = channel === 'sms' ? c.phone : channel === 'email' ? c.email : await comms.telegramChat(tenantId, customerId);
    out.push({ customerId, address, allowed: mayReceive(await consentState(comms.o.sql, tenantId, customerId), advertising).ok });
  }
  return out;
}

/** What a campaign would do: how many customers, how many can be reached with consent, SMS parts. */
export async function preview(comms: Communications, tenantId: string, p: z.infer<typeof previewSchema>) {
  const a = await audience(comms, tenantId, p.segment, p.channel, p.advertising);
  const reachable = a.filter((x) => x.address !== null && x.allowed).length;
  const parts = p.channel === 'sms' ? smsParts(p.text) : 0;
  const provider = await comms.provider(tenantId, p.channel);
  return {
    customers: a.length,
    withoutAddress: a.filter((x) => x.address === null).length,
    withoutConsent: a.filter((x) => x.address !== null && !x.allowed).length,
    messages: reachable,
    smsParts: parts * reachable,
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
      for (const x of chunk) {
        const given = await comms.o.ledger.grant(tenantId, x.customerId, { points: c.gift.points, kind: 'campaign', key: `campaign:${c.id}`, reason: `Кампания ${c.id}`, ...(c.gift.ttlDays ? { ttlDays: c.gift.ttlDays } : {}) });
        if (given) gifts++;
      }
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
