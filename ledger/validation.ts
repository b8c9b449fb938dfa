import type { z } from 'zod';
import { KopilkaError } from './errors.ts';

/**
 * Validates input once, at the boundary. The first failing field is named in `details.field`
 * (dotted path, as the integrator wrote it) so a 400 says exactly what to fix.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
  const first = issues[0]!;
  throw new KopilkaError('INVALID_INPUT', `Неверные данные (${what}): поле «${first.field}» — ${first.message}`, {
    field: first.field,
    issues,
  });
}
