import type { ConnectorContext } from '../kit/context.ts';
import type { Call } from '../kit/route.ts';
import { isKopilkaError, KopilkaError, zoneOffset, type Ledger, type Queued, type RefundOutcome } from '../../ledger/index.ts';
import { refundLinesFor } from '../kit/refund-lines.ts';
import { cancelEarlier, cancelVersion, currentVersion, isUnposting, recordedId, voidId } from './versions.ts';
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
  versionOf,
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
      const version = versionOf(check.Version);
      const input = Object.assign(checkFromOnec(check, c), { externalId: recordedId(check.ExternalId, version) });
      // After the fiscal print the check is the till's (pricedBy 'till'); RedeemMax instead asks
      // Kopilka to decide the bonus payment, so such a check is priced by Kopilka, as before.
      const pricedBy = input.redeem === 'max' ? undefined : ('till' as const);
      // An edited document re-posted: its earlier versions are cancelled before this one counts.
      const cancelled = version > 1 ? await cancelEarlier(ledger, c.tenantId, CHANNEL, check.ExternalId, version, check) : [];
      const o = await ledger.commit(c.tenantId, CHANNEL, Object.assign({}, input, pricedBy ? { pricedBy } : {}), { document: check });
      if (o.status === 'review') return { out: queuedCheck(input.externalId, input.lines, o, m), kind: 'review' };
      const out = checkResultOut(o.answer, o.replay, m);
      return { out: { ...out, Message: [...cancelled, ...(out.Message as string[])] }, kind: o.replay ? 'replay' : 'recorded' };
    },
    async refund(c: OnecCaller, q: OnecRefund, m: MoneyOut): Promise<Written> {
      const { saleExternalId: named, request, returned } = refundFromOnec(q, c.offset);
      // A return names the document; what it returns is taken from the document's current version.
      const saleExternalId = await currentVersion(ledger, c.tenantId, CHANNEL, named);
      if (isUnposting(named, request.externalId, q.Line.length)) return written(await cancelVersion(ledger, c.tenantId, CHANNEL, saleExternalId, q), voidId(saleExternalId), saleExternalId, m);
      let lines = request.lines;
      if (returned !== null) {
        const sold = await ledger.saleLines(c.tenantId, CHANNEL, saleExternalId);
        // An unknown sale goes to the ledger without lines: the ledger keeps it for review.
        try {
          lines = sold === null ? undefined : refundLinesFor(sold, returned, 'Line');
        } catch (e) {
          if (!isKopilkaError(e)) throw e;
          return { out: await returnForReview(ledger, c, q, e, m), kind: 'review' };
        }
      }
      const body = Object.assign({}, request, lines === undefined ? {} : { lines }, { pricedBy: 'till' as const });
      return written(await ledger.refund(c.tenantId, CHANNEL, saleExternalId, body, { document: q }), request.externalId, saleExternalId, m);
    },
  };
}

/** A refund's outcome as 1C is answered. */
function written(o: RefundOutcome, externalId: string, saleExternalId: string, m: MoneyOut): Written {
  if (o.status === 'review') return { out: queuedRefund(externalId, saleExternalId, o, m), kind: 'review' };
  return { out: refundResultOut(o.answer, o.replay, m), kind: o.replay ? 'replay' : 'recorded' };
}

/**
 * A return by product that the sale cannot account for (a product it did not have, or more of
 * it than is left): the return was printed, so it is kept for a person, not refused.
 */
async function returnForReview(ledger: Ledger, c: OnecCaller, q: OnecRefund, e: KopilkaError, m: MoneyOut): Promise<Record<string, unknown>> {
  const reason = `${e.message}: возврат ${q.ExternalId} сохранён для проверки, бонусы по нему не пересчитаны`;
  await ledger.queueForReview(c.tenantId, { system: CHANNEL, kind: 'refund', externalId: q.ExternalId, reasonCode: e.code, reason, payload: q, channel: CHANNEL });
  return queuedRefund(q.ExternalId, q.SaleExternalId, { status: 'review', reviewId: '', reasonCode: e.code, reason }, m);
}

/** Why a document waits for a person, and the item's number to name when asking about it. */
const reviewMessage = (q: Queued) => [`Документ принят и передан на проверку: ${q.reason}`, q.reviewId === '' ? `Причина: ${q.reasonCode}` : `Номер на проверке: ${q.reviewId} (${q.reasonCode})`];

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
