import type pg from 'pg';
import { z } from 'zod';
import type { CheckTotals, ParsedCheck } from './check.ts';
import { formatBonuses, formatPoints, isKopilkaError, KopilkaError, type ErrorCode } from './errors.ts';
import { noteGiftcardOverdraft } from './giftcards.ts';
import { refundRequestSchema } from './refunds.ts';
import { markResolved, openReviewItem, queueForReview, recordedAnswer, type ReviewRequest, type StoredReviewItem } from './review.ts';
import { freeText, idText, parseInput } from './validation.ts';

// Documents the till has already closed (`pricedBy: "till"`): the fiscal receipt is printed, the
// customer has left, and refusing the document would only lose it. So a well-formed, authorised
// document that cannot be applied is kept in the review queue with its reason and answered as
// accepted; a person applies it later, links it to the right sale or customer, or dismisses it.
// Malformed input, an unknown tenant and a lost database are still errors: the till must resend.

/** A document the ledger recorded (or had recorded: a replay), its answer as stored. */
export interface Written {
  json: string;
  replay: boolean;
  /** The answer as an object, when the writer has it (a replay of a resolved item has only text). */
  answer?: unknown;
}

export interface QueuedOutcome {
  status: 'review';
  reviewId: string;
  reasonCode: string;
  reason: string;
}

export type ClosedOutcome = ({ status: 'recorded' } & Written) | QueuedOutcome;

/** How the face records documents; errors are the ledger's own (never queued here). */
export interface DocumentWriter {
  sale(tenantId: string, channel: string, check: unknown): Promise<Written>;
  refund(tenantId: string, channel: string, saleExternalId: string, request: unknown): Promise<Written>;
}

/** Business reasons a closed document cannot be applied now: queued, not refused. */
export const QUEUED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CUSTOMER_NOT_FOUND',
  'CHECK_NOT_FOUND',
  'IDEMPOTENCY_CONFLICT',
  'REFUND_EXCEEDS_SALE',
  'REFUND_OF_REFUND',
  'CHECK_TOO_OLD',
  'CHECK_IN_FUTURE',
  'BALANCE_LIMIT',
]);

export const SHORTFALL = 'BONUS_SHORTFALL';

/** Whether a raw body says the till closed it (checked before parsing, so other bodies pay nothing). */
export function isTillPriced(input: unknown): boolean {
  return typeof input === 'object' && input !== null && (input as { pricedBy?: unknown }).pricedBy === 'till';
}

/** The check as validated, without the times derived from it. */
export function plainCheck(check: ParsedCheck): Record<string, unknown> {
  const { at: _a, localMinuteOfDay: _m, localWeekday: _w, ...plain } = check;
  return plain;
}

/** Records a till-closed sale; what cannot be applied is queued. A shortfall is recorded and queued too. */
export async function commitClosedSale(pool: pg.Pool, tenantId: string, channel: string, check: ParsedCheck, document: unknown, write: () => Promise<Written>): Promise<ClosedOutcome> {
  const request: ReviewRequest = { kind: 'sale', check: plainCheck(check) };
  let w: Written;
  try {
    w = await write();
  } catch (e) {
    return queueOrThrow(pool, tenantId, channel, check.externalId, request, document, e);
  }
  await noteShortfall(pool, tenantId, channel, check.externalId, request, document, (w.answer as { totals: CheckTotals } | undefined)?.totals);
  await noteGiftcardOverdraft(pool, tenantId, channel, check.externalId, request, document, w.answer);
  return { status: 'recorded', ...w };
}

/** Records a till-closed return; a return of an unknown sale (and the like) is queued. */
export async function refundClosed(
  pool: pg.Pool,
  tenantId: string,
  channel: string,
  saleExternalId: string,
  input: unknown,
  document: unknown,
  write: () => Promise<Written>,
): Promise<ClosedOutcome> {
  try {
    return { status: 'recorded', ...(await write()) };
  } catch (e) {
    if (!isKopilkaError(e) || !QUEUED_CODES.has(e.code)) throw e;
    // The write validated the input before it could fail for a business reason.
    const refund = parseInput(refundRequestSchema, input, 'возврат') as Record<string, unknown> & { externalId: string };
    return queueOrThrow(pool, tenantId, channel, refund.externalId, { kind: 'refund', saleExternalId, refund }, document, e);
  }
}

async function queueOrThrow(pool: pg.Pool, tenantId: string, channel: string, externalId: string, request: ReviewRequest, document: unknown, e: unknown): Promise<ClosedOutcome> {
  if (!isKopilkaError(e) || !QUEUED_CODES.has(e.code)) throw e;
  const item = await queueForReview(pool, tenantId, {
    system: channel,
    channel,
    kind: request.kind,
    externalId,
    reasonCode: e.code,
    reason: e.message,
    payload: document,
    request,
    // The same document is one item whatever the reason it fails for this time.
    dedupeKey: JSON.stringify(request),
  });
  if (item.resolution === 'apply' || item.resolution === 'link') {
    // Resolved by recording it (perhaps linked elsewhere): a resend gets what was recorded.
    const json = await recordedAnswer(pool, tenantId, channel, request.kind, externalId);
    if (json !== null) return { status: 'recorded', json, replay: true };
  }
  return { status: 'review', reviewId: item.id, reasonCode: item.reasonCode, reason: item.reason };
}

