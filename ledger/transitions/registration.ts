import type { LotKind } from '../account.ts';
import { BatchState, type CustomerEntry } from '../batch-state.ts';
import { newReferralCode, type CustomerRow, type NewCustomer } from '../customers.ts';
import { KopilkaError } from '../errors.ts';
import { effectiveLevel, levelByCode, type CompiledProgram } from '../program.ts';
import { registrationGifts } from '../rules/gifts.ts';
import { giftLot } from './gift.ts';

// Registering a customer: unique phone and card, a known referrer and level, a fresh referral
// code, and the program's registration gifts.

export function registerCustomer(state: BatchState, tenantId: string, c: NewCustomer, at: number): CustomerEntry {
  const program = state.program(tenantId);
  const referrerId = checkRegistration(state, program, tenantId, c);
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
    levelCode: effectiveLevel(program, c.carriedOver?.total ?? 0, c.level).code,
    totalSpent: c.carriedOver?.total ?? 0,
    purchases: c.carriedOver?.purchases ?? 0,
    lastPurchaseAt: null,
    available: 0,
    pending: 0,
    debt: 0,
    registeredAt: at,
    boosts: [],
  };
  const entry: CustomerEntry = { row, isNew: true, dirty: true, account: null };
  state.addCustomer(entry);
  for (const g of registrationGifts(program, row.source)) giftLot(state, entry, program, g.kind as LotKind, g.gift, null, state.now);
  state.events.push({ type: 'customerRegistered', tenantId, customerId: row.id, data: { source: row.source }, at: new Date(state.now).toISOString() });
  return entry;
}

/** Refuses a taken phone or card, an unknown referral code or level; returns the referrer's id. */
function checkRegistration(state: BatchState, program: CompiledProgram, tenantId: string, c: NewCustomer): string | null {
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
  return referrerId;
}
