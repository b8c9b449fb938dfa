import type pg from 'pg';
import type { CheckResult } from './check.ts';
import type { CustomerSummary } from './customers.ts';
import { KopilkaError } from './errors.ts';
import type { KopilkaEvent } from './events.ts';
import { Ledger as Core, type Committed, type CustomerLookup, type PostingView, type SummaryCache } from './ledger.ts';
import * as links from './links.ts';
import * as apps from './apps.ts';
import * as evotorUsers from './evotor-users.ts';
import { salesReport, type SalesRow } from './sales-report.ts';
import { issueCoupons } from './coupons.ts';
import * as giftcards from './giftcard-admin.ts';
import { promotionsReport } from './promotions-report.ts';
import { customerReport, lostCustomers, type CustomerReport, type LostCustomer } from './customer-reports.ts';
import type { PruneResult } from './last-purchase-log.ts';
import * as imports from './imports.ts';
import { parseNewCustomer } from './customers.ts';
import { parseGrant } from './grants.ts';
import { boostView, endBoost, grantBoost, type BoostView } from './boosts.ts';
import * as exportsOf from './exports.ts';
import * as replay from './replay.ts';
import * as exportCounts from './export-counts.ts';
import { messageCosts, type MessageCostRow } from './message-costs.ts';
import type { RefundResult } from './operations.ts';
import type { Program } from './program.ts';
import { commitClosedSale, isTillPriced, refundClosed, resolveReview } from './closed.ts';
import { queueForReview, reviewCounts, reviewItems, type ReviewItem, type ReviewStatus, type StoredReviewItem } from './review.ts';
import type { SecretBox } from './secrets.ts';
import type { AppInstall, AppStatus, InstallNotice } from './apps.ts';
import type { EvotorUser } from './evotor-users.ts';
import { recordSms, usageCounts, type UsageCounts } from './usage.ts';
import { searchCustomerIds } from './customer-search.ts';
import * as webSessions from './web-sessions.ts';
import { anonymiseCustomer, type AnonymiseElsewhere, type AnonymiseResult } from './anonymise.ts';
import * as webLogins from './web-logins.ts';
import * as care from './customer-care.ts';
import { checkDetail, listChecks, type CheckDetailView, type CheckRow } from './check-list.ts';
import type { WriterOptions, WriterStats } from './writer.ts';

// The ledger's one face. Everything above the ledger (the gateway, every connector, billing)
// reaches checks, customers, links, the review queue and usage through these methods and these
// types only; there is no public pool. Each method lists the error codes it can return (as
// KopilkaError values); a lost database is a storage failure (503 at every protocol).

export { CHANNELS, type Channel } from './channels.ts';
export type { CheckInput, CheckLine, CheckResult, CustomerRef, Payment } from './check.ts';
export type { CustomerSummary } from './customers.ts';
export { bonusWord, formatPoints, isKopilkaError, KopilkaError, type ErrorCode } from './errors.ts';
export type { KopilkaEvent } from './events.ts';
export type { CustomerLookup, PostingView, SummaryCache } from './ledger.ts';
export type { RefundResult } from './operations.ts';
export type { CheckDetailView, CheckLineView, CheckRow } from './check-list.ts';
export { normalizePhone, requirePhone } from './phone.ts';
export type { Program } from './program.ts';
export type { ReviewItem, ReviewRequest, ReviewStatus, StoredReviewItem } from './review.ts';
export type { UsageCounts } from './usage.ts';
export type { KeyView, WebRole, WebSession } from './web-sessions.ts';
export type { AppInstall, AppStatus, InstallNotice } from './apps.ts';
export type { EvotorUser, EvotorUserStatus } from './evotor-users.ts';
export type { ImportCounts, ImportFile, ImportJob, ImportJobError } from './imports.ts';
export type { BurnHistory, BurnRow, CheckExportRow, CustomerExportRow, LiabilityRow } from './exports.ts';
export { loadSecretKey, parseSecretKey, SecretBox, secretHash } from './secrets.ts';
export { localDate, localIso, zonedMidnight, zoneOffset, type ZoneOffset } from './time-zone.ts';
export type { ReplayCheckRow, ReplayJob, ReplayStart } from './replay.ts';
export { messageCostsQuerySchema, type MessageCostRow } from './message-costs.ts';
// The pure pieces a what-if replay re-prices checks with (reports/replay*.ts): the rules and the
// account arithmetic the writer itself uses, with no storage behind them.
export { compileProgram, effectiveLevel, parseProgram, type CompiledProgram } from './program.ts';
export { parseCheck, type ParsedCheck } from './check.ts';
export { evaluateCheck, type CustomerState, type Evaluation } from './rules/evaluate.ts';
export { credit, giveBack, openAccount, settle, spend, spendable, takeBack, type Account, type Lot, type Spend } from './account.ts';
export { accrualLotTimes, customerBurnAt, giftLotTimes } from './lots.ts';
export { planRefund, proportionalTakeBack, type SaleLine } from './refunds.ts';
export { remainingSpends } from './transitions/refund.ts';
export { accrualLotsOf } from './transitions/accrual-lots.ts';
export { freeText, idText, isCalendarDate, parseInput, plainText, unsafeTextReason } from './validation.ts';
export { isStorageFailure } from './writer.ts';
// The bodies of the native API: declared by its routes, checked by the gateway, in /openapi.json.
export { checkSchema } from './check.ts';
export { newCustomerSchema } from './customers.ts';
export { grantSchema, type GrantInput } from './grants.ts';
export { anonymiseSchema, type AnonymiseElsewhere, type AnonymiseResult, type AnonymiseTx, type ErasedPerson } from './anonymise.ts';
export { boostSchema, type BoostInput, type BoostView } from './boosts.ts';
export { salesQuerySchema, type SalesRow } from './sales-report.ts';
export { issueSchema } from './coupons.ts';
export { giftcardActivateSchema, giftcardBlockSchema, giftcardIssueSchema, giftcardUnblockSchema, type GiftcardHistory, type GiftcardView } from './giftcard-admin.ts';
export { promotionsQuerySchema, type PromotionRow } from './promotions-report.ts';
export type { GiftcardPayment } from './check.ts';
export { customerReportQuerySchema, lostQuerySchema, type CustomerReport, type CustomerTotals, type LostCustomer, type SourceRow } from './customer-reports.ts';
export { programSchema } from './program.ts';
export { refundRequestSchema } from './refunds.ts';

/** Where answers to commits are kept for fast replays (the gateway's front); Postgres stays the judge. */
export interface AnswerCache {
  getAnswer(tenantId: string, key: string): Promise<string | null>;
  putAnswer(tenantId: string, key: string, value: string, ttlSeconds: number): Promise<void>;
}

