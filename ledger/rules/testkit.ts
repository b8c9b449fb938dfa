// Builders shared by the rules tests: programs from the native-API JSON, checks, customers.
import { parseCheck, type CheckInput, type ParsedCheck } from '../check.ts';
import { compileProgram, DEFAULT_PROGRAM_INPUT, parseProgram, type CompiledProgram, type ProgramInput } from '../program.ts';
import type { CustomerState } from './evaluate.ts';

/** The default program with top-level settings replaced. */
export const program = (over: Partial<ProgramInput> = {}): CompiledProgram => compileProgram(parseProgram({ ...DEFAULT_PROGRAM_INPUT, ...over }));

/** One level (10% accrual, 100% redeem, no activation delay) with its fields and the program's replaced. */
export const oneLevel = (level: Record<string, unknown>, over: Partial<ProgramInput> = {}): CompiledProgram =>
  program({
    levels: [{ code: 'base', name: 'Базовая', threshold: 0, accrual: { type: 'percent', percent: 10 }, maxRedeemPercent: 100, ...level } as never],
    activationDays: 0,
    ...over,
  });

export const customer = (o: Partial<CustomerState> = {}): CustomerState => ({
  id: '1',
  totalSpent: 0,
  purchases: 1,
  assignedLevel: null,
  available: 0,
  pending: 0,
  referrerId: null,
  registeredAt: Date.parse('2026-01-01T00:00:00Z'),
  source: null,
  gender: null,
  birthDate: null,
  lastPurchaseAt: null,
  ...o,
});

export interface LineSpec {
  amount: number;
  productId?: string;
  groupId?: string | null;
}

/** A check paid by card for its full amount, at 12:00 Moscow time on Sunday 22 Nov 2026. */
export function check(lines: LineSpec[], o: Partial<CheckInput> = {}): ParsedCheck {
  return parseCheck({
    externalId: 'x',
    occurredAt: '2026-11-22T12:00:00+03:00',
    customer: { phone: '+79991234567' },
    lines: lines.map((l, i) => ({ lineNo: i + 1, productId: l.productId ?? `p${i}`, groupId: l.groupId ?? null, quantity: 1000, price: l.amount, amount: l.amount })),
    payments: [{ type: 'card', amount: lines.reduce((s, l) => s + l.amount, 0) }],
    ...o,
  });
}

export const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

/** Runs f and returns the error it throws (fails the test if it does not throw). */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}
