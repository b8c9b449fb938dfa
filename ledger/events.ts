// What the ledger tells the rest of the system after a commit: notifications, metering and
// outbound webhooks consume these. Published only after the transaction has committed.

export type EventType =
  | 'checkCommitted'
  | 'accrued'
  | 'redeemed'
  | 'levelChanged'
  | 'firstPurchase'
  | 'refund'
  | 'customerRegistered'
  | 'gift'
  | 'expired'
  | 'boost'
  | 'sms'
  /** The owner changed a customer's data or card in the cabinet (no money moved): caches drop the summary. */
  | 'customerUpdated'
  /** Pending bonuses became spendable (the sweeper's settle), once per customer and batch; `points` the sum. */
  | 'activated'
  /** A referred friend's purchase rewarded the referrer (customerId: the referrer; checkId: the friend's check); `points`. */
  | 'referralAccrued'
  /** A customer's personal data was erased on request (ledger/anonymise.ts): caches drop the summary. */
  | 'customerAnonymised';

export interface KopilkaEvent {
  id?: string;
  type: EventType;
  tenantId: string;
  channel?: string;
  customerId?: string | null;
  checkId?: string;
  externalId?: string;
  points?: number;
  amount?: number;
  data?: Record<string, unknown>;
  at: string;
}
