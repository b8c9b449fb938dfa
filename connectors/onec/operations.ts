import type { ConnectorContext } from '../kit/context.ts';
import type { Call } from '../kit/route.ts';
import { KopilkaError, zoneOffset, type Queued } from '../../ledger/index.ts';
import {
  checkFromOnec,
  checkResultOut,
  customerBalanceOut,
  customerOut,
  customerRefOf,
  refundFromOnec,
  refundResultOut,
  type MoneyOut,
  type OnecCheck,
  type OnecLookup,
  type OnecRefund,
  type OnecRegister,
  type ZoneOffset,
} from './protocol.ts';

// The six operations of kopilka.wsdl, once for both transports (SOAP and HTTP+JSON): 1C's
// vocabulary in, the ledger's face, 1C's vocabulary out. Commit and Refund come after the fiscal
// receipt is printed: till-priced, never refused for a business reason; what the ledger cannot
// apply is queued for review and answered as a result with Status "review".

export const CHANNEL = 'onec';

/** Who is calling, with what the operations need of the tenant. */
export interface OnecCaller {
  tenantId: string;
  /** The store of the channel key, used when a check names none. */
  storeId: string | null;
  offset: ZoneOffset;
}

export async function callerOf(ctx: ConnectorContext, call: Call<unknown>): Promise<OnecCaller> {
  const storeId = call.caller.kind === 'channel' ? call.caller.storeId : null;
  return { tenantId: call.tenantId, storeId, offset: zoneOffset(await ctx.ledger.timeZone(call.tenantId)) };
}

/** An operation's answer, and how the transport should say it (HTTP+JSON: 201, 200 or 202). */
export interface Written {
  out: Record<string, unknown>;
  kind: 'recorded' | 'replay' | 'review';
}

export function operations(ctx: ConnectorContext) {
  const ledger = ctx.ledger;
  return {
    async findCustomer(c: OnecCaller, q: OnecLookup, m: MoneyOut): Promise<Record<string, unknown>> {
      const ref = customerRefOf({ Phone: q.Phone, CardNumber: q.CardNumber }, 'FindCustomer');
      if (ref === null) throw new KopilkaError('INVALID_INPUT', 'Укажите телефон (Phone) или номер карты (CardNumber)', { field: 'Phone' });
      // Not found is an answer a cashier acts on (offer to register), not a failure.
      const found = await ledger.findCustomer(c.tenantId, ref);
      return found === null ? { Found: false } : { Found: true, Customer: customerOut(found, m, c.offset) };
    },
    async registerCustomer(c: OnecCaller, r: OnecRegister, m: MoneyOut): Promise<Record<string, unknown>> {
      const s = await ledger.registerCustomer(c.tenantId, {
        phone: r.Phone,
        cardNumber: r.CardNumber ?? null,
        name: r.Name ?? null,
        birthDate: r.BirthDate === undefined ? null : r.BirthDate.slice(0, 10),
        email: r.Email ?? null,
        source: CHANNEL,
      });
      return customerOut(s, m, c.offset);
    },
    async balance(c: OnecCaller, q: OnecLookup, m: MoneyOut): Promise<Record<string, unknown>> {
      const ref = customerRefOf(q, 'Balance');
      if (ref === null) throw new KopilkaError('INVALID_INPUT', 'Укажите телефон (Phone), номер карты (CardNumber) или код клиента (CustomerId)', { field: 'Phone' });
      return customerBalanceOut(await ledger.customer(c.tenantId, ref), m);
    },
    async calculate(c: OnecCaller, check: OnecCheck, m: MoneyOut): Promise<Record<string, unknown>> {
      return checkResultOut(await ledger.calculate(c.tenantId, checkFromOnec(check, c)), false, m);
    },
    async commit(c: OnecCaller, check: OnecCheck, m: MoneyOut): Promise<Written> {
      const input = checkFromOnec(check, c);
      // After the fiscal print the check is the till's (pricedBy 'till'); RedeemMax instead asks
      // Kopilka to decide the bonus payment, so such a check is priced by Kopilka, as before.
      const pricedBy = input.redeem === 'max' ? undefined : ('till' as const);
      const o = await ledger.commit(c.tenantId, CHANNEL, { ...input, ...(pricedBy ? { pricedBy } : {}) }, { document: check });
      if (o.status === 'review') return { out: queuedCheck(input.externalId, input.lines, o, m), kind: 'review' };
      return { out: checkResultOut(o.answer, o.replay, m), kind: o.replay ? 'replay' : 'recorded' };
    },
    async refund(c: OnecCaller, q: OnecRefund, m: MoneyOut): Promise<Written> {
      const { saleExternalId, request } = refundFromOnec(q, c.offset);
      const o = await ledger.refund(c.tenantId, CHANNEL, saleExternalId, { ...request, pricedBy: 'till' }, { document: q });
      if (o.status === 'review') return { out: queuedRefund(request.externalId, saleExternalId, o, m), kind: 'review' };
      return { out: refundResultOut(o.answer, o.replay, m), kind: o.replay ? 'replay' : 'recorded' };
    },
  };
}

/** Why a document waits for a person, and the item's number to name when asking about it. */
const reviewMessage = (q: Queued) => [`Документ принят и передан на проверку: ${q.reason}`, `Номер на проверке: ${q.reviewId} (${q.reasonCode})`];

/**
 * A CheckResult (the frozen WSDL's shape) for a check kept for review: Status "review", the
 * check's amount, nothing discounted, paid with or accrued yet.
 */
function queuedCheck(externalId: string, lines: { amount: number }[], q: Queued, m: MoneyOut): Record<string, unknown> {
  const amount = lines.reduce((s, l) => s + l.amount, 0);
  return {
    ExternalId: externalId,
    Status: 'review',
    Replay: false,
    Totals: { Amount: m(amount), Discount: m(0), Redeemed: m(0), ToPay: m(amount), Accrued: m(0), MaxRedeem: m(0) },
    Line: [],
    Message: reviewMessage(q),
  };
}

/** A RefundResult for a return kept for review: Status "review", nothing returned yet. */
function queuedRefund(externalId: string, saleExternalId: string, q: Queued, m: MoneyOut): Record<string, unknown> {
  return {
    ExternalId: externalId,
    SaleExternalId: saleExternalId,
    Status: 'review',
    Replay: false,
    Totals: { Amount: m(0), Discount: m(0), Redeemed: m(0), Accrued: m(0), Debt: m(0) },
    Line: [],
    Message: reviewMessage(q),
  };
}
