import type { Ledger, RefundOutcome } from '../../ledger/index.ts';
import { MAX_VERSION } from './protocol.ts';

// A 1C document can be edited and posted again after its check was sent (УНФ, and Розница's
// corrections). Kopilka keys a document by its id AND its version: version 1 is recorded under
// the document's own id (what a configuration that sends no Version has always used), version n
// under "<id>#v<n>". Committing version n first cancels every earlier version still recorded (a
// whole refund under "<recorded id>#void", the same id whoever sends it, so it happens once),
// then records version n: the customer ends with what the last version says, never with both.
// Un-posting the document is that same cancel of its current version (operations.ts refund).

/** The id a version of a document is recorded under. */
export function recordedId(documentId: string, version: number): string {
  return version === 1 ? documentId : `${documentId}#v${version}`;
}

/** The id of the refund that cancels a recorded version. */
export function voidId(recorded: string): string {
  return `${recorded}#void`;
}

/** True for the refund 1C sends when a sale document is un-posted: no lines, ExternalId "<sale>#void". */
export function isUnposting(saleExternalId: string, externalId: string, lines: number): boolean {
  return lines === 0 && externalId === voidId(saleExternalId);
}

/**
 * The id of the newest version of a document Kopilka has recorded (versions are sent in order:
 * the search stops at the first one missing). A return names the document; it refunds this.
 */
export async function currentVersion(ledger: Ledger, tenantId: string, channel: string, documentId: string): Promise<string> {
  let current = documentId;
  for (let v = 2; v <= MAX_VERSION; v++) {
    const id = recordedId(documentId, v);
    if ((await ledger.saleLines(tenantId, channel, id)) === null) break;
    current = id;
  }
  return current;
}

/**
 * Cancels a recorded version: everything it accrued is taken back, what it paid with bonuses
 * is returned (only what its returns have not already settled). Sent again, it is a replay.
 */
export function cancelVersion(ledger: Ledger, tenantId: string, channel: string, recorded: string, document: unknown): Promise<RefundOutcome> {
  return ledger.refund(tenantId, channel, recorded, { externalId: voidId(recorded), pricedBy: 'till' }, { document });
}

/** Cancels the versions before `version` that are recorded; the messages say what was done. */
export async function cancelEarlier(ledger: Ledger, tenantId: string, channel: string, documentId: string, version: number, document: unknown): Promise<string[]> {
  const messages: string[] = [];
  for (let v = 1; v < version; v++) {
    const id = recordedId(documentId, v);
    if ((await ledger.saleLines(tenantId, channel, id)) === null) continue;
    const o = await cancelVersion(ledger, tenantId, channel, id, document);
    if (o.status === 'review') messages.push(`Версия ${v} документа не отменена и передана на проверку: ${o.reason} (номер ${o.reviewId})`);
    else if (!o.replay) messages.push(`Версия ${v} документа отменена: бонусы по ней пересчитаны по версии ${version}`);
  }
  return messages;
}