export interface LedgerOptions {
  pool: pg.Pool;
  /** Seals connector credentials at rest. */
  secrets: SecretBox;
  summaries?: SummaryCache;
  answers?: AnswerCache;
  writer?: Partial<WriterOptions>;
  /** Worker threads evaluating the rules of a batch; 0 (default) evaluates on the event loop. */
  workers?: number;
  onEvents?: (events: KopilkaEvent[]) => void;
  now?: () => number;
}

/** A document recorded (or recorded before: `replay`), with the answer it got the first time. */
export interface Recorded<T> {
  status: 'recorded';
  answer: T;
  /** The answer as stored: a replay returns it byte for byte. */
  json: string;
  replay: boolean;
}

/** A well-formed document that could not be applied: kept in the review queue, not lost. */
export interface Queued {
  status: 'review';
  reviewId: string;
  reasonCode: string;
  reason: string;
}

export type SaleOutcome = Recorded<CheckResult> | Queued;
export type RefundOutcome = Recorded<RefundResult> | Queued;

export interface CommitOptions {
  /** The system's own document, kept with a review item so that a person sees what the till sent. */
  document?: unknown;
}

/** `by` (who resolved it) and `comment` are recorded with the resolution. */
export type ReviewAction = (
  /** wholeSale: a queued return without lines is applied as a return of its whole sale (said explicitly). */
  | { action: 'apply'; wholeSale?: boolean }
  | { action: 'link'; saleExternalId?: string; customerId?: string; wholeSale?: boolean }
  | { action: 'dismiss' }
) & { by?: string; comment?: string };

export interface ReviewCounts {
  open: number;
  byReason: Record<string, number>;
}

export interface Product {
  id: string;
  groupId: string | null;
  name: string | null;
  /** The product's other id in the same system (МойСклад's syncId), if it has one. */
  syncId?: string | null;
}

/** Who a campaign speaks to (Ledger.segment): every field optional, bounds inclusive. */
export interface CustomerSegment {
  levels?: string[];
  /** Registration sources (the channel a customer came from). */
  sources?: string[];
  gender?: string;
  nameContains?: string;
  minPurchases?: number;
  maxPurchases?: number;
  /** Total revenue, kopecks. */
  minSpent?: number;
  maxSpent?: number;
  /** Average check (revenue ÷ purchases), kopecks; customers without purchases are outside either bound. */
  minAverageCheck?: number;
  maxAverageCheck?: number;
  minBalance?: number;
  maxBalance?: number;
  minDaysWithoutPurchase?: number;
  maxDaysWithoutPurchase?: number;
  minAge?: number;
  maxAge?: number;
}

/** Answers kept in the front for a week: a till resending after a timeout gets the first one. */
const ANSWER_TTL_S = 7 * 86_400;

export class Ledger {
  private constructor(
    private readonly core: Core,
    private readonly pool: pg.Pool,
    private readonly secrets: SecretBox,
    private readonly answers: AnswerCache | null,
  ) {}

  /** Tells the rest of the system about changes made outside the writer (a customer edited in the cabinet): caches drop them. */
  private publish: (events: KopilkaEvent[]) => void = () => {};

  static async open(o: LedgerOptions): Promise<Ledger> {
    const core = await Core.open(o);
    const l = new Ledger(core, o.pool, o.secrets, o.answers ?? null);
    l.publish = (events) => {
      // The writer refreshes the cached records of what it writes; a change made here drops them.
      const touched = new Map<string, { tenantId: string; customerId: string }>();
      for (const e of events) if (e.customerId) touched.set(`${e.tenantId}\u0000${e.customerId}`, { tenantId: e.tenantId, customerId: e.customerId });
      for (const c of touched.values()) void o.summaries?.invalidateCustomer(c.tenantId, c.customerId).catch(() => {});
      o.onEvents?.(events);
    };
    return l;
  }

  /** Finishes the writes in flight, then stops the writer. */
  async close(): Promise<void> {
    await this.core.close();
  }

  /** The group-commit writer's counters (metrics). */
  stats(): WriterStats {
    return this.core.writer.stats;
  }

  // ── tenants and programs ──

  /** Errors: INVALID_INPUT (the program). */
  async createTenant(name: string, plan: 'month' | 'wallet' = 'month', program?: unknown): Promise<{ id: string; program: Program }> {
    return this.core.createTenant(name, plan, program);
  }

