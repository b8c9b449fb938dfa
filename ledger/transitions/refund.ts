import { giveCouponBack } from '../coupons.ts';
import { returnGiftcards } from '../giftcards.ts';
import { refundDays } from '../promotion-rollups.ts';
import { giveBack, holding, takeBack, type Spend } from '../account.ts';
import { BatchState, type CustomerEntry, type SaleEntry } from '../batch-state.ts';
import { KopilkaError, formatBonuses, formatRub } from '../errors.ts';
import { checkAge, ensureBalanceRoom } from '../limits.ts';
import { answerOf, type Answer, type Outcome, type RefundOp, type RefundResult } from '../operations.ts';
import { effectiveLevel, type CompiledProgram } from '../program.ts';
import { planRefund, proportionalTakeBack } from '../refunds.ts';
import { replayOrConflict } from './replay.ts';
import { balanceOf } from './sale.ts';

// A refund of all or part of a recorded sale: refunds.ts plans it line by line; here the
// customer gets back the bonuses they paid with, loses those accrued for what they returned
// (a shortfall becomes debt), the referrer's reward shrinks in proportion, and the refund is
// recorded with its answer.

type RefundPlan = ReturnType<typeof planRefund>;

interface CustomerSide {
  customer: RefundResult['customer'];
  debt: number;
  messages: string[];
}

export function applyRefund(state: BatchState, op: RefundOp): Outcome<Answer<RefundResult>> {
  const { tenantId, channel, request } = op;
  const existing = state.findRefund(tenantId, channel, request.externalId);
  if (existing !== undefined) return replayOrConflict(existing, op.hash);
  const sale = state.findSale(tenantId, channel, op.saleExternalId);
  if (sale === undefined) {
    throw new KopilkaError('CHECK_NOT_FOUND', `Чек продажи ${op.saleExternalId} не найден`, { externalId: op.saleExternalId });
  }
  const program = state.program(tenantId);
  // Validated as ISO with offset at the boundary; dated like a sale, within the program's window.
  const occurredAt = request.occurredAt != null ? Date.parse(request.occurredAt) : state.now;
  if (request.occurredAt != null) checkAge(program, { at: occurredAt, occurredAt: request.occurredAt }, state.now);
  const plan = planRefund(sale.detail.lines, sale.refundedQty, request.lines);
  const refundId = state.nextId('checks');
  const side: CustomerSide = sale.customerId === null ? { customer: null, debt: 0, messages: [] } : refundCustomer(state, program, sale, plan, refundId);

  // Certificates get back their share; the promotions' totals lose theirs (before the quantities move on).
  const giftcardsBack = returnGiftcards(state.giftcards, tenantId, sale.id, sale.detail.lines, plan);
  state.promotionDays.push(...refundDays(tenantId, occurredAt, program.source.timezone, { lines: sale.detail.lines, results: sale.answer.lines, refundedBefore: sale.refundedQty }, plan));
  sale.refundedQty = plan.refundedQty;
  sale.qtyChanged = true;
  const answer = answerOf<RefundResult>({
    externalId: request.externalId,
    saleExternalId: sale.externalId,
    status: 'committed',
    customer: side.customer,
    totals: { amount: plan.amount, discount: plan.discount, redeemed: plan.redeemed, accrued: plan.accrued, debt: side.debt },
    lines: plan.lines,
    messages: giftcardsBack > 0 ? [...side.messages, `На подарочные сертификаты возвращено ${formatRub(giftcardsBack)}`] : side.messages,
  });
  recordRefund(state, op, sale, refundId, occurredAt, plan, answer);
  // The whole sale back: so is the coupon use it spent.
  if (plan.complete) giveCouponBack(state, tenantId, sale.id);
  return { ok: true, value: answer, replay: false };
}

