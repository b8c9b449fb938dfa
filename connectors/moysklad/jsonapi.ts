import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { createGunzip } from 'node:zlib';
import { lineAmount, toMinor } from '../kit/decimal.ts';
import { KopilkaError, type CheckInput } from '../../ledger/index.ts';
import { idFromHref } from './loyalty.ts';

// МойСклад's JSON API 1.2, the side Kopilka calls: fetching a retail sale a webhook announced,
// and reading counterparties and products for the sync. Money here is in KOPECKS (`sum`,
// `price`, `cashSum`), unlike the Loyalty API's roubles (PROTOCOL.md §2.4).

export const DEFAULT_API_URL = 'https://api.moysklad.ru/api/remap/1.2';

export interface MoySkladSettings {
  apiUrl: string;
  token: string;
  webhookSecret: string;
}

// ── where Kopilka may call ───────────────────────────────────────────────────────────────────
// The address comes from a tenant admin, and the call carries the tenant's token: without limits
// it would let anyone with an admin key make the gateway call inside its own network (SSRF).
// So: only hosts in MOYSKLAD_API_HOSTS (МойСклад's own by default), https unless an entry says
// `http://` (a stand-in on this machine), no loopback, private or link-local address unless that
// very address is listed, no redirects, and nothing of a foreign answer's text sent back.

/** One entry of MOYSKLAD_API_HOSTS: `host`, `host:port`, or `http://host:port` to allow plain http. */
export interface ApiHost {
  hostname: string;
  /** null: the scheme's default port only. */
  port: string | null;
  http: boolean;
}

export function parseApiHosts(setting: string): ApiHost[] {
  const out: ApiHost[] = [];
  for (const raw of setting.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const http = /^http:\/\//i.test(entry);
    let u: URL;
    try {
      u = new URL(`${http ? 'http' : 'https'}://${entry.replace(/^https?:\/\//i, '')}`);
    } catch {
      throw new Error(`MOYSKLAD_API_HOSTS: «${entry}» — не имя хоста (пример: api.moysklad.ru, http://127.0.0.1:8090)`);
    }
    out.push({ hostname: u.hostname, port: u.port === '' ? null : u.port, http });
  }
  return out;
}

const refuse = (why: string) => new KopilkaError('INVALID_INPUT', `Адрес JSON API МойСклад не принят: ${why}`, { field: 'apiUrl' });

/** The URL if it may be called under these hosts; otherwise 400 naming apiUrl. Pure: no DNS. */
export function allowedApiUrl(apiUrl: string, hosts: ApiHost[]): URL {
  let u: URL;
  try {
    u = new URL(apiUrl);
  } catch {
    throw refuse('это не адрес');
  }
  if (u.username !== '' || u.password !== '') throw refuse('имя и пароль в адресе не допускаются');
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw refuse('нужен https://');
  // URL leaves a scheme's default port out, in the entry and in the address alike.
  const rule = hosts.find((h) => h.hostname === u.hostname && h.port === (u.port === '' ? null : u.port));
  if (rule === undefined) throw refuse(`разрешены только ${hosts.map((h) => (h.port === null ? h.hostname : `${h.hostname}:${h.port}`)).join(', ')} (настройка MOYSKLAD_API_HOSTS)`);
  if (u.protocol === 'http:' && !rule.http) throw refuse('нужен https://');
  return u;
}

const INTERNAL = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]] as const) {
  INTERNAL.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, shared, multicast or unspecified: not a public МойСклад. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1]!, 'ipv4');
  return INTERNAL.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * DNS lookup for the connection itself: every address a name resolves to is checked where the
 * socket connects, so a name that resolves elsewhere between a check and the call gains nothing.
 */
function guardedLookup(listed: Set<string>): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.find((a) => isInternalAddress(a.address) && !listed.has(a.address));
      if (bad !== undefined || addresses.length === 0) {
        return callback(Object.assign(new Error('internal address refused'), { code: 'KOPILKA_INTERNAL_ADDRESS' }), '', 0);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** МойСклад's documented error text (errors[].error), shortened and stripped; never anything else of the body. */
export function moyskladErrorText(body: unknown): string | null {
  const first = (body as { errors?: unknown } | null)?.errors;
  const text = Array.isArray(first) ? (first[0] as { error?: unknown } | undefined)?.error : undefined;
  if (typeof text !== 'string') return null;
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f<>]/g, ' ').trim();
  return clean === '' ? null : clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

const MAX_ANSWER_BYTES = 32 * 1024 * 1024;
const TIMEOUT_MS = 10_000;

/** One call, by the rules above: the status and the JSON body (null when it is not JSON). */
function callJson(method: 'GET' | 'POST' | 'PUT', url: URL, token: string, hosts: ApiHost[], payload?: unknown): Promise<{ status: number; body: unknown }> {
  const listed = new Set(hosts.map((h) => h.hostname.replace(/^\[|\]$/g, '')));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const data = payload === undefined ? null : Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'accept-encoding': 'gzip',
          accept: 'application/json;charset=utf-8',
          ...(data === null ? {} : { 'content-type': 'application/json;charset=utf-8', 'content-length': String(data.length) }),
        },
        lookup: guardedLookup(listed),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          return reject(new KopilkaError('STORAGE_UNAVAILABLE', `МойСклад ответил переадресацией (HTTP ${status}): переходы по ней не выполняются`, { status }));
        }
        const stream = /gzip/i.test(String(res.headers['content-encoding'] ?? '')) ? res.pipe(createGunzip()) : res;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy();
            reject(new KopilkaError('STORAGE_UNAVAILABLE', 'Ответ МойСклад слишком велик', { status }));
          } else chunks.push(c);
        });
        const unreadable = () => reject(new KopilkaError('STORAGE_UNAVAILABLE', 'Ответ МойСклад не прочитан: повторите позже', { status }));
        res.on('error', unreadable);
        stream.on('error', unreadable);
        stream.on('end', () => {
          let body: unknown = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // Not JSON: not МойСклад's answer, and its text is not ours to pass on.
          }
          resolve({ status, body });
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'KOPILKA_INTERNAL_ADDRESS') return reject(refuse(`${url.hostname} указывает на внутренний адрес`));
      reject(new KopilkaError('STORAGE_UNAVAILABLE', 'МойСклад недоступен: повторите позже', { reason: e.code ?? e.name }));
    });
    req.end(data ?? undefined);
  });
}

