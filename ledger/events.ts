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
  | 'sms';

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
