import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { ConnectorContext } from '../../kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../../kit/route.ts';
import { KopilkaError, plainText, type AppInstall } from '../../../ledger/index.ts';
import { LOYALTY_BASE } from '../loyalty.ts';
import { adoptAccount } from './account.ts';
import { AppsApi, type UserContext } from './apps-api.ts';
import { vendorConfig, type VendorConfig } from './config.ts';
import { JwtRefused, signJwt, verifyJwt } from './jwt.ts';
import { errorPage, windowPage } from './page.ts';

// The solution's main window (the descriptor's iframe): МойСклад loads it with a contextKey, which
// we resolve through the apps API (POST /context/{contextKey}) to the account and the user. An
// administrator of the account then links a Kopilka tenant: a new one, or an existing one by its
// admin key. Linking issues a key of the tenant's `moysklad` channel, hands it to МойСклад with our
// Loyalty API address (PUT …/loyalty) and reports the solution Activated (PUT …/status).
//
// The page's own requests carry a session: a token we sign (a key derived from the solution's
// secret, so no МойСклад token is ever taken for one) naming the account, good for 30 minutes.

export const WINDOW_PATH = '/moysklad/vendor/window';
const SESSION_S = 30 * 60;

interface Session {
  appId: string;
  accountId: string;
}

const api = (c: VendorConfig) => new AppsApi({ url: c.appsApiUrl, appUid: c.appUid, secret: c.secret });

const sessionKey = (c: VendorConfig) => createHmac('sha256', c.secret).update('kopilka:moysklad-window-session').digest('hex');

function openSession(c: VendorConfig, token: string): Session {
  try {
    const s = verifyJwt(token, sessionKey(c), { maxLifetimeS: SESSION_S });
    if (typeof s.acc === 'string' && s.app === c.appId) return { appId: c.appId, accountId: s.acc };
  } catch (e) {
    if (!(e instanceof JwtRefused)) throw e;
  }
  throw new KopilkaError('UNAUTHORIZED', 'Сеанс окна решения истёк или неверен: закройте и снова откройте решение в МоёмСкладе');
}

/** Only the account's administrators link a loyalty program (the JSON API's `admin` permission). */
function isAdmin(u: UserContext): boolean {
  return u.permissions?.admin?.view === 'ALL';
}

const options = { externalSearch: z.boolean().default(true) };
const newTenant = z.object({ session: z.string().max(2000), name: plainText(200).pipe(z.string().trim().min(1, 'название организации')), ...options }).meta({ title: 'новая организация' });
const existing = z.object({ session: z.string().max(2000), ...options }).meta({ title: 'подключение организации' });

export function windowRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'GET',
      path: WINDOW_PATH,
      summary: 'Окно решения в МоёмСкладе: подключение организации Копилки (HTML)',
      auth: 'public',
      handler: async ({ req }) => {
        try {
          return html(200, await windowFor(ctx, req.query.contextKey));
        } catch (e) {
          // Said on the page (МойСклад unreachable included); a bug is left to the gateway to log.
          if (e instanceof KopilkaError) return html(e.status, errorPage(e.message));
          throw e;
        }
      },
    }),
    route({
      method: 'POST',
      path: `${WINDOW_PATH}/tenant`,
      summary: 'Окно решения: создать организацию Копилки и подключить к ней аккаунт МоегоСклада',
      auth: 'public',
      bodyLimit: 16 * 1024,
      input: newTenant,
      handler: async ({ input }) => {
        const c = vendorConfig(ctx.settings);
        const s = await activeSession(ctx, c, input.session);
        const t = await ctx.ledger.createTenant(input.name);
        const adminKey = await ctx.issueKey(t.id, 'admin', null, null);
        try {
          const linked = await linkAccount(ctx, c, s, t.id, input.externalSearch);
          return { ...linked, body: { ...(linked.body as object), adminKey } };
        } catch (e) {
          // The tenant exists now: its key is shown all the same, so that a retry can sign in with it.
          if (!(e instanceof KopilkaError)) throw e;
          const again = 'Организация создана, но подключить её не удалось. Сохраните ключ администратора и повторите подключение через «Уже есть организация»';
          throw new KopilkaError(e.code, `${e.message}. ${again}`, { tenantId: t.id, adminKey });
        }
      },
    }),
    route({
      method: 'POST',
      path: `${WINDOW_PATH}/link`,
      summary: 'Окно решения: подключить аккаунт МоегоСклада к организации по ключу администратора',
      auth: 'admin',
      bodyLimit: 16 * 1024,
      input: existing,
      handler: async ({ input, tenantId }) => {
        const c = vendorConfig(ctx.settings);
        return linkAccount(ctx, c, await activeSession(ctx, c, input.session), tenantId, input.externalSearch);
      },
    }),
    route({
      method: 'POST',
      path: `${WINDOW_PATH}/relink`,
      summary: 'Окно решения: снова подключить аккаунт к организации, с которой он работал до удаления',
      auth: 'public',
      bodyLimit: 16 * 1024,
      input: existing,
      handler: async ({ input }) => {
        const c = vendorConfig(ctx.settings);
        const s = await activeSession(ctx, c, input.session);
        const install = await ctx.ledger.appInstall(s.appId, s.accountId);
        if (install?.tenantId == null) throw new KopilkaError('NOT_FOUND', 'Этот аккаунт ещё не был подключён к Копилке: создайте организацию или войдите по ключу');
        return linkAccount(ctx, c, s, install.tenantId, input.externalSearch);
      },
    }),
  ];
}

