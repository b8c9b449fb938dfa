import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { balanceAt, type Lot } from './account.ts';
import { parseCheck, type CheckResult, type ParsedCheck } from './check.ts';
import { customerSummary, parseNewCustomer, type CustomerRow, type CustomerSummary } from './customers.ts';
import { isKopilkaError, KopilkaError } from './errors.ts';
import { createEvaluator } from './evaluator.ts';
import type { KopilkaEvent } from './events.ts';
import { customerBurnAt, DAY_MS } from './lots.ts';
import { localIsoDate } from './time-zone.ts';
import { migrate } from './migrate.ts';
import { checkAge, requestHash, type GiftOp, type LedgerOp, type OpOutcome } from './operations.ts';
import { requirePhone } from './phone.ts';
import { compileProgram, DEFAULT_PROGRAM_INPUT, parseProgram, type CompiledProgram, type Program } from './program.ts';
import { ProgramCache } from './programs.ts';
import { refundRequestSchema } from './refunds.ts';
import { CUSTOMER_COLUMNS, customerFromRow, LOT_COLUMNS, lotFromRow, type CustomerDbRow, type LotDbRow } from './rows.ts';
import { evaluateCheck, type CustomerState } from './rules/evaluate.ts';
import { idText, parseInput } from './validation.ts';
import { DEFAULT_WRITER_OPTIONS, GroupCommitWriter, type WriterOptions } from './writer.ts';

// The ledger's face to the gateway: validated inputs in, results or KopilkaErrors out. Writes go
// through the group-commit writer; reads go straight to Postgres.

const SALE_ID = idText(128);

/**
 * Where customer summaries may be cached (the gateway's front). A generation, read before the
 * summary is built from Postgres, guards the cache against a commit landing in between.
 */
export interface SummaryCache {
  getCustomer(tenantId: string, customerId: string): Promise<{ json: string | null; generation: number }>;
  setCustomer(tenantId: string, customerId: string, json: string, generation: number, ttlSeconds: number): Promise<boolean>;
}

export interface LedgerOptions {
  pool: pg.Pool;
  summaries?: SummaryCache;
  writer?: Partial<WriterOptions>;
  /** Worker threads evaluating the rules of a batch; 0 (default) evaluates on the event loop. */
  workers?: number;
  onEvents?: (events: KopilkaEvent[]) => void;
  now?: () => number;
}

export type CustomerLookup = { id: string } | { phone: string } | { cardNumber: string };

export interface Committed {
  /** The answer as JSON text: a replay returns the first answer unchanged. */
  json: string;
  replay: boolean;
}

export interface PreparedSale {
  check: ParsedCheck;
  hash: string;
}

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

export class Ledger {
  readonly pool: pg.Pool;
  readonly writer: GroupCommitWriter;
  readonly programs = new ProgramCache();
  private readonly now: () => number;
  private readonly summaries: SummaryCache | null;
  /** Phone and card → customer id. Neither changes once given, so the map never goes stale. */
  private readonly idByRef = new Map<string, string>();

  private constructor(o: LedgerOptions) {
    this.pool = o.pool;
    this.summaries = o.summaries ?? null;
    this.now = o.now ?? Date.now;
    this.writer = new GroupCommitWriter(o.pool, this.programs, { ...DEFAULT_WRITER_OPTIONS, ...o.writer }, o.onEvents, this.now, createEvaluator(o.workers ?? 0));
  }

  static async open(o: LedgerOptions): Promise<Ledger> {
    await migrate(o.pool);
    return new Ledger(o);
  }

  async close(): Promise<void> {
    await this.writer.close();
  }

  // ── tenants and programs ──

  async createTenant(name: string, plan = 'month', programInput: unknown = DEFAULT_PROGRAM_INPUT): Promise<{ id: string; program: Program }> {
    const program = parseProgram(programInput);
    const id = `t_${randomBytes(8).toString('hex')}`;
    await this.pool.query('INSERT INTO tenants (id, name, plan, program) VALUES ($1, $2, $3, $4)', [id, name, plan, JSON.stringify(program)]);
    return { id, program };
  }

  async setProgram(tenantId: string, input: unknown): Promise<Program> {
    const program = parseProgram(input);
    const r = await this.pool.query('UPDATE tenants SET program = $2, program_version = program_version + 1, updated_at = now() WHERE id = $1', [
      tenantId,
      JSON.stringify(program),
    ]);
    if (r.rowCount === 0) throw new KopilkaError('NOT_FOUND', 'Организация не найдена');
    this.programs.forget(tenantId);
    return program;
  }

