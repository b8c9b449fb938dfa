// Errors are values: a stable code an integrator can branch on, a Russian message a cashier can
// act on, and details that name the field or the figures. The gateway maps `status` to HTTP.

export type ErrorCode =
  | 'INVALID_INPUT'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'CUSTOMER_NOT_FOUND'
  | 'CHECK_NOT_FOUND'
  | 'IDEMPOTENCY_CONFLICT'
  | 'PHONE_TAKEN'
  | 'CARD_TAKEN'
  | 'BODY_TOO_LARGE'
  | 'REDEEM_EXCEEDS_LIMIT'
  | 'NOT_ENOUGH_BONUSES'
  | 'REDEEM_WITHOUT_CUSTOMER'
  | 'CHECK_TOO_OLD'
  | 'CHECK_IN_FUTURE'
  | 'REFUND_EXCEEDS_SALE'
  | 'REFUND_OF_REFUND'
  | 'NO_PROGRAM'
  | 'RATE_LIMITED'
  | 'STORAGE_UNAVAILABLE'
  | 'SMS_NOT_SENT'
  | 'SMS_NOT_CONFIGURED'
  | 'INTERNAL'
  | 'BALANCE_LIMIT'
  | 'BOOST_LIMIT'
  | 'GIFTCARD_REFUSED';

const STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CUSTOMER_NOT_FOUND: 404,
  CHECK_NOT_FOUND: 404,
  IDEMPOTENCY_CONFLICT: 409,
  PHONE_TAKEN: 409,
  CARD_TAKEN: 409,
  BODY_TOO_LARGE: 413,
  REDEEM_EXCEEDS_LIMIT: 422,
  NOT_ENOUGH_BONUSES: 422,
  REDEEM_WITHOUT_CUSTOMER: 422,
  CHECK_TOO_OLD: 422,
  CHECK_IN_FUTURE: 422,
  REFUND_EXCEEDS_SALE: 422,
  REFUND_OF_REFUND: 409,
  NO_PROGRAM: 422,
  RATE_LIMITED: 429,
  STORAGE_UNAVAILABLE: 503,
  SMS_NOT_SENT: 502,
  SMS_NOT_CONFIGURED: 422,
  INTERNAL: 500,
  BALANCE_LIMIT: 422,
  BOOST_LIMIT: 422,
  GIFTCARD_REFUSED: 422,
};

export class KopilkaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'KopilkaError';
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export function isKopilkaError(e: unknown): e is KopilkaError {
  return e instanceof KopilkaError;
}

/**
 * Points with the word in its form, as a receipt says them: «1 бонус», «2 бонуса», «5 бонусов»,
 * «1,5 бонуса». `genitive`: after a word that asks for it («не хватило», «не больше»): «1 бонуса»,
 * «2 бонусов».
 */
export function formatBonuses(hundredths: number, o: { genitive?: boolean } = {}): string {
  return `${formatPoints(hundredths)} ${bonusWord(hundredths, o.genitive === true)}`;
}

/** «бонус», «бонуса» or «бонусов» for this many hundredths of a point (formatBonuses). */
export function bonusWord(hundredths: number, genitive = false): string {
  if (hundredths % 100 !== 0) return 'бонуса'; // a fraction: «1,5 бонуса», «не хватило 0,5 бонуса»
  const n = Math.abs(hundredths / 100);
  const last = n % 10;
  const lastTwo = n % 100;
  if (last === 1 && lastTwo !== 11) return genitive ? 'бонуса' : 'бонус';
  if (!genitive && last >= 2 && last <= 4 && (lastTwo < 12 || lastTwo > 14)) return 'бонуса';
  return 'бонусов';
}

/** Formats hundredths of a point as bonuses for a cashier: 5500 → "55", 5550 → "55,5". */
export function formatPoints(hundredths: number): string {
  const sign = hundredths < 0 ? '-' : '';
  const abs = Math.abs(hundredths);
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  if (frac === 0) return `${sign}${whole}`;
  return `${sign}${whole},${String(frac).padStart(2, '0').replace(/0$/, '')}`;
}

/** Formats kopecks as roubles for a cashier: 55000 → "550,00 ₽". */
export function formatRub(kopecks: number): string {
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')} ₽`;
}
