import { fetchFailure, type Outgoing, type Provider, type SendOutcome } from './provider.ts';

// Telegram Bot API (https://core.telegram.org/bots/api#sendmessage): POST
// /bot<token>/sendMessage with {chat_id, text}; the answer is {"ok": true, "result": Message} or
// {"ok": false, "error_code", "description", "parameters": {"retry_after"}}. The Bot API takes no
// client id: a message a crash left half-sent is not sent again. Fixtures: fixtures/telegram-*.json.

interface TelegramAnswer {
  ok: boolean;
  result?: { message_id: number };
  error_code?: number;
  description?: string;
}

export class TelegramProvider implements Provider {
  readonly name = 'telegram';
  readonly channel = 'telegram' as const;
  constructor(
    private readonly token: string,
    private readonly baseUrl = 'https://api.telegram.org',
  ) {}

  async send(m: Outgoing): Promise<SendOutcome> {
    let answer: TelegramAnswer;
    try {
      const r = await fetch(new URL(`/bot${this.token}/sendMessage`, this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: m.address, text: m.body }),
        signal: AbortSignal.timeout(10_000),
      });
      if (r.status >= 500) return { outcome: 'unavailable', reason: `Telegram ответил ${r.status}` };
      answer = (await r.json()) as TelegramAnswer;
    } catch (e) {
      return fetchFailure(e);
    }
    if (answer.ok && answer.result) return { outcome: 'accepted', providerId: String(answer.result.message_id), cost: 0 };
    const reason = `${answer.description ?? 'ошибка'} (код ${answer.error_code ?? '?'})`;
    // 429: flood control, retry_after seconds; 400/403: a chat that is not there or blocked the bot.
    return answer.error_code === 429 ? { outcome: 'unavailable', reason } : { outcome: 'refused', reason };
  }
}
