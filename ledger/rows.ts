import type { Lot } from './account.ts';
import type { Boost } from './boosts.ts';
import type { CheckDetail, CheckEntry } from './batch-state.ts';
import type { CheckResult } from './check.ts';
import type { CustomerRow } from './customers.ts';
import type { RefundResult } from './operations.ts';

// Postgres rows to domain objects. bigint columns arrive as strings (node-pg keeps them exact);
// money and points are converted to numbers because the schema bounds them below 2^53.

export const CUSTOMER_COLUMNS = `tenant_id, id::text, phone, card_number, name, gender, to_char(birth_date, 'YYYY-MM-DD') AS birth_date,
  email, address, comment, relatives, referral_code, referrer_id::text, source, assigned_level, level_code,
  total_spent, purchases, last_purchase_at, available, pending, debt, registered_at, boosts`;

export interface CustomerDbRow {
  tenant_id: string;
  id: string;
  phone: string | null;
  card_number: string | null;
  name: string | null;
  gender: string | null;
  birth_date: string | null;
  email: string | null;
  address: string | null;
  comment: string | null;
  relatives: { name: string; birthDate: string }[];
  referral_code: string;
  referrer_id: string | null;
  source: string | null;
  assigned_level: string | null;
  level_code: string;
  total_spent: string;
  purchases: number;
  last_purchase_at: Date | null;
  available: string;
  pending: string;
  debt: string;
  registered_at: Date;
  boosts: Boost[];
}

export function customerFromRow(r: CustomerDbRow): CustomerRow {
  return {
    tenantId: r.tenant_id,
    id: r.id,
    phone: r.phone,
    cardNumber: r.card_number,
    name: r.name,
    gender: r.gender,
    birthDate: r.birth_date,
    email: r.email,
    address: r.address,
    comment: r.comment,
    relatives: r.relatives,
    referralCode: r.referral_code,
    referrerId: r.referrer_id,
    source: r.source,
    assignedLevel: r.assigned_level,
    levelCode: r.level_code,
    totalSpent: Number(r.total_spent),
    purchases: r.purchases,
    lastPurchaseAt: r.last_purchase_at === null ? null : r.last_purchase_at.getTime(),
    available: Number(r.available),
    pending: Number(r.pending),
    debt: Number(r.debt),
    registeredAt: r.registered_at.getTime(),
    boosts: r.boosts,
  };
}

export const LOT_COLUMNS = `tenant_id, id::text, customer_id::text, check_id::text, kind, amount, remaining, activates_at, expires_at, state`;

export interface LotDbRow {
  tenant_id: string;
  id: string;
  customer_id: string;
  check_id: string | null;
  kind: string;
  amount: string;
  remaining: string;
  activates_at: Date;
  expires_at: Date | null;
  state: Lot['state'];
}

export function lotFromRow(r: LotDbRow): Lot {
  return {
    id: r.id,
    customerId: r.customer_id,
    checkId: r.check_id,
    kind: r.kind as Lot['kind'],
    amount: Number(r.amount),
    remaining: Number(r.remaining),
    activatesAt: r.activates_at.getTime(),
    expiresAt: r.expires_at === null ? null : r.expires_at.getTime(),
    state: r.state,
  };
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A check row as the batch loads it: the answer both as stored text and as Postgres parsed it. */
export const CHECK_COLUMNS = `c.tenant_id, c.id::text, c.channel, c.kind, c.external_id, c.original_id::text, c.customer_id::text, c.store_id, c.cashier_id,
  c.occurred_at, c.request_hash, c.result::text AS result, c.result AS answer, c.amount, c.discount, c.redeemed, c.accrued,
  c.detail, c.refunded_qty`;

interface CheckDbRowOf<K extends 'sale' | 'refund', A> {
  tenant_id: string;
  id: string;
  channel: string;
  kind: K;
  external_id: string;
  original_id: string | null;
  customer_id: string | null;
  store_id: string | null;
  cashier_id: string | null;
  occurred_at: Date;
  request_hash: string;
  result: string;
  /** The stored answer: written by this ledger as the check's kind answers, so it has that shape. */
  answer: A;
  amount: string;
  discount: string;
  redeemed: string;
  accrued: string;
  detail: CheckDetail;
  refunded_qty: Record<string, number>;
}

export type CheckDbRow = CheckDbRowOf<'sale', CheckResult> | CheckDbRowOf<'refund', RefundResult>;

/** A recorded check, as loaded (not new, quantities unchanged). */
export function checkFromRow(r: CheckDbRow): CheckEntry {
  const common = {
    tenantId: r.tenant_id,
    id: r.id,
    channel: r.channel,
    externalId: r.external_id,
    originalId: r.original_id,
    customerId: r.customer_id,
    storeId: r.store_id,
    cashierId: r.cashier_id,
    occurredAt: r.occurred_at.getTime(),
    requestHash: r.request_hash,
    request: null,
    result: r.result,
    amount: Number(r.amount),
    discount: Number(r.discount),
    redeemed: Number(r.redeemed),
    accrued: Number(r.accrued),
    detail: r.detail,
    refundedQty: r.refunded_qty,
    isNew: false,
    qtyChanged: false,
  };
  return r.kind === 'sale' ? Object.assign({}, common, { kind: 'sale' as const, answer: r.answer }) : Object.assign({}, common, { kind: 'refund' as const, answer: r.answer });
}
