import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allowedApiUrl, isInternalAddress, moyskladErrorText, parseApiHosts } from '../connectors/moysklad/jsonapi.ts';
import { startMoySkladStandIn, type StandIn } from '../connectors/moysklad/standin.ts';
import { sealLegacySecrets } from '../ledger/links.ts';
import { loadSecretKey, parseSecretKey, SecretBox } from '../ledger/secrets.ts';
import { call, OPERATOR, startTestService, tenantWithChannel, type TestService } from '../test/service.ts';

// Regression tests for the security findings of issue 8: SSRF through the МойСклад JSON API
// address, connector secrets at rest, the contract's key rules, and unknown keys flooding Postgres.

const MS_TOKEN = 'ms-json-api-token';
const SECRET_KEY = randomBytes(32).toString('base64');

/** A loopback server that records what reached it and answers by the first path segment. */
async function server(answer: (path: string, res: import('node:http').ServerResponse) => void): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const srv: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    answer(new URL(req.url!, 'http://x').pathname, res);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as { port: number }).port, hits, close: () => new Promise((r) => srv.close(() => r())) };
}

describe('sealed secrets (ledger/secrets.ts)', () => {
  it('seals with a fresh nonce, opens, refuses a tampered value and passes plain legacy text through', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.seal('token-1');
    expect(a).toMatch(/^v1:/);
    expect(a).not.toContain('token-1');
    expect(box.seal('token-1')).not.toBe(a);
    expect(box.open(a)).toBe('token-1');
    // One character of the sealed text changed for another (never the same one: that was a 1-in-64 flake).
    const i = Math.floor(a.length / 2);
    const tampered = a.slice(0, i) + (a[i] === 'A' ? 'B' : 'A') + a.slice(i + 1);
    expect(() => box.open(tampered)).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(a)).toThrow(); // another key
    expect(box.open('plain-from-an-earlier-version')).toBe('plain-from-an-earlier-version');
  });

  it('reads SECRET_KEY as hex or base64, else creates DATA_DIR/secret-key with mode 0600 once', async () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
    expect(() => parseSecretKey('too-short')).toThrow(/SECRET_KEY/);
    const dir = await mkdtemp(join(tmpdir(), 'kopilka-key-'));
    try {
      const [first, second] = await Promise.all([loadSecretKey(undefined, dir), loadSecretKey(undefined, dir)]);
      expect(first).toEqual(second);
      expect((await stat(join(dir, 'secret-key'))).mode & 0o777).toBe(0o600);
      expect(await loadSecretKey(undefined, dir)).toEqual(first);
      expect(parseSecretKey(await readFile(join(dir, 'secret-key'), 'utf8'))).toEqual(first);
      expect(await loadSecretKey(key.toString('hex'), dir)).toEqual(key); // the environment wins
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('МойСклад JSON API address rules (pure)', () => {
  const hosts = parseApiHosts('api.moysklad.ru,http://127.0.0.1:8090');
  const field = (url: string) => {
    try {
      allowedApiUrl(url, hosts);
      return 'allowed';
    } catch (e) {
      return (e as { details?: { field?: string } }).details?.field;
    }
  };

  it('allows the owner’s host over https and listed stand-ins, and nothing else', () => {
    expect(field('https://api.moysklad.ru/api/remap/1.2')).toBe('allowed');
    expect(field('http://127.0.0.1:8090/api/remap/1.2')).toBe('allowed');
    for (const url of [
      'http://api.moysklad.ru/api/remap/1.2', // https only unless the entry says http://
      'https://api.moysklad.ru:8443/api/remap/1.2',
      'https://user:pw@api.moysklad.ru/api/remap/1.2',
      'https://api.moysklad.ru.evil.example/api',
      'http://127.0.0.1:8091/',
      'http://localhost:8090/', // the address is listed, not this name for it
      'https://169.254.169.254/latest/meta-data',
      'http://[::1]:8090/',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect([url, field(url)]).toEqual([url, 'apiUrl']);
    }
  });

  it('knows loopback, private, link-local and mapped addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect([a, isInternalAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['8.8.8.8', '185.10.20.30', '2a00:1450:4010::1']) expect([a, isInternalAddress(a)]).toEqual([a, false]);
  });

  it('passes on only МойСклад’s documented error text, shortened and stripped', () => {
    expect(moyskladErrorText({ errors: [{ error: 'Ошибка аутентификации', code: 1056 }] })).toBe('Ошибка аутентификации');
    const long = moyskladErrorText({ errors: [{ error: `<script>${'x'.repeat(1000)}` }] })!;
    expect(long.length).toBeLessThanOrEqual(201);
    expect(long).not.toContain('<');
    expect(moyskladErrorText('<html>internal</html>')).toBeNull();
    expect(moyskladErrorText({ message: 'other' })).toBeNull();
  });
});

describe('over HTTP', () => {
  let s: TestService;
  let standin: StandIn;
  let victim: Awaited<ReturnType<typeof server>>;
  let foreign: Awaited<ReturnType<typeof server>>;
  let admin: string;
  let tenantId: string;
  let channelKey: string;

  beforeAll(async () => {
    standin = await startMoySkladStandIn(MS_TOKEN);
    // Not listed anywhere: what an attacker would point the gateway at.
    victim = await server((_, res) => res.end('VICTIM-INTERNAL-SECRET'));
    // Listed, but misbehaving: redirects, foreign text, long errors.
    foreign = await server((path, res) => {
      const kind = path.split('/')[1];
      if (kind === 'redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${victim.port}/steal` });
        res.end();
      } else if (kind === 'text') {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<html>INTERNAL-SECRET-TEXT</html>');
      } else if (kind === 'plain200') {
        res.end('INTERNAL-SECRET-TEXT');
      } else {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ error: `Сбой ${'Ж'.repeat(500)}` }], internal: 'INTERNAL-SECRET-TEXT' }));
      }
    });
    s = await startTestService({
      redis: false,
      env: { SECRET_KEY, MOYSKLAD_API_HOSTS: `api.moysklad.ru,http://${new URL(standin.url).host},http://127.0.0.1:${foreign.port}` },
    });
    ({ tenantId, admin, key: channelKey } = await tenantWithChannel(s, 'Склад', 'moysklad'));
  });
  afterAll(async () => {
    await s?.stop();
    await standin?.close();
    await victim?.close();
    await foreign?.close();
  });

  const put = (apiUrl: string, key = admin) => call(s.api, 'PUT', '/v1/connectors/moysklad', key, { apiUrl, token: MS_TOKEN });
  const sync = (key = admin) => call(s.api, 'POST', '/v1/connectors/moysklad/sync', key);

  it('refuses an address outside the allow-list when it is saved (400 naming apiUrl), and calls nothing', async () => {
    for (const apiUrl of [`http://127.0.0.1:${victim.port}/api/remap/1.2`, 'https://169.254.169.254/latest', 'http://api.moysklad.ru/api/remap/1.2', `https://u:p@api.moysklad.ru/api`]) {
      const r = await put(apiUrl);
      expect([apiUrl, r.status, r.body.error.details.field]).toEqual([apiUrl, 400, 'apiUrl']);
    }
    expect(victim.hits).toEqual([]);
  });

  it('checks the address again when it calls: a row saved before the fix reaches nothing', async () => {
    const t = await tenantWithChannel(s, 'Старая запись', 'moysklad');
    await s.db.pool.query('INSERT INTO connector_settings (tenant_id, system, settings) VALUES ($1, $2, $3)', [
      t.tenantId,
      'moysklad',
      JSON.stringify({ apiUrl: `http://127.0.0.1:${victim.port}/api`, token: MS_TOKEN, webhookSecret: `old-${randomBytes(6).toString('hex')}` }),
    ]);
    const r = await sync(t.admin);
    expect([r.status, r.body.error.details.field]).toEqual([400, 'apiUrl']);
    expect(victim.hits).toEqual([]);
  });

  it('does not follow redirects and never returns a foreign answer’s text', async () => {
    const base = `http://127.0.0.1:${foreign.port}`;
    expect((await put(`${base}/redirect`)).status).toBe(200);
    const redirected = await sync();
    expect(redirected.status).toBe(503);
    expect(redirected.body.error.message).toMatch(/переадресац/);
    expect(JSON.stringify(redirected.body)).not.toContain(String(victim.port));
    expect(victim.hits).toEqual([]);

    for (const kind of ['text', 'plain200', 'long']) {
      await put(`${base}/${kind}`);
      const r = await sync();
      expect([kind, r.status]).toEqual([kind, 503]);
      const text = JSON.stringify(r.body);
      expect(text).not.toContain('INTERNAL-SECRET-TEXT');
      expect(text).not.toContain('<html>');
      expect(r.body.error.message.length).toBeLessThan(260);
    }
  });

  it('keeps the JSON API token and the webhook secret out of the stored row; sync and webhook still work', async () => {
    const set = await put(standin.url);
    expect(set.status).toBe(200);
    const secret = set.body.webhookPath.split('/').at(-1);
    const row = (await s.db.pool.query<{ t: string }>("SELECT settings::text AS t FROM connector_settings WHERE tenant_id = $1 AND system = 'moysklad'", [tenantId])).rows[0]!.t;
    expect(row).not.toContain(MS_TOKEN);
    expect(row).not.toContain(secret);
    standin.counterparties = [{ id: '8518d001-f504-11e5-8a84-bae5000001aa', name: 'Иванов', phone: '+79160001234' }];
    expect((await sync()).body).toMatchObject({ customers: 1 });
    expect(await call(s.pos, 'POST', set.body.webhookPath, null, { events: [] })).toMatchObject({ status: 200, body: { accepted: 0 } });
    // Saved again: the same webhook address, still sealed.
    expect((await put(standin.url)).body.webhookPath).toBe(set.body.webhookPath);
  });

  it('still reads rows an earlier version wrote in plain text, and seals them', async () => {
    const t = await tenantWithChannel(s, 'До шифрования', 'moysklad');
    const secret = `legacy-${randomBytes(8).toString('hex')}`;
    const pool = s.db.pool;
    await pool.query('INSERT INTO connector_settings (tenant_id, system, settings) VALUES ($1, $2, $3)', [t.tenantId, 'moysklad', JSON.stringify({ apiUrl: standin.url, token: MS_TOKEN, webhookSecret: secret })]);
    expect((await call(s.pos, 'POST', `/moysklad/webhook/${secret}`, null, { events: [] })).status).toBe(200);
    expect((await sync(t.admin)).status).toBe(200);

    expect(await sealLegacySecrets(pool, new SecretBox(parseSecretKey(SECRET_KEY)))).toBeGreaterThanOrEqual(1);
    const row = (await pool.query<{ t: string }>("SELECT settings::text AS t FROM connector_settings WHERE tenant_id = $1 AND system = 'moysklad'", [t.tenantId])).rows[0]!.t;
    expect(row).not.toContain(MS_TOKEN);
    expect(row).not.toContain(secret);
    expect((await call(s.pos, 'POST', `/moysklad/webhook/${secret}`, null, { events: [] })).status).toBe(200);
    expect((await sync(t.admin)).status).toBe(200);
  });

  it('lets a shop’s tills, all sending one new key at once, share one lookup instead of the unknown-key limit', async () => {
    const t = await tenantWithChannel(s, 'Перезапуск', 'api');
    const all = await Promise.all(Array.from({ length: 100 }, () => call(s.pos, 'GET', '/v1/customers?phone=%2B79160000000', t.key)));
    expect(all.map((r) => r.status).filter((x) => x !== 404)).toEqual([]);
  });

  it('reads the program with the admin key only', async () => {
    expect((await call(s.api, 'GET', '/v1/program', admin)).status).toBe(200);
    const r = await call(s.pos, 'GET', '/v1/program', channelKey);
    expect([r.status, r.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('refuses the admin key on the МойСклад Loyalty API, in МойСклад’s error form', async () => {
    const r = await fetch(`${s.pos}/moysklad/loyalty/counterparty?search=79160001234`, { headers: { 'lognex-discount-api-auth-token': admin } });
    expect(r.status).toBe(401);
    expect((await r.json()).errors[0]).toMatchObject({ code: expect.any(Number), error_message: expect.stringContaining('«moysklad»') });
    const ok = await fetch(`${s.pos}/moysklad/loyalty/counterparty?search=79160001234`, { headers: { 'lognex-discount-api-auth-token': channelKey } });
    expect(ok.status).toBe(200);
  });
});

describe('limits', () => {
  let s: TestService;
  let victim: Awaited<ReturnType<typeof server>>;

  beforeAll(async () => {
    victim = await server((_, res) => res.end('VICTIM-INTERNAL-SECRET'));
    s = await startTestService({
      redis: false,
      env: { RATE_LIMIT_PER_KEY: '1', UNKNOWN_KEY_RATE: '3', MOYSKLAD_API_HOSTS: `api.moysklad.ru,http://localhost:${victim.port}` },
    });
  });
  afterAll(async () => {
    await s?.stop();
    await victim?.close();
  });

  it('rate-limits /v1/connectors/moysklad like every other route', async () => {
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Лимиты' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(s.api, 'POST', '/v1/connectors/moysklad/sync', t.body.adminKey)).status);
    expect(statuses.slice(0, 2)).toEqual([404, 404]); // no settings yet: but authenticated and counted
    expect(statuses.at(-1)).toBe(429);
  });

  it('refuses a listed name that resolves to an unlisted internal address, at call time', async () => {
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Имя хоста' });
    const set = await call(s.api, 'PUT', '/v1/connectors/moysklad', t.body.adminKey, { apiUrl: `http://localhost:${victim.port}/api`, token: MS_TOKEN });
    expect(set.status).toBe(200);
    const r = await call(s.api, 'POST', '/v1/connectors/moysklad/sync', t.body.adminKey);
    expect([r.status, r.body.error.details.field]).toEqual([400, 'apiUrl']);
    expect(victim.hits).toEqual([]);
  });

  it('limits attempts with unknown keys per address before they reach Postgres, on every protocol', async () => {
    const t = await call(s.api, 'POST', '/v1/tenants', OPERATOR, { name: 'Перебор' });
    expect((await call(s.api, 'GET', '/v1/usage', t.body.adminKey)).status).toBe(200); // a known key, now cached
    await new Promise((r) => setTimeout(r, 2100)); // the address's bucket full again (3/s, burst 6)

    const pool = s.app.pool;
    const query = pool.query.bind(pool);
    let keyLookups = 0;
    // Counting, not replacing: every query still goes to Postgres.
    pool.query = ((text: string, values?: unknown[]) => {
      if (typeof text === 'string' && /FROM (api_keys|connector_settings)/.test(text)) keyLookups++;
      return query(text, values);
    }) as typeof pool.query;
    // The clock stands still from here: the bucket gets no token back while the test runs, so on
    // a loaded machine a slow request cannot turn an expected 429 into a 401.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now());
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 20; i++) {
        const r = await call(s.pos, 'GET', '/v1/customers?phone=%2B79160000000', `kp_api_${randomBytes(24).toString('base64url')}`);
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      const refused = statuses.indexOf(429);
      expect(refused).toBe(6); // the burst: twice the rate
      expect(statuses.slice(0, refused).every((x) => x === 401)).toBe(true);
      expect(statuses.slice(refused).every((x) => x === 429)).toBe(true);
      expect(keyLookups).toBe(refused);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);

      // The connectors share the limit, each in its own error form.
      const evotor = await fetch(`${s.pos}/evotor/api/v2/receipts`, { method: 'POST', headers: { authorization: 'kp_evotor_nope' }, body: '{}' });
      expect(evotor.status).toBe(429);
      const frontol = await fetch(`${s.pos}/frontol/v1/balance?card=1`, { headers: { authorization: 'Bearer kp_frontol_nope' } });
      expect([frontol.status, (await frontol.json()).ok]).toEqual([429, false]);
      const ms = await fetch(`${s.pos}/moysklad/loyalty/counterparty?search=1`, { headers: { 'lognex-discount-api-auth-token': 'kp_moysklad_nope' } });
      expect(ms.status).toBe(429);
      // A webhook address is a key too: guessing it is limited the same way.
      const hook = await call(s.pos, 'POST', `/moysklad/webhook/${randomBytes(18).toString('base64url')}`, null, { events: [] });
      expect(hook.status).toBe(429);
      expect(keyLookups).toBe(refused);

      // A till whose key is known goes on working from the same address.
      expect((await call(s.api, 'GET', '/v1/usage', t.body.adminKey)).status).toBe(200);
    } finally {
      clock.mockRestore();
      pool.query = query as typeof pool.query;
    }
  });
});