/** The buyer's side of a refund: bonuses given back and taken back, totals and level, the referrer's share. */
function refundCustomer(state: BatchState, program: CompiledProgram, sale: SaleEntry, plan: RefundPlan, refundId: string): CustomerSide {
  const entry = state.customer(sale.tenantId, sale.customerId!);
  if (entry === undefined) throw new Error(`ledger: customer ${sale.customerId} of check ${sale.id} was not loaded`);
  const acc = state.account(entry);
  const messages: string[] = [];
  let debt = 0;
  ensureBalanceRoom(holding(acc), plan.redeemed, entry.row.id);
  const spends = remainingSpends(state.spends.get(BatchState.key(sale.tenantId, sale.id)) ?? [], plan.redeemedBefore);
  if (plan.redeemed > 0) {
    giveBack(acc, spends, plan.redeemed, refundId, state.now, state.lotsById);
    messages.push(`Возвращено ${formatBonuses(plan.redeemed)}, оплаченных этим чеком`);
  }
  if (plan.accrued > 0) {
    debt = takeBack(acc, [sale.id], plan.accrued, refundId, state.now);
    messages.push(`Списано ${formatBonuses(plan.accrued)}, начисленных за возвращённые товары`);
    if (debt > 0) messages.push(`Не хватило ${formatBonuses(debt, { genitive: true })}: они будут удержаны из следующих начислений`);
  }
  const level = restate(state, program, entry, plan, refundId);
  entry.dirty = true;
  if (sale.detail.referral !== null) shrinkReferral(state, sale, plan, refundId);
  return { customer: { id: entry.row.id, level: { code: level.code, name: level.name }, balance: balanceOf(acc) }, debt, messages };
}

/** Purchase totals and level after the refund. */
function restate(state: BatchState, program: CompiledProgram, entry: CustomerEntry, plan: RefundPlan, refundId: string): { code: string; name: string } {
  const row = entry.row;
  row.totalSpent = Math.max(0, row.totalSpent - (plan.amount - plan.discount));
  if (plan.complete) row.purchases = Math.max(0, row.purchases - 1);
  const level = effectiveLevel(program, row.totalSpent, row.assignedLevel);
  if (level.code !== row.levelCode) {
    const at = new Date(state.now).toISOString();
    state.events.push({ type: 'levelChanged', tenantId: row.tenantId, customerId: row.id, checkId: refundId, data: { from: row.levelCode, to: level.code }, at });
    row.levelCode = level.code;
  }
  return level;
}

/** The referrer's reward shrinks with what the buyer actually paid and kept. */
function shrinkReferral(state: BatchState, sale: SaleEntry, plan: RefundPlan, refundId: string): void {
  const r = sale.detail.referral!;
  const paid = sale.detail.lines.reduce((s, l) => s + l.amount - l.discount - l.redeemed, 0);
  const back = proportionalTakeBack(r.points, paid, plan.paidBefore, plan.paidAfter);
  const referrer = state.customer(sale.tenantId, r.referrerId);
  if (back > 0 && referrer !== undefined) {
    takeBack(state.account(referrer), [sale.id], back, refundId, state.now);
    referrer.dirty = true;
  }
}

function recordRefund(state: BatchState, op: RefundOp, sale: SaleEntry, refundId: string, occurredAt: number, plan: RefundPlan, answer: Answer<RefundResult>): void {
  const { tenantId, channel, request } = op;
  state.addCheck({
    tenantId,
    id: refundId,
    channel,
    kind: 'refund',
    externalId: request.externalId,
    originalId: sale.id,
    customerId: sale.customerId,
    storeId: sale.storeId,
    cashierId: sale.cashierId,
    occurredAt,
    requestHash: op.hash,
    request: { saleExternalId: op.saleExternalId, ...request },
    result: answer.json,
    answer: answer.answer,
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
    at: new Date(state.now).toISOString(),
  });
}

/** The spends not yet given back: earlier refunds returned `returned` points, last spent first. */
export function remainingSpends(spends: readonly Spend[], returned: number): Spend[] {
  const out = spends.map((s) => ({ ...s }));
  let left = returned;
  for (let i = out.length - 1; i >= 0 && left > 0; i--) {
    const take = Math.min(left, out[i]!.amount);
    out[i]!.amount -= take;
    left -= take;
  }
  return out.filter((s) => s.amount > 0);
}
