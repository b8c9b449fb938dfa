import type { z } from 'zod';
import { KopilkaError } from '../../ledger/errors.ts';

// Evotor's error form (fixtures/callbacks/error-responses.excerpt.yaml; responses.yaml of
// evotor/documentation-api): a 4xx status and { "errors": [ { "code", "reason", "subject", "value" } ] }.
// Codes are Evotor's: 1002 wrong user token; 2001 syntax error; 2002 missing field; 2003 invalid
// values. `reason` carries our Russian message (the doc types it as a free string: «Причина
// возникновения ошибки»), `subject` the field.

export interface EvotorErrorItem {
  code: number;
  reason: string;
  subject?: string;
  value?: unknown;
}

export const EVOTOR_CODES = { wrongUserToken: 1002, syntax: 2001, missing: 2002, invalid: 2003 } as const;

/** Validates a body against a schema; a failure names Evotor's code (2002 missing, 2003 invalid). */
export function parseEvotor<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix = ''): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = prefix + (issue.path.map(String).join('.') || '(body)');
  const missing = issue.code === 'invalid_type' && /undefined/.test(issue.message);
  throw new KopilkaError('INVALID_INPUT', `Неверные данные (${what}): поле «${field}» — ${missing ? 'отсутствует' : issue.message}`, {
    field,
    evotorCode: missing ? EVOTOR_CODES.missing : EVOTOR_CODES.invalid,
  });
}

/** A Kopilka error in Evotor's form: status and body. */
export function evotorError(e: KopilkaError): { status: number; body: { errors: EvotorErrorItem[] } } {
  const field = typeof e.details?.field === 'string' ? e.details.field : undefined;
  const item = (code: number, subject = field): EvotorErrorItem => ({ code, reason: e.message, ...(subject ? { subject } : {}) });
  switch (e.code) {
    case 'UNAUTHORIZED':
      return { status: 401, body: { errors: [item(EVOTOR_CODES.wrongUserToken, 'Authorization')] } };
    case 'INVALID_INPUT': {
      const code = field === '(body)' ? EVOTOR_CODES.syntax : Number(e.details?.evotorCode ?? EVOTOR_CODES.invalid);
      return { status: 400, body: { errors: [item(code, field === '(body)' ? undefined : field)] } };
    }
    case 'CHECK_NOT_FOUND':
    case 'CUSTOMER_NOT_FOUND':
    case 'NOT_FOUND':
      return { status: 404, body: { errors: [{ ...item(EVOTOR_CODES.invalid), ...(e.details?.value !== undefined ? { value: e.details.value } : {}) }] } };
    case 'IDEMPOTENCY_CONFLICT':
      return { status: 409, body: { errors: [item(EVOTOR_CODES.invalid, field ?? 'id')] } };
    default:
      // Refused by the program (422 at home): Evotor lists no such status, so «invalid values».
      // 429 and 5xx keep their status (the cloud should retry); Evotor defines no code for them.
      if (e.status < 500 && e.status !== 429) return { status: 400, body: { errors: [item(EVOTOR_CODES.invalid)] } };
      return { status: e.status, body: { errors: [item(e.status * 10)] } };
  }
}

/** A document id already recorded with other content (kept for review). */
export interface Conflict {
  id: string;
  /** Where the id is in the request (0.id, data.id…). */
  subject: string;
  reason: string;
}

/**
 * Conflicts in Evotor's form: 409 (a status Evotor's spec uses for a state that a resend cannot
 * change) with one errors[] item per document, code 2003 «недопустимые значения», the id as value.
 */
export function evotorConflicts(conflicts: readonly Conflict[]): { status: number; body: { errors: EvotorErrorItem[] } } {
  return { status: 409, body: { errors: conflicts.map((c) => ({ code: EVOTOR_CODES.invalid, reason: c.reason, subject: c.subject, value: c.id })) } };
}
