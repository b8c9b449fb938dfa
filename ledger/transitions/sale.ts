import { credit, spend, spendable, type Account } from '../account.ts';
import { assumedState, BatchState, findCustomer, newcomerState, stateOf, type CheckDetail, type CustomerEntry } from '../batch-state.ts';
import { checkPayments, type CheckResult, type ParsedCheck } from '../check.ts';
import { KopilkaError } from '../errors.ts';
import { checkAge, ensureSaleFits, roomFor } from '../limits.ts';
import { accrualLotTimes, customerBurnAt } from '../lots.ts';
import { answerOf, type Answer, type Outcome, type SaleOp } from '../operations.ts';
import type { CompiledProgram } from '../program.ts';
import { evaluateCheck, type CustomerState, type Evaluation } from '../rules/evaluate.ts';
import { issuedCoupon, spendCoupon } from '../coupons.ts';
import { spendBudgets, withinBudgets } from '../budgets.ts';
import { planGiftcards, takeGiftcards } from '../giftcards.ts';
import { saleDays } from '../promotion-rollups.ts';
import { creditAccrual } from './accrual-lots.ts';
import { giftLot } from './gift.ts';
import { registerCustomer } from './registration.ts';
import { replayOrConflict } from './replay.ts';

// A sale: priced by the program's rules, then the customer's bonuses move (redeemed, accrued,
// gifts, the referrer's reward, the level), then the check is recorded with its answer.

export function applySale(state: BatchState, op: SaleOp): Outcome<Answer<CheckResult>> {
  const { tenantId, channel, check } = op;
  const existing = state.findSale(tenantId, channel, check.externalId);
  if (existing !== undefined) return replayOrConflict(existing, op.hash);

  const program = state.program(tenantId);
  checkAge(program, check, state.now);
  const buyer = findBuyer(state, tenantId, check);
  let entry = buyer.entry;
  // A new phone is a customer too (registered with the sale), with no uses yet: ''.
  const coupon = issuedCoupon(state, tenantId, check, entry?.row.id ?? (check.customer != null ? '' : null));
  // Rules first: a refused check must leave nothing behind, not even a registration.
  const priced = coupon === null ? evaluationFor(state, op, program, buyer.cs) : evaluateCheck(program, check, buyer.cs, coupon);
  // A promotion past its budget does not apply (budgets.ts); certificates are checked before anything moves.
  const ev = withinBudgets(program, priced, state.budgets.spentOf(tenantId), (p) => evaluateCheck(p, check, buyer.cs, coupon));
  checkPayments(check, ev.totals, channel);
  const giftcards = planGiftcards(state.giftcards, tenantId, check);
  if (check.customer != null) ensureSaleFits(entry, entry === undefined ? null : state.account(entry), ev);
  if (entry === undefined && check.customer != null && 'phone' in check.customer) {
    // A new phone at the till registers the customer, as the cashier expects.
    entry = registerCustomer(state, tenantId, { phone: check.customer.phone, source: 'pos' }, state.now);
  }
  const checkId = state.nextId('checks');
  const referral = entry === undefined ? null : moveBonuses(state, op, program, ev, entry, checkId);
  const acc = entry === undefined ? null : state.account(entry);
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
    ...(giftcards.length > 0 ? { giftcards } : {}),
  };
  const answer = answerOf(result);
  recordSale(state, op, checkId, entry, ev, referral, answer);
  takeGiftcards(state.giftcards, tenantId, checkId, giftcards, state.now);
  spendBudgets(state.budgets, tenantId, program, ev);
  state.promotionDays.push(...saleDays(tenantId, check.at, program.source.timezone, ev.lines, ev.totals.amount - ev.totals.discount));
  if (ev.couponUsed !== null) spendCoupon(state, tenantId, ev.couponUsed, checkId, entry?.row.id ?? null, check.externalId);
  return { ok: true, value: answer, replay: false };
}

/** The customer a check names, and their state for the rules; a new phone is priced as a newcomer. */
function findBuyer(state: BatchState, tenantId: string, check: ParsedCheck): { entry: CustomerEntry | undefined; cs: CustomerState | null } {
  if (check.customer == null) return { entry: undefined, cs: null };
  const entry = findCustomer(state, tenantId, check.customer);
  if (entry !== undefined) return { entry, cs: stateOf(state, entry) };
  if ('phone' in check.customer) return { entry: undefined, cs: newcomerState(check.at) };
  throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден: проверьте номер карты', { customer: check.customer });
}

