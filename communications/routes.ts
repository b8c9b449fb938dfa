import { z } from 'zod';
import { KopilkaError } from '../ledger/index.ts';
import type { Connector, ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiResponse } from '../connectors/kit/route.ts';
import { campaignSchema, preview, previewSchema, send } from './campaigns.ts';
import { saveTelegramChat, saveTemplate, templates } from './automatic.ts';
import { feedbackRoutes } from './feedback-routes.ts';
import { chainsRoutes } from './chains-routes.ts';
import { anonymiseRoutes } from './anonymise-routes.ts';
import { consentCsv, consentHistory, consentSchema, inForce, recordConsent } from './consent.ts';
import { emailSettingsSchema, rules, rulesSchema, smsSettingsSchema, SYSTEMS, telegramSettingsSchema } from './settings.ts';
import { listMessages, type MessageStatus } from './store.ts';
import { AUTOMATIC_EVENTS, PLACEHOLDERS, templateSchema } from './templates.ts';
import { communicationsOf as comms } from './running.ts';

// The owner's API for talking to customers (admin key): templates and rules of automatic
// messages, provider settings, the message log, consent. The web cabinet builds its pages on it.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });


const STATUSES = ['queued', 'sending', 'sent', 'failed', 'unknown', 'skipped'] as const;
const listQuery = z.object({
  customerId: z.string().regex(/^\d{1,18}$/).optional(),
  topic: z.string().max(64).optional(),
  status: z.enum(STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** The `seq` of the last message of the previous page: a campaign writes hundreds with one time. */
  before: z.string().regex(/^[1-9]\d{0,17}$/, 'seq последнего сообщения предыдущей страницы').optional(),
});

const sendSchema = z
  .object({
    customerId: z.string().regex(/^\d{1,18}$/),
    channel: z.enum(['sms', 'email', 'telegram']).default('sms'),
    text: z.string().trim().min(1).max(1000),
    subject: z.string().max(200).optional(),
    topic: z.string().trim().min(1).max(64).default('manual'),
    advertising: z.boolean().meta({ description: 'рекламное: только с согласием покупателя на рекламу' }),
  })
  .strict();

function parsed<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new KopilkaError('INVALID_INPUT', `Параметр «${issue.path.join('.')}»: ${issue.message}`, { field: issue.path.join('.') });
}

function providerRoute(ctx: ConnectorContext, channel: 'sms' | 'email' | 'telegram', input: z.ZodType<object>) {
  return route({
    method: 'PUT',
    path: `/v1/messages/providers/${channel}`,
    summary: `Настройки канала ${channel} (пароли и токены хранятся зашифрованными)`,
    auth: 'admin',
    bodyLimit: 8 * 1024,
    input,
    handler: async ({ tenantId, input }) => {
      await ctx.ledger.saveConnectorSettings(tenantId, SYSTEMS[channel], input);
      comms(ctx).forgetSettings(tenantId);
      return ok({ channel, saved: true });
    },
  });
}

