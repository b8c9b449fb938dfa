import { KopilkaError, type WebRole, type WebSession } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import type { ApiRequest } from '../connectors/kit/route.ts';

// Who is on a page. The pages never hold a key: signing in sends the key once in the
// Authorization header (checked and rate-limited by the gateway like any key), and the browser
// gets a random session token in an HttpOnly, SameSite=Strict cookie. Every /web/api route is
// `public` to the gateway and calls `signedIn` here, the one place a cookie becomes a tenant.
//
// CSRF: SameSite=Strict keeps the cookie off every request another site starts; on top of that,
// a request that changes something must carry the header `X-Kopilka-Web: 1` (a cross-site form
// cannot set a header, and a cross-site fetch with it needs a CORS preflight we never answer) and,
// when the browser sends Origin, an Origin equal to this host (or PUBLIC_URL).

export const COOKIE = 'kp_session';
export const SESSION_TTL_S = 12 * 3600;
export const CSRF_HEADER = 'x-kopilka-web';

export function cookieOf(req: ApiRequest, name = COOKIE): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The Set-Cookie header for a new session (empty token and 0 s: signed out). */
export function sessionCookie(ctx: ConnectorContext, token: string, maxAgeS: number): string {
  const secure = ctx.settings.PUBLIC_URL?.startsWith('https:') ? '; Secure' : '';
  return `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
}

/** Refuses a state-changing request that did not come from our own pages. */
export function checkSameOrigin(ctx: ConnectorContext, req: ApiRequest): void {
  if (req.method === 'GET') return;
  if (req.headers[CSRF_HEADER] !== '1') throw new KopilkaError('UNAUTHORIZED', 'Запрос не со страниц Копилки: нет заголовка X-Kopilka-Web');
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const own = new Set([`http://${req.headers.host}`, `https://${req.headers.host}`]);
  if (ctx.settings.PUBLIC_URL !== undefined) own.add(new URL(ctx.settings.PUBLIC_URL).origin);
  if (!own.has(origin)) throw new KopilkaError('UNAUTHORIZED', `Запрос с чужого сайта (${origin}) отклонён`);
}

const WRONG_ROLE: Record<WebRole, string> = {
  admin: 'Нужен вход владельца (ключ администратора)',
  cashier: 'Нужен вход кассира (ключ канала «cashier»)',
  customer: 'Нужен вход клиента по телефону',
};

/**
 * The session behind the request's cookie, of the role the page needs; UNAUTHORIZED otherwise.
 * A cookie that matches no session counts as an attempt with an unknown credential (rate limit).
 */
export async function signedIn(ctx: ConnectorContext, req: ApiRequest, role: WebRole): Promise<WebSession> {
  checkSameOrigin(ctx, req);
  const token = cookieOf(req);
  if (token === null) throw new KopilkaError('UNAUTHORIZED', 'Войдите: сессия не начата');
  const s = await ctx.ledger.webSession(token);
  if (s === null) {
    await ctx.unknownCredential(req.remoteAddress);
    throw new KopilkaError('UNAUTHORIZED', 'Сессия истекла или ключ отозван: войдите снова');
  }
  if (s.role !== role) throw new KopilkaError('UNAUTHORIZED', WRONG_ROLE[role]);
  return s;
}