function evaluationFor(state: BatchState, op: SaleOp, program: CompiledProgram, cs: CustomerState | null): Evaluation {
  const pre = state.preEvaluated.get(op);
  if (pre !== undefined && pre.assumed === assumedState(cs)) {
    if (pre.ev instanceof KopilkaError) throw pre.ev;
    return pre.ev;
  }
  return evaluateCheck(program, op.check, cs);
}

/** The buyer's bonuses and standing after the sale; returns the referrer's reward, if any. */
function moveBonuses(state: BatchState, op: SaleOp, program: CompiledProgram, ev: Evaluation, entry: CustomerEntry, checkId: string): CheckDetail['referral'] {
  const { tenantId, channel, check } = op;
  const acc = state.account(entry);
  const row = entry.row;
  const at = new Date(state.now).toISOString();
  const base = { tenantId, channel, customerId: row.id, checkId, externalId: check.externalId };
  if (ev.totals.redeemed > 0) {
    const spends = spend(acc, ev.totals.redeemed, checkId, state.now);
    spends.forEach((s, seq) => state.newSpends.push({ tenantId, checkId, seq, lotId: s.lotId, amount: s.amount }));
    state.events.push({ type: 'redeemed', ...base, points: ev.totals.redeemed, at });
  }
  if (ev.totals.accrued > 0) {
    creditAccrual(state, acc, program, ev, checkId, check.at);
    state.events.push({ type: 'accrued', ...base, points: ev.totals.accrued, at });
  }
  const firstPurchase = row.purchases === 0;
  row.totalSpent += ev.purchaseAmount;
  row.purchases += 1;
  if (row.lastPurchaseAt === null || check.at > row.lastPurchaseAt) row.lastPurchaseAt = check.at;
  acc.burnAt = customerBurnAt(program.source.expiry, row.lastPurchaseAt);
  for (const g of ev.gifts) giftLot(state, entry, program, g.kind, g.gift, checkId, check.at);
  const referral = ev.referral === null ? null : rewardReferrer(state, tenantId, program, ev.referral, checkId, check.at);
  if (ev.levelAfter.code !== row.levelCode) {
    state.events.push({ type: 'levelChanged', tenantId, customerId: row.id, checkId, data: { from: row.levelCode, to: ev.levelAfter.code }, at });
    row.levelCode = ev.levelAfter.code;
  }
  if (firstPurchase) state.events.push({ type: 'firstPurchase', tenantId, channel, customerId: row.id, checkId, at });
  entry.dirty = true;
  return referral;
}

function rewardReferrer(
  state: BatchState,
  tenantId: string,
  program: CompiledProgram,
  due: { referrerId: string; points: number },
  checkId: string,
  at: number,
): CheckDetail['referral'] {
  const referrer = state.customer(tenantId, due.referrerId);
  // The referrer is locked with the batch; one deleted meanwhile simply gets nothing. A
  // referrer at the balance limit gets what fits.
  if (referrer === undefined) return null;
  const points = roomFor(state.account(referrer), due.points);
  if (points <= 0) return null;
  giftLot(state, referrer, program, 'referral', { points, ttlDays: null, activationDays: program.source.activationDays }, checkId, at);
  // Told apart from other gifts: the referrer hears about their friend's purchase (communications/).
  state.events.push({ type: 'referralAccrued', tenantId, customerId: due.referrerId, checkId, points, at: new Date(state.now).toISOString() });
  return { referrerId: due.referrerId, points };
}

function recordSale(
  state: BatchState,
  op: SaleOp,
  checkId: string,
  entry: CustomerEntry | undefined,
  ev: Evaluation,
  referral: CheckDetail['referral'],
  answer: Answer<CheckResult>,
): void {
  const { tenantId, channel, check } = op;
  state.addCheck({
    tenantId,
    id: checkId,
    channel,
    kind: 'sale',
    externalId: check.externalId,
    originalId: null,
    customerId: entry?.row.id ?? null,
    storeId: check.storeId ?? null,
    cashierId: check.cashierId ?? null,
    occurredAt: check.at,
    requestHash: op.hash,
    request: stripDerived(check),
    result: answer.json,
    answer: answer.answer,
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
    data: { storeId: check.storeId ?? null, cashierId: check.cashierId ?? null, occurredAt: check.occurredAt },
    at: new Date(state.now).toISOString(),
  });
}

export function balanceOf(acc: Account): { available: number; pending: number } {
  return { available: spendable(acc), pending: acc.pending };
}

/** The check as sent: the fields derived from it at validation are not stored. */
export function stripDerived(check: ParsedCheck): unknown {
  const { at: _at, localMinuteOfDay: _m, localWeekday: _w, ...rest } = check;
  return rest;
}
