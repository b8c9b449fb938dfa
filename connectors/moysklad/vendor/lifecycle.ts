import { z } from 'zod';
import type { ConnectorContext } from '../../kit/context.ts';
import { route, type ApiRequest, type ErrorForm, type RouteSpec } from '../../kit/route.ts';
import { KopilkaError, type AppInstall } from '../../../ledger/index.ts';
import { JwtRefused, verifyJwt } from './jwt.ts';
import { releaseAccount } from './account.ts';
import { vendorConfig } from './config.ts';

// The endpoints МойСклад calls on our server when the solution is installed, resumed, suspended
// or removed on an account (fixtures/vendor/activate-*.json, deactivate-*.json; VND «REST-эндпоинты
// на стороне разработчика решений»): `{endpointBase}/api/moysklad/vendor/1.0/apps/{appId}/{accountId}`,
// endpointBase being PUBLIC_URL. Every call is signed by МойСклад with the solution's secret key
// (JWT HS256, Authorization: Bearer). Answers come well within МойСклад's 10 s: nothing here calls
// out. A 4xx fails the install in МойСклад (ActivationFailed), a 5xx makes it retry for 3 minutes.

export const VENDOR_APPS = '/api/moysklad/vendor/1.0/apps';

/** JSON API 1.2's code for a refused authentication, which the Vendor API says it mirrors. */
const AUTH_ERROR_CODE = 1056;

/**
 * Errors in the JSON API 1.2 form the Vendor API names for its own side («Ошибки аутентификации
 * и авторизации»): `{"errors": [{"error", "code"}]}`, and X-Lognex-Auth on a refused token. The
 * Russian text stays in the body: HTTP headers carry no Cyrillic.
 */
export const vendorErrors: ErrorForm = (e) => {
  const auth = e.code === 'UNAUTHORIZED';
  return {
    status: e.status,
    body: { errors: [{ error: e.message, code: auth ? AUTH_ERROR_CODE : e.status }] },
    ...(auth ? { headers: { 'x-lognex-auth': String(AUTH_ERROR_CODE) } } : {}),
  };
};

const access = z.looseObject({ resource: z.string(), scope: z.array(z.string()).optional(), access_token: z.string().min(1).optional() });
const activation = z
  .looseObject({
    appUid: z.string().optional(),
    accountName: z.string().max(200).optional(),
    cause: z.string().min(1).max(50),
    access: z.array(access).optional(),
  })
  .meta({ title: 'активация решения' });
const deactivation = z
  .looseObject({ appUid: z.string().optional(), accountName: z.string().max(200).optional(), cause: z.string().min(1).max(50).default('Uninstall') })
  .meta({ title: 'деактивация решения' });

/** The JSON API 1.2 token of an activation (the one resource МойСклад grants today). */
function jsonApiToken(list: z.infer<typeof access>[] | undefined): string | null {
  return list?.find((a) => a.resource.includes('/api/remap/1.2') && a.access_token !== undefined)?.access_token ?? null;
}

/** What МойСклад is told the install's status is. */
function answered(i: AppInstall): 'SettingsRequired' | 'Activated' {
  return i.status === 'Activated' ? 'Activated' : 'SettingsRequired';
}

/**
 * Refuses a call МойСклад did not sign: no or a wrong JWT, an expired one, one used before (its
 * jti; a Retry of the same call, same X_Lognex_RequestId, may reuse it), or another app's id.
 */
export async function signedByMoySklad(ctx: ConnectorContext, req: ApiRequest): Promise<string> {
  const c = vendorConfig(ctx.settings);
  const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  let why: string;
  try {
    if (token === undefined) throw new JwtRefused('Нет заголовка Authorization: Bearer <JWT>, подписанного секретным ключом решения');
    const claims = verifyJwt(token, c.secret);
    const requestId = req.headers['x_lognex_requestid'] ?? req.headers['x-lognex-requestid'] ?? null;
    if (!(await ctx.ledger.firstUseOfJti(claims.jti, new Date(claims.exp * 1000), requestId))) throw new JwtRefused('Этот JWT уже был использован (jti): каждый запрос подписывается новым токеном');
    if (req.params.appId !== c.appId) {
      throw new KopilkaError('NOT_FOUND', `Решение ${req.params.appId} не обслуживается этим сервером Копилки: в MOYSKLAD_APP_ID указано другое решение`);
    }
    return req.params.accountId!;
  } catch (e) {
    if (!(e instanceof JwtRefused)) throw e;
    why = e.message;
  }
  await ctx.unknownCredential(req.remoteAddress);
  throw new KopilkaError('UNAUTHORIZED', `Запрос не подписан МоимСкладом: ${why}`);
}

/** The body as JSON, or nothing: a deactivation is never refused for its body (4xx would fail it). */
function bodyOrNothing(req: ApiRequest): unknown {
  try {
    return req.body.length === 0 ? {} : req.json();
  } catch {
    return {};
  }
}

const json = (body: unknown) => ({ status: 200, body, headers: { 'content-type': 'application/json' } });

export function lifecycleRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const path = `${VENDOR_APPS}/:appId/:accountId`;
  return [
    route({
      method: 'PUT',
      path,
      summary: 'МойСклад: активация решения на аккаунте (установка, возобновление, смена тарифа)',
      auth: 'public',
      bodyLimit: 64 * 1024,
      input: activation,
      errors: vendorErrors,
      handler: async ({ req, input }) => {
        const accountId = await signedByMoySklad(ctx, req);
        const install = await ctx.ledger.recordAppInstall({
          appId: req.params.appId!,
          accountId,
          accountName: input.accountName ?? null,
          cause: input.cause,
          accessToken: jsonApiToken(input.access),
        });
        ctx.log.info({ appUid: input.appUid, accountId, cause: input.cause, status: install.status }, 'moysklad solution activated');
        return json({ status: answered(install) });
      },
    }),
    route({
      method: 'DELETE',
      path,
      summary: 'МойСклад: деактивация решения на аккаунте (удаление, приостановка)',
      auth: 'public',
      bodyLimit: 64 * 1024,
      errors: vendorErrors,
      handler: async ({ req }) => {
        const accountId = await signedByMoySklad(ctx, req);
        // The body is optional to us: a DELETE without one is an uninstall all the same.
        const cause = deactivation.safeParse(bodyOrNothing(req)).data?.cause ?? 'Uninstall';
        const before = await ctx.ledger.appInstall(req.params.appId!, accountId);
        const known = await ctx.ledger.removeAppInstall(req.params.appId!, accountId, cause);
        if (before?.tenantId != null && before.accessToken !== null) await releaseAccount(ctx, before.tenantId, before.accessToken);
        ctx.log.info({ accountId, cause, known }, 'moysklad solution deactivated');
        // 200 even when never installed: МойСклад wants the solution gone, and it is.
        return { status: 200, body: null, raw: '', headers: { 'content-type': 'application/json' } };
      },
    }),
    route({
      method: 'GET',
      path: `${path}/status`,
      summary: 'МойСклад: статус активации решения на аккаунте',
      auth: 'public',
      errors: vendorErrors,
      handler: async ({ req }) => {
        const accountId = await signedByMoySklad(ctx, req);
        const install = await ctx.ledger.appInstall(req.params.appId!, accountId);
        if (install === null || install.status === 'Deleted' || install.status === 'Suspended') {
          throw new KopilkaError('NOT_FOUND', 'Решение не подключено на этом аккаунте');
        }
        return json({ status: answered(install) });
      },
    }),
  ];
}
