import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ConnectorContext } from '../kit/context.ts';
import { route, type RouteSpec } from '../kit/route.ts';
import { KopilkaError } from '../../ledger/index.ts';
import { allowedApiUrl, DEFAULT_API_URL, type ApiHost, type MoySkladSettings } from './jsonapi.ts';
import { LOYALTY_BASE, SYSTEM } from './loyalty.ts';

// A tenant's МойСклад account: the JSON API address and token Kopilka calls it with (sealed at
// rest by the ledger), and the secret of the webhook address МойСклад calls us at.

const settingsSchema = z
  .object({ apiUrl: z.string().url().default(DEFAULT_API_URL), token: z.string().trim().min(8, 'токен JSON API МойСклад') })
  .strict()
  .meta({ title: 'настройки МойСклад' });

export function settingsRoutes(ctx: ConnectorContext, hosts: ApiHost[]): RouteSpec<any>[] {
  return [
    route({
      method: 'PUT',
      path: '/v1/connectors/moysklad',
      summary: 'Адрес и токен JSON API МойСклад; ответ — адреса для настроек МойСклад',
      auth: 'admin',
      input: settingsSchema,
      handler: async ({ input, tenantId }) => {
        allowedApiUrl(input.apiUrl, hosts);
        const old = await ctx.ledger.connectorSettings<MoySkladSettings>(tenantId, SYSTEM);
        // Saved again: the same webhook address, so МойСклад's subscription keeps working.
        const settings: MoySkladSettings = { ...input, webhookSecret: old?.webhookSecret ?? randomBytes(18).toString('base64url') };
        await ctx.ledger.saveConnectorSettings(tenantId, SYSTEM, settings);
        return { status: 200, body: { apiUrl: settings.apiUrl, loyaltyPath: LOYALTY_BASE, webhookPath: `/moysklad/webhook/${settings.webhookSecret}` } };
      },
    }),
  ];
}

/** The tenant's saved settings; 404 saying what to do first when there are none. */
export async function savedSettings(ctx: ConnectorContext, tenantId: string): Promise<MoySkladSettings> {
  const settings = await ctx.ledger.connectorSettings<MoySkladSettings>(tenantId, SYSTEM);
  if (settings === null) throw new KopilkaError('NOT_FOUND', 'Сначала сохраните токен JSON API: PUT /v1/connectors/moysklad');
  if (settings.token === '') throw new KopilkaError('NOT_FOUND', 'Решение «Копилка» удалено или приостановлено в МоёмСкладе, и его токен JSON API отозван: установите решение снова или сохраните токен: PUT /v1/connectors/moysklad');
  return settings;
}
