import { createHash } from 'node:crypto';
import {
  credit,
  giveBack,
  holding,
  MAX_BALANCE,
  MAX_TOTAL_SPENT,
  openAccount,
  settle,
  spend,
  spendable,
  takeBack,
  type Account,
  type Lot,
  type LotKind,
  type Spend,
} from './account.ts';
import { checkPayments, type CheckResult, type ParsedCheck } from './check.ts';
import { newReferralCode, type CustomerRow, type NewCustomer } from './customers.ts';
import { KopilkaError, formatPoints } from './errors.ts';
import type { KopilkaEvent } from './events.ts';
import { accrualLotTimes, customerBurnAt, DAY_MS, giftLotTimes } from './lots.ts';
import { effectiveLevel, levelByCode, type CompiledProgram, type Gift } from './program.ts';
import { planRefund, proportionalTakeBack, type RefundRequest, type SaleLine } from './refunds.ts';
import type { PreEvaluation } from './evaluator.ts';
import { evaluateCheck, type CustomerState, type Evaluation } from './rules/evaluate.ts';
import { registrationGifts } from './rules/gifts.ts';

// The ledger's operations on the in-memory state of one batch. The writer loads what a batch
// touches (customers locked, their open lots, the checks it names), runs each operation here in
// order, and stores what changed. Nothing here does I/O, so a batch is computed exactly as the
// same operations would be one by one.

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
  lotKind: 'birthday' | 'relativeBirthday' | 'inactivity';
  gift: Gift;
  /** Unique per customer: `birthday:2026`, `inactivity:<last purchase>`; a second one is skipped. */
  occasion: string;
}

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

export type OpOutcome = { ok: true; value: unknown; replay: boolean } | { ok: false; error: KopilkaError };

export function requestHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

// ── batch state ─────────────────────────────────────────────────────────────────────────────

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

export interface CheckEntry {
  tenantId: string;
  id: string;
  channel: string;
  kind: 'sale' | 'refund';
  externalId: string;
  originalId: string | null;
  customerId: string | null;
  storeId: string | null;
  occurredAt: number;
  requestHash: string;
  request: unknown;
  /** The answer as stored: JSON text, returned unchanged on a replay. */
  result: string;
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
  detail: CheckDetail;
  refundedQty: Record<string, number>;
  isNew: boolean;
  qtyChanged: boolean;
}

export interface SpendRow {
  tenantId: string;
  checkId: string;
  seq: number;
  lotId: string;
  amount: number;
}

export class BatchState {
  readonly customers = new Map<string, CustomerEntry>();
  readonly byPhone = new Map<string, CustomerEntry>();
  readonly byCard = new Map<string, CustomerEntry>();
  readonly byReferralCode = new Map<string, CustomerEntry>();
  readonly checks = new Map<string, CheckEntry>();
  /** Open lots per customer, as loaded; accounts are opened from them on first use. */
  readonly openLots = new Map<string, Lot[]>();
  readonly spends = new Map<string, Spend[]>();
  readonly lotsById = new Map<string, Lot>();
  readonly newSpends: SpendRow[] = [];
  readonly events: KopilkaEvent[] = [];
  /** Gift occasions already given (loaded) or given in this batch, and the rows to store. */
  readonly givenGifts = new Set<string>();
  readonly newGiftLog: { tenantId: string; customerId: string; occasion: string; lotId: string }[] = [];
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

  addCheck(c: CheckEntry): void {
    this.checks.set(BatchState.key(c.tenantId, c.channel, c.kind, c.externalId), c);
  }