export const communicationsConnector: Connector = {
  name: 'communications',
  routes: (ctx) => [
    route({
      method: 'GET',
      path: '/v1/messages/templates',
      summary: 'Шаблоны автоматических сообщений по событиям (свои или по умолчанию) и допустимые подстановки',
      auth: 'admin',
      handler: async ({ tenantId }) => ok({ placeholders: PLACEHOLDERS.map((p) => `{${p}}`), templates: await templates(comms(ctx).o.sql, tenantId) }),
    }),
    route({
      method: 'PUT',
      path: '/v1/messages/templates/:event',
      summary: 'Изменить текст шаблона события и включить/выключить его',
      auth: 'admin',
      bodyLimit: 8 * 1024,
      input: templateSchema,
      handler: async ({ tenantId, input, req }) => {
        const event = parsed(z.enum(AUTOMATIC_EVENTS), req.params.event);
        await saveTemplate(comms(ctx).o.sql, tenantId, event, input.body, input.enabled);
        comms(ctx).forgetSettings(tenantId);
        return ok((await templates(comms(ctx).o.sql, tenantId)).find((t) => t.event === event));
      },
    }),
    route({
      method: 'GET',
      path: '/v1/messages/settings',
      summary: 'Правила автоматических сообщений: тихие часы, дневной лимит, порядок каналов; какие каналы настроены',
      auth: 'admin',
      handler: async ({ tenantId }) => {
        const c = comms(ctx);
        const configured = Object.fromEntries(await Promise.all((['sms', 'email', 'telegram'] as const).map(async (ch) => [ch, (await c.provider(tenantId, ch))?.name ?? null])));
        return ok({ rules: await rules(ctx.ledger, tenantId), providers: configured });
      },
    }),
    route({
      method: 'PUT',
      path: '/v1/messages/settings',
      summary: 'Задать тихие часы (в часовом поясе программы), дневной лимит и порядок каналов',
      auth: 'admin',
      bodyLimit: 4 * 1024,
      input: rulesSchema,
      handler: async ({ tenantId, input }) => {
        await ctx.ledger.saveConnectorSettings(tenantId, SYSTEMS.rules, input);
        comms(ctx).forgetSettings(tenantId);
        return ok({ rules: input });
      },
    }),
    providerRoute(ctx, 'sms', smsSettingsSchema),
    providerRoute(ctx, 'email', emailSettingsSchema),
    providerRoute(ctx, 'telegram', telegramSettingsSchema),
    route({
      method: 'GET',
      path: '/v1/messages',
      summary: 'Журнал сообщений: фильтры customerId, topic, status; limit, before (постранично)',
      auth: 'admin',
      handler: async ({ tenantId, req }) => ok({ messages: await listMessages(comms(ctx).o.sql, tenantId, parsed(listQuery, req.query) as { status?: MessageStatus }) }),
    }),
    route({
      method: 'POST',
      path: '/v1/messages',
      summary: 'Отправить сообщение покупателю (в очередь; рекламное — только с согласием)',
      auth: 'admin',
      bodyLimit: 8 * 1024,
      input: sendSchema,
      handler: async ({ tenantId, input }) => {
        const c = comms(ctx);
        const customer = await ctx.ledger.customer(tenantId, { id: input.customerId });
        const address = input.channel === 'sms' ? customer.phone : input.channel === 'email' ? customer.email : await c.telegramChat(tenantId, customer.id);
        if (!address) throw new KopilkaError('INVALID_INPUT', `У покупателя нет адреса для канала ${input.channel}`, { field: 'channel' });
        const [m] = await c.queue(tenantId, [{ ...input, address, automatic: false }]);
        return ok(m, 201);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/messages/campaigns/preview',
      summary: 'Предпросмотр рассылки: сколько покупателей в сегменте, скольким можно написать (адрес и согласие), сколько частей SMS',
      auth: 'admin',
      bodyLimit: 16 * 1024,
      input: previewSchema,
      handler: async ({ tenantId, input }) => ok(await preview(comms(ctx), tenantId, input)),
    }),
    route({
      method: 'POST',
      path: '/v1/messages/campaigns',
      summary: 'Рассылка по сегменту (рекламная — только согласившимся), с подарочными бонусами по желанию; повтор с тем же id продолжает её',
      auth: 'admin',
      bodyLimit: 16 * 1024,
      input: campaignSchema,
      handler: async ({ tenantId, input }) => ok(await send(comms(ctx), tenantId, input), 201),
    }),
    route({
      method: 'GET',
      path: '/v1/customers/:id/consents',
      summary: 'Согласия покупателя: действующие и вся история (JSON; CSV при ?format=csv или Accept: text/csv)',
      auth: 'admin',
      handler: async ({ tenantId, req }) => {
        const customer = await ctx.ledger.customer(tenantId, { id: req.params.id! });
        const history = await consentHistory(comms(ctx).o.sql, tenantId, customer.id);
        if (req.query.format === 'csv' || (req.headers.accept ?? '').includes('text/csv')) {
          return { status: 200, body: null, raw: '\uFEFF' + consentCsv(history), headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="consents-${customer.id}.csv"` } };
        }
        return ok({ customerId: customer.id, inForce: inForce(history), history });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/customers/:id/consents',
      summary: 'Записать согласие или его отзыв (granted: false): вид, версия текста, канал, подтверждение',
      auth: 'admin',
      bodyLimit: 4 * 1024,
      input: consentSchema,
      handler: async ({ tenantId, req, input }) => {
        const customer = await ctx.ledger.customer(tenantId, { id: req.params.id! });
        return ok(await recordConsent(comms(ctx).o.sql, tenantId, customer.id, input), 201);
      },
    }),
    route({
      method: 'PUT',
      path: '/v1/customers/:id/telegram',
      summary: 'Чат Telegram покупателя (chat_id от бота), или null — не писать в Telegram',
      auth: 'admin',
      bodyLimit: 1024,
      input: z.object({ chatId: z.string().regex(/^-?\d{1,20}$/).nullable() }).strict(),
      handler: async ({ tenantId, req, input }) => {
        const customer = await ctx.ledger.customer(tenantId, { id: req.params.id! });
        await saveTelegramChat(comms(ctx).o.sql, tenantId, customer.id, input.chatId);
        return ok({ customerId: customer.id, chatId: input.chatId });
      },
    }),
    ...feedbackRoutes(ctx),
    ...chainsRoutes(ctx),
    ...anonymiseRoutes(ctx),
  ],
};
