import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { MAX_TOTAL_SPENT } from './account.ts';
import { boostView, currentBoosts, type Boost, type BoostView } from './boosts.ts';
import { requirePhone } from './phone.ts';
import { effectiveLevel, type CompiledProgram } from './program.ts';
import { phoneText } from './check.ts';
import { freeText, idText, isoDateText, parseInput } from './validation.ts';

// A birth date: a real calendar day (2026-02-30 is refused, not read as 2 March), not before 1900.
const isoDate = isoDateText.refine((s) => s >= '1900-01-01' && s <= '2999-12-31', 'дата вне 1900–2999 годов');

export const newCustomerSchema = z
  .object({
    phone: phoneText,
    cardNumber: idText(64).nullish(),
    name: freeText(256, { trim: true }).nullish(),
    gender: z.enum(['male', 'female']).nullish(),
    birthDate: isoDate.nullish(),
    email: z.string().trim().max(256).email('неверный e-mail').nullish(),
    address: freeText(1024).nullish(),
    comment: freeText(4096).nullish(),
    relatives: z.array(z.object({ name: freeText(256, { trim: true }).min(1), birthDate: isoDate }).strict()).max(20).nullish(),
    referrerCode: idText(32).nullish(),
    source: idText(32).nullish(),
    level: idText(64).nullish(),
    // What the customer bought before Kopilka, by the system they come from (an import, МойСклад's
    // salesAmount): their level starts from it. Kopecks; counted once, at registration.
    carriedOver: z
      .object({
        total: z.number().int('сумма покупок в копейках — целое число').min(0).max(MAX_TOTAL_SPENT),
        purchases: z.number().int().min(0).max(1_000_000_000).default(0),
      })
      .strict()
      .nullish(),
  })
  .strict();
export type NewCustomerInput = z.input<typeof newCustomerSchema>;
export type NewCustomer = z.output<typeof newCustomerSchema> & { phone: string };

export function parseNewCustomer(input: unknown): NewCustomer {
  const c = parseInput(newCustomerSchema, input, 'клиент');
  return { ...c, phone: requirePhone(c.phone) };
}

// Unambiguous when read aloud or typed from a receipt: no 0/O, 1/I/L.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export function newReferralCode(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/** The row the ledger keeps per customer, as the application sees it. */
export interface CustomerRow {
  tenantId: string;
  id: string;
  phone: string | null;
  cardNumber: string | null;
  name: string | null;
  gender: string | null;
  birthDate: string | null;
  email: string | null;
  address: string | null;
  comment: string | null;
  relatives: { name: string; birthDate: string }[];
  referralCode: string;
  referrerId: string | null;
  source: string | null;
  assignedLevel: string | null;
  levelCode: string;
  totalSpent: number;
  purchases: number;
  lastPurchaseAt: number | null;
  available: number;
  pending: number;
  debt: number;
  registeredAt: number;
  /** Personal temporary offers (boosts.ts), as stored. */
  boosts: Boost[];
}

export interface CustomerSummary {
  id: string;
  phone: string | null;
  cardNumber: string | null;
  name: string | null;
  level: { code: string; name: string };
  balance: { available: number; pending: number };
  totalSpent: number;
  purchases: number;
  lastPurchaseAt: string | null;
  nextLevel: { code: string; name: string; remaining: number } | null;
  referralCode: string;
  gender: string | null;
  birthDate: string | null;
  email: string | null;
  registeredAt: string;
  /** Where the customer came from (registration source: `pos`, `cashier`, `self`, `import`…); null: not recorded. */
  source: string | null;
  /** A level the business assigned by hand (the level shown is the higher of it and the earned one). */
  assignedLevel: string | null;
  referrerId: string | null;
  /** Personal offers not yet ended at the time of the read (running or to come). */
  boosts: BoostView[];
}

export function customerSummary(p: CompiledProgram, c: CustomerRow, balance: { available: number; pending: number }, now = Date.now()): CustomerSummary {
  const level = effectiveLevel(p, c.totalSpent, c.assignedLevel);
  const next = p.levels.find((l) => l.rank > level.rank);
  return {
    id: c.id,
    phone: c.phone,
    cardNumber: c.cardNumber,
    name: c.name,
    level: { code: level.code, name: level.name },
    balance: { available: Math.max(0, balance.available), pending: balance.pending },
    totalSpent: c.totalSpent,
    purchases: c.purchases,
    lastPurchaseAt: c.lastPurchaseAt === null ? null : new Date(c.lastPurchaseAt).toISOString(),
    nextLevel: next === undefined ? null : { code: next.code, name: next.name, remaining: Math.max(0, next.threshold - c.totalSpent) },
    referralCode: c.referralCode,
    gender: c.gender,
    birthDate: c.birthDate,
    email: c.email,
    registeredAt: new Date(c.registeredAt).toISOString(),
    source: c.source,
    assignedLevel: c.assignedLevel,
    referrerId: c.referrerId,
    boosts: currentBoosts(c.boosts, now).map(boostView),
  };
}
