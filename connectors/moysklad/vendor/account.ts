import { randomBytes } from 'node:crypto';
import type { ConnectorContext } from '../../kit/context.ts';
import { MoySkladApi, parseApiHosts, type MoySkladSettings } from '../jsonapi.ts';
import { SYSTEM } from '../loyalty.ts';
import { subscribe, type Subscriptions } from '../subscriptions.ts';
import { sync } from '../sync.ts';

// What the solution's JSON API token does for a linked tenant, so that nobody pastes a token or
// registers a webhook by hand: the token becomes the tenant's МойСклад settings, Kopilka's
// webhooks are created on the account, and the account's counterparties (with their purchase
// totals) and products are imported. On removal the token — revoked by МойСклад — is forgotten.

export const WEBHOOK_PATH = '/moysklad/webhook/';

/** Any webhook address a Kopilka gave (whatever its secret or host): ours to move. */
const ourWebhook = (url: string) => /\/moysklad\/webhook\/[A-Za-z0-9_-]+$/.test(url);

export interface Adopted {
  webhooks: Subscriptions;
  /** The import runs in the background (an account may have many thousands of counterparties). */
  importStarted: boolean;
}

export async function adoptAccount(ctx: ConnectorContext, tenantId: string, token: string, publicUrl: string): Promise<Adopted> {
  const old = await ctx.ledger.connectorSettings<Partial<MoySkladSettings>>(tenantId, SYSTEM);
  const settings: MoySkladSettings = { apiUrl: ctx.settings.MOYSKLAD_API_URL, token, webhookSecret: old?.webhookSecret ?? randomBytes(18).toString('base64url') };
  await ctx.ledger.saveConnectorSettings(tenantId, SYSTEM, settings);
  const api = new MoySkladApi(settings, parseApiHosts(ctx.settings.MOYSKLAD_API_HOSTS));
  const webhooks = await subscribe(api, `${publicUrl}${WEBHOOK_PATH}${settings.webhookSecret}`, ourWebhook);
  if (webhooks.refused !== null) ctx.log.warn({ tenantId, reason: webhooks.refused }, 'moysklad webhooks not created');
  void sync(ctx, tenantId, api).then(
    (r) => ctx.log.info({ tenantId, ...r }, 'moysklad account imported'),
    (e: Error) => ctx.log.warn({ tenantId, err: e.message }, 'moysklad account import failed; POST /v1/connectors/moysklad/sync repeats it'),
  );
  return { webhooks, importStarted: true };
}

/**
 * The account removed or suspended the solution: its token is void. The tenant's settings keep
 * their webhook secret (a reinstall keeps the address) but lose the token, unless the tenant has
 * saved another one by hand since.
 */
export async function releaseAccount(ctx: ConnectorContext, tenantId: string, token: string): Promise<void> {
  const saved = await ctx.ledger.connectorSettings<MoySkladSettings>(tenantId, SYSTEM);
  if (saved === null || saved.token !== token) return;
  await ctx.ledger.saveConnectorSettings(tenantId, SYSTEM, { ...saved, token: '' });
}