/**
 * Gives МойСклад a fresh channel key of the tenant and our Loyalty API address; the solution
 * becomes Activated. Then the account's JSON API token (from the activation) is put to work
 * (account.ts): settings, webhooks, the import — nobody pastes a token by hand.
 */
async function linkAccount(ctx: ConnectorContext, c: VendorConfig, s: Session, tenantId: string, externalSearch: boolean): Promise<ApiResponse> {
  if (c.publicUrl === null) {
    throw new KopilkaError('NOT_FOUND', 'На сервере Копилки не задан PUBLIC_URL — адрес, по которому кассы МоегоСклада обращаются к Копилке. Сообщите администратору сервера');
  }
  const key = await ctx.issueKey(tenantId, 'channel', 'moysklad', null);
  if (!(await ctx.ledger.linkAppInstall(s.appId, s.accountId, tenantId, key))) {
    throw new KopilkaError('NOT_FOUND', 'Решение удалено или приостановлено на этом аккаунте: установите его снова в каталоге решений МоегоСклада');
  }
  // Settings first: МойСклад takes them while the status is SettingsRequired (or Activated).
  await api(c).putLoyalty(s.appId, s.accountId, { url: c.publicUrl + LOYALTY_BASE, token: key, externalSearch });
  await api(c).putStatus(s.appId, s.accountId, 'Activated');
  await ctx.ledger.setAppInstallStatus(s.appId, s.accountId, 'Activated');
  ctx.log.info({ accountId: s.accountId, tenantId }, 'moysklad account linked');
  const token = (await ctx.ledger.appInstall(s.appId, s.accountId))?.accessToken ?? null;
  const adopted = token === null ? null : await adoptAccount(ctx, tenantId, token, c.publicUrl);
  return { status: 200, body: { status: 'Activated', tenantId, loyaltyUrl: c.publicUrl + LOYALTY_BASE, webhooks: adopted?.webhooks ?? null, importStarted: adopted?.importStarted ?? false } };
}

async function activeSession(ctx: ConnectorContext, c: VendorConfig, token: string): Promise<Session> {
  const s = openSession(c, token);
  const install = await ctx.ledger.appInstall(s.appId, s.accountId);
  if (install === null || !live(install)) {
    throw new KopilkaError('NOT_FOUND', 'Решение удалено или приостановлено на этом аккаунте: установите его снова в каталоге решений МоегоСклада');
  }
  return s;
}

const live = (i: AppInstall) => i.status === 'SettingsRequired' || i.status === 'Activated';

/** The page for the user behind a contextKey: what is linked, and the forms to link. */
async function windowFor(ctx: ConnectorContext, contextKey: string | undefined): Promise<string> {
  const c = vendorConfig(ctx.settings);
  if (contextKey === undefined || !/^[A-Za-z0-9_-]{8,200}$/.test(contextKey)) {
    throw new KopilkaError('INVALID_INPUT', 'Эта страница открывается из МоегоСклада: откройте решение «Копилка» в разделе «Приложения»');
  }
  const user = await api(c).context(contextKey);
  if (!isAdmin(user)) throw new KopilkaError('UNAUTHORIZED', 'Подключить программу лояльности может только администратор аккаунта МоегоСклада');
  const install = await ctx.ledger.appInstall(c.appId, user.accountId);
  if (install === null || !live(install)) {
    throw new KopilkaError('NOT_FOUND', 'Решение не установлено на этом аккаунте: установите «Копилку» в каталоге решений МоегоСклада');
  }
  const session = signJwt(sessionKey(c), { sub: 'kopilka-window', acc: user.accountId, app: c.appId, exp: Math.floor(Date.now() / 1000) + SESSION_S });
  return windowPage({ session, accountName: install.accountName, status: install.status, tenantId: install.tenantId, loyaltyUrl: c.publicUrl === null ? null : c.publicUrl + LOYALTY_BASE });
}

function html(status: number, text: string): ApiResponse {
  return {
    status,
    body: null,
    raw: text,
    // Shown inside МойСклад's page only: the frame ancestors are МойСклад's own.
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors https://online.moysklad.ru https://*.moysklad.ru",
      'cache-control': 'no-store',
    },
  };
}
