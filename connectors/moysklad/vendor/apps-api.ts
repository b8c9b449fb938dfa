import { KopilkaError } from '../../../ledger/index.ts';
import { signJwt } from './jwt.ts';

// Our calls to МойСклад's apps API (VND «REST-эндпоинты на стороне МоегоСклада»,
// BASE-ENDPOINT https://apps-api.moysklad.ru/api/vendor/1.0): the loyalty settings of an account,
// the solution's status on it, and the user behind a window's contextKey. Each call carries a
// one-time JWT (sub = appUid) and `Accept-Encoding: gzip`, without which МойСклад answers 415.

export interface AppsApiConfig {
  /** MOYSKLAD_APPS_API_URL, without /api/vendor/1.0. */
  url: string;
  appUid: string;
  secret: string;
}

export interface LoyaltySettings {
  url: string;
  token: string;
  externalSearch: boolean;
}

/** The parts of the user context (the JSON API's employee) the window needs. */
export interface UserContext {
  id: string;
  accountId: string;
  name?: string;
  permissions?: { admin?: { view?: string } };
}

const TIMEOUT_MS = 10_000;

export class AppsApi {
  constructor(private readonly c: AppsApiConfig) {}

  /** Tells МойСклад where the account's tills reach Kopilka, and with which key. */
  async putLoyalty(appId: string, accountId: string, s: LoyaltySettings): Promise<void> {
    await this.call('PUT', `/apps/${appId}/${accountId}/loyalty`, s, 'передать МоемуСкладу адрес и ключ программы лояльности');
  }

  /** Moves the install on (SettingsRequired → Activated once the user has linked a tenant). */
  async putStatus(appId: string, accountId: string, status: 'Activating' | 'SettingsRequired' | 'Activated'): Promise<void> {
    await this.call('PUT', `/apps/${appId}/${accountId}/status`, { status }, 'сообщить МоемуСкладу статус решения');
  }

  async status(appId: string, accountId: string): Promise<{ status: string; cause?: string }> {
    return (await this.call('GET', `/apps/${appId}/${accountId}/status`, undefined, 'узнать статус решения в МоёмСкладе')) as { status: string };
  }

  /** The user who opened the window; the key lives 5 minutes and MoySklad answers 404 after. */
  async context(contextKey: string): Promise<UserContext> {
    const ctx = (await this.call('POST', `/context/${encodeURIComponent(contextKey)}`, undefined, 'узнать пользователя МоегоСклада')) as UserContext;
    if (typeof ctx?.accountId !== 'string' || typeof ctx.id !== 'string') {
      throw new KopilkaError('INTERNAL', 'МойСклад вернул контекст пользователя без accountId: обновите страницу решения');
    }
    return ctx;
  }

  private async call(method: string, path: string, body: unknown, what: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.c.url.replace(/\/+$/, '')}/api/vendor/1.0${path}`, {
        method,
        headers: {
          authorization: `Bearer ${signJwt(this.c.secret, { sub: this.c.appUid })}`,
          accept: 'application/json',
          'accept-encoding': 'gzip',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      throw new KopilkaError('INTERNAL', `Не удалось ${what}: МойСклад недоступен (${(e as Error).message}). Повторите через минуту`);
    }
    const text = await res.text();
    if (!res.ok) throw refusal(res.status, text, what);
    return text === '' ? null : JSON.parse(text);
  }
}

/** МойСклад's refusal (JSON API form: errors[].error), said with what to do. */
function refusal(status: number, text: string, what: string): KopilkaError {
  let said = '';
  try {
    const e = (JSON.parse(text) as { errors?: { error?: string }[] }).errors?.[0]?.error;
    if (typeof e === 'string') said = `: «${e}»`;
  } catch {
    // not JSON: the status says enough
  }
  const hint =
    status === 401 || status === 403
      ? 'проверьте MOYSKLAD_APP_UID и MOYSKLAD_APP_SECRET (секретный ключ решения)'
      : status === 404
        ? 'решение не установлено на этом аккаунте или ссылка устарела — откройте решение в МоёмСкладе заново'
        : status === 400 || status === 409
          ? 'решение не в том статусе: переустановите его на аккаунте МоегоСклада'
          : 'повторите через минуту';
  const code = status === 404 ? 'NOT_FOUND' : status === 401 || status === 403 ? 'UNAUTHORIZED' : 'INTERNAL';
  return new KopilkaError(code, `Не удалось ${what}: МойСклад ответил ${status}${said}; ${hint}`);
}
