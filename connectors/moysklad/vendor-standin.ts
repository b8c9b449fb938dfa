import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';

// A local stand-in for МойСклад's side of the Vendor API, for tests (loopback only). It plays the
// catalogue: it calls our lifecycle endpoints as МойСклад does (a JWT HS256 with iat/exp/jti, the
// documentation's bodies from fixtures/vendor, X_Lognex_RequestId) and it serves the apps API
// (BASE-ENDPOINT /api/vendor/1.0): GET/PUT …/status, PUT …/loyalty and POST /context/{key}, with
// the documented status codes, refusing a call not signed with the solution's secret key (sub =
// appUid, a jti used once). Its JWT code is its own on purpose: the connector's is what is tested.
// It then plays the till: it calls the Loyalty API at the address and with the token it was given.

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/vendor/${name}`, import.meta.url), 'utf8'));

export interface VendorStandInOptions {
  appId: string;
  appUid: string;
  secret: string;
}

interface Account {
  status: string;
  cause: string;
  loyalty: { url: string; token: string; externalSearch: boolean } | null;
}

export interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  acceptEncoding: string | undefined;
  body: unknown;
  status: number;
}

export interface VendorStandIn {
  url: string;
  accounts: Map<string, Account>;
  /** Every apps-API request it received, with the status it answered. */
  received: Received[];
  /** МойСклад's activation of the solution: PUT {endpointBase}/api/moysklad/vendor/1.0/apps/{appId}/{accountId}. */
  activate(endpointBase: string, accountId: string, o?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  deactivate(endpointBase: string, accountId: string, o?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  /** A contextKey for a user of the account, as МойСклад passes to the window (5 minutes' life there). */
  contextKey(accountId: string, o?: { admin?: boolean }): string;
  /** The till: POST {loyalty url}{path} with the token it was given. */
  till(accountId: string, path: string, body: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface CallOptions {
  body?: unknown;
  /** The whole Authorization header (null: none); default a fresh valid JWT. */
  authorization?: string | null;
  requestId?: string;
  appId?: string;
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** МойСклад's JWT for its calls: header {alg, typ}, payload {iat, exp, jti} (fixtures/vendor/jwt-moysklad-to-vendor.*). */
export function moyskladJwt(secret: string, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64(fixture('jwt-moysklad-to-vendor.header.json'));
  const body = b64({ iat: now, exp: now + 300, jti: randomBytes(24).toString('base64url'), ...claims });
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

export async function startVendorStandIn(o: VendorStandInOptions): Promise<VendorStandIn> {
  const accounts = new Map<string, Account>();
  const received: Received[] = [];
  const contexts = new Map<string, object>();
  const seenJti = new Set<string>();

  /** Why a developer's JWT is refused, or null (sub = appUid, HS256, a fresh jti, 300 s at most). */
  function refused(authorization: string | undefined): string | null {
    const m = /^Bearer (.+)$/.exec(authorization ?? '');
    if (m === null) return 'Authorization header is missing';
    const [h, p, s] = m[1]!.split('.');
    if (h === undefined || p === undefined || s === undefined) return 'not a JWT';
    const want = createHmac('sha256', o.secret).update(`${h}.${p}`).digest();
    const got = Buffer.from(s, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return 'wrong signature';
    const head = JSON.parse(Buffer.from(h, 'base64url').toString());
    const c = JSON.parse(Buffer.from(p, 'base64url').toString());
    if (head.alg !== 'HS256') return 'alg';
    if (c.sub !== o.appUid || typeof c.jti !== 'string' || typeof c.iat !== 'number') return 'claims';
    const now = Math.floor(Date.now() / 1000);
    if (now >= Math.min(c.exp ?? Infinity, c.iat + 300)) return 'expired';
    if (seenJti.has(c.jti)) return 'jti used twice';
    seenJti.add(c.jti);
    return null;
  }

  const server: Server = createServer(async (req, res) => {
    const body = await readJson(req);
    const path = req.url ?? '';
    const send = (status: number, answer?: unknown, headers: Record<string, string> = {}) => {
      received.push({ method: req.method!, path, authorization: req.headers.authorization, acceptEncoding: req.headers['accept-encoding'], body, status });
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
      res.end(answer === undefined ? '' : JSON.stringify(answer));
    };
    const error = (status: number, code: number, text: string, headers?: Record<string, string>) => send(status, { errors: [{ error: text, code }] }, headers);
    if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) return error(415, 1062, 'Accept-Encoding: gzip is required');
    const why = refused(req.headers.authorization);
    if (why !== null) return error(401, 1056, `Ошибка аутентификации: ${why}`, { 'x-lognex-auth': '1056' });
    const ctxKey = /^\/api\/vendor\/1\.0\/context\/([^/]+)$/.exec(path);
    if (ctxKey !== null && req.method === 'POST') {
      const c = contexts.get(ctxKey[1]!);
      return c === undefined ? error(404, 2004, 'contextKey не найден') : send(200, c);
    }
    const m = /^\/api\/vendor\/1\.0\/apps\/([^/]+)\/([^/]+)\/(status|loyalty)$/.exec(path);
    if (m === null) return error(404, 1005, 'Неизвестный ресурс');
    const account = m[1] === o.appId ? accounts.get(m[2]!) : undefined;
    const live = account !== undefined && ['Activating', 'SettingsRequired', 'Activated'].includes(account.status);
    if (!live) return error(404, 2004, 'Решение не подключено на данном аккаунте');
    if (m[3] === 'status' && req.method === 'GET') return send(200, { status: account.status, cause: account.cause });
    if (m[3] === 'status' && req.method === 'PUT') {
      const to = (body as { status?: string } | null)?.status;
      const allowed = to === account.status || (to === 'Activated' && account.status !== 'Activated') || (to === 'SettingsRequired' && account.status === 'Activating');
      if (!allowed) return error(409, 2010, `Нет перехода ${account.status} → ${to}`);
      account.status = to!;
      return send(200);
    }
    if (m[3] === 'loyalty' && req.method === 'PUT') {
      const b = body as { url?: unknown; token?: unknown; externalSearch?: unknown } | null;
      if (typeof b?.url !== 'string' || typeof b.token !== 'string' || typeof b.externalSearch !== 'boolean') return error(400, 2016, 'url, token и externalSearch обязательны');
      if (account.status !== 'SettingsRequired' && account.status !== 'Activated') return error(400, 2016, 'Статус решения не позволяет менять настройки лояльности');
      account.loyalty = { url: b.url, token: b.token, externalSearch: b.externalSearch };
      return send(200);
    }
    return error(405, 1003, 'Метод не поддерживается');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;

  async function lifecycle(method: 'PUT' | 'DELETE', endpointBase: string, accountId: string, c: CallOptions, fallback: unknown) {
    const auth = c.authorization === undefined ? `Bearer ${moyskladJwt(o.secret)}` : c.authorization;
    const res = await fetch(`${endpointBase}/api/moysklad/vendor/1.0/apps/${c.appId ?? o.appId}/${accountId}`, {
      method,
      headers: { 'content-type': 'application/json', x_lognex_requestid: c.requestId ?? randomBytes(8).toString('hex'), ...(auth === null ? {} : { authorization: auth }) },
      body: JSON.stringify(c.body ?? fallback),
      signal: AbortSignal.timeout(10_000), // МойСклад's timeout: slower is a failure (Retry)
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text), headers: res.headers };
  }

  return {
    url,
    accounts,
    received,
    async activate(endpointBase, accountId, c = {}) {
      const r = await lifecycle('PUT', endpointBase, accountId, c, fixture('activate-install.request.json'));
      // A call with a token of the test's own that was refused is not МойСклад's: its state stays.
      if (c.authorization !== undefined && r.status !== 200) return r;
      const cause = ((c.body ?? {}) as { cause?: string }).cause ?? 'Install';
      const prior = accounts.get(accountId);
      // As МойСклад: 200 puts the install in the status answered, a 4xx fails it.
      const status = r.status === 200 ? r.body.status : r.status >= 400 && r.status < 500 ? 'ActivationFailed' : (prior?.status ?? 'Activating');
      accounts.set(accountId, { status, cause, loyalty: prior?.loyalty ?? null });
      return r;
    },
    async deactivate(endpointBase, accountId, c = {}) {
      const r = await lifecycle('DELETE', endpointBase, accountId, c, fixture('deactivate-uninstall.request.json'));
      const a = accounts.get(accountId);
      // The loyalty settings are kept: a till that still holds them is how a test sees the key revoked.
      if (a !== undefined && r.status === 200) accounts.set(accountId, { ...a, status: 'Uninstalled' });
      return r;
    },
    contextKey(accountId, c = {}) {
      const key = randomBytes(20).toString('hex');
      const employee = fixture('context.response.json');
      if (c.admin === false) delete employee.permissions.admin;
      contexts.set(key, { ...employee, accountId });
      return key;
    },
    async till(accountId, path, body) {
      const loyalty = accounts.get(accountId)?.loyalty;
      if (loyalty == null) throw new Error(`stand-in: no loyalty settings for ${accountId}`);
      const res = await fetch(loyalty.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'lognex-discount-api-auth-token': loyalty.token },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? null : JSON.parse(text) };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? null : JSON.parse(text);
}
