import { z } from 'zod';
import type { Ledger } from '../ledger/index.ts';
import { hhmm } from './templates.ts';
import { EmailProvider } from './providers/email.ts';
import type { ChannelKind, Provider } from './providers/provider.ts';
import { SmscProvider } from './providers/smsc.ts';
import { SmsRuProvider } from './providers/smsru.ts';
import { TelegramProvider } from './providers/telegram.ts';

// A tenant's providers and rules, kept as the ledger's connector settings (credentials — the
// `token` field — sealed at rest by the ledger). One settings row per channel, so a tenant can
// change its SMS provider without retyping its SMTP password.

export const SYSTEMS = { sms: 'comms-sms', email: 'comms-email', telegram: 'comms-telegram', rules: 'comms-rules' } as const;

export const smsSettingsSchema = z.discriminatedUnion('provider', [
  z
    .object({
      provider: z.literal('smsru'),
      token: z.string().trim().min(8).meta({ description: 'api_id SMS.ru' }),
      from: z.string().max(11).optional(),
      price: z.number().int().min(0).max(100_000).optional().meta({ description: 'цена одного SMS у SMS.ru, копейки (для учёта стоимости)' }),
    })
    .strict(),
  z
    .object({
      provider: z.literal('smsc'),
      login: z.string().trim().min(1),
      token: z.string().min(1).meta({ description: 'пароль или API-ключ SMSC' }),
      from: z.string().max(11).optional(),
    })
    .strict(),
]);
export type SmsSettings = z.infer<typeof smsSettingsSchema>;

export const emailSettingsSchema = z
  .object({
    host: z.string().trim().min(1),
    port: z.number().int().min(1).max(65535),
    secure: z.boolean().default(false),
    user: z.string().optional(),
    token: z.string().optional().meta({ description: 'пароль SMTP' }),
    from: z.string().trim().min(3).meta({ description: 'адрес отправителя: "Магазин <shop@example.ru>"' }),
  })
  .strict();
export type EmailSettings = z.infer<typeof emailSettingsSchema>;

export const telegramSettingsSchema = z.object({ token: z.string().trim().min(10).meta({ description: 'токен бота от @BotFather' }) }).strict();

export const rulesSchema = z
  .object({
    quietHours: z.object({ from: hhmm, to: hhmm }).nullable().default({ from: '21:00', to: '09:00' }),
    dailyCap: z.number().int().min(0).max(100).default(3).meta({ description: 'сколько автоматических сообщений в день одному покупателю (0 — без ограничения)' }),
    channels: z.array(z.enum(['sms', 'email', 'telegram'])).min(1).default(['telegram', 'sms', 'email']).meta({ description: 'порядок каналов: первый доступный покупателю' }),
    burnDaysBefore: z.number().int().min(1).max(60).default(7).meta({ description: 'за сколько дней напоминать о сгорании бонусов' }),
  })
  .strict();
export type Rules = z.infer<typeof rulesSchema>;

/** Where providers live (the public APIs by default; stand-ins in tests) and the service's own SMS.ru account. */
export interface ProviderEndpoints {
  smsruUrl?: string;
  smscUrl?: string;
  telegramUrl?: string;
  /** The service's SMS.ru account (SMSRU_API_ID), for tenants without their own SMS settings. */
  serviceSmsRu?: { apiId: string; from?: string };
}

export async function rules(ledger: Pick<Ledger, 'connectorSettings'>, tenantId: string): Promise<Rules> {
  return rulesSchema.parse((await ledger.connectorSettings<object>(tenantId, SYSTEMS.rules)) ?? {});
}

/** The provider a channel of a tenant goes through, or null when it is not set up. */
export async function providerFor(ledger: Pick<Ledger, 'connectorSettings'>, ep: ProviderEndpoints, tenantId: string, channel: ChannelKind): Promise<Provider | null> {
  if (channel === 'sms') {
    const s = await ledger.connectorSettings<SmsSettings>(tenantId, SYSTEMS.sms);
    if (s?.provider === 'smsc') return new SmscProvider(s.login, s.token, ep.smscUrl, s.from);
    if (s?.provider === 'smsru') return new SmsRuProvider(s.token, ep.smsruUrl, s.from, s.price ?? null);
    return ep.serviceSmsRu ? new SmsRuProvider(ep.serviceSmsRu.apiId, ep.smsruUrl, ep.serviceSmsRu.from) : null;
  }
  if (channel === 'email') {
    const s = await ledger.connectorSettings<EmailSettings>(tenantId, SYSTEMS.email);
    return s === null ? null : new EmailProvider(s);
  }
  const s = await ledger.connectorSettings<{ token: string }>(tenantId, SYSTEMS.telegram);
  return s === null ? null : new TelegramProvider(s.token, ep.telegramUrl);
}

export const CHANNEL_OF: Record<string, ChannelKind> = { smsru: 'sms', smsc: 'sms', smtp: 'email', telegram: 'telegram' };
