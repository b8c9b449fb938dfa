import { z } from 'zod';
import type { ConnectorContext } from '../kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../kit/route.ts';
import { KopilkaError } from '../../ledger/index.ts';
import { isAppCall, requireApp, requireUser } from './auth.ts';
import { EVOTOR_CODES, evotorError, parseEvotor } from './errors.ts';

// The cloud app's lifecycle (evotor/documentation-api: evotor-callbacks.yaml, paths.yaml,
// definitions.yaml; fixtures/lifecycle/): the requests Облако Эвотор sends a partner service when
// a user installs the app in the Evotor cabinet.
//   POST /api/v1/user/create   a new Kopilka tenant for the user           (application token)
//   POST /api/v1/user/verify   sign in to an existing tenant: password = its admin key   (application token)
//   POST /api/v1/user/token    the cloud's token for our REST calls, kept sealed  (application token)
//   POST /api/v2/installation/event   ApplicationInstalled / ApplicationUninstalled  (user token)
//   POST /api/v1/subscription/event   SubscriptionCreated … SubscriptionTerminated  (user token)
// /create and /verify answer {userId, userUuid, hasBilling, token}: the token is a fresh key of the
// tenant's `evotor` channel, which the cloud then sends with every webhook of that user.

const BASE = '/evotor';
const OK: ApiResponse = { status: 200, body: null, raw: '' };
const LIMIT = 64 * 1024;

const userId = z.string().regex(/^[0-9]{2}-[0-9]{15}$/, 'идентификатор пользователя Эвотор вида 01-000000000000001');
const who = { userId: userId.optional(), userUuid: userId.optional() };
/** The older spec names the user userUuid, the newer userId: either is taken; neither is 400 / 2002. */
function userOf(b: { userId?: string | undefined; userUuid?: string | undefined }): string {
  const id = b.userId ?? b.userUuid;
  if (id === undefined) throw new KopilkaError('INVALID_INPUT', 'Нет идентификатора пользователя Эвотор (userId)', { field: 'userId', evotorCode: EVOTOR_CODES.missing });
  return id;
}

const createForm = z.object({ ...who, customField: z.string().max(200).optional(), companyName: z.string().max(200).optional() }).passthrough();
const verifyForm = z.object({ ...who, username: z.string().max(200).optional(), password: z.string().max(200).optional() }).passthrough();
const tokenForm = z.object({ ...who, token: z.string().min(1).max(1000) }).passthrough();
const appEvent = z
  .object({ id: z.string().min(1).max(128), type: z.string().min(1).max(64), timestamp: z.union([z.number(), z.string()]).optional(), data: z.object({ userId: userId, productId: z.string().max(128).optional() }).passthrough() })
  .passthrough();
const subscriptionEvent = z
  .object({ subscriptionId: z.string().min(1).max(128), userId: userId, type: z.string().min(1).max(64), sequenceNumber: z.number().int().min(0), productId: z.string().max(128).optional() })
  .passthrough();

const lifecycle = { auth: 'public', bodyLimit: LIMIT, errors: evotorError } as const;

/** A fresh user token for the user, the user linked to the tenant (the token given before revoked). */
async function link(ctx: ConnectorContext, user: string, tenantId: string, hasBilling: boolean): Promise<ApiResponse> {
  const token = await ctx.issueKey(tenantId, 'channel', 'evotor', null);
  await ctx.ledger.linkEvotorUser(user, tenantId, token, hasBilling);
  ctx.log.info({ evotorUser: user, tenantId }, 'evotor user linked');
  return { status: 200, body: { userId: user, userUuid: user, hasBilling, token } };
}

async function create(ctx: ConnectorContext, req: ApiRequest): Promise<ApiResponse> {
  await requireApp(ctx, req);
  const form = parseEvotor(createForm, req.json(), 'регистрация пользователя Эвотор');
  const user = userOf(form);
  // The cloud may resend /create (its answer lost): the user keeps the tenant made the first time.
  const known = await ctx.ledger.evotorUser(user);
  if (known?.tenantId != null) return link(ctx, user, known.tenantId, known.hasBilling);
  const name = (form.companyName ?? form.customField ?? '').trim() || `Эвотор ${user}`;
  const t = await ctx.ledger.createTenant(name);
  // Registered from the Evotor cabinet: Evotor bills the user (doc_about_billing: hasBilling false).
  return link(ctx, user, t.id, false);
}

