import { z } from 'zod';
import { KopilkaError, parseInput } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type RouteSpec } from '../connectors/kit/route.ts';
import { checkSameOrigin, SESSION_TTL_S, sessionCookie, signedIn } from './session.ts';

// The owner's own login to the cabinet. Someone signed in to the cabinet sets a login and a
// password («Вход по логину»); afterwards the sign-in page takes them instead of the admin key and
// opens the same kp_session cookie (same CSRF rules, same 12 hours). Every attempt counts as an
// attempt with an unknown credential from its address (UNKNOWN_KEY_RATE), so each address gets
// as many tries as it would with keys; on top of that a login locks for 5 minutes after 5 wrong
// passwords in a row (ledger/web-logins.ts), whatever the number of addresses.

const LOGIN = z
  .string()
  .trim()
  .min(3, 'логин — не короче 3 знаков')
  .max(64, 'логин — не длиннее 64 знаков')
  .regex(/^[A-Za-z0-9._@+-]+$/, 'логин — латинские буквы, цифры и . _ @ + -');
const PASSWORD = z.string().min(10, 'пароль — не короче 10 знаков').max(200, 'пароль — не длиннее 200 знаков');

const setBody = z.object({ login: LOGIN, password: PASSWORD }).strict();
const signInBody = z.object({ login: z.string().max(64), password: z.string().max(200) }).strict();

export function loginRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  return [
    route({
      method: 'POST',
      path: '/web/api/session/login',
      summary: 'Войти в кабинет по логину и паролю владельца',
      auth: 'public',
      bodyLimit: 1024,
      handler: async ({ req }) => {
        checkSameOrigin(ctx, req);
        const b = parseInput(signInBody, req.json(), 'вход');
        // Counted before the password is checked: a guesser pays the limit, not our CPU (scrypt).
        await ctx.unknownCredential(req.remoteAddress);
        const opened = await ledger.openLoginSession(b.login.trim(), b.password, SESSION_TTL_S);
        if (opened === null) throw new KopilkaError('UNAUTHORIZED', 'Неверный логин или пароль', { field: 'password' });
        return {
          status: 201,
          body: { role: 'admin', tenantId: opened.tenantId, storeId: null },
          headers: { 'set-cookie': sessionCookie(ctx, opened.token, SESSION_TTL_S), 'cache-control': 'no-store' },
        };
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/login',
      summary: 'Кабинет: логин владельца (без пароля)',
      auth: 'public',
      handler: async ({ req }) => ({ status: 200, body: { login: await ledger.webLogin((await signedIn(ctx, req, 'admin')).tenantId) } }),
    }),
    route({
      method: 'PUT',
      path: '/web/api/login',
      summary: 'Кабинет: задать логин и пароль владельца (прежние входы по паролю закрываются)',
      auth: 'public',
      bodyLimit: 1024,
      handler: async ({ req }) => {
        const s = await signedIn(ctx, req, 'admin');
        const b = parseInput(setBody, req.json(), 'логин');
        return { status: 200, body: { login: await ledger.setWebLogin(s.tenantId, b.login, b.password) } };
      },
    }),
  ];
}