export class MoySkladApi {
  /** `hosts`: parseApiHosts(MOYSKLAD_API_HOSTS). */
  constructor(
    private readonly s: Pick<MoySkladSettings, 'apiUrl' | 'token'>,
    private readonly hosts: ApiHost[],
  ) {}

  /**
   * GET an entity path ("entity/retaildemand/…"). An href from a webhook is reduced to its path
   * and sent to the configured API address only: a forged webhook cannot make us call elsewhere.
   * The address is checked again here: the allow-list may have changed since it was saved.
   */
  async get<T>(hrefOrPath: string, query: Record<string, string> = {}): Promise<T> {
    return this.call<T>('GET', hrefOrPath, query);
  }

  /** POST a JSON body to an entity path (creating a webhook). */
  async post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, {}, body);
  }

  /** PUT a JSON body to an entity path (changing a webhook). */
  async put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, {}, body);
  }

  private async call<T>(method: 'GET' | 'POST' | 'PUT', hrefOrPath: string, query: Record<string, string>, body?: unknown): Promise<T> {
    const at = hrefOrPath.indexOf('/entity/');
    const path = at >= 0 ? hrefOrPath.slice(at + 1).split('?')[0]! : hrefOrPath.replace(/^\/+/, '');
    if (!/^entity\/[a-z]+(\/[0-9a-f-]{1,64}(\/positions)?)?$/i.test(path)) {
      throw new KopilkaError('INVALID_INPUT', 'Неожиданный адрес объекта МойСклад', { field: 'meta.href' });
    }
    const base = allowedApiUrl(this.s.apiUrl, this.hosts);
    const url = new URL(`${base.href.replace(/\/+$/, '')}/${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const r = await callJson(method, url, this.s.token, this.hosts, body);
    if (r.status < 200 || r.status >= 300) {
      const said = moyskladErrorText(r.body);
      throw new KopilkaError(r.status === 401 || r.status === 403 ? 'UNAUTHORIZED' : 'STORAGE_UNAVAILABLE', `МойСклад ответил: HTTP ${r.status}${said === null ? '' : ` — ${said}`}`, { status: r.status, path });
    }
    if (r.body === null || typeof r.body !== 'object') throw new KopilkaError('STORAGE_UNAVAILABLE', 'МойСклад ответил не в формате JSON', { status: r.status, path });
    return r.body as T;
  }

  async *list<T>(entity: string): AsyncGenerator<T> {
    for (let offset = 0; ; offset += 1000) {
      const page = await this.get<{ rows: T[]; meta?: { size?: number } }>(`entity/${entity}`, { limit: '1000', offset: String(offset) });
      for (const row of page.rows) yield row;
      if (page.rows.length < 1000) return;
    }
  }
}

interface Meta {
  meta: { href: string };
}

export interface RetailDemand {
  id: string;
  name?: string;
  moment?: string;
  sum?: number;
  cashSum?: number;
  noCashSum?: number;
  qrSum?: number;
  agent?: Meta;
  retailStore?: Meta;
  demand?: Meta;
}

export interface DemandPosition {
  quantity: number;
  price: number;
  discount?: number;
  assortment: Meta;
}

/**
 * A retail sale as the JSON API returns it → the common Check (kopecks stay kopecks). The sale is
 * closed: it is recorded as МойСклад priced it (its discounts in the amounts), not priced again.
 */
export function demandToCheck(d: RetailDemand, positions: DemandPosition[], customer: CheckInput['customer'], occurredAt: string, groups: Map<string, string>): CheckInput {
  const lines = positions.map((p, i) => {
    const productId = idFromHref(p.assortment.meta.href);
    const quantity = toMinor(p.quantity, 3, `positions.${i}.quantity`);
    const price = toMinor(p.price, 0, `positions.${i}.price`);
    const gross = lineAmount(price, quantity);
    // `discount` is a percent already applied in МойСклад (negative = markup).
    const bp = toMinor(p.discount ?? 0, 2, `positions.${i}.discount`, { allowNegative: true });
    const amount = Math.max(0, gross - Math.round((gross * bp) / 10_000));
    return { lineNo: i + 1, productId, groupId: groups.get(productId) ?? null, quantity, price, amount };
  });
  const payments = [
    { type: 'cash', amount: toMinor(d.cashSum ?? 0, 0, 'cashSum') },
    { type: 'card', amount: toMinor(d.noCashSum ?? 0, 0, 'noCashSum') },
    { type: 'qr', amount: toMinor(d.qrSum ?? 0, 0, 'qrSum') },
  ].filter((p) => p.amount > 0);
  return {
    externalId: d.id,
    occurredAt,
    storeId: d.retailStore ? idFromHref(d.retailStore.meta.href) : null,
    customer: customer ?? null,
    lines,
    payments,
    redeem: 0,
    pricedBy: 'till',
  };
}