  findCheck(tenantId: string, channel: string, kind: 'sale' | 'refund', externalId: string): CheckEntry | undefined {
    return this.checks.get(BatchState.key(tenantId, channel, kind, externalId));
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

// ── operations ──────────────────────────────────────────────────────────────────────────────

export function applyOp(state: BatchState, op: LedgerOp): OpOutcome {
  try {
    switch (op.kind) {
      case 'sale':
        return applySale(state, op);
      case 'refund':
        return applyRefund(state, op);
      case 'register':
        return { ok: true, value: registerCustomer(state, op.tenantId, op.customer, state.now).row.id, replay: false };
      case 'gift': {
        const e = state.customers.get(BatchState.key(op.tenantId, op.customerId));
        const key = BatchState.key(op.tenantId, op.customerId, op.occasion);
        if (e === undefined || state.givenGifts.has(key)) return { ok: true, value: false, replay: true };
        ensureBalanceRoom(holding(state.account(e)), op.gift.points, e.row.id);
        const lot = giftLot(state, e, state.program(op.tenantId), op.lotKind, op.gift, null, state.now);
        state.givenGifts.add(key);
        state.newGiftLog.push({ tenantId: op.tenantId, customerId: op.customerId, occasion: op.occasion, lotId: lot.id });
        return { ok: true, value: true, replay: false };
      }
      case 'settle':
        for (const id of op.customerIds) {
          const e = state.customers.get(BatchState.key(op.tenantId, id));
          if (e !== undefined) state.account(e);
        }
        return { ok: true, value: null, replay: false };
    }
  } catch (e) {
    if (e instanceof KopilkaError) return { ok: false, error: e };
    throw e;
  }
}

function replayOrConflict(existing: CheckEntry, hash: string): OpOutcome {
  if (existing.requestHash === hash) return { ok: true, value: existing.result, replay: true };
  return {
    ok: false,
    error: new KopilkaError(
      'IDEMPOTENCY_CONFLICT',
      `Чек ${existing.externalId} уже проведён с другим содержимым. Для нового чека нужен новый номер`,
      { externalId: existing.externalId, committedAt: new Date(existing.occurredAt).toISOString() },
    ),
  };
}

export function checkAge(program: CompiledProgram, check: Pick<ParsedCheck, 'at' | 'occurredAt'>, now: number): void {
  const maxDays = program.source.maxBackdateDays;
  if (now - check.at > maxDays * DAY_MS) {
    throw new KopilkaError('CHECK_TOO_OLD', `Чек старше ${maxDays} дней не принимается программой лояльности`, {
      occurredAt: check.occurredAt,
      maxBackdateDays: maxDays,
    });
  }
  // Till clocks drift; an hour covers a wrong DST setting, not a wrong date.
  if (check.at - now > 3_600_000) {
    throw new KopilkaError('CHECK_IN_FUTURE', 'Время чека в будущем: проверьте дату и время на кассе', {
      occurredAt: check.occurredAt,
      serverTime: new Date(now).toISOString(),
    });
  }
}

function balanceLimitError(customerId: string, what: string, extra: Record<string, unknown>): KopilkaError {
  return new KopilkaError(
    'BALANCE_LIMIT',
    `Операция не проведена: ${what} клиента превысит предел программы. Обратитесь в поддержку Копилки`,
    { customerId, ...extra },
  );
}

/** Refuses an operation that would take a customer's bonuses past MAX_BALANCE (see account.ts). */
export function ensureBalanceRoom(held: number, adding: number, customerId: string): void {
  if (adding > 0 && held + adding > MAX_BALANCE) {
    throw balanceLimitError(customerId, 'баланс бонусов', { held, adding, maxBalance: MAX_BALANCE });
  }
}

/** A sale must fit the customer's limits: bonuses held after it, and the purchase total. */
function ensureSaleFits(entry: CustomerEntry | undefined, acc: Account | null, ev: Evaluation): void {
  const totalSpent = entry?.row.totalSpent ?? 0;
  const id = entry?.row.id ?? '';
  if (totalSpent + ev.purchaseAmount > MAX_TOTAL_SPENT) {
    throw balanceLimitError(id, 'сумма покупок', { totalSpent, adding: ev.purchaseAmount, maxTotalSpent: MAX_TOTAL_SPENT });
  }
  let adding = ev.totals.accrued;
  for (const g of ev.gifts) adding += g.gift.points;
  ensureBalanceRoom((acc === null ? 0 : holding(acc)) - ev.totals.redeemed, adding, id);
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
  };
}

export function findCustomer(state: BatchState, tenantId: string, ref: NonNullable<ParsedCheck['customer']>): CustomerEntry | undefined {
  if ('id' in ref) return state.customers.get(BatchState.key(tenantId, ref.id));
  if ('phone' in ref) return state.byPhone.get(BatchState.key(tenantId, ref.phone));
  return state.byCard.get(BatchState.key(tenantId, ref.cardNumber));
}

function giftLot(state: BatchState, entry: CustomerEntry, program: CompiledProgram, kind: LotKind, gift: Gift, checkId: string | null, at: number): Lot {
  const times = giftLotTimes(program.source, gift, at);
  const lot = credit(
    state.account(entry),
    { id: state.nextId('lots'), checkId, kind, amount: gift.points, activatesAt: times.activatesAt, expiresAt: times.expiresAt },
    kind === 'referral' ? 'referral' : 'gift',
    state.now,
  );
  entry.dirty = true;
  state.events.push({
    type: 'gift',
    tenantId: entry.row.tenantId,
    customerId: entry.row.id,
    points: gift.points,
    data: { kind },
    at: new Date(state.now).toISOString(),
  });
  return lot;
}

export function registerCustomer(state: BatchState, tenantId: string, c: NewCustomer, at: number): CustomerEntry {
  const program = state.program(tenantId);
  if (state.byPhone.has(BatchState.key(tenantId, c.phone))) {
    throw new KopilkaError('PHONE_TAKEN', `Клиент с телефоном ${c.phone} уже зарегистрирован`, { field: 'phone', phone: c.phone });
  }
  if (c.cardNumber != null && state.byCard.has(BatchState.key(tenantId, c.cardNumber))) {
    throw new KopilkaError('CARD_TAKEN', `Карта ${c.cardNumber} уже выдана другому клиенту`, { field: 'cardNumber' });
  }
  let referrerId: string | null = null;
  if (c.referrerCode != null) {
    const referrer = state.byReferralCode.get(BatchState.key(tenantId, c.referrerCode.toUpperCase()));
    if (referrer === undefined) {
      throw new KopilkaError('INVALID_INPUT', `Код приглашения «${c.referrerCode}» не найден`, { field: 'referrerCode' });
    }
    referrerId = referrer.row.id;
  }
  if (c.level != null && levelByCode(program, c.level) === undefined) {
    throw new KopilkaError('INVALID_INPUT', `В программе нет уровня «${c.level}»`, { field: 'level', levels: program.levels.map((l) => l.code) });
  }
  let referralCode = newReferralCode();
  while (state.byReferralCode.has(BatchState.key(tenantId, referralCode))) referralCode = newReferralCode();
  const row: CustomerRow = {
    tenantId,
    id: state.nextId('customers'),
    phone: c.phone,
    cardNumber: c.cardNumber ?? null,
    name: c.name ?? null,
    gender: c.gender ?? null,
    birthDate: c.birthDate ?? null,
    email: c.email ?? null,
    address: c.address ?? null,
    comment: c.comment ?? null,
    relatives: c.relatives ?? [],
    referralCode,
    referrerId,
    source: c.source ?? null,
    assignedLevel: c.level ?? null,
    levelCode: effectiveLevel(program, 0, c.level).code,
    totalSpent: 0,
    purchases: 0,
    lastPurchaseAt: null,
    available: 0,
    pending: 0,
    debt: 0,
    registeredAt: at,
  };
  const entry: CustomerEntry = { row, isNew: true, dirty: true, account: null };
  state.addCustomer(entry);
  for (const g of registrationGifts(program, row.source)) giftLot(state, entry, program, g.kind as LotKind, g.gift, null, state.now);
  state.events.push({ type: 'customerRegistered', tenantId, customerId: row.id, data: { source: row.source }, at: new Date(state.now).toISOString() });
  return entry;
}

function balanceOf(acc: Account): { available: number; pending: number } {
  return { available: spendable(acc), pending: acc.pending };
}

function applySale(state: BatchState, op: SaleOp): OpOutcome {
  const { tenantId, channel, check } = op;
  const existing = state.findCheck(tenantId, channel, 'sale', check.externalId);
  if (existing !== undefined) return replayOrConflict(existing, op.hash);

  const program = state.program(tenantId);
  checkAge(program, check, state.now);
  let entry: CustomerEntry | undefined;
  let cs: CustomerState | null = null;
  if (check.customer != null) {
    entry = findCustomer(state, tenantId, check.customer);
    if (entry !== undefined) {
      const a = state.account(entry);
      cs = customerState(entry, spendable(a), a.pending);
    } else if ('phone' in check.customer) {
      cs = { id: '', totalSpent: 0, purchases: 0, assignedLevel: null, available: 0, pending: 0, referrerId: null, registeredAt: check.at };
    } else {
      throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден: проверьте номер карты', { customer: check.customer });
    }
  }
  // Rules first: a refused check must leave nothing behind, not even a registration.
  const ev = evaluationFor(state, op, program, cs);
  checkPayments(check, ev.totals, channel);
  if (check.customer != null) ensureSaleFits(entry, entry === undefined ? null : state.account(entry), ev);
  if (entry === undefined && check.customer != null && 'phone' in check.customer) {
    // A new phone at the till registers the customer, as the cashier expects.
    entry = registerCustomer(state, tenantId, { phone: check.customer.phone, source: 'pos' }, state.now);
  }
  const acc = entry === undefined ? null : state.account(entry);

  const checkId = state.nextId('checks');
  const at = new Date(state.now).toISOString();
  let referral: CheckDetail['referral'] = null;
  if (entry !== undefined && acc !== null) {
    const row = entry.row;
    if (ev.totals.redeemed > 0) {
      const spends = spend(acc, ev.totals.redeemed, checkId, state.now);
      spends.forEach((s, seq) => state.newSpends.push({ tenantId, checkId, seq, lotId: s.lotId, amount: s.amount }));
      state.events.push({ type: 'redeemed', tenantId, channel, customerId: row.id, checkId, externalId: check.externalId, points: ev.totals.redeemed, at });
    }
    if (ev.totals.accrued > 0) {
      const times = accrualLotTimes(program.source, check.at);
      credit(acc, { id: state.nextId('lots'), checkId, kind: 'accrual', amount: ev.totals.accrued, ...times }, 'accrual', state.now);
      state.events.push({ type: 'accrued', tenantId, channel, customerId: row.id, checkId, externalId: check.externalId, points: ev.totals.accrued, at });
    }
    const firstPurchase = row.purchases === 0;
    row.totalSpent += ev.purchaseAmount;
    row.purchases += 1;
    if (row.lastPurchaseAt === null || check.at > row.lastPurchaseAt) row.lastPurchaseAt = check.at;
    acc.burnAt = customerBurnAt(program.source.expiry, row.lastPurchaseAt);
    for (const g of ev.gifts) giftLot(state, entry, program, g.kind, g.gift, checkId, check.at);
    if (ev.referral !== null) {
      const referrer = state.customers.get(BatchState.key(tenantId, ev.referral.referrerId));
      // The referrer is locked with the batch; one deleted meanwhile simply gets nothing. A
      // referrer at the balance limit gets what fits: the buyer's sale is not theirs to refuse.
      const points = referrer === undefined ? 0 : Math.min(ev.referral.points, Math.max(0, MAX_BALANCE - holding(state.account(referrer))));
      if (referrer !== undefined && points > 0) {
        giftLot(state, referrer, program, 'referral', { points, ttlDays: null, activationDays: program.source.activationDays }, checkId, check.at);
        referral = { referrerId: ev.referral.referrerId, points };
      }
    }
    if (ev.levelAfter.code !== row.levelCode) {
      state.events.push({ type: 'levelChanged', tenantId, customerId: row.id, checkId, data: { from: row.levelCode, to: ev.levelAfter.code }, at });
      row.levelCode = ev.levelAfter.code;
    }
    if (firstPurchase) state.events.push({ type: 'firstPurchase', tenantId, channel, customerId: row.id, checkId, at });
    entry.dirty = true;
  }

  const result: CheckResult = {
    externalId: check.externalId,
    status: 'committed',
    customer:
      entry === undefined || acc === null
        ? null
        : { id: entry.row.id, level: { code: ev.levelAfter.code, name: ev.levelAfter.name }, balance: balanceOf(acc) },
    totals: ev.totals,
    lines: ev.lines,
    messages: ev.messages,
  };
  const resultText = JSON.stringify(result);
  state.addCheck({
    tenantId,
    id: checkId,
    channel,
    kind: 'sale',
    externalId: check.externalId,
    originalId: null,
    customerId: entry?.row.id ?? null,
    storeId: check.storeId ?? null,
    occurredAt: check.at,
    requestHash: op.hash,
    request: stripDerived(check),
    result: resultText,
    amount: ev.totals.amount,
    discount: ev.totals.discount,
    redeemed: ev.totals.redeemed,
    accrued: ev.totals.accrued,
    detail: {
      lines: check.lines.map((l, i) => ({
        lineNo: l.lineNo,
        quantity: l.quantity,
        amount: l.amount,
        discount: ev.lines[i]!.discount,
        redeemed: ev.lines[i]!.redeemed,
        accrued: ev.lines[i]!.accrued,
      })),
      referral,
    },
    refundedQty: {},
    isNew: true,
    qtyChanged: false,
  });
  state.events.push({
    type: 'checkCommitted',
    tenantId,
    channel,
    customerId: entry?.row.id ?? null,
    checkId,
    externalId: check.externalId,
    amount: ev.totals.amount,
    data: { storeId: check.storeId ?? null },
    at,
  });
  return { ok: true, value: resultText, replay: false };
}

/** What an evaluation depends on in the customer's state: a pre-evaluation is used only if it still holds. */
export function assumedState(cs: CustomerState | null): string {
  return cs === null ? '-' : `${cs.id}/${cs.available}/${cs.pending}/${cs.totalSpent}/${cs.purchases}/${cs.assignedLevel}/${cs.referrerId}`;
}

function evaluationFor(state: BatchState, op: SaleOp, program: CompiledProgram, cs: CustomerState | null): Evaluation {
  const pre = state.preEvaluated.get(op);
  if (pre !== undefined && pre.assumed === assumedState(cs)) {
    if (pre.ev instanceof KopilkaError) throw pre.ev;
    return pre.ev;
  }
  return evaluateCheck(program, op.check, cs);
}

function stripDerived(check: ParsedCheck): unknown {
  const { at: _at, localMinuteOfDay: _m, localWeekday: _w, ...rest } = check;
  return rest;
}

function applyRefund(state: BatchState, op: RefundOp): OpOutcome {
  const { tenantId, channel, request } = op;
  const existing = state.findCheck(tenantId, channel, 'refund', request.externalId);
  if (existing !== undefined) return replayOrConflict(existing, op.hash);
  const sale = state.findCheck(tenantId, channel, 'sale', op.saleExternalId);
  if (sale === undefined) {
    throw new KopilkaError('CHECK_NOT_FOUND', `Чек продажи ${op.saleExternalId} не найден`, { externalId: op.saleExternalId });
  }
  const program = state.program(tenantId);
  // Validated as ISO with offset at the boundary; dated like a sale, within the program's window.
  const occurredAt = request.occurredAt != null ? Date.parse(request.occurredAt) : state.now;
  if (request.occurredAt != null) checkAge(program, { at: occurredAt, occurredAt: request.occurredAt }, state.now);
  const plan = planRefund(sale.detail.lines, sale.refundedQty, request.lines);
  const refundId = state.nextId('checks');
  const at = new Date(state.now).toISOString();
  let debt = 0;
  let customer: RefundResult['customer'] = null;
  const messages: string[] = [];

  if (sale.customerId !== null) {
    const entry = state.customers.get(BatchState.key(tenantId, sale.customerId));
    if (entry === undefined) throw new Error(`ledger: customer ${sale.customerId} of check ${sale.id} was not loaded`);
    const acc = state.account(entry);
    ensureBalanceRoom(holding(acc), plan.redeemed, entry.row.id);
    const spends = remainingSpends(state.spends.get(BatchState.key(tenantId, sale.id)) ?? [], plan.redeemedBefore);
    if (plan.redeemed > 0) {
      giveBack(acc, spends, plan.redeemed, refundId, state.now, state.lotsById);
      messages.push(`Возвращено ${formatPoints(plan.redeemed)} бонусов, оплаченных этим чеком`);
    }
    if (plan.accrued > 0) {
      debt = takeBack(acc, [sale.id], plan.accrued, refundId, state.now);
      messages.push(`Списано ${formatPoints(plan.accrued)} бонусов, начисленных за возвращённые товары`);
      if (debt > 0) messages.push(`Не хватило ${formatPoints(debt)} бонусов: они будут удержаны из следующих начислений`);
    }
    const row = entry.row;
    row.totalSpent = Math.max(0, row.totalSpent - (plan.amount - plan.discount));
    if (plan.complete) row.purchases = Math.max(0, row.purchases - 1);
    const level = effectiveLevel(program, row.totalSpent, row.assignedLevel);
    if (level.code !== row.levelCode) {
      state.events.push({ type: 'levelChanged', tenantId, customerId: row.id, checkId: refundId, data: { from: row.levelCode, to: level.code }, at });
      row.levelCode = level.code;
    }
    entry.dirty = true;
    if (sale.detail.referral !== null) {
      const r = sale.detail.referral;
      const paid = sale.detail.lines.reduce((s, l) => s + l.amount - l.discount - l.redeemed, 0);
      const back = proportionalTakeBack(r.points, paid, plan.paidBefore, plan.paidAfter);
      const referrer = state.customers.get(BatchState.key(tenantId, r.referrerId));
      if (back > 0 && referrer !== undefined) {
        takeBack(state.account(referrer), [sale.id], back, refundId, state.now);
        referrer.dirty = true;
      }
    }
    customer = { id: row.id, level: { code: level.code, name: level.name }, balance: balanceOf(acc) };
  }

  sale.refundedQty = plan.refundedQty;
  sale.qtyChanged = true;
  const result: RefundResult = {
    externalId: request.externalId,
    saleExternalId: sale.externalId,
    status: 'committed',
    customer,
    totals: { amount: plan.amount, discount: plan.discount, redeemed: plan.redeemed, accrued: plan.accrued, debt },
    lines: plan.lines,
    messages,
  };
  const resultText = JSON.stringify(result);
  state.addCheck({
    tenantId,
    id: refundId,
    channel,
    kind: 'refund',
    externalId: request.externalId,
    originalId: sale.id,
    customerId: sale.customerId,
    storeId: sale.storeId,
    occurredAt,
    requestHash: op.hash,
    request: { saleExternalId: op.saleExternalId, ...request },
    result: resultText,
    amount: plan.amount,
    discount: plan.discount,
    redeemed: plan.redeemed,
    accrued: plan.accrued,
    detail: { lines: plan.lines, referral: null },
    refundedQty: {},
    isNew: true,
    qtyChanged: false,
  });
  state.events.push({
    type: 'refund',
    tenantId,
    channel,
    customerId: sale.customerId,
    checkId: refundId,
    externalId: request.externalId,
    amount: plan.amount,
    data: { saleExternalId: sale.externalId, complete: plan.complete, redeemedReturned: plan.redeemed, accruedTakenBack: plan.accrued },
    at,
  });
  return { ok: true, value: resultText, replay: false };
}

/** The spends not yet given back: earlier refunds returned `returned` points, last spent first. */
function remainingSpends(spends: readonly Spend[], returned: number): Spend[] {
  const out = spends.map((s) => ({ ...s }));
  let left = returned;
  for (let i = out.length - 1; i >= 0 && left > 0; i--) {
    const take = Math.min(left, out[i]!.amount);
    out[i]!.amount -= take;
    left -= take;
  }
  return out.filter((s) => s.amount > 0);
}
