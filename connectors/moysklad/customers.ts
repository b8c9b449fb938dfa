import { randomInt } from 'node:crypto';
import type { ConnectorContext } from '../kit/context.ts';
import { isKopilkaError, normalizePhone } from '../../ledger/index.ts';
import { GUID_SYSTEM, idFromHref, kopilkaGuid, SYSTEM, type Agent, type CounterpartyRequest, type CustomerRef } from './loyalty.ts';

// МойСклад's counterparties as Kopilka's customers: which customer a till means, and the
// confirmation codes it asks us to send.

export interface Counterparty {
  ref: CustomerRef;
  /** МойСклад's id, to link when the customer is found another way; null when it is ours or none. */
  msId: string | null;
}

/** МойСклад's counterparty → the customer reference the ledger understands. */
export async function customerOf(ctx: ConnectorContext, tenantId: string, agent: Agent | null | undefined): Promise<Counterparty> {
  if (agent == null) return { ref: null, msId: null };
  const msId = agent.meta?.id || agent.id || idFromHref(agent.meta?.href ?? agent.href) || null;
  if (msId !== null) {
    const linked = await ctx.ledger.linkedCustomer(tenantId, SYSTEM, msId);
    if (linked !== null) return { ref: { id: linked }, msId };
    // The GUID our search gave this customer (guidsOf): ours, not МойСклад's, so nothing to link.
    const ours = await ctx.ledger.linkedCustomer(tenantId, GUID_SYSTEM, msId.toLowerCase());
    if (ours !== null) return { ref: { id: ours }, msId: null };
    // Our own id, as our search returned it.
    if (/^[1-9]\d{0,17}$/.test(msId) && (await ctx.ledger.findCustomer(tenantId, { id: msId })) !== null) return { ref: { id: msId }, msId: null };
  }
  const phone = agent.phone ? normalizePhone(agent.phone) : null;
  if (phone !== null) return { ref: { phone }, msId };
  if (agent.discountCardNumber) return { ref: { cardNumber: agent.discountCardNumber }, msId };
  return { ref: null, msId };
}

/**
 * Our customers' GUIDs for the search rows, each kept (linked under GUID_SYSTEM) the first time it
 * is shown, so that the till's later calls naming it in `meta.id` find the customer.
 */
export async function guidsOf(ctx: ConnectorContext, tenantId: string, customerIds: string[]): Promise<Map<string, string>> {
  const known = await ctx.ledger.externalIdsOf(tenantId, GUID_SYSTEM, customerIds);
  for (const id of customerIds) {
    if (known.has(id)) continue;
    const guid = kopilkaGuid(tenantId, 'customer', id);
    await ctx.ledger.linkCustomer(tenantId, GUID_SYSTEM, guid, id);
    known.set(id, guid);
  }
  return known;
}

/** A new counterparty registered (or found by its phone, registered before) and linked; our id. */
export async function registerCounterparty(ctx: ConnectorContext, tenantId: string, c: CounterpartyRequest, customer: Record<string, unknown>): Promise<string> {
  const msId = c.meta?.id || idFromHref(c.meta?.href) || null;
  let id: string;
  try {
    id = (await ctx.ledger.registerCustomer(tenantId, customer)).id;
  } catch (e) {
    // Registered before (at another till, or in Kopilka itself): link it, do not fail the till.
    if (!isKopilkaError(e) || e.code !== 'PHONE_TAKEN') throw e;
    id = (await ctx.ledger.customer(tenantId, { phone: normalizePhone(c.phone!)! })).id;
  }
  if (msId !== null) await ctx.ledger.linkCustomer(tenantId, SYSTEM, msId, id);
  return id;
}

/** How long the till must wait before asking for another code, in seconds. */
const CODE_REPEAT_S = 60;

/** Sends a confirmation code by SMS; the till compares what the customer says with it. */
export async function sendCode(ctx: ConnectorContext, tenantId: string, phone: string, customerId: string | null, what: string) {
  const code = String(randomInt(1000, 10_000));
  await ctx.messages.sms(tenantId, 'codes', phone, `Код подтверждения ${what}: ${code}`, customerId);
  return {
    verificationCode: code,
    timeForRepeat: CODE_REPEAT_S,
    messageForCashier: `Код отправлен на ${phone.slice(0, 5)}***${phone.slice(-4)}`,
  };
}
