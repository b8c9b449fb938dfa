import { z } from 'zod';
import type { GrantKind } from './operations.ts';
import type { Gift } from './program.ts';
import { MAX_AMOUNT } from './check.ts';
import { freeText, idText, parseInput } from './validation.ts';

// Bonuses granted outside a sale: by a person in the cabinet (`manual`, with a reason), with a
// client base imported from another service (`import`), with a campaign or a reactivation step
// (`campaign`). Each is a gift lot with the program's activation and lifetime unless the grant
// names its own, given once per `key`: a retried call grants nothing more.

export const grantSchema = z
  .object({
    points: z.number().int('баллы в сотых — целое число').min(1, 'не меньше 1').max(MAX_AMOUNT),
    kind: z.enum(['manual', 'import', 'campaign']).default('manual'),
    /** The caller's idempotency key: one grant per customer and key. */
    key: idText(64),
    reason: freeText(500, { trim: true }).nullish(),
    ttlDays: z.number().int().min(1).max(3660).nullish(),
    activationDays: z.number().int().min(0).max(3660).default(0),
  })
  .strict()
  .meta({ title: 'начисление бонусов вне покупки' });
export type GrantInput = z.input<typeof grantSchema>;

export interface ParsedGrant {
  kind: GrantKind;
  gift: Gift;
  occasion: string;
  reason: string | null;
}

export function parseGrant(input: unknown): ParsedGrant {
  const g = parseInput(grantSchema, input, 'начисление');
  return { kind: g.kind, gift: { points: g.points, ttlDays: g.ttlDays ?? null, activationDays: g.activationDays }, occasion: `${g.kind}:${g.key}`, reason: g.reason ?? null };
}
