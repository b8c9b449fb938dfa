import { fetchFailure, type Outgoing, type Provider, type SendOutcome } from './provider.ts';
import { smsParts } from './sms-parts.ts';

// SMS.ru's HTTP API (https://sms.ru/api/send): GET /sms/send with api_id, to, msg and json=1; the
// answer says per number whether the message was accepted (fixtures/smsru-send.response.json).
// SMS.ru takes no client id, so a message a crash left half-sent cannot be looked up: it is not
// sent again (status unknown).

interface SmsRuAnswer {
  status: string;
  status_code: number;
  status_text?: string;
  sms?: Record<string, { status: string; status_code: number; sms_id?: string; status_text?: string; cost?: string | number }>;
}

/** status_code values that mean "not now" rather than "never" (SMS.ru's list: 2xx refusals are final). */
const TRY_LATER = new Set([220, 500, 501, 502, 503, 504]);

export class SmsRuProvider implements Provider {
  readonly name = 'smsru';
  readonly channel = 'sms' as const;
  constructor(
    private readonly apiId: string,
    private readonly baseUrl = 'https://sms.ru',
    private readonly from?: string,
    /** What one SMS costs the tenant at SMS.ru, kopecks (SMS.ru's send answer does not say). */
    private readonly price: number | null = null,
  ) {}

  /** SMS.ru's own figure (rubles) when it gives one, else the tenant's price per part × the parts. */
  private costOf(body: string, said: string | number | undefined): number | null {
    const rub = said === undefined ? NaN : Number(said);
    if (Number.isFinite(rub) && rub > 0) return Math.round(rub * 100);
    return this.price === null ? null : this.price * smsParts(body);
  }

  async send(m: Outgoing): Promise<SendOutcome> {
    const to = m.address.replace(/^\+/, '');
    const url = new URL('/sms/send', this.baseUrl);
    url.searchParams.set('api_id', this.apiId);
    url.searchParams.set('to', to);
    url.searchParams.set('msg', m.body);
    url.searchParams.set('json', '1');
    if (this.from) url.searchParams.set('from', this.from);
    let answer: SmsRuAnswer;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (r.status >= 500) return { outcome: 'unavailable', reason: `SMS.ru ответил ${r.status}` };
      answer = (await r.json()) as SmsRuAnswer;
    } catch (e) {
      return fetchFailure(e);
    }
    const one = answer.sms?.[to];
    if (answer.status === 'OK' && one?.status === 'OK' && one.sms_id) return { outcome: 'accepted', providerId: one.sms_id, cost: this.costOf(m.body, one.cost) };
    const code = one?.status_code ?? answer.status_code;
    const reason = one?.status_text ?? answer.status_text ?? `код ${code}`;
    return TRY_LATER.has(code) ? { outcome: 'unavailable', reason } : { outcome: 'refused', reason };
  }
}
