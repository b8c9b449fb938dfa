import { z, type ZodType } from 'zod';
import { DEFAULT_BODY_LIMIT, type Auth, type RouteSpec } from '../../connectors/kit/route.ts';
import type { Route } from '../routes.ts';

// The OpenAPI 3.1 document of every hosted kit route, made from what the routes declare (method,
// path, summary, auth, body limit, input and output schemas), so it cannot drift from them: a
// test checks that the document and the route table name the same routes. Served at
// GET /openapi.json on both ports.

export interface DocumentedConnector {
  name: string;
  routes: RouteSpec<any>[];
}

type Json = Record<string, unknown>;

const SCHEMES: Record<string, string> = {
  operator: 'Токен оператора сервиса (OPERATOR_TOKEN)',
  billing: 'Токен оператора или биллинга (BILLING_TOKEN)',
  admin: 'Ключ администратора организации (kp_admin_…)',
  tenant: 'Ключ организации: администратора или любого канала продаж',
};

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Код ошибки (INVALID_INPUT, UNAUTHORIZED, NOT_FOUND, RATE_LIMITED, STORAGE_UNAVAILABLE…)' },
        message: { type: 'string', description: 'Сообщение для человека, по-русски' },
        details: { type: 'object', description: 'Подробности: field — поле с ошибкой, retryAfterMs…' },
      },
    },
  },
} as const;

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect); what it cannot say is left open. */
function jsonSchema(schema: ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  return rest;
}

function schemeName(auth: Auth): string {
  return auth.replace(':', '_');
}

function schemeOf(auth: Auth): Json {
  const channel = auth.startsWith('channel:') ? auth.slice('channel:'.length) : null;
  const description = channel !== null ? `Ключ канала «${channel}» (kp_${channel}_…)` : SCHEMES[auth]!;
  return { type: 'http', scheme: 'bearer', description };
}

/** `/v1/customers/:id` → `/v1/customers/{id}` and its path parameters. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const out = path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (params.push(name), `{${name}}`));
  return { path: out, params };
}

function operation(connector: string, r: RouteSpec<any>, params: string[]): Json {
  const notes: string[] = [];
  if (r.credential !== undefined || r.credentialInBody !== undefined) notes.push('Ключ передаётся так, как принято в протоколе системы.');
  if (r.input !== undefined || r.method !== 'GET') notes.push(`Тело не больше ${Math.floor((r.bodyLimit ?? DEFAULT_BODY_LIMIT) / 1024)} КБ (больше — 413).`);
  const op: Json = {
    tags: [connector],
    summary: r.summary,
    operationId: `${connector}_${r.method.toLowerCase()}_${r.path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`,
    security: r.auth === 'public' ? [] : [{ [schemeName(r.auth)]: [] }],
    'x-kopilka-auth': r.auth,
    responses: {
      '2XX': { description: 'Успешный ответ', ...(r.output !== undefined ? { content: { 'application/json': { schema: jsonSchema(r.output, 'output') } } } : {}) },
      default:
        r.errors === undefined
          ? { description: 'Ошибка', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
          : { description: 'Ошибка в форме, принятой протоколом системы' },
    },
  };
  if (notes.length > 0) op.description = notes.join(' ');
  if (params.length > 0) op.parameters = params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  if (r.input !== undefined) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.input, 'input') } } };
  return op;
}

export function openApiDocument(connectors: DocumentedConnector[]): Json {
  const paths: Record<string, Json> = {};
  const schemes: Record<string, Json> = {};
  for (const c of connectors) {
    for (const r of c.routes) {
      const { path, params } = openApiPath(r.path);
      (paths[path] ??= {})[r.method.toLowerCase()] = operation(c.name, r, params);
      if (r.auth !== 'public') schemes[schemeName(r.auth)] = schemeOf(r.auth);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kopilka',
      version: '1',
      description:
        'Бонусная программа для касс: собственный JSON API (v1) и протоколы кассовых систем. ' +
        'Деньги — в копейках, количество — в тысячных, бонусы — в сотых. ' +
        'Чек с pricedBy: "till" — уже закрытый на кассе — записывается так, как его посчитала касса (см. схему тела POST /v1/checks).',
    },
    tags: connectors.map((c) => ({ name: c.name })),
    paths,
    components: { schemas: { Error: ERROR }, securitySchemes: schemes },
  };
}

/** GET /openapi.json: public, the same on both ports; made once, at start. */
export function openApiRoute(connectors: DocumentedConnector[]): Route {
  const text = JSON.stringify(openApiDocument(connectors));
  return { method: 'GET', path: '/openapi.json', handler: async () => ({ status: 200, body: null, raw: text }) };
}
