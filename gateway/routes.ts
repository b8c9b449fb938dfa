import { z } from 'zod';
import { KopilkaError } from '../ledger/errors.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { parseInput } from '../ledger/validation.ts';
import type { Front } from './front/front.ts';
import type { Messenger } from '../communications/notify.ts';
import type { Settings } from '../config/settings.ts';
import { openReviewItems } from '../ledger/review.ts';
import type { SecretBox } from '../ledger/secrets.ts';
import { recordSms, usageForMonth } from '../ledger/usage.ts';
import { parseMonth, usageResponse } from './billing.ts';
import { channelOf, newKeySchema, requireAdmin, requireOperator, tenantOf, type KeyStore, type Principal } from './keys.ts';

// The native API v1 (shared/protocols/native-api.md) as one route table, mounted on the POS
// port (uWebSockets.js) and the API port (koa) alike. Handlers see a plain request and return a
// plain response; protocol details live in gateway/http.

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The client's address as the socket sees it (limits on unknown keys). */
  remoteAddress?: string;
  /** The body as received. */
  body?: Buffer;
  json(): unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** Body already serialised (a stored answer replayed byte for byte, a CSV or XLSX file). */
  raw?: string | Buffer;
  /** content-type among them replaces application/json. */
  headers?: Record<string, string>;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse>;
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: Handler;
}

export interface RouteDeps {
  ledger: Ledger;
  keys: KeyStore;
  front: Front;
  rateLimitPerKey: number;
  messenger: Messenger;
  /** The service's settings (public URL, allow-lists, limits), as validated at start. */
  settings?: Partial<Settings>;
  /** Seals connector credentials at rest (ledger/secrets.ts); the key comes from SECRET_KEY. */
  secrets?: SecretBox;
  log?: { warn(obj: object, msg: string): void };
}

const tenantSchema = z
  .object({
    name: z.string().trim().min(1).max(256),
    plan: z.enum(['month', 'wallet']).default('month'),
    program: z.unknown().optional(),
  })
  .strict();

const IDEMPOTENCY_TTL_S = 7 * 86_400;

const smsSchema = z
  .object({ topic: z.string().trim().min(1).max(64), phone: z.string().min(5).max(32), customerId: z.string().max(20).nullish() })
  .strict();

/** Attempts with unknown keys a second per client address when UNKNOWN_KEY_RATE is not set. */
const UNKNOWN_KEY_RATE = 20;

/**
 * Who is calling, for every protocol: the key checked, then its rate limit (tenant keys only;
 * the operator's token is not limited). Connectors pass the key however their protocol carries it,
 * and the client's address when they have it: attempts with keys not known to be valid are
 * limited per address (UNKNOWN_KEY_RATE), before they cost a Postgres query.
 */
export async function caller(d: RouteDeps, authorization: string | undefined, remoteAddress?: string): Promise<Principal> {
  const p = await d.keys.authenticate(authorization, remoteAddress === undefined ? undefined : () => limitUnknownKeys(d, remoteAddress));
  if (p.kind === 'admin' || p.kind === 'channel') {
    const bucket = `${p.tenantId}:${authorization!.trim().slice(-16)}`;
    const r = await d.front.rateLimit(p.tenantId, bucket, d.rateLimitPerKey, d.rateLimitPerKey * 2);
    if (!r.allowed) {
      throw new KopilkaError('RATE_LIMITED', 'Слишком много запросов с этим ключом: повторите через секунду', { retryAfterMs: r.retryAfterMs });
    }
  }
  return p;
}

/**
 * One attempt with an unknown key (or an unknown webhook secret) from this address; refused with
 * 429 once the address exceeds its rate. Counted under a pseudo-tenant no real tenant id matches.
 */
export async function limitUnknownKeys(d: RouteDeps, remoteAddress: string): Promise<void> {
  const rate = d.settings?.UNKNOWN_KEY_RATE ?? UNKNOWN_KEY_RATE;
  const r = await d.front.rateLimit('_auth', `unknown:${remoteAddress}`, rate, rate * 2);
  if (!r.allowed) {
    throw new KopilkaError('RATE_LIMITED', 'Слишком много попыток с неизвестными ключами с этого адреса: повторите позже', { retryAfterMs: r.retryAfterMs });
  }
}

