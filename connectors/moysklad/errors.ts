import type { ErrorForm } from '../kit/route.ts';
import type { KopilkaError } from '../../ledger/index.ts';

// The error form the Loyalty API documents (PROTOCOL.md §1.7, fixtures/loyalty/error.response.json):
// a status other than 2xx and `errors[]`. `error` and `error_message` both carry our Russian message
// (which one the till shows is not documented). Business refusals (409, 422) become 412, as in the sample.

/** The header МойСклад sends the token registered with the solution in. */
export const TOKEN_HEADER = 'lognex-discount-api-auth-token';

// Integer codes the protocol wants; stable per Kopilka error code.
const ERROR_NUMBERS: Record<string, number> = {
  INVALID_INPUT: 10400,
  UNAUTHORIZED: 10401,
  CUSTOMER_NOT_FOUND: 10404,
  CHECK_NOT_FOUND: 10405,
  NOT_FOUND: 10406,
  IDEMPOTENCY_CONFLICT: 10409,
  PHONE_TAKEN: 10410,
  CARD_TAKEN: 10411,
  REDEEM_EXCEEDS_LIMIT: 10422,
  NOT_ENOUGH_BONUSES: 10423,
  REDEEM_WITHOUT_CUSTOMER: 10424,
  CHECK_TOO_OLD: 10425,
  REFUND_EXCEEDS_SALE: 10426,
  RATE_LIMITED: 10429,
  STORAGE_UNAVAILABLE: 10503,
};

/** A Kopilka error in МойСклад's form. */
export function loyaltyError(e: KopilkaError): { status: number; body: unknown } {
  const status = e.status === 422 || e.status === 409 ? 412 : e.status;
  return {
    status,
    body: { errors: [{ error: e.message, code: ERROR_NUMBERS[e.code] ?? 10000, error_message: e.message, ...(e.details?.field ? { parameter: String(e.details.field) } : {}) }] },
  };
}

/** A till without a token is told where МойСклад takes it from: the solution's settings. */
export const NO_TOKEN = 'Нет заголовка Lognex-Discount-API-Auth-Token: укажите ключ Копилки в настройках решения';

/** The routes' `errors`: the Loyalty API's form. */
export const moyskladErrors: ErrorForm = (e) => loyaltyError(e);
