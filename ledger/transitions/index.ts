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

/** Opening an account settles it: due activations and expiries become postings. */
function settleDue(state: BatchState, op: SettleOp): Outcome<void> {
  for (const id of op.customerIds) {
    const e = state.customer(op.tenantId, id);
    if (e !== undefined) state.account(e);
  }
  return { ok: true, value: undefined, replay: false };
}
