import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { ConnectorContext } from '../kit/context.ts';
import { toMinor } from '../kit/decimal.ts';
import { route, type RouteSpec } from '../kit/route.ts';
import { KopilkaError, normalizePhone, secretHash } from '../../ledger/index.ts';
import { demandToCheck, MoySkladApi, type ApiHost, type DemandPosition, type MoySkladSettings, type RetailDemand } from './jsonapi.ts';
import { CHANNEL, idFromHref, SYSTEM, type CustomerRef } from './loyalty.ts';
import { idsOfDemand, occurredAt, recordClosedReturn, recordClosedSale, tenantZone } from './recording.ts';

// The JSON API webhook (PROTOCOL.md §2): МойСклад announces retail sales and returns by their
// address; we fetch each from the JSON API and record it as closed. The secret in the webhook's
// own address is the only key here, checked by this handler.

export const webhookSchema = z
  .object({
    events: z.array(z.object({ meta: z.object({ type: z.string(), href: z.string() }).passthrough(), action: z.string() }).passthrough()).max(1000),
  })
  .passthrough()
  .meta({ title: 'вебхук МойСклад' });
type WebhookEvent = z.infer<typeof webhookSchema>['events'][number];

export function webhookRoutes(ctx: ConnectorContext, hosts: ApiHost[]): RouteSpec<any>[] {
  // Webhook secrets seen to be valid lately (by hash): only unknown ones count against an address.
  const knownWebhooks = new LRUCache<string, true>({ max: 10_000, ttl: 30_000 });
  return [
    route({
      method: 'POST',
      path: '/moysklad/webhook/:secret',
      summary: 'Вебхук JSON API МойСклад: розничные продажи и возвраты',
      auth: 'public',
      input: webhookSchema,
      handler: async ({ req, input }) => {
        // Guessing the secret is limited like guessing keys.
        const secret = req.params.secret!;
        const known = knownWebhooks.has(secretHash(secret));
        if (!known) await ctx.unknownCredential(req.remoteAddress);
        const found = await ctx.ledger.tenantByWebhookSecret(SYSTEM, secret);
        if (found === null) throw new KopilkaError('NOT_FOUND', 'Неизвестный адрес вебхука');
        if (!known) knownWebhooks.set(secretHash(secret), true);
        // The solution was removed and its token revoked: nothing can be fetched, and МойСклад
        // deletes the solution's webhooks itself; a late event is acknowledged and left.
        if ((found.settings as { token?: string }).token === '') return { status: 200, body: { accepted: 0 } };
        // МойСклад waits 1.5 s for an answer: acknowledge at once, record in the background.
        // A lost event costs nothing: the same sale also arrives through the Loyalty API or a retry.
        const api = new MoySkladApi(found.settings as unknown as MoySkladSettings, hosts);
        void processEvents(ctx, found.tenantId, api, input.events).catch((e: Error) =>
          ctx.log.warn({ err: e.message, tenant: found.tenantId }, 'moysklad webhook: events not recorded'),
        );
        return { status: 200, body: { accepted: input.events.length } };
      },
    }),
  ];
}

/** What the webhook announced: retail sales and returns, fetched and recorded; how many were new. */
export async function processEvents(ctx: ConnectorContext, tenantId: string, api: MoySkladApi, events: WebhookEvent[]): Promise<number> {
  let recorded = 0;
  let zone: Awaited<ReturnType<typeof tenantZone>> | undefined;
  for (const e of events) {
    if (e.action !== 'CREATE' && e.action !== 'UPDATE') continue;
    const type = e.meta.type;
    if (type !== 'retaildemand' && type !== 'retailsalesreturn') continue;
    const doc = await api.get<RetailDemand>(e.meta.href);
    const positions = (await api.get<{ rows: DemandPosition[] }>(`${e.meta.href.split('?')[0]}/positions`)).rows;
    const items = positions.map((p, i) => ({ productId: idFromHref(p.assortment.meta.href), quantity: toMinor(p.quantity, 3, `positions.${i}.quantity`) }));
    // The sale the till already sent through the Loyalty API, in that API's shape and perhaps
    // under another of its ids. (A return sent both ways gives the ledger the same request, which
    // it replays.)
    if (type === 'retaildemand' && (await saleRecorded(ctx, tenantId, doc, items))) continue;
    zone ??= await tenantZone(ctx, tenantId);
    const done =
      type === 'retaildemand'
        ? await recordDemand(ctx, tenantId, api, doc, positions, occurredAt(doc.moment, zone))
        : await recordClosedReturn(ctx, tenantId, {
            externalId: doc.id,
            saleId: doc.demand ? idFromHref(doc.demand.meta.href) : null,
            returned: items,
            kind: type,
            document: { ...doc, positions },
          });
    if (done) recorded++;
  }
  return recorded;
}

async function recordDemand(ctx: ConnectorContext, tenantId: string, api: MoySkladApi, doc: RetailDemand, positions: DemandPosition[], at: string): Promise<boolean> {
  const customer = await customerOfDemand(ctx, tenantId, api, doc);
  const groups = await ctx.ledger.productGroups(tenantId, SYSTEM, positions.map((p) => idFromHref(p.assortment.meta.href)));
  const check = demandToCheck(doc, positions, customer, at, groups);
  return recordClosedSale(ctx, tenantId, { check, counterpartyId: null, document: { ...doc, positions } });
}

/**
 * Whether this sale is recorded already: then it has come back (a retry, or the till's Loyalty API
 * call of it, priced in that API's units), not a sale to record again. Under its own id it must
 * have the same products and quantities (else the ledger sees the conflict and a person reviews
 * it); under its syncId or shop, number and time it is the till's call of this very document.
 */
async function saleRecorded(ctx: ConnectorContext, tenantId: string, doc: RetailDemand, items: { productId: string; quantity: number }[]): Promise<boolean> {
  const key = (xs: { productId?: unknown; quantity?: unknown }[]) => xs.map((x) => `${String(x.productId)}×${String(x.quantity)}`).sort().join(',');
  for (const id of idsOfDemand(doc)) {
    const recorded = await ctx.ledger.recordedRequest(tenantId, CHANNEL, 'sale', id);
    if (recorded === null) continue;
    if (id !== doc.id) return true;
    return key((recorded.lines ?? []) as { productId?: unknown; quantity?: unknown }[]) === key(items);
  }
  return false;
}

async function customerOfDemand(ctx: ConnectorContext, tenantId: string, api: MoySkladApi, doc: RetailDemand): Promise<CustomerRef> {
  if (!doc.agent) return null;
  const linked = await ctx.ledger.linkedCustomer(tenantId, SYSTEM, idFromHref(doc.agent.meta.href));
  if (linked !== null) return { id: linked };
  const agent = await api.get<{ phone?: string }>(doc.agent.meta.href);
  const phone = agent.phone ? normalizePhone(agent.phone) : null;
  // A retail sale to МойСклад's default «Розничный покупатель» has no phone: anonymous.
  return phone === null ? null : { phone };
}
