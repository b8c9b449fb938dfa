import type { Lot } from './account.ts';
import type { CustomerRow } from './customers.ts';

// Postgres rows to domain objects. bigint columns arrive as strings (node-pg keeps them exact);
// money and points are converted to numbers because the schema bounds them below 2^53.

export const CUSTOMER_COLUMNS = `tenant_id, id::text, phone, card_number, name, gender, to_char(birth_date, 'YYYY-MM-DD') AS birth_date,
  email, address, comment, relatives, referral_code, referrer_id::text, source, assigned_level, level_code,
  total_spent, purchases, last_purchase_at, available, pending, debt, registered_at`;

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
