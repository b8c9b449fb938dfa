import { fetchFailure, rublesToKopecks, type Outgoing, type Provider, type SendOutcome } from './provider.ts';

// SMSC.ru's HTTP API (https://smsc.ru/api/http/): GET /sys/send.php with login, psw, phones, mes,
// fmt=3 (answer in JSON), charset=utf-8, cost=3 (the answer carries the cost) and id — our
// message's number, which SMSC keeps with the message. That id is what makes a resend after a
// crash safe: /sys/status.php?phone=…&id=… answers status -3 («сообщение не найдено») when SMSC
// never took it, and anything else when it did. Fixtures: fixtures/smsc-*.json.

interface SmscSend {
  id?: number;
  cnt?: number;
  cost?: string;
  error?: string;
  error_code?: number;
}

interface SmscStatus {
  status?: number;
  error?: string;
  error_code?: number;
}

/** send.php error codes that mean "later": 3 no money yet, 4 IP blocked for a while, 9 too many same requests. */
const TRY_LATER = new Set([3, 4, 9]);
const NOT_FOUND = -3;

export class SmscProvider implements Provider {
  readonly name = 'smsc';
  readonly channel = 'sms' as const;
  constructor(
    private readonly login: string,
    private readonly password: string,
    private readonly baseUrl = 'https://smsc.ru',
    private readonly sender?: string,
  ) {}

  async send(m: Outgoing): Promise<SendOutcome> {
    const url = this.url('/sys/send.php', m);
    url.searchParams.set('mes', m.body);
    url.searchParams.set('cost', '3');
    url.searchParams.set('charset', 'utf-8');
    if (this.sender) url.searchParams.set('sender', this.sender);
    let answer: SmscSend;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (r.status >= 500) return { outcome: 'unavailable', reason: `SMSC ответил ${r.status}` };
      answer = (await r.json()) as SmscSend;
    } catch (e) {
      return fetchFailure(e);
    }
    if (answer.error_code === undefined && answer.id !== undefined) return { outcome: 'accepted', providerId: String(answer.id), cost: rublesToKopecks(answer.cost) };
    const reason = `${answer.error ?? 'ошибка'} (код ${answer.error_code ?? '?'})`;
    return TRY_LATER.has(answer.error_code ?? 0) ? { outcome: 'unavailable', reason } : { outcome: 'refused', reason };
  }

  async lookup(m: Outgoing): Promise<SendOutcome | null> {
    let answer: SmscStatus;
    try {
      const r = await fetch(this.url('/sys/status.php', m), { signal: AbortSignal.timeout(10_000) });
      answer = (await r.json()) as SmscStatus;
    } catch (e) {
      return fetchFailure(e);
    }
    if (answer.status === NOT_FOUND) return null;
    if (answer.status !== undefined) return { outcome: 'accepted', providerId: String(m.seq), cost: null };
    return { outcome: 'unavailable', reason: `SMSC не ответил о статусе: ${answer.error ?? '?'}` };
  }

  private url(path: string, m: Outgoing): URL {
    const url = new URL(path, this.baseUrl);
    url.searchParams.set('login', this.login);
    url.searchParams.set('psw', this.password);
    url.searchParams.set(path.includes('status') ? 'phone' : 'phones', m.address.replace(/^\+/, ''));
    url.searchParams.set('id', String(m.seq));
    url.searchParams.set('fmt', '3');
    return url;
  }
}