  async program(tenantId: string): Promise<CompiledProgram> {
    const p = await this.programs.get(this.pool, tenantId);
    if (p === undefined) throw new KopilkaError('NOT_FOUND', 'Организация не найдена');
    return p;
  }

  // ── customers ──

  async registerCustomer(tenantId: string, input: unknown): Promise<CustomerSummary> {
    const customer = parseNewCustomer(input);
    const id = unwrap(await this.writer.submit({ kind: 'register', tenantId, customer })) as string;
    return this.customer(tenantId, { id });
  }

  private async loadCustomer(tenantId: string, by: CustomerLookup): Promise<{ row: CustomerRow; lots: Lot[] } | null> {
    const [col, value] = 'id' in by ? ['id', by.id] : 'phone' in by ? ['phone', requirePhone(by.phone)] : ['card_number', by.cardNumber];
    if (col === 'id' && !/^[1-9]\d{0,17}$/.test(value)) return null;
    const r = await this.pool.query<CustomerDbRow & { lots: LotDbRow[] | null }>(
      `SELECT ${CUSTOMER_COLUMNS},
              (SELECT json_agg(l) FROM (SELECT ${LOT_COLUMNS} FROM lots
                 WHERE lots.tenant_id = customers.tenant_id AND lots.customer_id = customers.id AND state <> 'closed') l) AS lots
         FROM customers WHERE tenant_id = $1 AND ${col} = $2`,
      [tenantId, value],
    );
    const row = r.rows[0];
    if (row === undefined) return null;
    const lots = (row.lots ?? []).map((l) =>
      lotFromRow({ ...l, activates_at: new Date(l.activates_at), expires_at: l.expires_at === null ? null : new Date(l.expires_at) }),
    );
    return { row: customerFromRow(row), lots };
  }

