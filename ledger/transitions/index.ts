import type { BatchState } from '../batch-state.ts';
import { KopilkaError } from '../errors.ts';
import type { LedgerOp, OpOutcome, Outcome, OutcomeOf, SettleOp } from '../operations.ts';
import { giveGift } from './gift.ts';
import { applyRefund } from './refund.ts';
import { registerCustomer } from './registration.ts';
import { applySale } from './sale.ts';

// The transitions: each operation applied to the batch's state, in arrival order. A business
// refusal (KopilkaError) is that operation's outcome and leaves its neighbours alone; anything
// else is a bug and fails the batch (the writer then runs its operations one by one).

export { giftLot } from './gift.ts';
export { registerCustomer } from './registration.ts';

export function applyOp<O extends LedgerOp>(state: BatchState, op: O): OutcomeOf<O> {
  try {
    // The switch narrows `op`, not O: each branch's outcome is the one OutcomeOf<O> names for its kind.
    return applyKind(state, op) as OutcomeOf<O>;
  } catch (e) {
    if (e instanceof KopilkaError) return { ok: false, error: e };
    throw e;
  }
}

function applyKind(state: BatchState, op: LedgerOp): OpOutcome {
  switch (op.kind) {
    case 'sale':
      return applySale(state, op);
    case 'refund':
      return applyRefund(state, op);
    case 'register':
      return { ok: true, value: registerCustomer(state, op.tenantId, op.customer, state.now).row.id, replay: false };
    case 'gift':
      return giveGift(state, op);
    case 'settle':
      return settleDue(state, op);
  }
}

/**
 * Opening an account settles it: due activations and expiries become postings, told as one
 * `activated` and one `expired` event per customer (an account another operation of the batch
 * opened first was settled by it, silently).
 */
function settleDue(state: BatchState, op: SettleOp): Outcome<void> {
  for (const id of op.customerIds) {
    const e = state.customer(op.tenantId, id);
    if (e === undefined || e.account !== null) continue;
    const moved = state.account(e).postings;
    const at = new Date(state.now).toISOString();
    for (const [kind, type] of [['activation', 'activated'], ['expiry', 'expired']] as const) {
      const points = moved.filter((p) => p.kind === kind).reduce((n, p) => n + p.amount, 0);
      if (points > 0) state.events.push({ type, tenantId: op.tenantId, customerId: id, points, at });
    }
  }
  return { ok: true, value: undefined, replay: false };
}
