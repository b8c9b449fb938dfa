import type { CheckEntry } from '../batch-state.ts';
import { KopilkaError } from '../errors.ts';
import type { Answer, Outcome } from '../operations.ts';

/**
 * A document already recorded under this external id: the same content is a replay and gets the
 * first answer unchanged; other content is a conflict (a new document needs a new number).
 */
export function replayOrConflict<C extends CheckEntry>(existing: C, hash: string): Outcome<Answer<C['answer']>> {
  if (existing.requestHash === hash) return { ok: true, value: { answer: existing.answer, json: existing.result }, replay: true };
  return {
    ok: false,
    error: new KopilkaError(
      'IDEMPOTENCY_CONFLICT',
      `Чек ${existing.externalId} уже проведён с другим содержимым. Для нового чека нужен новый номер`,
      { externalId: existing.externalId, committedAt: new Date(existing.occurredAt).toISOString() },
    ),
  };
}
