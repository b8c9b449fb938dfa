import { z } from 'zod';
import { KopilkaError, parseInput } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { saveTemplate, templates } from '../communications/automatic.ts';
import { emailSettingsSchema, rules, rulesSchema, smsSettingsSchema, SYSTEMS, telegramSettingsSchema, type EmailSettings, type SmsSettings } from '../communications/settings.ts';
import { listMessages, type MessageStatus, type StoredMessage } from '../communications/store.ts';
import { AUTOMATIC_EVENTS, PLACEHOLDERS, templateSchema } from '../communications/templates.ts';
import { campaignRoutes } from './campaigns-api.ts';
import { communicationsOf as comms } from '../communications/running.ts';
import { signedIn } from './session.ts';

// The cabinet's «Сообщения»: providers, rules, templates, the message log and a message by hand —
// the same communications/ functions as /v1/messages/*, for an owner signed in on the pages.
// Credentials are write-only: the page sees «задан», and a form sent without a token keeps the
// one saved (the owner changes the sender name without retyping the password).

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

const CHANNELS = ['sms', 'email', 'telegram'] as const;
const STATUSES = ['queued', 'sending', 'sent', 'failed', 'unknown', 'skipped'] as const;
const logQuery = z.object({
  customerId: z.string().regex(/^\d{1,18}$/, 'номер клиента').optional(),
  topic: z.string().max(64).optional(),
  status: z.enum(STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
const manualBody = z
  .object({
    customerId: z.string().regex(/^\d{1,18}$/, 'выберите клиента'),
    channel: z.enum(CHANNELS).default('sms'),
    text: z.string().trim().min(1, 'напишите текст').max(1000, 'не длиннее 1000 знаков'),
    subject: z.string().max(200).optional(),
    advertising: z.boolean(),
  })
  .strict();

/** What the page may see of a channel's settings: everything but the credential. */
async function providerViews(ctx: ConnectorContext, tenantId: string) {
  const sms = await ctx.ledger.connectorSettings<SmsSettings>(tenantId, SYSTEMS.sms);
  const email = await ctx.ledger.connectorSettings<EmailSettings>(tenantId, SYSTEMS.email);
  const telegram = await ctx.ledger.connectorSettings<{ token: string }>(tenantId, SYSTEMS.telegram);
  return {
    sms: sms === null ? null : { provider: sms.provider, from: sms.from ?? null, price: sms.provider === 'smsru' ? (sms.price ?? null) : null, login: sms.provider === 'smsc' ? sms.login : null, tokenSet: Boolean(sms.token) },
    email: email === null ? null : { host: email.host, port: email.port, secure: email.secure, user: email.user ?? null, from: email.from, tokenSet: Boolean(email.token) },
    telegram: telegram === null ? null : { tokenSet: Boolean(telegram.token) },
  };
}

/** The body with the saved credential put back when the form left it empty (same SMS provider only). */
async function withSavedToken(ctx: ConnectorContext, tenantId: string, channel: (typeof CHANNELS)[number], body: unknown): Promise<unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const b = body as Record<string, unknown>;
  if (typeof b.token === 'string' && b.token.trim() !== '') return b;
  const saved = await ctx.ledger.connectorSettings<Record<string, unknown>>(tenantId, SYSTEMS[channel]);
  const same = saved !== null && (channel !== 'sms' || saved.provider === b.provider);
  const { token: _, ...rest } = b;
  return same && typeof saved.token === 'string' ? { ...rest, token: saved.token } : rest;
}

const PROVIDER_SCHEMA = { sms: smsSettingsSchema, email: emailSettingsSchema, telegram: telegramSettingsSchema } as const;

async function log(ctx: ConnectorContext, tenantId: string, req: ApiRequest) {
  const q = parseInput(logQuery, req.query, 'журнал сообщений');
  // The store filters by customer, topic and status; the channel is picked from its newest 1000.
  const rows: StoredMessage[] = await listMessages(comms(ctx).o.sql, tenantId, { customerId: q.customerId, topic: q.topic || undefined, status: q.status as MessageStatus | undefined, limit: q.channel ? 1000 : q.limit });
  const picked = q.channel ? rows.filter((m) => m.channel === q.channel) : rows;
  return ok({ messages: picked.slice(0, q.limit), more: rows.length >= (q.channel ? 1000 : q.limit) });
}

export function messageRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const owner = async (req: ApiRequest) => (await signedIn(ctx, req, 'admin')).tenantId;
  return [...settingsRoutes(ctx, owner), ...textRoutes(ctx, owner), ...campaignRoutes(ctx, owner)];
}

type Owner = (req: ApiRequest) => Promise<string>;

function settingsRoutes(ctx: ConnectorContext, owner: Owner): RouteSpec<any>[] {
  return [
    route({
      method: 'GET',
      path: '/web/api/messages/settings',
      summary: 'Кабинет: правила сообщений, настройки каналов (без паролей), какие каналы работают',
      auth: 'public',
      handler: async ({ req }) => {
        const t = await owner(req);
        const c = comms(ctx);
        const active = Object.fromEntries(await Promise.all(CHANNELS.map(async (ch) => [ch, (await c.provider(t, ch))?.name ?? null])));
        return ok({ rules: await rules(ctx.ledger, t), providers: await providerViews(ctx, t), active });
      },
    }),
    route({
      method: 'PUT',
      path: '/web/api/messages/settings',
      summary: 'Кабинет: тихие часы, дневной лимит, порядок каналов, за сколько дней напоминать о сгорании',
      auth: 'public',
      bodyLimit: 4 * 1024,
      handler: async ({ req }) => {
        const t = await owner(req);
        const r = parseInput(rulesSchema, req.json(), 'правила сообщений');
        await ctx.ledger.saveConnectorSettings(t, SYSTEMS.rules, r);
        comms(ctx).forgetSettings(t);
        return ok({ rules: r });
      },
    }),
    route({
      method: 'PUT',
      path: '/web/api/messages/providers/:channel',
      summary: 'Кабинет: настройки канала sms, email или telegram (пустой токен — оставить сохранённый)',
      auth: 'public',
      bodyLimit: 8 * 1024,
      handler: async ({ req }) => {
        const t = await owner(req);
        const channel = parseInput(z.enum(CHANNELS, { error: 'канал sms, email или telegram' }), req.params.channel, 'канал');
        const s = parseInput(PROVIDER_SCHEMA[channel] as z.ZodType<object>, await withSavedToken(ctx, t, channel, req.json()), 'настройки канала');
        await ctx.ledger.saveConnectorSettings(t, SYSTEMS[channel], s);
        comms(ctx).forgetSettings(t);
        return ok({ channel, saved: true, providers: await providerViews(ctx, t) });
      },
    }),
  ];
}

function textRoutes(ctx: ConnectorContext, owner: Owner): RouteSpec<any>[] {
  return [
    route({
      method: 'GET',
      path: '/web/api/messages/templates',
      summary: 'Кабинет: шаблоны автоматических сообщений и подстановки',
      auth: 'public',
      handler: async ({ req }) => ok({ placeholders: PLACEHOLDERS.map((p) => `{${p}}`), templates: await templates(comms(ctx).o.sql, await owner(req)) }),
    }),
    route({
      method: 'PUT',
      path: '/web/api/messages/templates/:event',
      summary: 'Кабинет: текст шаблона события, включён ли он',
      auth: 'public',
      bodyLimit: 8 * 1024,
      handler: async ({ req }) => {
        const t = await owner(req);
        const event = parseInput(z.enum(AUTOMATIC_EVENTS), req.params.event, 'событие');
        const b = parseInput(templateSchema, req.json(), 'шаблон');
        await saveTemplate(comms(ctx).o.sql, t, event, b.body, b.enabled);
        comms(ctx).forgetSettings(t);
        return ok((await templates(comms(ctx).o.sql, t)).find((x) => x.event === event));
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/messages',
      summary: 'Кабинет: журнал сообщений (?topic=&status=&channel=&customerId=&limit=)',
      auth: 'public',
      handler: async ({ req }) => log(ctx, await owner(req), req),
    }),
    route({
      method: 'POST',
      path: '/web/api/messages',
      summary: 'Кабинет: сообщение клиенту вручную (рекламное — только с согласием на рекламу)',
      auth: 'public',
      bodyLimit: 8 * 1024,
      handler: async ({ req }) => {
        const t = await owner(req);
        const b = parseInput(manualBody, req.json(), 'сообщение');
        const c = comms(ctx);
        const customer = await ctx.ledger.customer(t, { id: b.customerId });
        const address = b.channel === 'sms' ? customer.phone : b.channel === 'email' ? customer.email : await c.telegramChat(t, customer.id);
        if (!address) throw new KopilkaError('INVALID_INPUT', `У клиента нет адреса для канала ${b.channel}: выберите другой канал`, { field: 'channel' });
        const [m] = await c.queue(t, [{ ...b, topic: 'manual', address, automatic: false }]);
        return ok(m, 201);
      },
    }),
  ];
}
