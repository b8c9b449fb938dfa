import type { CouponEntry, CouponUse } from './coupons.ts';
import { BudgetBook } from './budgets.ts';
import { GiftcardBook } from './giftcards.ts';
import type { PromotionDay } from './promotion-rollups.ts';
import { openAccount, settle, spendable, type Account, type Lot, type Spend } from './account.ts';
import type { CheckResult, ParsedCheck } from './check.ts';
import type { CustomerRow } from './customers.ts';
import { KopilkaError } from './errors.ts';
import type { KopilkaEvent } from './events.ts';
import type { PreEvaluation } from './evaluator.ts';
import { customerBurnAt } from './lots.ts';
import type { LedgerOp, RefundResult } from './operations.ts';
import type { CompiledProgram } from './program.ts';
import type { SaleLine } from './refunds.ts';
import type { CustomerState } from './rules/evaluate.ts';

// The in-memory state of one batch. The writer loads what a batch touches (customers locked,
// their open lots, the checks it names) into it, the transitions change it in arrival order, and
// persist.ts stores what changed. Nothing here does I/O, so a batch is computed exactly as the
// same operations would be one by one.

export interface CustomerEntry {
  row: CustomerRow;
  isNew: boolean;
  dirty: boolean;
  account: Account | null;
}

export interface CheckDetail {
  lines: SaleLine[];
  referral: { referrerId: string; points: number } | null;
}

interface StoredCheck<K extends 'sale' | 'refund', A> {
  tenantId: string;
  id: string;
  channel: string;
  kind: K;
  externalId: string;
  originalId: string | null;
  customerId: string | null;
  storeId: string | null;
  /** Who sold it (the check's cashierId); a refund keeps its sale's unless it names its own. */
  cashierId: string | null;
  occurredAt: number;
  requestHash: string;
  request: unknown;
  /** The answer as stored: JSON text, returned unchanged on a replay. */
  result: string;
  /** The same answer as an object. */
  answer: A;
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
  detail: CheckDetail;
  refundedQty: Record<string, number>;
  isNew: boolean;
  qtyChanged: boolean;
}

export type SaleEntry = StoredCheck<'sale', CheckResult>;
export type RefundEntry = StoredCheck<'refund', RefundResult>;
export type CheckEntry = SaleEntry | RefundEntry;

export interface SpendRow {
  tenantId: string;
  checkId: string;
  seq: number;
  lotId: string;
  amount: number;
}

export interface GiftLogRow {
  tenantId: string;
  customerId: string;
  occasion: string;
  lotId: string;
  reason: string | null;
}

export class BatchState {
  readonly customers = new Map<string, CustomerEntry>();
  readonly byPhone = new Map<string, CustomerEntry>();
  readonly byCard = new Map<string, CustomerEntry>();
  readonly byReferralCode = new Map<string, CustomerEntry>();
  readonly sales = new Map<string, SaleEntry>();
  readonly refunds = new Map<string, RefundEntry>();
  /** Open lots per customer, as loaded; accounts are opened from them on first use. */
  readonly openLots = new Map<string, Lot[]>();
  readonly spends = new Map<string, Spend[]>();
  readonly lotsById = new Map<string, Lot>();
  readonly newSpends: SpendRow[] = [];
  readonly events: KopilkaEvent[] = [];
  /** Gift occasions already given (loaded) or given in this batch, and the rows to store. */
  readonly givenGifts = new Set<string>();
  readonly newGiftLog: GiftLogRow[] = [];
  /** Issued coupons the batch's sales name (locked), the uses of sales it refunds, and what changes. */
  readonly coupons = new Map<string, CouponEntry>();
  readonly couponUses = new Map<string, CouponUse>();
  readonly newCouponUses: CouponUse[] = [];
  readonly returnedCouponUses: CouponUse[] = [];
  /** Gift certificates and promotion budgets the batch touches (locked), and the promotions' daily rows. */
  readonly giftcards = new GiftcardBook();
  readonly budgets = new BudgetBook();
  readonly promotionDays: PromotionDay[] = [];
  /** Evaluations made before the batch was applied (in worker threads), with the state they assumed. */
  readonly preEvaluated = new Map<LedgerOp, { ev: PreEvaluation; assumed: string }>();

  constructor(
    readonly now: number,
    readonly programs: Map<string, CompiledProgram>,
    private readonly ids: { checks: string[]; lots: string[]; customers: string[] },
  ) {}

  static key(...parts: string[]): string {
    return parts.join('\u0000');
  }

  nextId(kind: 'checks' | 'lots' | 'customers'): string {
    const id = this.ids[kind].pop();
    if (id === undefined) throw new Error(`ledger: batch ran out of preallocated ${kind} ids`);
    return id;
  }

