import { budgetsSpent, withinBudgets } from './budgets.ts';
import { giftcardMessage, giftcardsForCalculate } from './giftcards.ts';
import { withCouponHold } from './coupons.ts';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import { newcomerState } from './batch-state.ts';
import { parseCheck, type CheckResult } from './check.ts';
import { boostFromView } from './boosts.ts';
import type { CustomerSummary } from './customers.ts';
import { isKopilkaError, KopilkaError } from './errors.ts';
import { checkAge } from './limits.ts';
import { parseRecord, recordJson, RECORD_TTL_S, summaryOf, type CustomerRecord, type FreshRecord, type SummaryCache } from './summary-cache.ts';
import { requirePhone } from './phone.ts';
import type { CompiledProgram } from './program.ts';
import type { ProgramCache } from './programs.ts';
import { CUSTOMER_COLUMNS, customerFromRow, LOT_COLUMNS, lotFromRow, type CustomerDbRow, type LotDbRow } from './rows.ts';
import { statement } from './statements.ts';
import { evaluateCheck, type CustomerState } from './rules/evaluate.ts';

export type { SummaryCache } from './summary-cache.ts';

// The ledger's reads: customer summaries (from the front's cache when current, else Postgres),
// postings, and pricing a check without recording it. They go straight to Postgres, never
// through the writer.

export type CustomerLookup = { id: string } | { phone: string } | { cardNumber: string };

export interface PostingView {
  id: string;
  kind: string;
  debit: string;
  credit: string;
  amount: number;
  /** Effect on the customer's available + pending bonuses (negative when they left). */
  change: number;
  checkId: string | null;
  externalId: string | null;
  lotId: string | null;
  at: string;
}

const BIGINT_ID = /^[1-9]\d{0,17}$/;
interface ParsedRecord {
  json: string;
  record: CustomerRecord;
  program: CompiledProgram;
  summary: CustomerSummary;
  changesAt: number | null;
}

/** Flat, not a rope of the parts: kept for as long as the entry is (gateway/front/memory-front.ts' keyOf says why). */
const refKeyOf = (tenantId: string, kind: 'p' | 'c', value: string) => [tenantId, kind, value].join('\u0000');
/** Lookups by phone or card remembered per process; the least recently used are forgotten first. */
const REMEMBERED_REFS = 200_000;
/** Parsed records kept per process (a few KB each): the customers at the tills right now. */
const PARSED_RECORDS = 20_000;

/**
 * A phone or card remembered for an id can leave that customer (anonymised on request, a card
 * reissued): whether the summary found by the remembered id still has it. `phone`: the lookup's, normalised.
 */
function stillTheirs(by: CustomerLookup, phone: string | null, refKey: string | null, s: CustomerSummary): boolean {
  return refKey === null || (phone !== null ? s.phone === phone : 'cardNumber' in by && s.cardNumber === by.cardNumber);
}

/** A customer's record (row and open lots) by id, phone or card: one text each, so each is prepared once. */
const RECORD_BY = Object.fromEntries(
  (['id', 'phone', 'card_number'] as const).map((col) => [
    col,
    `SELECT ${CUSTOMER_COLUMNS},
            (SELECT json_agg(l) FROM (SELECT ${LOT_COLUMNS} FROM lots
               WHERE lots.tenant_id = customers.tenant_id AND lots.customer_id = customers.id AND state <> 'closed') l) AS lots
       FROM customers WHERE tenant_id = $1 AND ${col} = $2`,
  ]),
) as Record<'id' | 'phone' | 'card_number', string>;

export class Reads {
  /** Phone and card → customer id. Neither changes once given, so an entry never goes stale. */
  private readonly idByRef = new LRUCache<string, string>({ max: REMEMBERED_REFS });
  /**
   * Records already parsed, by the cached text they came from, with the summary made of them: a
   * till pricing the same customer again finds the same text in the front and, until the program
   * changes or a lot activates or burns (`changesAt`), the same summary.
   */
  private readonly parsed = new LRUCache<string, ParsedRecord>({ max: PARSED_RECORDS });

  constructor(
    private readonly pool: pg.Pool,
    private readonly programs: ProgramCache,
    private readonly summaries: SummaryCache | null,
    private readonly now: () => number,
    /** The customer's record read as a named statement: planned once per connection (ledger/statements.ts). */
    private readonly preparedStatements: boolean,
  ) {}

  async program(tenantId: string): Promise<CompiledProgram> {
    const p = await this.programs.get(this.pool, tenantId);
    if (p === undefined) throw new KopilkaError('NOT_FOUND', 'Организация не найдена');
    return p;
  }

