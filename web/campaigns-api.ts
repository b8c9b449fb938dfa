import { z } from 'zod';
import { parseInput } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { campaignSchema, preview, previewSchema, send, smsParts } from '../communications/campaigns.ts';
import { listMessages } from '../communications/store.ts';
import { communicationsOf as comms } from '../communications/running.ts';

// The cabinet's «Рассылки»: a preview (who, how many can be reached, SMS parts and their cost),
// the send (communications/campaigns.ts, resumable by name), and the list of campaigns sent from
// the cabinet. communications/ keeps no campaign rows (a campaign is its messages), so the list is
// kept here, as the tenant's settings under one name, the last 100; each campaign's delivery is
// read back from the message log (topic `campaign`, its text, since it was sent).

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });
const LIST = 'web-campaigns';
const KEEP = 100;

interface SentCampaign {
  id: string;
  sentAt: string;
  lastSentAt: string;
  text: string;
  channel: string;
  advertising: boolean;
  segment: Record<string, unknown>;
  gift: { points: number; ttlDays?: number } | null;
  audience: number;
  queued: number;
  skipped: number;
  gifts: number;
}

/** The preview (with its SMS cost, communications/campaigns.ts) and the parts one message takes. */
async function previewOf(ctx: ConnectorContext, tenantId: string, body: unknown) {
  const p = parseInput(previewSchema, body, 'предпросмотр рассылки');
  return { ...(await preview(comms(ctx), tenantId, p)), partsPerMessage: p.channel === 'sms' ? smsParts(p.text) : 0 };
}

async function remember(ctx: ConnectorContext, tenantId: string, c: z.infer<typeof campaignSchema>, r: Awaited<ReturnType<typeof send>>): Promise<void> {
  const list = (await ctx.ledger.connectorSettings<{ items: SentCampaign[] }>(tenantId, LIST))?.items ?? [];
  const now = new Date().toISOString();
  const was = list.find((x) => x.id === c.id);
  const item: SentCampaign = was
    ? { ...was, lastSentAt: now, audience: r.audience, queued: was.queued + r.queued, skipped: was.skipped + r.skipped, gifts: was.gifts + r.gifts }
    : { id: c.id, sentAt: now, lastSentAt: now, text: c.text, channel: c.channel, advertising: c.advertising, segment: c.segment, gift: c.gift ?? null, audience: r.audience, queued: r.queued, skipped: r.skipped, gifts: r.gifts };
  const items = [item, ...list.filter((x) => x.id !== c.id)].slice(0, KEEP);
  await ctx.ledger.saveConnectorSettings(tenantId, LIST, { items });
}

/** The campaigns with their messages by status and SMS cost, from the newest 1000 campaign messages. */
async function sentCampaigns(ctx: ConnectorContext, tenantId: string) {
  const items = (await ctx.ledger.connectorSettings<{ items: SentCampaign[] }>(tenantId, LIST))?.items ?? [];
  const messages = await listMessages(comms(ctx).o.sql, tenantId, { topic: 'campaign', limit: 1000 });
  const newestFirst = [...items].sort((a, b) => b.sentAt.localeCompare(a.sentAt));
  const byId = new Map(items.map((c) => [c.id, { statuses: {} as Record<string, number>, cost: 0 }]));
  for (const m of messages) {
    // The newest campaign of this text and channel sent before the message was made.
    const c = newestFirst.find((x) => x.text === m.text && x.channel === m.channel && Date.parse(x.sentAt) - 1000 <= Date.parse(m.createdAt));
    if (c === undefined) continue;
    const d = byId.get(c.id)!;
    d.statuses[m.status] = (d.statuses[m.status] ?? 0) + 1;
    if (m.channel === 'sms') d.cost += m.cost;
  }
  return items.map((c) => ({ ...c, delivery: byId.get(c.id)! }));
}

export function campaignRoutes(ctx: ConnectorContext, owner: (req: ApiRequest) => Promise<string>): RouteSpec<any>[] {
  return [
    route({
      method: 'POST',
      path: '/web/api/messages/campaigns/preview',
      summary: 'Кабинет: предпросмотр рассылки — сколько клиентов, скольким можно написать, части SMS и их стоимость',
      auth: 'public',
      bodyLimit: 16 * 1024,
      handler: async ({ req }) => ok(await previewOf(ctx, await owner(req), req.json())),
    }),
    route({
      method: 'POST',
      path: '/web/api/messages/campaigns',
      summary: 'Кабинет: отправить рассылку (повтор с тем же названием продолжает её, не дублируя)',
      auth: 'public',
      bodyLimit: 16 * 1024,
      handler: async ({ req }) => {
        const t = await owner(req);
        const c = parseInput(campaignSchema, req.json(), 'рассылка');
        const r = await send(comms(ctx), t, c);
        await remember(ctx, t, c, r);
        return ok(r, 201);
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/messages/campaigns',
      summary: 'Кабинет: рассылки, отправленные из кабинета, и их сообщения по статусам',
      auth: 'public',
      handler: async ({ req }) => ok({ campaigns: await sentCampaigns(ctx, await owner(req)) }),
    }),
  ];
}
