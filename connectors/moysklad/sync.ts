import type { ConnectorContext } from '../kit/context.ts';
import { route, type RouteSpec } from '../kit/route.ts';
import { isKopilkaError, normalizePhone, type Product } from '../../ledger/index.ts';
import { MoySkladApi, type ApiHost } from './jsonapi.ts';
import { idFromHref, SYSTEM } from './loyalty.ts';
import { savedSettings } from './settings.ts';

// The import of an account's counterparties and products from the JSON API: counterparties with a
// phone become customers (linked to their МойСклад id) with what they bought before, МойСклад's
// `salesAmount` (kopecks), so their level is right from the start; products bring their groups, so
// that rules by group apply to МойСклад sales too, and their syncId, which a till may send instead
// of the product's id (`idType: sync`). A counterparty already a customer keeps their totals:
// what Kopilka recorded since is in МойСклад's figure too, and adding it again would count twice.

interface Counterparty {
  id: string;
  name?: string;
  phone?: string;
  discountCardNumber?: string;
  salesAmount?: number;
}

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
  for await (const c of api.list<Counterparty>('counterparty')) {
    const phone = c.phone ? normalizePhone(c.phone) : null;
    const id = phone === null ? null : await customerFor(ctx, tenantId, { ...c, phone }, out);
    if (id === null) out.skipped++;
    else await ctx.ledger.linkCustomer(tenantId, SYSTEM, c.id, id);
  }
  const batch: Product[] = [];
  for await (const p of api.list<{ id: string; name?: string; syncId?: string; productFolder?: { meta: { href: string } } }>('product')) {
    batch.push({ id: p.id, groupId: p.productFolder ? idFromHref(p.productFolder.meta.href) : null, name: p.name ?? null, syncId: p.syncId ?? null });
  }
  await ctx.ledger.upsertProducts(tenantId, SYSTEM, batch);
  out.products = batch.length;
  return out;
}

/** The customer a counterparty becomes: registered, or found by its phone; null when neither. */
async function customerFor(ctx: ConnectorContext, tenantId: string, c: Counterparty & { phone: string }, out: SyncReport): Promise<string | null> {
  const bought = Number.isSafeInteger(c.salesAmount) && c.salesAmount! > 0 ? { carriedOver: { total: c.salesAmount! } } : {};
  try {
    const id = (await ctx.ledger.registerCustomer(tenantId, { phone: c.phone, name: c.name ?? null, source: 'moysklad', ...(c.discountCardNumber ? { cardNumber: c.discountCardNumber } : {}), ...bought })).id;
    out.customers++;
    return id;
  } catch (e) {
    if (!isKopilkaError(e) || (e.code !== 'PHONE_TAKEN' && e.code !== 'CARD_TAKEN' && e.code !== 'INVALID_INPUT')) throw e;
    const existing = await ctx.ledger.customer(tenantId, { phone: c.phone }).catch(() => null);
    if (existing !== null) out.linked++;
    return existing?.id ?? null;
  }
}

interface Positioned {
  assortment: { meta: { id?: string; idType?: unknown }; syncId?: string };
}

/** The syncId a position names its product by (`idType: sync`, or a syncId and no id), if any. */
const syncIdOf = (p: Positioned): string | undefined =>
  p.assortment.meta.idType === 'sync' ? p.assortment.meta.id : !p.assortment.meta.id && p.assortment.syncId ? p.assortment.syncId : undefined;

/**
 * Positions whose product is named by its syncId, given the product's own id where the sync knows
 * it: the sale is recorded, priced by group and later matched to its returns under one id. A
 * syncId the sync has not seen stays as it is (the product's group is then unknown).
 */
export async function withOwnIds<P extends Positioned>(ctx: ConnectorContext, tenantId: string, positions: P[]): Promise<P[]> {
  const named = positions.map(syncIdOf).filter((x): x is string => !!x);
  if (named.length === 0) return positions;
  const own = await ctx.ledger.productIdsBySyncId(tenantId, SYSTEM, named);
  return positions.map((p) => {
    const id = own.get(syncIdOf(p) ?? '');
    return id === undefined ? p : { ...p, assortment: { ...p.assortment, meta: { ...p.assortment.meta, id, idType: 'native' } } };
  });
}