async function noteShortfall(pool: pg.Pool, tenantId: string, channel: string, externalId: string, request: ReviewRequest, document: unknown, totals: CheckTotals | undefined): Promise<void> {
  if (request.kind !== 'sale' || request.check.redeem === 0 || totals === undefined) return;
  const shortfall = totals.shortfall ?? 0;
  if (shortfall <= 0) return;
  await queueForReview(pool, tenantId, {
    system: channel,
    channel,
    kind: 'sale',
    externalId,
    reasonCode: SHORTFALL,
    reason:
      `Касса приняла оплату бонусами ${formatPoints(totals.redeemed + shortfall)}, списано ${formatPoints(totals.redeemed)}: ` +
      `не хватило ${formatBonuses(shortfall, { genitive: true })}. Продажа проведена`,
    payload: document,
    request,
    dedupeKey: `${SHORTFALL}\n${JSON.stringify(request)}`,
  });
}

// ── resolving items ──

const common = { by: freeText(128).optional(), comment: freeText(1024).optional() };
const actionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('apply'), wholeSale: z.boolean().optional(), ...common }).strict(),
  z.object({ action: z.literal('link'), saleExternalId: idText(128).optional(), customerId: idText(128).optional(), wholeSale: z.boolean().optional(), ...common }).strict(),
  z.object({ action: z.literal('dismiss'), ...common }).strict(),
]);
type Action = z.output<typeof actionSchema>;

/**
 * Applies, links or dismisses an open item, once. Applying runs the stored request through the
 * ledger now (till-priced as it came, but never queued again): it records the document or fails
 * with the ledger's error, and the item stays open.
 * Errors: NOT_FOUND (no such open item), INVALID_INPUT, those of commit/refund when applied.
 */
export async function resolveReview(pool: pg.Pool, writer: DocumentWriter, tenantId: string, id: string, input: unknown): Promise<StoredReviewItem> {
  const a = parseInput(actionSchema, input, 'решение по документу');
  const item = await openReviewItem(pool, tenantId, id);
  if (item === null) throw notFound(id);
  const detail = a.action === 'dismiss' ? null : await applyItem(pool, writer, tenantId, item, a);
  const done = await markResolved(pool, tenantId, item.id, { resolution: a.action, by: a.by ?? null, comment: a.comment ?? null, detail });
  // Resolved by someone else meanwhile: their resolution stands (applying again was a replay).
  if (done === null) throw notFound(id);
  return done;
}

function notFound(id: string): KopilkaError {
  return new KopilkaError('NOT_FOUND', 'Документ в очереди разбора не найден или уже разобран', { id });
}

async function applyItem(pool: pg.Pool, writer: DocumentWriter, tenantId: string, item: StoredReviewItem, a: Exclude<Action, { action: 'dismiss' }>): Promise<Record<string, unknown>> {
  const { request, channel } = item;
  if (request === null || channel === null) {
    throw new KopilkaError('INVALID_INPUT', 'Этот документ нельзя провести из очереди: его можно только закрыть (dismiss)', { field: 'action' });
  }
  if (item.reasonCode === SHORTFALL) {
    throw new KopilkaError('INVALID_INPUT', 'Продажа уже проведена: нехватку бонусов можно только отметить разобранной (dismiss)', { field: 'action' });
  }
  const link = a.action === 'link' ? a : null;
  if (request.kind === 'sale') {
    if (link !== null && (link.customerId === undefined || link.saleExternalId !== undefined)) {
      throw new KopilkaError('INVALID_INPUT', 'Продажу связывают с клиентом: укажите customerId', { field: 'customerId' });
    }
    const check = link === null ? request.check : Object.assign({}, request.check, { customer: { id: link.customerId } });
    const w = await writer.sale(tenantId, channel, check);
    await noteShortfall(pool, tenantId, channel, item.externalId, { kind: 'sale', check }, item.payload, (w.answer as { totals: CheckTotals } | undefined)?.totals);
    return link === null ? { externalId: item.externalId } : { externalId: item.externalId, customerId: link.customerId };
  }
  if (link !== null && (link.saleExternalId === undefined || link.customerId !== undefined)) {
    throw new KopilkaError('INVALID_INPUT', 'Возврат связывают с продажей: укажите saleExternalId', { field: 'saleExternalId' });
  }
  const saleExternalId = link?.saleExternalId ?? request.saleExternalId;
  // A return queued without lines (its sale was unknown, so the goods could not be matched to sale
  // lines) would take back the whole sale: only when a person says that is what was returned.
  if (request.refund.lines == null && a.wholeSale !== true) {
    throw new KopilkaError(
      'INVALID_INPUT',
      'В возврате нет строк продажи (продажа была неизвестна, товары не сопоставлены): проведённый так, он вернёт всю продажу. Если возвращена вся продажа, повторите с wholeSale: true; иначе закройте документ (dismiss) и проведите возврат со строками (POST /v1/checks/:externalId/refund)',
      { field: 'wholeSale' },
    );
  }
  await writer.refund(tenantId, channel, saleExternalId, request.refund);
  return { externalId: item.externalId, saleExternalId };
}
