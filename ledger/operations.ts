import { hash } from 'node:crypto';
import type { CheckResult, ParsedCheck } from './check.ts';
import type { NewCustomer } from './customers.ts';
import type { KopilkaError } from './errors.ts';
import type { Gift } from './program.ts';
import type { RefundRequest } from './refunds.ts';

// The ledger's operations and what each one answers. The writer queues them, a batch applies
// them to its in-memory state (batch-state.ts) through the transitions (transitions/), and each
// comes back with an outcome typed for its kind.

export interface SaleOp {
  kind: 'sale';
  tenantId: string;
  channel: string;
  check: ParsedCheck;
  /** Hash of the validated check: tells a replay from a conflicting reuse of the external id. */
  hash: string;
}

export interface RefundOp {
  kind: 'refund';
  tenantId: string;
  channel: string;
  saleExternalId: string;
  request: RefundRequest;
  hash: string;
}

export interface RegisterOp {
  kind: 'register';
  tenantId: string;
  customer: NewCustomer;
}

/** Activations and expiries that are due, written as postings (the sweeper's work). */
export interface SettleOp {
  kind: 'settle';
  tenantId: string;
  customerIds: string[];
}

/** A gift given by date or by absence (birthday, a relative's birthday, inactivity), once per occasion. */
export interface GiftOp {
  kind: 'gift';
  tenantId: string;
  customerId: string;
  lotKind: 'birthday' | 'relativeBirthday' | 'inactivity' | GrantKind;
  gift: Gift;
  /** Unique per customer: `birthday:2026`, `inactivity:<last purchase>`, `manual:<key>`; a second one is skipped. */
  occasion: string;
  /** Why a person granted it (grants only). */
  reason?: string | null;
}

/** Bonuses granted outside a sale: by hand, imported from another service, sent with a campaign. */
export type GrantKind = 'manual' | 'import' | 'campaign';

export type LedgerOp = SaleOp | RefundOp | RegisterOp | SettleOp | GiftOp;

export interface RefundResult {
  externalId: string;
  saleExternalId: string;
  status: 'committed';
  customer: CheckResult['customer'];
  totals: { amount: number; discount: number; redeemed: number; accrued: number; debt: number };
  lines: { lineNo: number; quantity: number; amount: number; discount: number; redeemed: number; accrued: number }[];
  messages: string[];
}

/** A recorded document's answer: the object, and the JSON text stored with it (replays return the text byte for byte). */
export interface Answer<T> {
  answer: T;
  json: string;
}

/** What each kind of operation answers when it succeeds. */
export interface OpValues {
  sale: Answer<CheckResult>;
  refund: Answer<RefundResult>;
  /** The new customer's id. */
  register: string;
  /** Whether the gift was given (false: given before, or the customer is gone). */
  gift: boolean;
  settle: void;
}

export type Outcome<T> = { ok: true; value: T; replay: boolean } | { ok: false; error: KopilkaError };

/** The outcome of one operation, typed by its kind. */
export type OutcomeOf<O extends LedgerOp> = Outcome<OpValues[O['kind']]>;

/** Any operation's outcome (the writer's queue holds all kinds). */
export type OpOutcome = OutcomeOf<LedgerOp>;

/** One-shot (crypto.hash): no native Hash object per check for the GC to finalise (issue #17). */
export function requestHash(value: unknown): string {
  return hash('sha256', JSON.stringify(value), 'base64url');
}

/** Keeps the answer and its stored text together: the text is what a replay returns. */
export function answerOf<T>(answer: T): Answer<T> {
  return { answer, json: JSON.stringify(answer) };
}