  addCustomer(entry: CustomerEntry): void {
    const t = entry.row.tenantId;
    this.customers.set(BatchState.key(t, entry.row.id), entry);
    if (entry.row.phone !== null) this.byPhone.set(BatchState.key(t, entry.row.phone), entry);
    if (entry.row.cardNumber !== null) this.byCard.set(BatchState.key(t, entry.row.cardNumber), entry);
    this.byReferralCode.set(BatchState.key(t, entry.row.referralCode), entry);
  }

  customer(tenantId: string, id: string): CustomerEntry | undefined {
    return this.customers.get(BatchState.key(tenantId, id));
  }

  addCheck(c: CheckEntry): void {
    const key = BatchState.key(c.tenantId, c.channel, c.externalId);
    if (c.kind === 'sale') this.sales.set(key, c);
    else this.refunds.set(key, c);
  }

  findSale(tenantId: string, channel: string, externalId: string): SaleEntry | undefined {
    return this.sales.get(BatchState.key(tenantId, channel, externalId));
  }

  findRefund(tenantId: string, channel: string, externalId: string): RefundEntry | undefined {
    return this.refunds.get(BatchState.key(tenantId, channel, externalId));
  }

  /** Every check loaded or recorded in this batch. */
  checks(): CheckEntry[] {
    return [...this.sales.values(), ...this.refunds.values()];
  }

  program(tenantId: string): CompiledProgram {
    const p = this.programs.get(tenantId);
    if (p === undefined) throw new KopilkaError('NOT_FOUND', 'Организация не найдена');
    return p;
  }

  account(entry: CustomerEntry): Account {
    if (entry.account === null) {
      const p = this.program(entry.row.tenantId);
      const lots = this.openLots.get(BatchState.key(entry.row.tenantId, entry.row.id)) ?? [];
      // settle() below may close a loaded lot (burnt since the last sweep) and drop it from the
      // account; a refund must still find it to give back what was paid from it.
      for (const l of lots) this.lotsById.set(l.id, l);
      entry.account = openAccount(
        {
          customerId: entry.row.id,
          available: entry.row.available,
          pending: entry.row.pending,
          debt: entry.row.debt,
          burnAt: customerBurnAt(p.source.expiry, entry.row.lastPurchaseAt),
        },
        lots,
      );
      settle(entry.account, this.now);
      entry.dirty = true;
    }
    return entry.account;
  }
}

export function customerState(entry: CustomerEntry, available: number, pending: number): CustomerState {
  const r = entry.row;
  return {
    id: r.id,
    totalSpent: r.totalSpent,
    purchases: r.purchases,
    assignedLevel: r.assignedLevel,
    available,
    pending,
    referrerId: r.referrerId,
    registeredAt: r.registeredAt,
    source: r.source,
    gender: r.gender,
    birthDate: r.birthDate,
    lastPurchaseAt: r.lastPurchaseAt,
    boosts: r.boosts,
  };
}

/** A known customer's state as the rules see it, their account opened (and settled) first. */
export function stateOf(state: BatchState, entry: CustomerEntry): CustomerState {
  const acc = state.account(entry);
  return customerState(entry, spendable(acc), acc.pending);
}

/** A phone not yet registered: priced as the customer the sale will register (source `pos`, transitions/sale.ts). */
export function newcomerState(registeredAt: number): CustomerState {
  return { id: '', totalSpent: 0, purchases: 0, assignedLevel: null, available: 0, pending: 0, referrerId: null, registeredAt, source: 'pos', gender: null, birthDate: null, lastPurchaseAt: null };
}

/** What an evaluation depends on in the customer's state: a pre-evaluation is used only if it still holds. */
export function assumedState(cs: CustomerState | null): string {
  return cs === null ? '-' : `${cs.id}/${cs.available}/${cs.pending}/${cs.totalSpent}/${cs.purchases}/${cs.assignedLevel}/${cs.referrerId}/${cs.source}/${cs.gender}/${cs.birthDate}/${cs.lastPurchaseAt}/${(cs.boosts ?? []).map((b) => `${b.key}:${b.to}`).join(',')}`;
}

export function findCustomer(state: BatchState, tenantId: string, ref: NonNullable<ParsedCheck['customer']>): CustomerEntry | undefined {
  if ('id' in ref) return state.customers.get(BatchState.key(tenantId, ref.id));
  if ('phone' in ref) return state.byPhone.get(BatchState.key(tenantId, ref.phone));
  return state.byCard.get(BatchState.key(tenantId, ref.cardNumber));
}
