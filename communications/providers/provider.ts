// What every provider (SMS.ru, SMSC, SMTP, Telegram) answers for one message, as a value: the
// delivery worker decides from it whether to retry (nothing reached the provider), give up (the
// provider refused), or stop without resending (it may have been sent: "never twice" wins).

export type ChannelKind = 'sms' | 'email' | 'telegram';

export interface Outgoing {
  /** Our message's number: a client id for providers that take one (SMSC). */
  seq: number;
  address: string;
  subject: string | null;
  body: string;
}

export type SendOutcome =
  | { outcome: 'accepted'; providerId: string; cost: number | null }
  /** The provider answered no (a bad number, a blocked bot): sending again will not help. */
  | { outcome: 'refused'; reason: string }
  /** It did not reach the provider, or the provider said try later: safe to send again. */
  | { outcome: 'unavailable'; reason: string }
  /** The request left and no answer came: the provider may have taken it. */
  | { outcome: 'ambiguous'; reason: string };

export interface Provider {
  name: string;
  channel: ChannelKind;
  send(m: Outgoing): Promise<SendOutcome>;
  /**
   * Asks the provider whether it already has this message (by our seq), for a message a crash
   * left half-sent. Only providers that take a client id can answer; the others have no lookup.
   */
  lookup?(m: Outgoing): Promise<SendOutcome | null>;
}

/** A failed fetch as an outcome: refused connections never reached the provider; timeouts may have. */
export function fetchFailure(e: unknown): SendOutcome {
  const err = e as { name?: string; message?: string; cause?: { code?: string } };
  const code = err.cause?.code ?? '';
  const before = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'];
  if (before.includes(code)) return { outcome: 'unavailable', reason: `сервис недоступен (${code})` };
  return { outcome: 'ambiguous', reason: `ответ не получен: ${err.message ?? String(e)}${code ? ` (${code})` : ''}` };
}

/** Rubles as the providers write them ("1.40") → kopecks. */
export function rublesToKopecks(text: unknown): number | null {
  const n = typeof text === 'number' ? text : typeof text === 'string' ? Number(text) : NaN;
  return Number.isFinite(n) ? Math.round(n * 100) : null;
}
