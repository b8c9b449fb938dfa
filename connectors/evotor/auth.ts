import { createHash, timingSafeEqual } from 'node:crypto';
import type { ConnectorContext } from '../kit/context.ts';
import type { ApiRequest } from '../kit/route.ts';
import { KopilkaError, type EvotorUser } from '../../ledger/index.ts';
import { EVOTOR_CODES } from './errors.ts';

// Who is calling, in the cloud app's two schemes (evotor-callbacks.yaml `serverAuth` / `clientAuth`):
//   • the application token set at dev.evotor.ru (EVOTOR_APP_TOKEN, as `Bearer`), or the Basic
//     pair (EVOTOR_APP_BASIC "login:password") — on /user/create, /verify, /token;
//   • the user token we returned from /create or /verify (a key of the tenant's `evotor` channel)
//     — on everything else.

const digest = (s: string) => createHash('sha256').update(s).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** The Bearer token, or the bare header value; null when absent. */
export function bearer(req: ApiRequest): string | null {
  const h = (req.headers.authorization ?? '').trim();
  if (h === '' || /^Basic\s/i.test(h)) return null;
  const t = (/^Bearer\s+(.*)$/i.exec(h)?.[1] ?? h).trim();
  return t === '' ? null : t;
}

/** Whether the request carries the application's credential (token or Basic pair). */
export function isAppCall(ctx: ConnectorContext, req: ApiRequest): boolean {
  const h = (req.headers.authorization ?? '').trim();
  const { EVOTOR_APP_TOKEN: token, EVOTOR_APP_BASIC: basic } = ctx.settings;
  const b = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(h);
  if (b !== null) return basic !== undefined && same(Buffer.from(b[1]!, 'base64').toString('utf8'), basic);
  const t = bearer(req);
  return t !== null && token !== undefined && same(t, token);
}

/** Refuses a call without the application's credential: 401 / 1001 («неверный токен облака»). */
export async function requireApp(ctx: ConnectorContext, req: ApiRequest): Promise<void> {
  if (ctx.settings.EVOTOR_APP_TOKEN === undefined && ctx.settings.EVOTOR_APP_BASIC === undefined) {
    throw new KopilkaError('UNAUTHORIZED', 'На сервере Копилки не задан EVOTOR_APP_TOKEN (токен приложения Эвотор): сообщите администратору сервера', {
      evotorCode: EVOTOR_CODES.wrongAppToken,
    });
  }
  if (isAppCall(ctx, req)) return;
  await ctx.unknownCredential(req.remoteAddress);
  throw new KopilkaError('UNAUTHORIZED', 'Неверный токен приложения: он должен совпадать с указанным в разделе «Интеграция» на dev.evotor.ru', {
    evotorCode: EVOTOR_CODES.wrongAppToken,
  });
}

/**
 * The Evotor user whose token this is. Unknown: 401 / 1002; the app was uninstalled (the token
 * revoked): 401 / 1003 unless `uninstalledToo` (late events of an uninstalled user still get 200).
 */
export async function requireUser(ctx: ConnectorContext, req: ApiRequest, o: { uninstalledToo?: boolean } = {}): Promise<EvotorUser & { tenantId: string }> {
  const token = bearer(req);
  const user = token === null ? null : await ctx.ledger.evotorUserByToken(token);
  if (user === null || user.tenantId === null) {
    await ctx.unknownCredential(req.remoteAddress);
    throw new KopilkaError('UNAUTHORIZED', 'Неверный токен пользователя Эвотор: переустановите приложение или повторите вход', { evotorCode: EVOTOR_CODES.wrongUserToken });
  }
  if (user.status === 'uninstalled' && !o.uninstalledToo) {
    throw new KopilkaError('UNAUTHORIZED', 'Приложение удалено из личного кабинета Эвотор: токен пользователя больше не действует', { evotorCode: EVOTOR_CODES.expiredUserToken });
  }
  return user as EvotorUser & { tenantId: string };
}
