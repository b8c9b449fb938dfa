import { BODY_KEY_SCAN_BYTES, DEFAULT_BODY_LIMIT, type ApiRequest as KitRequest, type Caller, type RouteSpec } from '../../connectors/kit/route.ts';
import { isKopilkaError, isStorageFailure, KopilkaError, parseInput, type Channel } from '../../ledger/index.ts';
import { bearerToken, type Principal } from '../keys.ts';
import type { ApiRequest, Route } from '../routes.ts';
import { ClientGone, jsonBody, tooLarge } from './router.ts';

// The one place where every protocol's routes are held to what they declare: the body's size,
// who may call (the key wherever the protocol carries it, then its rate limit), the body's schema.
// The body is read only after the route has matched and, when the key is in a header, the caller
// is known: a stranger's upload is refused before it is read, a caller's within the route's limit.
// Errors leave in the route's own form; a bug becomes INTERNAL in that form, logged here.

export interface Guard {
  /** Checks a key (and its rate limit; unknown keys are limited per address). */
  authenticate(key: string, remoteAddress: string | undefined): Promise<Principal>;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** A kit route as an entry of the gateway's route table. */
export function hostRoute(spec: RouteSpec<any>, guard: Guard): Route {
  return {
    method: spec.method,
    path: spec.path,
    readsBody: true,
    handler: async (req) => {
      const kitReq = req as unknown as KitRequest;
      try {
        const limit = spec.bodyLimit ?? DEFAULT_BODY_LIMIT;
        // A declared size over the limit is refused first: not a byte of it is read.
        if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
        // The body is read only for a caller whose key checked out, unless the key is in the body.
        const keyInBody = spec.auth !== 'public' && spec.credentialInBody !== undefined && keyOf(spec, kitReq) === null;
        let caller = keyInBody ? null : await authorize(spec, kitReq, guard);
        // A key in the body is looked for in its first bytes: a caller without one is refused
        // before the rest is read (where the server reads by demand).
        if (keyInBody && req.peek !== undefined) caller = await authorize(spec, kitReq, guard, spec.credentialInBody!(await req.peek(BODY_KEY_SCAN_BYTES, limit)));
        await receive(req, limit);
        caller ??= await authorize(spec, kitReq, guard);
        const input = spec.input === undefined || spec.inputCheckedBy === 'ledger' ? undefined : parseInput(spec.input, req.json(), bodyName(spec));
        const tenantId = caller.kind === 'admin' || caller.kind === 'channel' ? caller.tenantId : '';
        const channel: Channel = caller.kind === 'channel' ? caller.channel : 'api';
        return await spec.handler({ req: kitReq, caller, tenantId, channel, input });
      } catch (e) {
        if (spec.errors === undefined || e instanceof ClientGone) throw e; // the native form: the dispatcher writes it
        return spec.errors(asKnown(e, req, guard), kitReq);
      }
    },
  };
}

/** Reads the body within the route's limit (a table entry called directly may already hold it). */
async function receive(req: ApiRequest, limit: number): Promise<void> {
  if (req.receive === undefined) {
    if (req.body !== undefined && req.body.length > limit) throw tooLarge(limit);
    return;
  }
  req.body = await req.receive(limit);
  req.json = jsonBody(req.body, req.headers['content-type']);
}

/**
 * What the 400 message calls the body: its schema's title (`.meta({ title: 'чек' })`, the noun the
 * ledger's own messages use), else the route's summary.
 */
function bodyName(spec: RouteSpec<any>): string {
  const title = spec.input?.meta()?.title;
  return typeof title === 'string' ? title : spec.summary;
}

/** Any failure as a KopilkaError: a lost database is 503 (nothing recorded), a bug INTERNAL. */
export function asKnown(e: unknown, req: Pick<ApiRequest, 'method' | 'path'>, guard: Guard): KopilkaError {
  if (isKopilkaError(e)) return e;
  if (isStorageFailure(e)) return new KopilkaError('STORAGE_UNAVAILABLE', 'База данных недоступна, ничего не записано. Повторите запрос через несколько секунд');
  guard.log.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e), method: req.method, path: req.path }, 'unhandled error');
  return new KopilkaError('INTERNAL', 'Внутренняя ошибка сервиса. Повторите запрос; если ошибка повторится, сообщите в поддержку');
}

const WANTED: Record<string, string> = {
  operator: 'токен оператора',
  billing: 'токен оператора или биллинга',
  admin: 'ключ администратора организации (kp_admin_…)',
  tenant: 'ключ организации: администратора или канала продаж',
};

function wanted(auth: string): string {
  return WANTED[auth] ?? `ключ канала «${auth.slice('channel:'.length)}» (kp_${auth.slice('channel:'.length)}_…)`;
}

function described(p: Principal): string {
  if (p.kind === 'channel') return `ключ канала «${p.channel}»`;
  if (p.kind === 'admin') return 'ключ администратора';
  return p.kind === 'operator' ? 'токен оператора' : 'токен биллинга';
}

async function authorize(spec: RouteSpec<any>, req: KitRequest, guard: Guard, found?: string | null): Promise<Caller> {
  if (spec.auth === 'public') return { kind: 'public' };
  let key = found !== undefined ? found : keyOf(spec, req);
  if (key === null && spec.credentialInBody !== undefined && req.body !== undefined) key = spec.credentialInBody(req.body);
  if (key === null) throw new KopilkaError('UNAUTHORIZED', spec.missingCredential ?? `Нет ключа доступа: нужен ${wanted(spec.auth)} в заголовке Authorization: Bearer <ключ>`);
  const p = await guard.authenticate(key, req.remoteAddress);
  const a = spec.auth;
  const allowed =
    a === 'operator' ? p.kind === 'operator'
    : a === 'billing' ? p.kind === 'operator' || p.kind === 'billing'
    : a === 'admin' ? p.kind === 'admin'
    : a === 'tenant' ? p.kind === 'admin' || p.kind === 'channel'
    : p.kind === 'channel' && `channel:${p.channel}` === a;
  if (!allowed) throw new KopilkaError('UNAUTHORIZED', `Это ${described(p)}, а нужен ${wanted(a)}`);
  return p;
}

/** The key where the protocol carries it outside the body. */
function keyOf(spec: RouteSpec<any>, req: KitRequest): string | null {
  return spec.credential !== undefined ? spec.credential(req) : bearerToken(req.headers.authorization);
}

