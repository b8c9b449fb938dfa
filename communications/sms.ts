import { KopilkaError } from '../ledger/index.ts';

// Sending SMS through SMS.ru's HTTP API (https://sms.ru/api/send): GET /sms/send with api_id,
// to, msg and json=1; the answer says per number whether the message was accepted. What was
// accepted is what billing counts (ledger.recordSms, billing/invoice.ts).

export interface SmsSender {
  /** Sends one message; resolves with the provider's id once it is accepted, throws otherwise. */
  send(phoneE164: string, text: string): Promise<string>;
}

interface SmsRuAnswer {
  status: string;
  status_code: number;
  status_text?: string;
  sms?: Record<string, { status: string; status_code: number; sms_id?: string; status_text?: string }>;
}

export class SmsRu implements SmsSender {
  constructor(
    private readonly apiId: string,
    private readonly baseUrl = 'https://sms.ru',
    private readonly from?: string,
  ) {}

  async send(phoneE164: string, text: string): Promise<string> {
    const to = phoneE164.replace(/^\+/, '');
    const url = new URL('/sms/send', this.baseUrl);
    url.searchParams.set('api_id', this.apiId);
    url.searchParams.set('to', to);
    url.searchParams.set('msg', text);
    url.searchParams.set('json', '1');
    if (this.from) url.searchParams.set('from', this.from);
    let answer: SmsRuAnswer;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      answer = (await r.json()) as SmsRuAnswer;
    } catch (e) {
      throw new KopilkaError('SMS_NOT_SENT', 'SMS не отправлено: сервис SMS недоступен, повторите позже', { reason: (e as Error).message });
    }
    const one = answer.sms?.[to];
    if (answer.status !== 'OK' || one?.status !== 'OK' || !one.sms_id) {
      const why = one?.status_text ?? answer.status_text ?? `код ${one?.status_code ?? answer.status_code}`;
      throw new KopilkaError('SMS_NOT_SENT', `SMS на ${phoneE164} не отправлено: ${why}`, { provider: 'sms.ru', code: one?.status_code ?? answer.status_code });
    }
    return one.sms_id;
  }
}
