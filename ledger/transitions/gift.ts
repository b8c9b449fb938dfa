import { credit, holding, type Lot, type LotKind } from '../account.ts';
import { BatchState, type CustomerEntry } from '../batch-state.ts';
import { ensureBalanceRoom } from '../limits.ts';
import { giftLotTimes } from '../lots.ts';
import type { GiftOp, Outcome } from '../operations.ts';
import type { CompiledProgram, Gift } from '../program.ts';

// Gifts: a lot credited for an occasion (registration, a purchase's gift rules, a referral, a
// birthday, an absence), with the program's activation delay and lifetime.

/** Credits a gift lot to a customer and records the event. */
export function giftLot(state: BatchState, entry: CustomerEntry, program: CompiledProgram, kind: LotKind, gift: Gift, checkId: string | null, at: number): Lot {
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

/** A gift by date or absence, once per occasion: a second one (or a customer gone) is a replay. */
export function giveGift(state: BatchState, op: GiftOp): Outcome<boolean> {
  const e = state.customer(op.tenantId, op.customerId);
  const key = BatchState.key(op.tenantId, op.customerId, op.occasion);
  if (e === undefined || state.givenGifts.has(key)) return { ok: true, value: false, replay: true };
  ensureBalanceRoom(holding(state.account(e)), op.gift.points, e.row.id);
  const lot = giftLot(state, e, state.program(op.tenantId), op.lotKind, op.gift, null, state.now);
  state.givenGifts.add(key);
  state.newGiftLog.push({ tenantId: op.tenantId, customerId: op.customerId, occasion: op.occasion, lotId: lot.id, reason: op.reason ?? null });
  return { ok: true, value: true, replay: false };
}