  /** The summary, and when time alone will change it next (a lot activating or burning). */
  async customerView(tenantId: string, by: CustomerLookup): Promise<{ summary: CustomerSummary; changesAt: number | null }> {
    const [program, found] = await Promise.all([this.program(tenantId), this.loadCustomer(tenantId, by)]);
    if (found === null) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { ...by });
    const now = this.now();
    const burnAt = customerBurnAt(program.source.expiry, found.row.lastPurchaseAt);
    let changesAt: number | null = null;
    const consider = (t: number | null) => {
      if (t !== null && t > now && (changesAt === null || t < changesAt)) changesAt = t;
    };
    for (const l of found.lots) {
      if (l.state === 'pending') consider(l.activatesAt);
      consider(l.expiresAt);
    }
    if (found.lots.length > 0) consider(burnAt);
    return { summary: customerSummary(program, found.row, this.balance(program, found.row, found.lots)), changesAt };
  }

  /**
   * The summary from the cache when it is there and current, else from Postgres (and then cached
   * until a lot activates or burns, 30 s at most). Commits invalidate it before they are answered.
   */
  async customer(tenantId: string, by: CustomerLookup): Promise<CustomerSummary> {
    const refKey = 'id' in by ? null : 'phone' in by ? `${tenantId}\u0000p\u0000${requirePhone(by.phone)}` : `${tenantId}\u0000c\u0000${by.cardNumber}`;
    const id = 'id' in by ? by.id : this.idByRef.get(refKey!);
    let generation: number | null = null;
    if (id !== undefined && this.summaries !== null) {
      const hit = await this.summaries.getCustomer(tenantId, id);
      if (hit.json !== null) return JSON.parse(hit.json) as CustomerSummary;
      generation = hit.generation;
    }
    const view = await this.customerView(tenantId, id !== undefined ? { id } : by);
    if (refKey !== null && id === undefined) {
      if (this.idByRef.size > 200_000) this.idByRef.clear();
      this.idByRef.set(refKey, view.summary.id);
    }
    // Without a generation read before the summary was built (first lookup by phone), no caching.
    if (generation !== null && this.summaries !== null) {
      const ttl = view.changesAt === null ? 30 : Math.min(30, Math.floor((view.changesAt - this.now()) / 1000));
      if (ttl >= 1) await this.summaries.setCustomer(tenantId, view.summary.id, JSON.stringify(view.summary), generation, ttl);
    }
    return view.summary;
  }

  private balance(program: CompiledProgram, row: CustomerRow, lots: Lot[]): { available: number; pending: number } {
    return balanceAt({ debt: row.debt, burnAt: customerBurnAt(program.source.expiry, row.lastPurchaseAt) }, lots, this.now());
  }

  async transactions(tenantId: string, customerId: string, o: { limit?: number; before?: string } = {}): Promise<PostingView[]> {
    if (!/^[1-9]\d{0,17}$/.test(customerId)) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { id: customerId });
    // A posting id, as a previous page gave it: a positive bigint, not any text (Postgres would 500).
    if (o.before !== undefined && !/^[1-9]\d{0,17}$/.test(o.before)) {
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

  // ── checks ──

  /** Prices a check: discount, accrual, the most bonuses it may take. Records nothing. */
  async calculate(tenantId: string, input: unknown): Promise<CheckResult> {
    const check = parseCheck(input);
    const program = await this.program(tenantId);
    checkAge(program, check, this.now());
    let state: CustomerState | null = null;
    if (check.customer != null) {
      const found = await this.customer(tenantId, check.customer).catch((e) => (isKopilkaError(e) && e.code === 'CUSTOMER_NOT_FOUND' ? null : Promise.reject(e)));
      if (found === null) {
        if (!('phone' in check.customer)) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден: проверьте номер карты', { customer: check.customer });
        // A new phone: priced as the customer it will be once the sale registers it.
        state = { id: '', totalSpent: 0, purchases: 0, assignedLevel: null, available: 0, pending: 0, referrerId: null, registeredAt: check.at };
      } else {
        state = {
          id: found.id,
          totalSpent: found.totalSpent,
          purchases: found.purchases,
          assignedLevel: found.assignedLevel,
          available: found.balance.available,
          pending: found.balance.pending,
          referrerId: found.referrerId,
          registeredAt: Date.parse(found.registeredAt),
        };
      }
    }
    const ev = evaluateCheck(program, check, state);
    return {
      externalId: check.externalId,
      status: 'calculated',
      customer:
        state === null || state.id === ''
          ? null
          : { id: state.id, level: { code: ev.level.code, name: ev.level.name }, balance: { available: state.available, pending: state.pending } },
      totals: ev.totals,
      lines: ev.lines,
      messages: ev.messages,
    };
  }

  /** Records a check exactly once per (tenant, channel, externalId). */
  async commit(tenantId: string, channel: string, input: unknown): Promise<Committed> {
    return this.commitPrepared(tenantId, channel, this.prepareSale(input));
  }

  /** Validates a check and hashes it: the hash tells a replay from a conflicting reuse of its id. */
  prepareSale(input: unknown): PreparedSale {
    const check = parseCheck(input);
    const { at: _a, localMinuteOfDay: _m, localWeekday: _w, ...plain } = check;
    return { check, hash: requestHash(plain) };
  }

  async commitPrepared(tenantId: string, channel: string, s: PreparedSale): Promise<Committed> {
    return committed(await this.writer.submit({ kind: 'sale', tenantId, channel, check: s.check, hash: s.hash }));
  }

  async refund(tenantId: string, channel: string, saleExternalId: string, input: unknown): Promise<Committed> {
    // The sale's id often comes from a URL path (%00 decodes to NUL): the writer must never see it.
    const saleId = SALE_ID.safeParse(saleExternalId);
    if (!saleId.success) {
      throw new KopilkaError('INVALID_INPUT', `Неверный номер чека продажи: ${saleId.error.issues[0]!.message}`, { field: 'saleExternalId' });
    }
    const request = parseInput(refundRequestSchema, input, 'возврат');
    const hash = requestHash({ saleExternalId, ...request });
    return committed(await this.writer.submit({ kind: 'refund', tenantId, channel, saleExternalId, request, hash }));
  }

  /**
   * Gives the gifts that are due by date or by absence: birthdays (daysBefore ahead), relatives'
   * birthdays, inactivity. Each once per occasion (gift_log), whichever gateway's sweeper runs.
   * Returns how many it gave.
   */
  async sweepGifts(limit = 1000): Promise<number> {
    const now = this.now();
    const tenants = await this.pool.query<{ id: string }>(
      `SELECT id FROM tenants WHERE program->'gifts'->'birthday' IS NOT NULL AND program->'gifts'->>'birthday' <> 'null'
          OR program->'gifts'->'relativeBirthday' IS NOT NULL AND program->'gifts'->>'relativeBirthday' <> 'null'
          OR program->'gifts'->'inactivity' IS NOT NULL AND program->'gifts'->>'inactivity' <> 'null'`,
    );
    const ops: GiftOp[] = [];
    for (const { id: tenantId } of tenants.rows) {
      const program = await this.program(tenantId);
      const g = program.source.gifts;
      const dated = (gift: { daysBefore: number }) => {
        const target = new Date(Date.parse(`${localIsoDate(now, program.source.timezone)}T00:00:00Z`) + gift.daysBefore * DAY_MS);
        const year = target.getUTCFullYear();
        const md = target.toISOString().slice(5, 10);
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
        // 29 February is celebrated on 28 February in other years.
        return { year, days: md === '02-28' && !leap ? ['02-28', '02-29'] : [md] };
      };
      if (g.birthday != null) {
        const { year, days } = dated(g.birthday);
        const r = await this.pool.query<{ id: string }>(
          `SELECT c.id::text FROM customers c WHERE c.tenant_id = $1 AND to_char(c.birth_date, 'MM-DD') = ANY($2)
             AND NOT EXISTS (SELECT 1 FROM gift_log l WHERE l.tenant_id = c.tenant_id AND l.customer_id = c.id AND l.occasion = $3) LIMIT $4`,
          [tenantId, days, `birthday:${year}`, limit],
        );
        for (const row of r.rows) ops.push({ kind: 'gift', tenantId, customerId: row.id, lotKind: 'birthday', gift: g.birthday, occasion: `birthday:${year}` });
      }
      if (g.relativeBirthday != null) {
        const { year, days } = dated(g.relativeBirthday);
        const r = await this.pool.query<{ id: string; occasion: string }>(
          `SELECT c.id::text, 'relative:' || (r.value->>'name') || ':' || $3 AS occasion
             FROM customers c, jsonb_array_elements(c.relatives) r
            WHERE c.tenant_id = $1 AND substr(r.value->>'birthDate', 6, 5) = ANY($2)
              AND NOT EXISTS (SELECT 1 FROM gift_log l WHERE l.tenant_id = c.tenant_id AND l.customer_id = c.id
                               AND l.occasion = 'relative:' || (r.value->>'name') || ':' || $3) LIMIT $4`,
          [tenantId, days, String(year), limit],
        );
        for (const row of r.rows) ops.push({ kind: 'gift', tenantId, customerId: row.id, lotKind: 'relativeBirthday', gift: g.relativeBirthday, occasion: row.occasion });
      }
      if (g.inactivity != null) {
        // One gift per absence: the occasion names the purchase (or registration) it counts from.
        const r = await this.pool.query<{ id: string; occasion: string }>(
          `SELECT c.id::text, 'inactivity:' || (extract(epoch FROM COALESCE(c.last_purchase_at, c.registered_at)) * 1000)::bigint AS occasion
             FROM customers c
            WHERE c.tenant_id = $1 AND COALESCE(c.last_purchase_at, c.registered_at) <= $2
              AND NOT EXISTS (SELECT 1 FROM gift_log l WHERE l.tenant_id = c.tenant_id AND l.customer_id = c.id
                               AND l.occasion = 'inactivity:' || (extract(epoch FROM COALESCE(c.last_purchase_at, c.registered_at)) * 1000)::bigint)
            LIMIT $3`,
          [tenantId, new Date(now - g.inactivity.days * DAY_MS), limit],
        );
        for (const row of r.rows) ops.push({ kind: 'gift', tenantId, customerId: row.id, lotKind: 'inactivity', gift: g.inactivity, occasion: row.occasion });
      }
    }
    const outcomes = await Promise.all(ops.map((op) => this.writer.submit(op)));
    return outcomes.filter((o) => o.ok && o.value === true).length;
  }

  /** Writes due activations and expiries as postings. Returns how many customers it settled. */
  async sweep(limit = 1000): Promise<number> {
    const r = await this.pool.query<{ tenant_id: string; customer_id: string }>(
      `SELECT DISTINCT tenant_id, customer_id::text FROM (
         (SELECT tenant_id, customer_id FROM lots WHERE state = 'pending' AND activates_at <= $1 LIMIT $2)
         UNION ALL
         (SELECT tenant_id, customer_id FROM lots WHERE state = 'active' AND expires_at <= $1 LIMIT $2)
         UNION ALL
         -- Mode afterLastPurchase: everything burns N days after the customer's last purchase.
         (SELECT c.tenant_id, c.id FROM customers c JOIN tenants t ON t.id = c.tenant_id
           WHERE t.program->'expiry'->>'mode' = 'afterLastPurchase' AND (c.available > 0 OR c.pending > 0)
             AND c.last_purchase_at + make_interval(days => (t.program->'expiry'->>'days')::int) <= $1
           LIMIT $2)) due`,
      [new Date(this.now()), limit],
    );
    const byTenant = new Map<string, string[]>();
    for (const row of r.rows) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row.customer_id]);
    const ops: LedgerOp[] = [...byTenant].map(([tenantId, customerIds]) => ({ kind: 'settle', tenantId, customerIds }));
    for (const o of await Promise.all(ops.map((op) => this.writer.submit(op)))) unwrap(o);
    return r.rows.length;
  }
}

function unwrap(o: OpOutcome): unknown {
  if (!o.ok) throw o.error;
  return o.value;
}

function committed(o: OpOutcome): Committed {
  return { json: unwrap(o) as string, replay: o.ok && o.replay };
}

