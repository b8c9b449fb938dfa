import { createHash, randomInt } from 'node:crypto';
import { isKopilkaError, KopilkaError } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';

// Confirming that a person holds a phone: a four-digit code sent by SMS (through the tenant's or
// the service's SMS settings, communications/), kept here for five minutes as a hash, five tries.
// One flow for every page: a request without a code sends one and asks for it (400 naming the
// field `code`); the same request with the code goes through. Where SMS is not configured at
// all, `confirmPhone` says so and the page decides (the cashier registers without a code; a
// customer cannot sign in). The codes live in this process: a second gateway behind a balancer
// needs sticky sessions for these pages, or the codes in Postgres (not done).

const TTL_MS = 5 * 60_000;
const REPEAT_MS = 60_000;
const TRIES = 5;

interface Pending {
  hash: string;
  until: number;
  tries: number;
  sentAt: number;
}

const digest = (code: string) => createHash('sha256').update(code).digest('hex');

export class PhoneCodes {
  private readonly codes = new Map<string, Pending>();

  constructor(private readonly ctx: ConnectorContext) {}

  /**
   * 'confirmed': the code matched. 'unavailable': SMS is not configured for this tenant. Throws
   * INVALID_INPUT (field `code`) when a code was sent now or is awaited, or when it does not match.
   */
  async confirm(tenantId: string, phone: string, code: string | null | undefined, customerId: string | null, what: string): Promise<'confirmed' | 'unavailable'> {
    const k = `${tenantId}\u0000${phone}`;
    const had = this.codes.get(k);
    const now = Date.now();
    if (code) {
      if (had === undefined || had.until < now) throw new KopilkaError('INVALID_INPUT', 'Код устарел: запросите новый', { field: 'code' });
      if (++had.tries > TRIES) {
        this.codes.delete(k);
        throw new KopilkaError('RATE_LIMITED', 'Слишком много неверных кодов: запросите новый');
      }
      if (digest(code.trim()) !== had.hash) throw new KopilkaError('INVALID_INPUT', 'Код не совпадает с отправленным', { field: 'code' });
      this.codes.delete(k);
      return 'confirmed';
    }
    if (had !== undefined && had.until > now && now - had.sentAt < REPEAT_MS) {
      throw new KopilkaError('INVALID_INPUT', 'Код уже отправлен: введите его (новый — через минуту)', { field: 'code' });
    }
    const fresh = String(randomInt(1000, 10_000));
    try {
      await this.ctx.messages.sms(tenantId, 'codes', phone, `Код подтверждения ${what}: ${fresh}`, customerId);
    } catch (e) {
      if (isKopilkaError(e) && e.code === 'SMS_NOT_CONFIGURED') return 'unavailable';
      throw e;
    }
    for (const [key, v] of this.codes) if (v.until < now) this.codes.delete(key);
    this.codes.set(k, { hash: digest(fresh), until: now + TTL_MS, tries: 0, sentAt: now });
    throw new KopilkaError('INVALID_INPUT', `Код отправлен на ${phone.slice(0, 5)}***${phone.slice(-4)}: введите его`, { field: 'code', sent: true });
  }
}