  /** The summary, and when time alone will change it next (a lot activating or burning). */
  async customerView(tenantId: string, by: CustomerLookup): Promise<{ summary: CustomerSummary; changesAt: number | null }> {
    const [program, found] = await Promise.all([this.program(tenantId), this.loadCustomer(tenantId, by)]);
    if (found === null) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { ...by });
    return summaryOf(program, found, this.now());
  }

  /**
   * The summary, made from the customer's record: from the cache when it is there (the writer
   * refills it after every commit, and tells this process the customer's phone and card:
   * rememberRefs), else from Postgres (and then cached). A phone or card this process does not
   * know yet is read with the whole record, in one query, and answered from that without caching
   * it: a record read before its customer's generation is known cannot be stored safely
   * (loadAndCache). The id is remembered, so the next lookup goes by id and finds the cache, or
   * reads and caches the record. A customer looked up once costs one query, not two (the id, then
   * the record by id).
   */
  async customer(tenantId: string, by: CustomerLookup): Promise<CustomerSummary> {
    const phone = 'phone' in by ? requirePhone(by.phone) : null;
    const refKey = 'id' in by ? null : 'phone' in by ? refKeyOf(tenantId, 'p', phone!) : refKeyOf(tenantId, 'c', by.cardNumber);
    const id = 'id' in by ? by.id : this.idByRef.get(refKey!);
    if (id === undefined || this.summaries === null) {
      const view = await this.customerView(tenantId, id !== undefined ? { id } : by);
      if (refKey !== null && id === undefined) this.idByRef.set(refKey, view.summary.id);
      return id === undefined || stillTheirs(by, phone, refKey, view.summary) ? view.summary : this.lookUpAgain(tenantId, by, refKey!);
    }
    // One after the other: on a till's every calculation both come from memory, where Promise.all
    // cost more than two awaits.
    const program = await this.program(tenantId);
    const hit = await this.summaries.getCustomer(tenantId, id);
    const summary = this.fromCache(tenantId, id, program, hit.json) ?? (await this.loadAndCache(tenantId, id, program, hit.generation, this.summaries));
    if (summary === null) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { ...by });
    return stillTheirs(by, phone, refKey, summary) ? summary : this.lookUpAgain(tenantId, by, refKey!);
  }

  /** The phones and cards of customers the writer just wrote: their next lookup goes by id, to the records it cached. */
  rememberRefs(records: readonly Pick<FreshRecord, 'tenantId' | 'customerId' | 'phone' | 'cardNumber'>[]): void {
    for (const r of records) {
      if (r.phone !== null) this.idByRef.set(refKeyOf(r.tenantId, 'p', r.phone), r.customerId);
      if (r.cardNumber !== null) this.idByRef.set(refKeyOf(r.tenantId, 'c', r.cardNumber), r.customerId);
    }
  }

  /** The summary of a cached record: made once per record, program and stretch of time without a change. */
  private fromCache(tenantId: string, id: string, program: CompiledProgram, json: string | null): CustomerSummary | null {
    if (json === null) return null;
    const key = [tenantId, id].join('\u0000');
    const now = this.now();
    const known = this.parsed.get(key);
    if (known !== undefined && known.json === json && known.program === program && (known.changesAt === null || now < known.changesAt)) return known.summary;
    const record = known !== undefined && known.json === json ? known.record : parseRecord(json);
    if (record === null) return null;
    const v = summaryOf(program, record, now);
    this.parsed.set(key, { json, record, program, summary: v.summary, changesAt: v.changesAt });
    return v.summary;
  }

  /** From Postgres, then cached unless a write moved the generation since it was read. */
  private async loadAndCache(tenantId: string, id: string, program: CompiledProgram, generation: number, cache: SummaryCache): Promise<CustomerSummary | null> {
    const found = await this.loadCustomer(tenantId, { id });
    if (found === null) return null;
    await cache.setCustomer(tenantId, id, recordJson(found.row, found.lots), generation, RECORD_TTL_S);
    return summaryOf(program, found, this.now()).summary;
  }

  /** The remembered id's phone or card is no longer that customer's (stillTheirs): forgotten, and looked up by the reference in Postgres. */
  private async lookUpAgain(tenantId: string, by: CustomerLookup, refKey: string): Promise<CustomerSummary> {
    this.idByRef.delete(refKey);
    const view = await this.customerView(tenantId, by);
    this.idByRef.set(refKey, view.summary.id);
    return view.summary;
  }

  private async loadCustomer(tenantId: string, by: CustomerLookup): Promise<CustomerRecord | null> {
    const [col, value]: [keyof typeof RECORD_BY, string] =
      'id' in by ? ['id', by.id] : 'phone' in by ? ['phone', requirePhone(by.phone)] : ['card_number', by.cardNumber];
    if (col === 'id' && !BIGINT_ID.test(value)) return null;
    const r = await this.pool.query<CustomerDbRow & { lots: LotDbRow[] | null }>(statement(RECORD_BY[col], [tenantId, value], this.preparedStatements));
    const row = r.rows[0];
    if (row === undefined) return null;
    const lots = (row.lots ?? []).map((l) =>
      lotFromRow(Object.assign({}, l, { activates_at: new Date(l.activates_at), expires_at: l.expires_at === null ? null : new Date(l.expires_at) })),
    );
    return { row: customerFromRow(row), lots };
  }

  async transactions(tenantId: string, customerId: string, o: { limit?: number; before?: string } = {}): Promise<PostingView[]> {
    if (!BIGINT_ID.test(customerId)) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { id: customerId });
    // A posting id, as a previous page gave it: a positive bigint, not any text (Postgres would 500).
    if (o.before !== undefined && !BIGINT_ID.test(o.before)) {
      throw new KopilkaError('INVALID_INPUT', 'Параметр before — номер проводки из предыдущей страницы (целое положительное число)', { field: 'before' });
    }
    const exists = await this.pool.query('SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2', [tenantId, customerId]);
    if (exists.rowCount === 0) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { id: customerId });
    const limit = Math.min(Math.max(o.limit ?? 100, 1), 1000);
    const r = await this.pool.query(
      `SELECT p.id::text, p.kind, p.debit, p.credit, p.amount, p.check_id::text, p.lot_id::text, p.at, c.external_id
         FROM postings p LEFT JOIN checks c ON c.tenant_id = p.tenant_id AND c.id = p.check_id
        WHERE p.tenant_id = $1 AND p.customer_id = $2 AND ($3::bigint IS NULL OR p.id < $3)
        ORDER BY p.id DESC LIMIT $4`,
      [tenantId, customerId, o.before ?? null, limit],
    );
    const own = (b: string) => b === 'available' || b === 'pending';
    return r.rows.map((p) => ({
      id: p.id,
      kind: p.kind,
      debit: p.debit,
      credit: p.credit,
      amount: Number(p.amount),
      change: (own(p.credit) ? Number(p.amount) : 0) - (own(p.debit) ? Number(p.amount) : 0),
      checkId: p.check_id,
      externalId: p.external_id,
      lotId: p.lot_id,
      at: (p.at as Date).toISOString(),
    }));
  }

  /** Prices a check: discount, accrual, the most bonuses it may take. Records nothing but a coupon's hold. */
  async calculate(tenantId: string, input: unknown): Promise<CheckResult> {
    const check = parseCheck(input);
    const program = await this.program(tenantId);
    checkAge(program, check, this.now());
    const state = check.customer == null ? null : await this.pricedAs(tenantId, check.customer, check.at);
    // A limited issued coupon's use is held for this check until its commit (or HOLD_MINUTES).
    const spent = await budgetsSpent(this.pool, tenantId, program, check);
    const ev = await withCouponHold(this.pool, tenantId, check, state === null ? null : state.id, (coupon) =>
      withinBudgets(program, evaluateCheck(program, check, state, coupon), spent, (p) => evaluateCheck(p, check, state, coupon)),
    );
    // Certificates are checked, not reserved: the sale's batch takes what they hold then.
    const giftcards = await giftcardsForCalculate(this.pool, tenantId, check);
    return {
      externalId: check.externalId,
      status: 'calculated',
      customer:
        state === null || state.id === ''
          ? null
          : { id: state.id, level: { code: ev.level.code, name: ev.level.name }, balance: { available: state.available, pending: state.pending } },
      totals: ev.totals,
      lines: ev.lines,
      messages: giftcards.length === 0 ? ev.messages : [...ev.messages, ...giftcards.map(giftcardMessage).filter((m) => m !== null)],
      ...(giftcards.length > 0 ? { giftcards } : {}),
    };
  }

  /** The customer as the rules see them; a new phone is priced as the customer the sale will register. */
  private async pricedAs(tenantId: string, ref: CustomerLookup, at: number): Promise<CustomerState> {
    const found = await this.customer(tenantId, ref).catch((e) => (isKopilkaError(e) && e.code === 'CUSTOMER_NOT_FOUND' ? null : Promise.reject(e)));
    if (found === null) {
      if (!('phone' in ref)) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден: проверьте номер карты', { customer: ref });
      return newcomerState(at);
    }
    return {
      id: found.id,
      totalSpent: found.totalSpent,
      purchases: found.purchases,
      assignedLevel: found.assignedLevel,
      available: found.balance.available,
      pending: found.balance.pending,
      referrerId: found.referrerId,
      registeredAt: Date.parse(found.registeredAt),
      source: found.source,
      gender: found.gender,
      birthDate: found.birthDate,
      lastPurchaseAt: found.lastPurchaseAt === null ? null : Date.parse(found.lastPurchaseAt),
      boosts: found.boosts.map(boostFromView),
    };
  }
}
