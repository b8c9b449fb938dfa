import { DEFAULT_BODY_LIMIT, type ApiRequest as KitRequest, type ApiResponse, type Caller, type RouteSpec } from '../../connectors/kit/route.ts';
import { isKopilkaError, isStorageFailure, KopilkaError, parseInput, type Channel } from '../../ledger/index.ts';
import type { Principal } from '../keys.ts';
import type { ApiRequest, Route } from '../routes.ts';

// The one place where every protocol's routes are held to what they declare: the body's size,
// who may call (the key wherever the protocol carries it, then its rate limit), the body's schema.
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
    handler: async (req) => {
      const kitReq = req as unknown as KitRequest;
      try {
        const limit = spec.bodyLimit ?? DEFAULT_BODY_LIMIT;
        if (kitReq.body !== undefined && kitReq.body.length > limit) {
          throw new KopilkaError('BODY_TOO_LARGE', `Запрос больше ${Math.floor(limit / 1024)} КБ: разделите его на части`, { limitBytes: limit });
        }
        const caller = await authorize(spec, kitReq, guard);
        const input = spec.input === undefined ? undefined : parseInput(spec.input, req.json(), spec.summary);
        const tenantId = caller.kind === 'admin' || caller.kind === 'channel' ? caller.tenantId : '';
        const channel: Channel = caller.kind === 'channel' ? caller.channel : 'api';
        return await spec.handler({ req: kitReq, caller, tenantId, channel, input });
      } catch (e) {
        if (spec.errors === undefined) throw e; // the native form: the dispatcher writes it
        return spec.errors(asKnown(e, req, guard), kitReq);
      }
    },
  };
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

async function authorize(spec: RouteSpec<any>, req: KitRequest, guard: Guard): Promise<Caller> {
  if (spec.auth === 'public') return { kind: 'public' };
  let key = spec.credential !== undefined ? spec.credential(req) : bearer(req.headers.authorization);
  if (key === null && spec.credentialInBody !== undefined && req.body !== undefined) key = spec.credentialInBody(req.body);
  if (key === null) throw new KopilkaError('UNAUTHORIZED', `Нет ключа доступа: нужен ${wanted(spec.auth)} в заголовке Authorization: Bearer <ключ>`);
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

function bearer(authorization: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? null;
}
