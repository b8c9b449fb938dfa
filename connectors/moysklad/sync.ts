import type { ConnectorContext } from '../kit/context.ts';
import { route, type RouteSpec } from '../kit/route.ts';
import { isKopilkaError, normalizePhone, type Product } from '../../ledger/index.ts';
import { MoySkladApi, type ApiHost } from './jsonapi.ts';
import { idFromHref, SYSTEM } from './loyalty.ts';
import { savedSettings } from './settings.ts';

// The import of an account's counterparties and products from the JSON API: counterparties with a
// phone become customers (linked to their МойСклад id); products bring their groups, so that
// rules by group apply to МойСклад sales too.

export interface SyncReport {
  customers: number;
  linked: number;
  skipped: number;
  products: number;
}

export function syncRoutes(ctx: ConnectorContext, hosts: ApiHost[]): RouteSpec<any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/connectors/moysklad/sync',
      summary: 'Импорт контрагентов и товаров из МойСклад',
      auth: 'admin',
      handler: async ({ tenantId }) => {
        const api = new MoySkladApi(await savedSettings(ctx, tenantId), hosts);
        return { status: 200, body: await sync(ctx, tenantId, api) };
      },
    }),
  ];
}

export async function sync(ctx: ConnectorContext, tenantId: string, api: MoySkladApi): Promise<SyncReport> {
  const out = { customers: 0, linked: 0, skipped: 0, products: 0 };
  for await (const c of api.list<{ id: string; name?: string; phone?: string; discountCardNumber?: string }>('counterparty')) {
    const phone = c.phone ? normalizePhone(c.phone) : null;
    const id = phone === null ? null : await customerFor(ctx, tenantId, { ...c, phone }, out);
    if (id === null) out.skipped++;
    else await ctx.ledger.linkCustomer(tenantId, SYSTEM, c.id, id);
  }
  const batch: Product[] = [];
  for await (const p of api.list<{ id: string; name?: string; productFolder?: { meta: { href: string } } }>('product')) {
    batch.push({ id: p.id, groupId: p.productFolder ? idFromHref(p.productFolder.meta.href) : null, name: p.name ?? null });
  }
  await ctx.ledger.upsertProducts(tenantId, SYSTEM, batch);
  out.products = batch.length;
  return out;
}

/** The customer a counterparty becomes: registered, or found by its phone; null when neither. */
async function customerFor(ctx: ConnectorContext, tenantId: string, c: { name?: string; phone: string; discountCardNumber?: string }, out: SyncReport): Promise<string | null> {
  try {
    const id = (await ctx.ledger.registerCustomer(tenantId, { phone: c.phone, name: c.name ?? null, source: 'moysklad', ...(c.discountCardNumber ? { cardNumber: c.discountCardNumber } : {}) })).id;
    out.customers++;
    return id;
  } catch (e) {
    if (!isKopilkaError(e) || (e.code !== 'PHONE_TAKEN' && e.code !== 'CARD_TAKEN' && e.code !== 'INVALID_INPUT')) throw e;
    const existing = await ctx.ledger.customer(tenantId, { phone: c.phone }).catch(() => null);
    if (existing !== null) out.linked++;
    return existing?.id ?? null;
  }
}
