import type { ConnectorLog } from '../kit/context.ts';
import { refundLinesFor } from '../kit/refund-lines.ts';
import { isKopilkaError, KopilkaError, type CheckInput, type Ledger } from '../../ledger/index.ts';
import { returnedItems, saleToCheck, type EvotorSale } from './translate.ts';

// An Эвотор document, whichever webhook brought it, into the ledger: SELL → a till-priced check
// recorded once; PAYBACK → a till-closed return of its sale; other documents are not ours. What
// the ledger cannot apply (a conflicting resend, a return of a sale it never saw, an unknown
// card…) it keeps in its review queue and answers Queued: to the cloud that is as good as recorded.

export const CHANNEL = 'evotor';

/** One document of a request, as received and as translated. */
export interface EvotorDocumentIn {
  sale: EvotorSale;
  /** The document as the cloud sent it: kept with a review item so a person sees what the till sent. */
  raw: unknown;
}

/** What a document asks the ledger to record. */
export type Recording =
  | { kind: 'sale'; check: CheckInput }
  | {
      kind: 'refund';
      saleId: string;
      request: { externalId: string; occurredAt: string; lines?: { lineNo: number; quantity: number }[]; pricedBy?: 'till' };
    };

/**
 * Whether what was recorded under a document id is what this document asks for, compared by
 * amounts and quantities only: the documents and receipts webhooks describe one sale in two
 * shapes (other times, a customer in one and not the other), and that is not a conflict.
 */
export function sameRecording(r: Recording, recorded: Record<string, unknown>): boolean {
  const lines = Array.isArray(recorded.lines) ? (recorded.lines as Record<string, unknown>[]) : [];
  const key = (xs: unknown[][]) => xs.map((x) => x.join('/')).sort().join(',');
  if (r.kind === 'sale' && recorded.pricedBy === 'kopilka') {
    // Priced by Kopilka at the till (terminal.ts, /receipt/confirm): the document is that sale's
    // fiscal record, its amounts after our discount and bonus payment: the goods must be the same.
    return key(r.check.lines.map((l) => [l.productId, l.quantity])) === key(lines.map((l) => [l.productId, l.quantity]));
  }
  if (r.kind === 'sale') return key(r.check.lines.map((l) => [l.quantity, l.amount])) === key(lines.map((l) => [l.quantity, l.amount]));
  return recorded.saleExternalId === r.saleId && key((r.request.lines ?? []).map((l) => [l.lineNo, l.quantity])) === key(lines.map((l) => [l.lineNo, l.quantity]));
}

/** A return whose items are not in its sale (or were returned already): nothing to ask the ledger. */
interface Unmatched {
  kind: 'unmatched';
  error: KopilkaError;
}

/**
 * The ledger request a document makes. A return is matched to its sale's lines by product; a
 * return of a sale the ledger never saw names no lines (the ledger queues it for review, and a
 * person linking it to a sale should check the document: without lines it returns the whole sale).
 */
export async function recordingOf(ledger: Ledger, tenantId: string, s: EvotorSale): Promise<Recording | Unmatched> {
  if (s.kind === 'SELL') return { kind: 'sale', check: saleToCheck(s) };
  if (s.baseId === null) {
    throw new KopilkaError('INVALID_INPUT', `Возврат ${s.id} без ссылки на чек продажи (base_document_id): бонусы не пересчитаны`, { field: 'body.base_document_id', evotorCode: 2002 });
  }
  const request = { externalId: s.id, occurredAt: s.occurredAt, pricedBy: 'till' as const };
  const sold = await ledger.saleLines(tenantId, CHANNEL, s.baseId);
  if (sold === null) return { kind: 'refund', saleId: s.baseId, request };
  try {
    return { kind: 'refund', saleId: s.baseId, request: { ...request, lines: refundLinesFor(sold, returnedItems(s), 'body.positions') } };
  } catch (e) {
    if (isKopilkaError(e) && e.code === 'REFUND_EXCEEDS_SALE') return { kind: 'unmatched', error: e };
    throw e;
  }
}

/**
 * Records one document (or finds it recorded). A document id recorded before with the same
 * amounts and quantities is a replay, even in the other webhook's shape — asked before
 * committing, so that the ledger does not take it for a conflicting resend and queue it.
 */
export async function recordDocument(ledger: Ledger, log: ConnectorLog, tenantId: string, d: EvotorDocumentIn): Promise<void> {
  const s = d.sale;
  if (s.kind === 'OTHER') return;
  const r = await recordingOf(ledger, tenantId, s);
  if (r.kind === 'unmatched') {
    // Closed at the till all the same: kept for a person (it can only be dismissed), answered as accepted.
    const reason = `Возврат ${s.id}: ${r.error.message}. Бонусы не пересчитаны, документ сохранён для проверки`;
    await ledger.queueForReview(tenantId, { system: CHANNEL, channel: CHANNEL, kind: 'refund', externalId: s.id, reasonCode: r.error.code, reason, payload: d.raw, request: null });
    log.info({ tenant: tenantId, id: s.id, type: s.type, reason: r.error.code }, 'evotor: return queued for review');
    return;
  }
  const before = await ledger.recordedRequest(tenantId, CHANNEL, r.kind, s.id);
  if (before !== null && sameRecording(r, before)) return;
  const options = { document: d.raw };
  const outcome = r.kind === 'sale' ? await ledger.commit(tenantId, CHANNEL, r.check, options) : await ledger.refund(tenantId, CHANNEL, r.saleId, r.request, options);
  if (outcome.status === 'review') {
    log.info({ tenant: tenantId, id: s.id, type: s.type, reviewId: outcome.reviewId, reason: outcome.reasonCode }, 'evotor: document queued for review');
  }
}

/**
 * Records every document of a request in order. They were all validated first; a failure (a
 * lost database, a refusal) fails the request, and the cloud's resend replays what was recorded.
 */
export async function recordAll(ledger: Ledger, log: ConnectorLog, tenantId: string, docs: readonly EvotorDocumentIn[]): Promise<void> {
  for (const d of docs) await recordDocument(ledger, log, tenantId, d);
}