export function nativeRoutes(d: RouteDeps): Route[] {
  const who = (req: ApiRequest) => caller(d, req.headers.authorization, req.remoteAddress);

  const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

  /** A stored answer from the Redis front; the ledger stays the judge when there is none. */
  async function cachedAnswer(tenantId: string, key: string, hash: string): Promise<ApiResponse | null> {
    const hit = await d.front.getAnswer(tenantId, key);
    if (hit === null) return null;
    const nl = hit.indexOf('\n');
    if (hit.slice(0, nl) !== hash) return null; // a conflict: let the ledger answer it with details
    return { status: 200, body: null, raw: hit.slice(nl + 1) };
  }

  return [
    {
      method: 'GET',
      path: '/v1/billing/usage',
      handler: async (req) => {
        const p = await who(req);
        if (p.kind !== 'operator' && p.kind !== 'billing') throw new KopilkaError('UNAUTHORIZED', 'Нужен токен оператора или биллинга');
        const month = parseMonth(req.query);
        return usageResponse(await usageForMonth(d.ledger.pool, month), req.headers.accept, month);
      },
    },
    {
      method: 'GET',
      path: '/v1/usage',
      handler: async (req) => {
        const tenantId = requireAdmin(await who(req));
        const month = parseMonth(req.query);
        return usageResponse(await usageForMonth(d.ledger.pool, month, tenantId), req.headers.accept, month);
      },
    },
    {
      method: 'POST',
      path: '/v1/sms/sent',
      handler: async (req) => {
        // Where an SMS provider reports a message it accepted for a tenant; billing counts these.
        const tenantId = requireAdmin(await who(req));
        const body = parseInput(smsSchema, req.json(), 'SMS');
        await recordSms(d.ledger.pool, tenantId, body.topic, body.phone, body.customerId ?? null);
        return ok({ recorded: true }, 201);
      },
    },
    {
      method: 'POST',
      path: '/v1/tenants',
      handler: async (req) => {
        requireOperator(await who(req));
        const body = parseInput(tenantSchema, req.json(), 'организация');
        const t = await d.ledger.createTenant(body.name, body.plan, body.program ?? undefined);
        const adminKey = await d.keys.create(t.id, 'admin', null, null);
        return ok({ id: t.id, adminKey }, 201);
      },
    },
    {
      method: 'POST',
      path: '/v1/keys',
      handler: async (req) => {
        const tenantId = requireAdmin(await who(req));
        const body = parseInput(newKeySchema, req.json(), 'ключ');
        const key = await d.keys.create(tenantId, 'channel', body.channel, body.storeId ?? null);
        return ok({ key, channel: body.channel, storeId: body.storeId ?? null }, 201);
      },
    },
    {
      method: 'PUT',
      path: '/v1/program',
      handler: async (req) => ok(await d.ledger.setProgram(requireAdmin(await who(req)), req.json())),
    },
    {
      method: 'GET',
      path: '/v1/program',
      // Admin only (native-api.md, «Tenant admin»): a till needs prices, not the rules behind them.
      handler: async (req) => ok((await d.ledger.program(requireAdmin(await who(req)))).source),
    },
    {
      method: 'GET',
      path: '/v1/review',
      // Documents a cash system sent that were kept for a person to decide on (ledger/review.ts).
      handler: async (req) => {
        const tenantId = requireAdmin(await who(req));
        const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new KopilkaError('INVALID_INPUT', 'limit — целое число от 1 до 1000', { field: 'limit' });
        return ok(await openReviewItems(d.ledger.pool, tenantId, limit));
      },
    },
    {
      method: 'POST',
      path: '/v1/customers',
      handler: async (req) => ok(await d.ledger.registerCustomer(tenantOf(await who(req)), req.json()), 201),
    },
    {
      method: 'GET',
      path: '/v1/customers',
      handler: async (req) => {
        const tenantId = tenantOf(await who(req));
        if (req.query.phone) return ok(await d.ledger.customer(tenantId, { phone: req.query.phone }));
        if (req.query.card) return ok(await d.ledger.customer(tenantId, { cardNumber: req.query.card }));
        throw new KopilkaError('INVALID_INPUT', 'Укажите ?phone= или ?card=', { field: 'phone' });
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/:id',
      handler: async (req) => {
        const tenantId = tenantOf(await who(req));
        return ok(await d.ledger.customer(tenantId, { id: req.params.id! }));
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/:id/transactions',
      handler: async (req) => {
        const tenantId = tenantOf(await who(req));
        const limit = req.query.limit === undefined ? undefined : Number(req.query.limit);
        if (limit !== undefined && !Number.isInteger(limit)) throw new KopilkaError('INVALID_INPUT', 'limit — целое число', { field: 'limit' });
        return ok(await d.ledger.transactions(tenantId, req.params.id!, { limit, before: req.query.before }));
      },
    },
    {
      method: 'POST',
      path: '/v1/checks/calculate',
      handler: async (req) => ok(await d.ledger.calculate(tenantOf(await who(req)), req.json())),
    },
    {
      method: 'POST',
      path: '/v1/checks',
      handler: async (req) => {
        const p = await who(req);
        const tenantId = tenantOf(p);
        const channel = channelOf(p);
        const prepared = d.ledger.prepareSale(req.json());
        const key = `${channel}:sale:${prepared.check.externalId}`;
        const cached = await cachedAnswer(tenantId, key, prepared.hash);
        if (cached !== null) return cached;
        const r = await d.ledger.commitPrepared(tenantId, channel, prepared);
        if (!r.replay) await d.front.putAnswer(tenantId, key, `${prepared.hash}\n${r.json}`, IDEMPOTENCY_TTL_S);
        return { status: r.replay ? 200 : 201, body: null, raw: r.json };
      },
    },
    {
      method: 'POST',
      path: '/v1/checks/:externalId/refund',
      handler: async (req) => {
        const p = await who(req);
        const tenantId = tenantOf(p);
        const r = await d.ledger.refund(tenantId, channelOf(p), req.params.externalId!, req.json());
        return { status: r.replay ? 200 : 201, body: null, raw: r.json };
      },
    },
  ];
}