  /** Whether a tenant exists. */
  async tenantExists(tenantId: string): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId])).rowCount !== 0;
  }

  /** The tenant's name as the operator created it (shown to customers: the feedback page); null: no such tenant. */
  async tenantName(tenantId: string): Promise<string | null> {
    return (await this.pool.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [tenantId])).rows[0]?.name ?? null;
  }

  /** Errors: INVALID_INPUT, NOT_FOUND. */
  async setProgram(tenantId: string, input: unknown): Promise<Program> {
    return this.core.setProgram(tenantId, input);
  }

  /** The program in force. Errors: NOT_FOUND. */
  async program(tenantId: string): Promise<Program> {
    return (await this.core.program(tenantId)).source;
  }

  /** The tenant's IANA time zone (its program's). Errors: NOT_FOUND. */
  async timeZone(tenantId: string): Promise<string> {
    return (await this.core.program(tenantId)).source.timezone;
  }

  // ── customers ──

  /** Errors: INVALID_INPUT, PHONE_TAKEN, CARD_TAKEN, NOT_FOUND (tenant). */
  async registerCustomer(tenantId: string, input: unknown): Promise<CustomerSummary> {
    return this.core.registerCustomer(tenantId, input);
  }

  /** Errors: CUSTOMER_NOT_FOUND, INVALID_INPUT (a phone that is not one), NOT_FOUND (tenant). */
  async customer(tenantId: string, by: CustomerLookup): Promise<CustomerSummary> {
    return this.core.customer(tenantId, by);
  }

  /** As customer(), but a customer who is not there is null. Errors: INVALID_INPUT, NOT_FOUND. */
  async findCustomer(tenantId: string, by: CustomerLookup): Promise<CustomerSummary | null> {
    try {
      return await this.core.customer(tenantId, by);
    } catch (e) {
      if (e instanceof KopilkaError && e.code === 'CUSTOMER_NOT_FOUND') return null;
      throw e;
    }
  }

  /**
   * Erases a customer's personal data on their request (anonymise.ts), in one transaction with
   * `alsoIn` (the caller's own tables); their bonuses are written off, checks and postings stay.
   * Once: a repeat returns the first result and changes nothing. Cached summaries are dropped.
   * Errors: INVALID_INPUT (reason), CUSTOMER_NOT_FOUND.
   */
  async anonymiseCustomer(tenantId: string, customerId: string, input: unknown, alsoIn?: AnonymiseElsewhere): Promise<AnonymiseResult> {
    const r = await anonymiseCustomer(this.pool, tenantId, customerId, input, Date.now(), alsoIn);
    if (r.fresh) this.publish([{ type: 'customerAnonymised', tenantId, customerId, at: r.result.anonymisedAt }]);
    return r.result;
  }

  /** Postings, newest first. Errors: CUSTOMER_NOT_FOUND, INVALID_INPUT (before). */
  async transactions(tenantId: string, customerId: string, o: { limit?: number; before?: string } = {}): Promise<PostingView[]> {
    return this.core.transactions(tenantId, customerId, o);
  }

  // ── checks ──

  /**
   * Prices a check without recording it. Errors: INVALID_INPUT, CUSTOMER_NOT_FOUND (a card not
   * known), CHECK_TOO_OLD, CHECK_IN_FUTURE, REDEEM_EXCEEDS_LIMIT, NOT_ENOUGH_BONUSES,
   * REDEEM_WITHOUT_CUSTOMER, NOT_FOUND (tenant).
   */
  async calculate(tenantId: string, input: unknown): Promise<CheckResult> {
    return this.core.calculate(tenantId, input);
  }

  /**
   * Records a check exactly once per (tenant, channel, externalId); a resend gets the first answer.
   * A check with `pricedBy: "till"` (closed at the till) is recorded as the till priced it and
   * never refused for a business reason: what cannot be applied is queued for review.
   * Errors: INVALID_INPUT, IDEMPOTENCY_CONFLICT, CUSTOMER_NOT_FOUND, CHECK_TOO_OLD,
   * CHECK_IN_FUTURE, REDEEM_EXCEEDS_LIMIT, NOT_ENOUGH_BONUSES, REDEEM_WITHOUT_CUSTOMER,
   * BALANCE_LIMIT, GIFTCARD_REFUSED (a certificate payment it cannot cover), NOT_FOUND (tenant) — for till-priced checks only INVALID_INPUT and NOT_FOUND:
   * CUSTOMER_NOT_FOUND, IDEMPOTENCY_CONFLICT, CHECK_TOO_OLD, CHECK_IN_FUTURE and BALANCE_LIMIT
   * queue it (Queued; a resend gets the same item), and a bonus payment the balance does not cover
   * is recorded clamped (`totals.shortfall`) and queued as BONUS_SHORTFALL (Recorded).
   * A certificate payment beyond what the certificate holds is taken as far as it goes and queued as GIFTCARD_OVERDRAFT (Recorded).
   */
  async commit(tenantId: string, channel: string, input: unknown, o: CommitOptions = {}): Promise<SaleOutcome> {
    const prepared = this.core.prepareSale(input);
    const key = `${channel}:sale:${prepared.check.externalId}`;
    if (this.answers !== null) {
      const hit = await this.answers.getAnswer(tenantId, key);
      const nl = hit === null ? -1 : hit.indexOf('\n');
      // A different hash is a conflict: the ledger answers it with details.
      if (hit !== null && hit.slice(0, nl) === prepared.hash) return recorded<CheckResult>(hit.slice(nl + 1), true);
    }
    const write = () => this.core.commitPrepared(tenantId, channel, prepared);
    const r =
      prepared.check.pricedBy === 'till'
        ? await commitClosedSale(this.pool, tenantId, channel, prepared.check, o.document ?? input, write)
        : { status: 'recorded' as const, ...(await write()) };
    if (r.status === 'review') return r;
    if (!r.replay && this.answers !== null) await this.answers.putAnswer(tenantId, key, `${prepared.hash}\n${r.json}`, ANSWER_TTL_S);
    return written<CheckResult>(r);
  }

  /**
   * Returns all or part of a recorded sale, once per refund externalId.
   * Errors: INVALID_INPUT, CHECK_NOT_FOUND, IDEMPOTENCY_CONFLICT, REFUND_EXCEEDS_SALE,
   * REFUND_OF_REFUND, CHECK_TOO_OLD, CHECK_IN_FUTURE, BALANCE_LIMIT, NOT_FOUND (tenant) — for a
   * till-closed return (`pricedBy: "till"`) only INVALID_INPUT and NOT_FOUND: the business errors
   * queue it for review (Queued; a resend gets the same item).
   */
  async refund(tenantId: string, channel: string, saleExternalId: string, input: unknown, o: CommitOptions = {}): Promise<RefundOutcome> {
    const write = () => this.core.refund(tenantId, channel, saleExternalId, input);
    if (!isTillPriced(input)) {
      return recorded<RefundResult>(await write());
    }
    const r = await refundClosed(this.pool, tenantId, channel, saleExternalId, input, o.document ?? input, write);
    return r.status === 'review' ? r : written<RefundResult>(r);
  }

  /** What a recorded document was sent with, to tell a resend in another shape from a conflict. */
  async recordedRequest(tenantId: string, channel: string, kind: 'sale' | 'refund', externalId: string): Promise<Record<string, unknown> | null> {
    return links.recordedRequest(this.pool, tenantId, channel, kind, externalId);
  }

  /** The lines of a recorded sale as the till sent them (returns are matched against these). */
  async saleLines(tenantId: string, channel: string, externalId: string): Promise<{ lineNo: number; productId: string; quantity: number }[] | null> {
    return links.saleLines(this.pool, tenantId, channel, externalId);
  }

  // ── links to external systems ──

  async linkCustomer(tenantId: string, system: string, externalId: string, customerId: string): Promise<void> {
    await links.linkCustomer(this.pool, tenantId, system, externalId, customerId);
  }

  async linkedCustomer(tenantId: string, system: string, externalId: string): Promise<string | null> {
    return links.linkedCustomer(this.pool, tenantId, system, externalId);
  }

  /** Our customer id → the system's id, for those linked. */
  async externalIdsOf(tenantId: string, system: string, customerIds: string[]): Promise<Map<string, string>> {
    return links.externalIdsOf(this.pool, tenantId, system, customerIds);
  }

  async upsertProducts(tenantId: string, system: string, products: Product[]): Promise<void> {
    await links.upsertProducts(this.pool, tenantId, system, products);
  }

  /** The system's product id → its group, for products synced with one. */
  async productGroups(tenantId: string, system: string, ids: string[]): Promise<Map<string, string>> {
    return links.productGroups(this.pool, tenantId, system, ids);
  }

  /** Products' own ids by their other id (syncId), for those synced with one. */
  async productIdsBySyncId(tenantId: string, system: string, syncIds: string[]): Promise<Map<string, string>> {
    return links.productIdsBySyncId(this.pool, tenantId, system, syncIds);
  }

  /** A connector's settings for a tenant, credentials opened. */
  async connectorSettings<T>(tenantId: string, system: string): Promise<T | null> {
    return links.sealedConnectorSettings<T>(this.pool, this.secrets, tenantId, system);
  }

  /** Saves a connector's settings; credentials (token, webhookSecret) are sealed. */
  async saveConnectorSettings(tenantId: string, system: string, settings: object): Promise<void> {
    await links.saveSealedConnectorSettings(this.pool, this.secrets, tenantId, system, settings);
  }

  /** The tenant whose connector settings hold this webhook secret. */
  async tenantByWebhookSecret(system: string, secret: string): Promise<{ tenantId: string; settings: Record<string, unknown> } | null> {
    return links.tenantByWebhookSecret(this.pool, this.secrets, system, secret);
  }

  /** Seals credentials an earlier version stored in plain text; returns how many rows. */
  async sealLegacySecrets(): Promise<number> {
    return links.sealLegacySecrets(this.pool, this.secrets);
  }

  // ── the review queue ──

  /** Keeps a document for review (the same document again is kept once). */
  async queueForReview(tenantId: string, item: ReviewItem): Promise<void> {
    await queueForReview(this.pool, tenantId, item);
  }

  /**
   * Items newest first (open by default; `status` open, resolved or all), and how many match.
   * Errors: INVALID_INPUT (limit 1…1000, status).
   */
  async reviewItems(tenantId: string, o: { limit?: number; status?: ReviewStatus } = {}): Promise<{ count: number; items: StoredReviewItem[] }> {
    return reviewItems(this.pool, tenantId, o);
  }

  /** Open items by reason. */
  async reviewCounts(tenantId: string): Promise<ReviewCounts> {
    return reviewCounts(this.pool, tenantId);
  }

  /**
   * Applies, links or dismisses an item. Errors: NOT_FOUND (no such open item), INVALID_INPUT,
   * and those of commit/refund when the document is applied.
   */
  async resolveReview(tenantId: string, id: string, a: ReviewAction): Promise<StoredReviewItem> {
    // Applied through the core directly: an item that still cannot be applied stays open.
    const documents = {
      sale: (t: string, c: string, check: unknown) => this.core.commitPrepared(t, c, this.core.prepareSale(check)),
      refund: (t: string, c: string, sale: string, request: unknown) => this.core.refund(t, c, sale, request),
    };
    return resolveReview(this.pool, documents, tenantId, id, a);
  }

  // ── usage (billing reads these) ──

  /** Checks, channels and SMS per tenant for a calendar month ("2026-11") in the billing zone. */
  async usage(month: string, tenantId?: string): Promise<UsageCounts[]> {
    return usageCounts(this.pool, month, tenantId);
  }

  /** Records an SMS the provider accepted (billing counts these). */
  async recordSms(tenantId: string, topic: string, phone: string, customerId: string | null): Promise<void> {
    await recordSms(this.pool, tenantId, topic, phone, customerId);
  }

  // ── reminders (communications/ reads these) ──

  /** Every tenant's id, for sweeps that run per tenant. */
  async tenantIds(): Promise<string[]> {
    return (await this.pool.query<{ id: string }>('SELECT id FROM tenants ORDER BY created_at, id')).rows.map((r) => r.id);
  }

  /**
   * When a customer's bonuses change by time alone: pending ones becoming spendable, and spendable
   * ones burning by their lots' own ends, each by the moment (the next ten of each). A program
   * that burns everything N days after the last purchase says that in `burnAt` of the summary's
   * rules, not here.
   */
  async bonusSchedule(tenantId: string, customerId: string): Promise<{ activating: { at: string; points: number }[]; burning: { at: string; points: number }[] }> {
    const r = await this.pool.query<{ what: 'activating' | 'burning'; at: Date; points: string }>(
      `(SELECT 'activating' AS what, activates_at AS at, sum(remaining) AS points FROM lots
         WHERE tenant_id = $1 AND customer_id = $2 AND state = 'pending' AND remaining > 0 GROUP BY activates_at ORDER BY activates_at LIMIT 10)
       UNION ALL
       (SELECT 'burning', expires_at, sum(remaining) FROM lots
         WHERE tenant_id = $1 AND customer_id = $2 AND state IN ('active', 'pending') AND remaining > 0 AND expires_at IS NOT NULL GROUP BY expires_at ORDER BY expires_at LIMIT 10)`,
      [tenantId, /^\d{1,18}$/.test(customerId) ? customerId : '0'],
    );
    const of = (w: string) => r.rows.filter((x) => x.what === w).map((x) => ({ at: new Date(x.at).toISOString(), points: Number(x.points) }));
    return { activating: of('activating'), burning: of('burning') };
  }

  /** Active bonuses that burn in [from, to), per customer: the points and the first burn time. */
  async expiringBonuses(tenantId: string, from: Date, to: Date, limit = 10_000): Promise<{ customerId: string; points: number; expiresAt: string }[]> {
    const r = await this.pool.query<{ customer_id: string; points: string; at: Date }>(
      `SELECT customer_id, sum(remaining) AS points, min(expires_at) AS at FROM lots
        WHERE tenant_id = $1 AND state = 'active' AND remaining > 0 AND expires_at >= $2 AND expires_at < $3
        GROUP BY customer_id ORDER BY customer_id LIMIT $4`,
      [tenantId, from.toISOString(), to.toISOString(), limit],
    );
    return r.rows.map((x) => ({ customerId: String(x.customer_id), points: Number(x.points), expiresAt: new Date(x.at).toISOString() }));
  }

  /**
   * Customers of a segment (campaigns): every bound given is inclusive; money in kopecks, balance
   * in points, days without purchases counted from now (never bought: always matches a minimum).
   */
  async segment(tenantId: string, s: CustomerSegment, limit = 100_000): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>(
      `SELECT id FROM customers WHERE tenant_id = $1 AND anonymised_at IS NULL
          AND ($2::text[] IS NULL OR level_code = ANY($2)) AND ($3::text[] IS NULL OR source = ANY($3))
          AND ($4::text IS NULL OR gender = $4) AND ($5::text IS NULL OR name ILIKE '%' || $5 || '%')
          AND ($6::int IS NULL OR purchases >= $6) AND ($7::int IS NULL OR purchases <= $7)
          AND ($8::bigint IS NULL OR total_spent >= $8) AND ($9::bigint IS NULL OR total_spent <= $9)
          AND ($10::bigint IS NULL OR available >= $10) AND ($11::bigint IS NULL OR available <= $11)
          AND ($12::int IS NULL OR last_purchase_at IS NULL OR last_purchase_at <= now() - make_interval(days => $12))
          AND ($13::int IS NULL OR last_purchase_at >= now() - make_interval(days => $13))
          AND ($14::int IS NULL OR birth_date <= (now() - make_interval(years => $14))::date)
          AND ($15::int IS NULL OR birth_date > (now() - make_interval(years => $15 + 1))::date)
          AND ($17::bigint IS NULL OR purchases > 0 AND total_spent >= $17 * purchases)
          AND ($18::bigint IS NULL OR purchases > 0 AND total_spent <= $18 * purchases)
        ORDER BY id LIMIT $16`,
      [
        tenantId, s.levels ?? null, s.sources ?? null, s.gender ?? null, s.nameContains ?? null,
        s.minPurchases ?? null, s.maxPurchases ?? null, s.minSpent ?? null, s.maxSpent ?? null,
        s.minBalance ?? null, s.maxBalance ?? null, s.minDaysWithoutPurchase ?? null, s.maxDaysWithoutPurchase ?? null,
        s.minAge ?? null, s.maxAge ?? null, limit, s.minAverageCheck ?? null, s.maxAverageCheck ?? null,
      ],
    );
    return r.rows.map((x) => String(x.id));
  }

  /** Phones and e-mails of many customers at once (a campaign's audience); unknown ids are left out. */
  async contacts(tenantId: string, ids: readonly string[]): Promise<Map<string, { phone: string | null; email: string | null }>> {
    const r = await this.pool.query<{ id: string; phone: string | null; email: string | null }>(
      'SELECT id::text, phone, email FROM customers WHERE tenant_id = $1 AND id = ANY($2::bigint[])',
      [tenantId, ids],
    );
    return new Map(r.rows.map((x) => [x.id, { phone: x.phone, email: x.email }]));
  }

  /** Customers whose birthday (month and day, "11-23") it is. */
  async birthdaysOn(tenantId: string, monthDay: string): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>(`SELECT id FROM customers WHERE tenant_id = $1 AND to_char(birth_date, 'MM-DD') = $2 ORDER BY id`, [tenantId, monthDay]);
    return r.rows.map((x) => String(x.id));
  }

  /** Relatives whose birthday (month and day, "11-23") it is: the customer, the relative's name and place in their list. */
  async relativeBirthdaysOn(tenantId: string, monthDay: string): Promise<{ customerId: string; relative: string; index: number }[]> {
    const r = await this.pool.query<{ id: string; name: string; n: string }>(
      `SELECT c.id, r.value->>'name' AS name, r.n FROM customers c, jsonb_array_elements(c.relatives) WITH ORDINALITY r(value, n)
        WHERE c.tenant_id = $1 AND c.relatives <> '[]' AND substr(r.value->>'birthDate', 6, 5) = $2 ORDER BY c.id, r.n`,
      [tenantId, monthDay],
    );
    return r.rows.map((x) => ({ customerId: String(x.id), relative: x.name, index: Number(x.n) - 1 }));
  }

  // ── МойСклад solution installs (Vendor API) ──

  /** Records МойСклад's activation of the solution on an account (repeatable); its JSON API token is sealed. */
  async recordAppInstall(notice: InstallNotice): Promise<AppInstall> {
    return apps.recordInstall(this.pool, this.secrets, notice);
  }

  /** The install on an account, its JSON API token opened; null when never installed. */
  async appInstall(appId: string, accountId: string): Promise<AppInstall | null> {
    return apps.appInstall(this.pool, this.secrets, appId, accountId);
  }

  /** Links an active install to a tenant and the channel key МойСклад holds (the previous key is revoked); false: no active install. */
  async linkAppInstall(appId: string, accountId: string, tenantId: string, channelKey: string): Promise<boolean> {
    return apps.linkInstall(this.pool, appId, accountId, tenantId, channelKey);
  }

  async setAppInstallStatus(appId: string, accountId: string, status: AppStatus): Promise<void> {
    await apps.setInstallStatus(this.pool, appId, accountId, status);
  }

  /** Records a deactivation: the JSON API token dropped, the channel key revoked; false: no install. */
  async removeAppInstall(appId: string, accountId: string, cause: string): Promise<boolean> {
    return apps.removeInstall(this.pool, appId, accountId, cause);
  }

  /** False when a signed call's id (JWT jti) was seen before with another request id: a replayed token. */
  async firstUseOfJti(jti: string, expiresAt: Date, requestId: string | null): Promise<boolean> {
    return apps.firstUseOfJti(this.pool, jti, expiresAt, requestId);
  }

  /**
   * Grants bonuses outside a sale (grants.ts): by hand with a reason, imported, or with a campaign;
   * once per key — true when given now, false when this key was granted before.
   * Errors: INVALID_INPUT, CUSTOMER_NOT_FOUND, BALANCE_LIMIT.
   */
  async grant(tenantId: string, customerId: string, input: unknown): Promise<boolean> {
    return this.core.grant(tenantId, customerId, input);
  }

  /**
   * A personal, temporary offer (boosts.ts): an extra discount on what is left of a check, or a
   * bonus multiplier, for `days`; once per key — `given` false and the first one back after that.
   * Errors: INVALID_INPUT, CUSTOMER_NOT_FOUND, BOOST_LIMIT.
   */
  async grantBoost(tenantId: string, customerId: string, input: unknown): Promise<{ given: boolean; boost: BoostView }> {
    const out = await grantBoost(this.pool, tenantId, customerId, input, Date.now());
    const boost = boostView(out.boost);
    // Outside the writer, told like a commit: the customer's cached summary drops.
    if (out.given) this.publish([{ type: 'boost', tenantId, customerId, data: { granted: boost }, at: new Date().toISOString() }]);
    return { given: out.given, boost };
  }

  /** Ends a running personal offer now; false when none runs under the key. Errors: CUSTOMER_NOT_FOUND. */
  async endBoost(tenantId: string, customerId: string, key: string): Promise<boolean> {
    const ended = await endBoost(this.pool, tenantId, customerId, key, Date.now());
    if (ended) this.publish([{ type: 'boost', tenantId, customerId, data: { ended: key }, at: new Date().toISOString() }]);
    return ended;
  }

  // ── client-base imports and exports (reports/) ──

  /** Keeps an uploaded client base once per (tenant, id); the id is the caller's hash of its bytes. */
  async saveImportFile(tenantId: string, f: imports.ImportFile): Promise<void> {
    await imports.saveImportFile(this.pool, tenantId, f);
  }

  async importFile(tenantId: string, id: string): Promise<imports.ImportFile | null> {
    return imports.importFile(this.pool, tenantId, id);
  }

  async startImport(tenantId: string, job: { id: string; fileId: string; dryRun: boolean; mapping: Record<string, number>; total: number }): Promise<void> {
    await imports.startImport(this.pool, tenantId, job);
  }

  /** An import's counts so far; with `end`, its outcome and bad rows. */
  async updateImport(tenantId: string, id: string, counts: imports.ImportCounts, end?: imports.ImportEnd): Promise<void> {
    await imports.updateImport(this.pool, tenantId, id, counts, end);
  }

  async importJob(tenantId: string, id: string): Promise<imports.ImportJob | null> {
    return imports.importJob(this.pool, tenantId, id);
  }

  /**
   * registerCustomer for a client-base import: the new id only, without reading the customer
   * back (many in flight fill the writer's batches; the read after each was most of an import's
   * time). Errors: INVALID_INPUT, PHONE_TAKEN, CARD_TAKEN, NOT_FOUND (tenant).
   */
  async registerCustomerId(tenantId: string, input: unknown): Promise<string> {
    const o = await this.core.writer.submit({ kind: 'register', tenantId, customer: parseNewCustomer(input) });
    if (!o.ok) throw o.error;
    return o.value;
  }

  /**
   * grant() to a customer the caller knows exists (just registered, or found by phone): no read
   * first. False when this key was granted before — or when there is no such customer.
   * Errors: INVALID_INPUT, BALANCE_LIMIT.
   */
  async grantKnown(tenantId: string, customerId: string, input: unknown): Promise<boolean> {
    const g = parseGrant(input);
    const o = await this.core.writer.submit({ kind: 'gift', tenantId, customerId, lotKind: g.kind, gift: g.gift, occasion: g.occasion, reason: g.reason });
    if (!o.ok) throw o.error;
    return o.value;
  }

  /** Customers already holding these phones (E.164) and cards: phone/card → customer id. */
  async existingCustomers(tenantId: string, phones: string[], cards: string[]): Promise<{ byPhone: Map<string, string>; byCard: Map<string, string> }> {
    return imports.existingCustomers(this.pool, tenantId, phones, cards);
  }

  /** The client base in pages of keyset order (read-only; memory stays one page). */
  exportCustomers(tenantId: string, o: { pageSize?: number } = {}): AsyncGenerator<exportsOf.CustomerExportRow[]> {
    return exportsOf.customerPages(this.pool, tenantId, o);
  }

  /** Sales and returns in recording order, in pages (read-only), optionally within [from, to). */
  exportChecks(tenantId: string, o: { from?: Date; to?: Date; pageSize?: number } = {}): AsyncGenerator<exportsOf.CheckExportRow[]> {
    return exportsOf.checkPages(this.pool, tenantId, o);
  }

  /** Outstanding bonuses by store and accrual month, and their burn schedule, as of `at` (read-only). Errors: NOT_FOUND (tenant). */
  async liability(tenantId: string, at: Date = new Date()): Promise<{ rows: exportsOf.LiabilityRow[]; burn: exportsOf.BurnRow[]; history: exportsOf.BurnHistory }> {
    return exportsOf.liability(this.pool, tenantId, await this.timeZone(tenantId), at);
  }

  // ── what-if replays (reports/replay*.ts): read-only, but for the replay's own job row ──

  /** Checks committed in [from, to), in the order the ledger applied them, in keyset pages. */
  replayChecks(tenantId: string, from: Date, to: Date, pageSize?: number): AsyncGenerator<replay.ReplayCheckRow[]> {
    return replay.replayCheckPages(this.pool, tenantId, from, to, pageSize);
  }

  /** Sales and refunds committed in [from, to) (a replay's or an export's total). */
  async countChecks(tenantId: string, from?: Date, to?: Date): Promise<number> {
    return exportCounts.countChecks(this.pool, tenantId, from, to);
  }

  /** The client base's size (an export's total). */
  async countCustomers(tenantId: string): Promise<number> {
    return exportCounts.countCustomers(this.pool, tenantId);
  }

  /** Customers as they stood at `at` (purchase figures, buckets, lots holding points then). */
  async replayStarts(tenantId: string, customerIds: readonly string[], at: Date): Promise<replay.ReplayStart[]> {
    return replay.replayStarts(this.pool, tenantId, customerIds, at);
  }

  /** Lots credited in [from, to) outside checks (grants, imports, dated gifts). */
  async replayOutsideLots(tenantId: string, from: Date, to: Date): Promise<{ createdAt: number; lot: replay.ReplayStart['lots'][number] }[]> {
    return replay.replayOutsideLots(this.pool, tenantId, from, to);
  }

  /** Bonuses held (pending + available) before `at`: the tenant's total and these customers' each. */
  async holdingsAt(tenantId: string, at: Date, customerIds: readonly string[]): Promise<{ total: number; byCustomer: Map<string, number> }> {
    return replay.holdingsAt(this.pool, tenantId, at, customerIds);
  }

  async startReplayJob(tenantId: string, id: string, params: unknown, total: number): Promise<void> {
    await replay.startReplayJob(this.pool, tenantId, id, params, total);
  }

  async updateReplayJob(tenantId: string, id: string, processed: number, end?: { status: 'done' | 'failed'; result?: unknown; error?: string }): Promise<void> {
    await replay.updateReplayJob(this.pool, tenantId, id, processed, end);
  }

  async replayJob(tenantId: string, id: string): Promise<replay.ReplayJob | null> {
    return replay.replayJob(this.pool, tenantId, id);
  }

  /**
   * Issues coupon codes for a promotion declared with `issuedCoupons: true` (coupons.ts): uses per
   * code, a limit per customer, an end date (the program's zone). Errors: INVALID_INPUT, NOT_FOUND.
   */
  async issueCoupons(tenantId: string, promotionId: string, input: unknown): Promise<{ batch: string; codes: string[] }> {
    const program = await this.program(tenantId);
    const promo = program.promotions.find((x) => x.id === promotionId);
    if (promo === undefined) throw new KopilkaError('NOT_FOUND', `В программе нет акции «${promotionId}»`, { field: 'promotionId' });
    if (promo.issuedCoupons !== true) throw new KopilkaError('INVALID_INPUT', `Акция «${promotionId}» не по выпущенным купонам: задайте в ней issuedCoupons: true`, { field: 'promotionId' });
    return issueCoupons(this.pool, tenantId, promotionId, input, program.timezone);
  }

  // ── gift certificates (giftcard-admin.ts; spent as a check's payment, giftcards.ts) ──

  /** Issues a batch of certificate codes of one nominal and validity. Errors: INVALID_INPUT. */
  async issueGiftcards(tenantId: string, input: unknown): Promise<{ batch: string; codes: string[]; nominal: number }> {
    return giftcards.issueGiftcards(this.pool, tenantId, input, await this.timeZone(tenantId));
  }

  /** Certificates by status (as of now) or code prefix. Errors: INVALID_INPUT. */
  async giftcards(tenantId: string, query: unknown): Promise<giftcards.GiftcardView[]> {
    return (await giftcards.listGiftcards(this.pool, tenantId, query, Date.now())).items;
  }

  /** A page of certificates (status, prefix, batch; limit, offset) with the total. Errors: INVALID_INPUT. */
  async giftcardPage(tenantId: string, query: unknown): ReturnType<typeof giftcards.listGiftcards> {
    return giftcards.listGiftcards(this.pool, tenantId, query, Date.now());
  }

  /** Every certificate the filters select (no paging), as CSV text for a spreadsheet. Errors: INVALID_INPUT. */
  async giftcardsCsv(tenantId: string, query: Record<string, unknown>): Promise<string> {
    const items: giftcards.GiftcardView[] = [];
    const { limit: _l, offset: _o, ...filters } = query;
    // 100 000 at most: the largest batch one issue makes.
    for (let offset = 0; offset < 100_000; offset += 1000) {
      const page = await giftcards.listGiftcards(this.pool, tenantId, { ...filters, limit: 1000, offset }, Date.now());
      items.push(...page.items);
      if (page.items.length < 1000) break;
    }
    return giftcards.giftcardsCsv(items, await this.timeZone(tenantId));
  }

  /** A certificate's balance and the checks it paid. Errors: NOT_FOUND. */
  async giftcard(tenantId: string, code: string): Promise<giftcards.GiftcardHistory> {
    return giftcards.giftcard(this.pool, tenantId, code, Date.now());
  }

  /** A certificate as it stands now (a till's look-up), or null when there is none. */
  async giftcardNow(tenantId: string, code: string): Promise<giftcards.GiftcardView | null> {
    return giftcards.giftcardNow(this.pool, tenantId, code, Date.now());
  }

  /** Blocks a certificate (who, why recorded; it pays nothing until unblocked). Errors: INVALID_INPUT, NOT_FOUND. */
  async blockGiftcard(tenantId: string, code: string, input: unknown, by: string): Promise<{ giftcard: giftcards.GiftcardView; replay: boolean }> {
    return giftcards.blockGiftcard(this.pool, tenantId, code, input, by, Date.now());
  }

  /** Lifts a certificate's block (recorded like the block). Errors: INVALID_INPUT, NOT_FOUND. */
  async unblockGiftcard(tenantId: string, code: string, input: unknown, by: string): Promise<{ giftcard: giftcards.GiftcardView; replay: boolean }> {
    return giftcards.unblockGiftcard(this.pool, tenantId, code, input, by, Date.now());
  }

  /** A till sells a certificate (once; a retry from the same channel answers the same). Errors: INVALID_INPUT, NOT_FOUND, GIFTCARD_REFUSED. */
  async activateGiftcard(tenantId: string, code: string, channel: string, input: unknown): Promise<{ giftcard: giftcards.GiftcardView; replay: boolean }> {
    return giftcards.activateGiftcard(this.pool, tenantId, code, channel, input, Date.now());
  }

  /** Per promotion for a period: checks, discount, revenue, average check with and without it (promotions-report.ts). Errors: INVALID_INPUT. */
  async promotionsReport(tenantId: string, query: unknown): ReturnType<typeof promotionsReport> {
    return promotionsReport(this.pool, tenantId, await this.core.program(tenantId), query);
  }

  /**
   * Sales for a period by day, week or month, optionally by store, cashier or channel, from the
   * daily rollups (sales-report.ts). Errors: INVALID_INPUT.
   */
  async salesReport(tenantId: string, query: unknown): Promise<SalesRow[]> {
    return salesReport(this.pool, tenantId, query);
  }

  /**
   * Customers in total, by number of purchases, lost (no purchase for `lostDays`), revenue per
   * customer and attraction by registration source, from the customers' running figures
   * (customer-reports.ts). Errors: INVALID_INPUT.
   */
  async customerReport(tenantId: string, query: unknown): Promise<CustomerReport> {
    return customerReport(this.pool, tenantId, await this.timeZone(tenantId), query);
  }

  /**
   * Messages sent and failed, with their cost, and SMS recorded without one, for a period by
   * topic, channel or month (message-costs.ts). Errors: INVALID_INPUT.
   */
  async messageCosts(tenantId: string, query: unknown): Promise<{ by: string; rows: MessageCostRow[] }> {
    return messageCosts(this.pool, tenantId, await this.timeZone(tenantId), query);
  }

  /** A page of customers with no purchase for `days` days, the most recently lost first. Errors: INVALID_INPUT. */
  async lostCustomers(tenantId: string, query: unknown): Promise<{ days: number; items: LostCustomer[]; next: string | null }> {
    return lostCustomers(this.pool, tenantId, await this.timeZone(tenantId), query);
  }

  // ── Эвотор cloud-app users ──

  /** An Evotor user (01-…), the cloud's REST token opened; null when never seen. */
  async evotorUser(userId: string): Promise<EvotorUser | null> {
    return evotorUsers.evotorUser(this.pool, this.secrets, userId);
  }

  /** The Evotor user a user token (a channel key we gave the cloud) belongs to, revoked or not. */
  async evotorUserByToken(token: string): Promise<EvotorUser | null> {
    return evotorUsers.evotorUserByToken(this.pool, this.secrets, token);
  }

  /** Links an Evotor user to a tenant and its new user token (the previous token is revoked). */
  async linkEvotorUser(userId: string, tenantId: string, token: string, hasBilling: boolean): Promise<void> {
    await evotorUsers.linkEvotorUser(this.pool, userId, tenantId, token, hasBilling);
  }

  /** Keeps the cloud's token for our REST calls, sealed. */
  async saveEvotorCloudToken(userId: string, token: string): Promise<void> {
    await evotorUsers.saveEvotorCloudToken(this.pool, this.secrets, userId, token);
  }

  /** Records an installation or subscription event once; false: seen before. */
  async recordEvotorEvent(key: string, userId: string, type: string, body: unknown): Promise<boolean> {
    return evotorUsers.recordEvotorEvent(this.pool, key, userId, type, body);
  }

  async setEvotorUserInstalled(userId: string): Promise<void> {
    await evotorUsers.setEvotorUserInstalled(this.pool, userId);
  }

  async setEvotorSubscription(userId: string, type: string, seq: number): Promise<void> {
    await evotorUsers.setEvotorSubscription(this.pool, userId, type, seq);
  }

  /** Uninstall: the user token revoked; false when the user is unknown. */
  async uninstallEvotorUser(userId: string): Promise<boolean> {
    return evotorUsers.uninstallEvotorUser(this.pool, userId);
  }

  /** The tenant of a live admin key, or null (signing in with an admin key from a partner form). */
  async tenantOfAdminKey(key: string): Promise<string | null> {
    return evotorUsers.tenantOfAdminKey(this.pool, key);
  }

  // ── web pages (web/): sessions, the customer list, the tenant's keys ──

  /** Opens a page session for a key the gateway has checked; the token is returned once, only its hash is kept. */
  async openWebSession(s: Parameters<typeof webSessions.openWebSession>[1]): Promise<string> {
    return webSessions.openWebSession(this.pool, s);
  }

  /** The live session of a token; null when unknown, expired or its key is revoked. */
  async webSession(token: string): Promise<webSessions.WebSession | null> {
    return webSessions.webSession(this.pool, token);
  }

  async closeWebSession(token: string): Promise<void> {
    await webSessions.closeWebSession(this.pool, token);
  }

  /** Customers whose phone (or its part), card or name matches `q`, newest first; all of them when q is empty. Errors: NOT_FOUND (tenant). */
  async searchCustomers(tenantId: string, q: string, limit = 50): Promise<CustomerSummary[]> {
    const ids = await searchCustomerIds(this.pool, tenantId, q, Math.min(Math.max(limit, 1), 200));
    return Promise.all(ids.map((id) => this.core.customer(tenantId, { id })));
  }

  /** The tenant's keys (never their secrets). */
  async tenantKeys(tenantId: string): Promise<webSessions.KeyView[]> {
    return webSessions.tenantKeys(this.pool, tenantId);
  }

  /** Revokes a key (gateways stop accepting it within their key cache's 30 s; its page sessions end at once); false: no such live key. */
  async revokeKey(tenantId: string, keyId: string): Promise<boolean> {
    return webSessions.revokeKey(this.pool, tenantId, keyId);
  }

  // ── the cabinet: the owner's login, customers by hand, checks (web-logins.ts, customer-care.ts, check-list.ts) ──

  async webLogin(tenantId: string): Promise<webLogins.LoginInfo | null> {
    return webLogins.webLogin(this.pool, tenantId);
  }

  /** Sets the owner's login and password; sessions opened by the old password end. Errors: INVALID_INPUT (login taken). */
  async setWebLogin(tenantId: string, login: string, password: string): Promise<webLogins.LoginInfo> {
    return webLogins.setWebLogin(this.pool, tenantId, login, password);
  }

  /** An admin page session for a right login and password; null otherwise (the caller counts the failure). */
  async openLoginSession(login: string, password: string, ttlSeconds: number): Promise<{ tenantId: string; token: string } | null> {
    const tenantId = await webLogins.checkWebLogin(this.pool, login, password);
    return tenantId === null ? null : { tenantId, token: await webLogins.openLoginSession(this.pool, tenantId, ttlSeconds) };
  }

  /** Customers by filter (customer-care.ts customerFilterSchema), newest first, a page at a time. Errors: INVALID_INPUT. */
  async filterCustomers(tenantId: string, filter: unknown): Promise<{ items: CustomerSummary[]; next: string | null }> {
    const page = await care.filteredCustomerIds(this.pool, tenantId, filter);
    return { items: await Promise.all(page.ids.map((id) => this.core.customer(tenantId, { id }))), next: page.next };
  }

  async customerSources(tenantId: string): Promise<string[]> {
    return care.customerSources(this.pool, tenantId);
  }

  /** Comment and source (not in the summary). Errors: CUSTOMER_NOT_FOUND. */
  async customerExtras(tenantId: string, customerId: string): Promise<{ comment: string | null; source: string | null }> {
    return care.customerExtras(this.pool, tenantId, customerId);
  }

  /** Name, gender, birth date, e-mail, comment. Errors: INVALID_INPUT, CUSTOMER_NOT_FOUND. */
  async editCustomer(tenantId: string, customerId: string, input: unknown): Promise<CustomerSummary> {
    await care.editCustomer(this.pool, tenantId, customerId, input);
    this.publish([{ type: 'customerUpdated', tenantId, customerId, at: new Date().toISOString() }]);
    return this.core.customer(tenantId, { id: customerId });
  }

  /** Assigns a level by hand (null: the earned one). Errors: INVALID_INPUT, CUSTOMER_NOT_FOUND. */
  async assignLevel(tenantId: string, customerId: string, level: string | null): Promise<CustomerSummary> {
    const program = await this.core.programs.get(this.pool, tenantId);
    if (program === undefined) throw new KopilkaError('NOT_FOUND', 'Организация не найдена');
    const { before, after } = await care.assignLevel(this.pool, program, tenantId, customerId, level);
    const at = new Date().toISOString();
    this.publish([before === after ? { type: 'customerUpdated', tenantId, customerId, at } : { type: 'levelChanged', tenantId, customerId, at, data: { from: before, to: after, by: 'hand' } }]);
    return this.core.customer(tenantId, { id: customerId });
  }

  /** A new card number; the old one stops finding the customer. Errors: INVALID_INPUT, CARD_TAKEN, CUSTOMER_NOT_FOUND. */
  async reissueCard(tenantId: string, customerId: string, input: unknown): Promise<CustomerSummary> {
    await care.reissueCard(this.pool, tenantId, customerId, input);
    this.publish([{ type: 'customerUpdated', tenantId, customerId, at: new Date().toISOString() }]);
    return this.core.customer(tenantId, { id: customerId });
  }

  /** Checks, newest recorded first, by period (days in the program's zone), store, customer, kind; keyset pages. Errors: INVALID_INPUT, NOT_FOUND. */
  async checks(tenantId: string, filter: unknown): Promise<{ items: CheckRow[]; next: string | null }> {
    return listChecks(this.pool, tenantId, await this.timeZone(tenantId), filter);
  }

  /** A check with its lines, what each gave, how much came back, and its returns (or its sale). Errors: CHECK_NOT_FOUND. */
  async check(tenantId: string, id: string): Promise<CheckDetailView> {
    return checkDetail(this.pool, tenantId, id);
  }

  // ── time ──

  /** Writes due activations and expiries; returns how many customers it settled. */
  async sweep(limit?: number): Promise<number> {
    return this.core.sweep(limit);
  }

  /** Gives the gifts due by date or absence; returns how many. */
  async sweepGifts(limit?: number): Promise<number> {
    return this.core.sweepGifts(limit);
  }

  /** Deletes superseded entries from the last-purchase log (the lost-customer list reads it), for about `budgetMs` a call. */
  async pruneLastPurchases(budgetMs?: number): Promise<PruneResult> {
    return this.core.pruneLastPurchases(budgetMs);
  }
}

/**
 * The face's answer to a recorded document: the answer object the ledger built (or loaded with a
 * replay), never parsed back from our own text. The (json, replay) form is for an answer the
 * front kept only as text (a fast replay) and, in transition, for callers not yet passing the
 * core's typed Committed.
 */
function recorded<T>(r: Committed<T>): Recorded<T>;
function recorded<T>(json: string, replay: boolean): Recorded<T>;
function recorded<T>(r: Committed<T> | string, replay = true): Recorded<T> {
  if (typeof r === 'string') return { status: 'recorded', answer: storedAnswer<T>(r), json: r, replay };
  return { status: 'recorded', answer: r.answer, json: r.json, replay: r.replay };
}

/** A write's outcome as the face answers it: the writer's own object when it has one. */
function written<T>(r: { json: string; replay: boolean; answer?: unknown }): Recorded<T> {
  return r.answer === undefined ? recorded<T>(r.json, r.replay) : { status: 'recorded', answer: r.answer as T, json: r.json, replay: r.replay };
}

/** The one place a stored answer's text is decoded: the ledger wrote it from a T, so it is one. */
function storedAnswer<T>(json: string): T {
  return JSON.parse(json) as T;
}