async function verify(ctx: ConnectorContext, req: ApiRequest): Promise<ApiResponse> {
  await requireApp(ctx, req);
  const form = parseEvotor(verifyForm, req.json(), 'вход пользователя Эвотор');
  const user = userOf(form);
  const tenantId = form.password ? await ctx.ledger.tenantOfAdminKey(form.password.trim()) : null;
  if (tenantId === null) {
    await ctx.unknownCredential(req.remoteAddress);
    throw new KopilkaError('UNAUTHORIZED', 'Неверный ключ администратора Копилки: укажите его в поле «Пароль» (логин — любой)', {
      evotorCode: EVOTOR_CODES.wrongCredentials,
      field: 'password',
    });
  }
  // An account made outside Evotor is billed by Kopilka (hasBilling true); one made by /create stays Evotor's.
  const known = await ctx.ledger.evotorUser(user);
  const hasBilling = known?.tenantId === tenantId ? known.hasBilling : true;
  return link(ctx, user, tenantId, hasBilling);
}

async function cloudToken(ctx: ConnectorContext, req: ApiRequest): Promise<ApiResponse> {
  await requireApp(ctx, req);
  const form = parseEvotor(tokenForm, req.json(), 'токен облака Эвотор');
  await ctx.ledger.saveEvotorCloudToken(userOf(form), form.token);
  return OK;
}

/**
 * Events come with the user token; before the user is linked (the order of events and /create is
 * not documented) or after the token is revoked the cloud may have only the application token:
 * both are taken, and the body's userId must be the token's user.
 */
async function eventUser(ctx: ConnectorContext, req: ApiRequest, bodyUser: string): Promise<void> {
  if (isAppCall(ctx, req)) return;
  const u = await requireUser(ctx, req, { uninstalledToo: true });
  if (u.userId !== bodyUser) throw new KopilkaError('UNAUTHORIZED', 'Событие другого пользователя Эвотор', { evotorCode: EVOTOR_CODES.wrongUserToken, field: 'userId' });
}

async function installation(ctx: ConnectorContext, req: ApiRequest): Promise<ApiResponse> {
  const raw = req.json();
  const e = parseEvotor(appEvent, raw, 'событие установки Эвотор');
  await eventUser(ctx, req, e.data.userId);
  if (!(await ctx.ledger.recordEvotorEvent(`installation:${e.id}`, e.data.userId, e.type, raw))) return OK;
  if (e.type === 'ApplicationInstalled') await ctx.ledger.setEvotorUserInstalled(e.data.userId);
  if (e.type === 'ApplicationUninstalled') await ctx.ledger.uninstallEvotorUser(e.data.userId);
  ctx.log.info({ evotorUser: e.data.userId, type: e.type }, 'evotor installation event');
  return OK;
}

async function subscription(ctx: ConnectorContext, req: ApiRequest): Promise<ApiResponse> {
  const raw = req.json();
  const e = parseEvotor(subscriptionEvent, raw, 'событие подписки Эвотор');
  await eventUser(ctx, req, e.userId);
  if (!(await ctx.ledger.recordEvotorEvent(`subscription:${e.subscriptionId}:${e.sequenceNumber}:${e.type}`, e.userId, e.type, raw))) return OK;
  await ctx.ledger.setEvotorSubscription(e.userId, e.type, e.sequenceNumber);
  return OK;
}

export function lifecycleRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const r = (path: string, summary: string, h: (ctx: ConnectorContext, req: ApiRequest) => Promise<ApiResponse>) =>
    route({ ...lifecycle, method: 'POST', path: BASE + path, summary, handler: ({ req }) => h(ctx, req) });
  return [
    r('/api/v1/user/create', 'Эвотор: регистрация пользователя (новая организация Копилки)', create),
    r('/api/v1/user/verify', 'Эвотор: вход пользователя в организацию Копилки по ключу администратора', verify),
    r('/api/v1/user/token', 'Эвотор: токен облака для запросов к REST API Эвотор', cloudToken),
    r('/api/v2/installation/event', 'Эвотор: установка и удаление приложения', installation),
    r('/api/v1/subscription/event', 'Эвотор: события подписки', subscription),
  ];
}
