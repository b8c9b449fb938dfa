import type { z } from 'zod';
import type { ApiRequest, ApiResponse } from '../kit/route.ts';
import { KopilkaError } from '../../ledger/index.ts';

// Evotor's error form (fixtures/callbacks/error-responses.excerpt.yaml; responses.yaml of
// evotor/documentation-api): a 4xx status and { "errors": [ { "code", "reason", "subject", "value" } ] }.
// Codes are Evotor's: 1002 wrong user token; 2001 syntax error; 2002 missing field; 2003 invalid
// values; 401: 1001 wrong application token, 1002 wrong user token, 1003 user token no longer
// valid (the app was uninstalled), 1006 wrong credentials at /user/verify. `reason` is
// machine-readable as in the doc's examples (`missing`, `unexpected`, `incorrect`…), `subject` the
// field, and `message` our Russian text for a person. A document the ledger queued for review is
// not an error: it is answered 200 like a recorded one (PROTOCOL.md §8).

export interface EvotorErrorItem {
  code: number;
  /** Machine-readable: missing, incorrect, syntax, unauthorized, expired, credentials, … */
  reason: string;
  /** The same in Russian, for the person reading the cloud's log. */
  message: string;
  subject?: string;
  value?: unknown;
}

export const EVOTOR_CODES = {
  wrongAppToken: 1001,
  wrongUserToken: 1002,
  expiredUserToken: 1003,
  wrongCredentials: 1006,
  syntax: 2001,
  missing: 2002,
  invalid: 2003,
} as const;

/** The machine-readable `reason` of each code (the doc's own words where it gives any). */
const REASONS: Record<number, string> = {
  1001: 'unauthorized',
  1002: 'unauthorized',
  1003: 'expired',
  1006: 'credentials',
  2001: 'syntax',
  2002: 'missing',
  2003: 'incorrect',
};
const reasonOf = (code: number) => REASONS[code] ?? (code >= 5000 ? 'unavailable' : 'incorrect');

/** Whether a schema issue is a field that is not there (zod: «…, received undefined»). */
const isMissing = (issue: { code?: string; message: string }) => (issue.code === undefined || issue.code === 'invalid_type') && /undefined/.test(issue.message);

/** Validates a body against a schema; a failure names Evotor's code (2002 missing, 2003 invalid). */
export function parseEvotor<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix = ''): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = prefix + (issue.path.map(String).join('.') || '(body)');
  const missing = isMissing(issue);
  throw new KopilkaError('INVALID_INPUT', `Неверные данные (${what}): поле «${field}» — ${missing ? 'отсутствует' : issue.message}`, {
    field,
    evotorCode: missing ? EVOTOR_CODES.missing : EVOTOR_CODES.invalid,
  });
}

/**
 * Evotor's code for invalid input: ours when we named one (parseEvotor, the translation), else
 * read from the schema issue the gateway found checking the route's declared input.
 */
function inputCode(e: KopilkaError): number {
  if (e.details?.evotorCode !== undefined) return Number(e.details.evotorCode);
  const issues = e.details?.issues;
  const first = Array.isArray(issues) ? (issues[0] as { message?: unknown } | undefined) : undefined;
  return typeof first?.message === 'string' && isMissing({ message: first.message }) ? EVOTOR_CODES.missing : EVOTOR_CODES.invalid;
}

/** A Kopilka error in Evotor's form: status and body (the routes' `errors`). */
export function evotorError(e: KopilkaError, _req?: ApiRequest): ApiResponse & { body: { errors: EvotorErrorItem[] } } {
  const field = typeof e.details?.field === 'string' ? e.details.field : undefined;
  const item = (code: number, subject = field): EvotorErrorItem => ({ code, reason: reasonOf(code), message: e.message, ...(subject ? { subject } : {}) });
  switch (e.code) {
    case 'UNAUTHORIZED': {
      const code = typeof e.details?.evotorCode === 'number' ? e.details.evotorCode : EVOTOR_CODES.wrongUserToken;
      return { status: 401, body: { errors: [item(code, field ?? 'Authorization')] } };
    }
    case 'INVALID_INPUT': {
      const code = field === '(body)' ? EVOTOR_CODES.syntax : inputCode(e);
      return { status: 400, body: { errors: [item(code, field === '(body)' ? undefined : field)] } };
    }
    case 'CHECK_NOT_FOUND':
    case 'CUSTOMER_NOT_FOUND':
    case 'NOT_FOUND':
      return { status: 404, body: { errors: [{ ...item(EVOTOR_CODES.invalid), ...(e.details?.value !== undefined ? { value: e.details.value } : {}) }] } };
    case 'BODY_TOO_LARGE':
      // Evotor has no code for it; the status tells the cloud to send fewer documents at once.
      return { status: 413, body: { errors: [item(EVOTOR_CODES.invalid, undefined)] } };
    case 'IDEMPOTENCY_CONFLICT':
      return { status: 409, body: { errors: [item(EVOTOR_CODES.invalid, field ?? 'id')] } };
    default:
      // Refused by the program (422 at home): Evotor lists no such status, so «invalid values».
      // 429 and 5xx keep their status (the cloud should retry); Evotor defines no code for them.
      if (e.status < 500 && e.status !== 429) return { status: 400, body: { errors: [item(EVOTOR_CODES.invalid)] } };
      return { status: e.status, body: { errors: [item(e.status * 10)] } };
  }
}
