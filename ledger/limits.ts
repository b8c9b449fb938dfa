import { holding, MAX_BALANCE, MAX_TOTAL_SPENT, type Account } from './account.ts';
import type { ParsedCheck } from './check.ts';
import type { CustomerEntry } from './batch-state.ts';
import { KopilkaError } from './errors.ts';
import { DAY_MS } from './lots.ts';
import type { CompiledProgram } from './program.ts';
import type { Evaluation } from './rules/evaluate.ts';

// The limits an operation must fit before it changes anything: how old (or new) a check may be,
// and how many bonuses and purchases a customer may hold (see account.ts for why).

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
export function ensureSaleFits(entry: CustomerEntry | undefined, acc: Account | null, ev: Evaluation): void {
  const totalSpent = entry?.row.totalSpent ?? 0;
  const id = entry?.row.id ?? '';
  if (totalSpent + ev.purchaseAmount > MAX_TOTAL_SPENT) {
    throw balanceLimitError(id, 'сумма покупок', { totalSpent, adding: ev.purchaseAmount, maxTotalSpent: MAX_TOTAL_SPENT });
  }
  let adding = ev.totals.accrued;
  for (const g of ev.gifts) adding += g.gift.points;
  ensureBalanceRoom((acc === null ? 0 : holding(acc)) - ev.totals.redeemed, adding, id);
}

/** What a referrer may still receive: the buyer's sale is not theirs to refuse, so they get what fits. */
export function roomFor(acc: Account, points: number): number {
  return Math.min(points, Math.max(0, MAX_BALANCE - holding(acc)));
}
