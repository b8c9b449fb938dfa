import { refundLinesFor, type ReturnedItem } from '../kit/refund-lines.ts';
import type { ConnectorContext } from '../kit/context.ts';
import { isKopilkaError, localIso, zoneOffset, type CheckInput, type ZoneOffset } from '../../ledger/index.ts';
import { MoySkladApi, type ApiHost, type MoySkladSettings, type RetailDemand } from './jsonapi.ts';
import { CHANNEL, documentId, idFromHref, SYSTEM } from './loyalty.ts';

// How a document МойСклад has closed reaches the ledger, whichever way it came (the till's
// Loyalty API call or a JSON API webhook): recorded as the till priced it (`pricedBy: "till"`),
// never refused for a business reason. What cannot be applied is kept for review by the ledger
// (or here, when the return cannot even be matched to its sale's lines) and answered as success:
// the till has printed the receipt, an error would only stop the cashier.

/** The tenant's zone, for МойСклад's wall-clock moments (one cached read of the program). */
export async function tenantZone(ctx: ConnectorContext, tenantId: string): Promise<ZoneOffset> {
  return zoneOffset(await ctx.ledger.timeZone(tenantId));
}

/** МойСклад's moment is the account's wall clock ("2016-04-18 15:06:00"); none means now. */
export function occurredAt(moment: string | null | undefined, zone: ZoneOffset): string {
  if (moment) return localIso(moment, 'moment', zone);
  const now = Date.now();
  return localIso(new Date(now + zone(now) * 60_000).toISOString().slice(0, 19).replace('T', ' '), 'moment', zone);
}

export interface ClosedSale {
  check: CheckInput;
  /** МойСклад's counterparty id, linked to the customer the sale was recorded for. */
  counterpartyId: string | null;
  /** МойСклад's own document, kept with a review item. */
  document: unknown;
}

/** Records a closed sale; true when it was recorded now (not a replay, not queued). */
export async function recordClosedSale(ctx: ConnectorContext, tenantId: string, s: ClosedSale): Promise<boolean> {
  const outcome = await ctx.ledger.commit(tenantId, CHANNEL, { ...s.check, pricedBy: 'till' }, { document: s.document });
  if (outcome.status !== 'recorded') return false;
  const customerId = outcome.answer.customer?.id;
  if (s.counterpartyId !== null && customerId) await ctx.ledger.linkCustomer(tenantId, SYSTEM, s.counterpartyId, customerId);
  return !outcome.replay;
}

export interface ClosedReturn {
  externalId: string;
  /** The sale's id as recorded; null when the return names none. */
  saleId: string | null;
  returned: ReturnedItem[];
  /** What МойСклад calls the document (retailsalesreturn), for the review queue. */
  kind: string;
  document: unknown;
}

/** Records a closed return; true when it was recorded now (not a replay, not queued). */
export async function recordClosedReturn(ctx: ConnectorContext, tenantId: string, r: ClosedReturn): Promise<boolean> {
  const queue = (reasonCode: string, reason: string) =>
    ctx.ledger.queueForReview(tenantId, { system: SYSTEM, kind: r.kind, externalId: r.externalId, reasonCode, reason, payload: r.document }).then(() => false);
  if (r.saleId === null) return queue('CHECK_NOT_FOUND', `В возврате ${r.externalId} нет ссылки на продажу (demand): он сохранён для проверки, бонусы по нему не пересчитаны`);
  const sale = await ctx.ledger.saleLines(tenantId, CHANNEL, r.saleId);
  let lines: { lineNo: number; quantity: number }[] | undefined;
  try {
    lines = sale === null ? undefined : refundLinesFor(sale, r.returned);
  } catch (e) {
    // A product the sale did not have, or more of it: a person decides what was returned.
    if (!isKopilkaError(e)) throw e;
    return queue(e.code, `${e.message}: возврат ${r.externalId} сохранён для проверки, бонусы по нему не пересчитаны`);
  }
  // An unknown sale goes to the ledger without lines: the ledger queues it with the document.
  const request = { externalId: r.externalId, pricedBy: 'till', ...(lines === undefined ? {} : { lines }) };
  const outcome = await ctx.ledger.refund(tenantId, CHANNEL, r.saleId, request, { document: r.document });
  return outcome.status === 'recorded' && !outcome.replay;
}

/**
 * The sale a till's return names (`demand.meta`), as Kopilka recorded it: by `meta.id`; else by the
 * id in `meta.href`; else through the JSON API (when the tenant has its settings), which tells the
 * sale's id, sync id, shop, number and time — a sale the till sent with an empty `meta` was
 * recorded by shop, number and time (documentId). Null when the return names no sale; an id
 * Kopilka does not know when none matches (the ledger keeps the return for review).
 */
export async function saleOfReturn(ctx: ConnectorContext, tenantId: string, demand: { id?: string; href?: string } | null, hosts: ApiHost[]): Promise<string | null> {
  const named = [demand?.id, idFromHref(demand?.href)].filter((x): x is string => !!x);
  for (const id of named) if ((await ctx.ledger.saleLines(tenantId, CHANNEL, id)) !== null) return id;
  if (demand?.href) {
    for (const id of await saleIdsInJsonApi(ctx, tenantId, demand.href, hosts)) {
      if ((await ctx.ledger.saleLines(tenantId, CHANNEL, id)) !== null) return id;
    }
  }
  return named[0] ?? null;
}

/** The ids a retail sale may have been recorded under, read from the JSON API; none without settings or on failure. */
async function saleIdsInJsonApi(ctx: ConnectorContext, tenantId: string, href: string, hosts: ApiHost[]): Promise<string[]> {
  const settings = await ctx.ledger.connectorSettings<MoySkladSettings>(tenantId, SYSTEM);
  if (settings === null || !settings.token || !settings.apiUrl) return [];
  let doc: RetailDemand & { syncId?: string };
  try {
    doc = await new MoySkladApi(settings, hosts).get(href);
  } catch (e) {
    // The return is answered anyway (kept for review): the till has printed it.
    ctx.log.warn({ err: (e as Error).message, tenant: tenantId }, 'moysklad return: its sale not read from the JSON API');
    return [];
  }
  return idsOfDemand(doc);
}

/**
 * Every id a retail sale read from the JSON API may have been recorded under by the till's Loyalty
 * API call: its id, its syncId, or (a till that sent an empty `meta`) its shop, number and time.
 */
export function idsOfDemand(doc: RetailDemand & { syncId?: string }): string[] {
  const store = { meta: { id: doc.retailStore ? idFromHref(doc.retailStore.meta.href) : undefined } };
  const ids = [doc.id, doc.syncId];
  // The JSON API writes moments with milliseconds ("2016-04-18 15:06:00.000"), the till without.
  for (const moment of new Set([doc.moment, doc.moment?.slice(0, 19)])) {
    if (doc.name && moment) ids.push(documentId({ retailStore: store, name: doc.name, moment }));
  }
  return [...new Set(ids.filter((x): x is string => !!x))];
}
