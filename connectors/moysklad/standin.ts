import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';

// A local stand-in for МойСклад's JSON API 1.2, for tests: it answers the few reads the connector
// makes, with the documentation's own samples (fixtures/jsonapi) and МойСклад's error form.
// Nothing outside this machine is called.

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/jsonapi/${name}`, import.meta.url), 'utf8'));

/** "YYYY-MM-DD HH:MM:SS" in Moscow time, as МойСклад writes moments. */
export function nowMoscow(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow', dateStyle: 'short', timeStyle: 'medium' }).format(new Date());
}

export interface StandInWebhook {
  id: string;
  entityType: string;
  action: string;
  url: string;
  enabled: boolean;
}

export interface StandIn {
  url: string;
  /** Webhooks created on the account (JSON API «Вебхуки»). */
  webhooks: StandInWebhook[];
  /** A free tariff: МойСклад sends no webhooks and refuses to create one. */
  freeTariff: boolean;
  /** МойСклад's notice of a created document, POSTed to every enabled webhook of its type: the statuses they answered. */
  fire(entityType: string, id: string): Promise<number[]>;
  /** Requests it received, for assertions. */
  seen: string[];
  counterparties: { id: string; name: string; phone?: string; salesAmount?: number }[];
  products: { id: string; name: string; folder: string | null; syncId?: string }[];
  /** The sale the stand-in's returns name. */
  returnOf: string;
  /** Fields of particular retail sales (by id) over the documentation's sample: a sale a test sent by the Loyalty API. */
  demands: Record<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startMoySkladStandIn(token: string): Promise<StandIn> {
  const seen: string[] = [];
  const state = {
    counterparties: [] as StandIn['counterparties'],
    products: [] as StandIn['products'],
    returnOf: '00000000-0000-0000-0000-000000000000',
    demands: {} as StandIn['demands'],
    webhooks: [] as StandInWebhook[],
    freeTariff: false,
  };
  let base = '';
  const server: Server = createServer(async (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(401, { errors: [{ error: 'Ошибка аутентификации: Неправильный пароль или имя пользователя или ключ авторизации', code: 1056 }] });
      return;
    }
    const url = new URL(req.url!, 'http://x');
    const path = url.pathname.replace(/^\/api\/remap\/1\.2\//, '');
    let m: RegExpExecArray | null;
    const rehost = (o: unknown) => JSON.parse(JSON.stringify(o).replaceAll('https://online.moysklad.ru/api/remap/1.2', base));
    if (path === 'entity/webhook' || path.startsWith('entity/webhook/')) {
      const body = req.method === 'GET' ? null : await readJson(req);
      const [status, answer] = webhookCall(state, base, req.method!, path, body);
      send(status, answer);
    } else if ((m = /^entity\/retailsalesreturn\/([0-9a-f-]+)\/positions$/.exec(path))) {
      send(200, rehost(fixture('retaildemand-positions.response.json')));
    } else if ((m = /^entity\/retailsalesreturn\/([0-9a-f-]+)$/.exec(path))) {
      // A return of the sample's positions, of the sale named by `returnOf` (none documented here).
      const doc = rehost(fixture('retaildemand-get.response.json'));
      Object.assign(doc, { id: m[1], moment: nowMoscow(), demand: { meta: { href: `${base}/entity/retaildemand/${state.returnOf}`, type: 'retaildemand' } } });
      doc.meta.href = `${base}/entity/retailsalesreturn/${m[1]}`;
      send(200, doc);
    } else if ((m = /^entity\/retaildemand\/([0-9a-f-]+)\/positions$/.exec(path))) {
      send(200, rehost(fixture('retaildemand-positions.response.json')));
    } else if ((m = /^entity\/retaildemand\/([0-9a-f-]+)$/.exec(path))) {
      const doc = rehost(fixture('retaildemand-get.response.json'));
      doc.id = m[1];
      // The sample is dated 2016, older than any program accepts: the stand-in sells today.
      doc.moment = nowMoscow();
      doc.meta.href = `${base}/entity/retaildemand/${m[1]}`;
      doc.positions.meta.href = `${base}/entity/retaildemand/${m[1]}/positions`;
      send(200, { ...doc, ...state.demands[m[1]!] });
    } else if ((m = /^entity\/counterparty\/([0-9a-f-]+)$/.exec(path))) {
      const c = state.counterparties.find((x) => x.id === m![1]);
      if (c === undefined) send(404, { errors: [{ error: `Объект с UUID '${m[1]}' не найден`, code: 1021 }] });
      else send(200, { meta: { href: `${base}/entity/counterparty/${c.id}`, type: 'counterparty' }, ...c });
    } else if (path === 'entity/counterparty' || path === 'entity/product') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      const all =
        path === 'entity/counterparty'
          ? state.counterparties.map((c) => ({ meta: { href: `${base}/entity/counterparty/${c.id}`, type: 'counterparty' }, ...c }))
          : state.products.map((p) => ({
              meta: { href: `${base}/entity/product/${p.id}`, type: 'product' },
              id: p.id,
              name: p.name,
              ...(p.syncId ? { syncId: p.syncId } : {}),
              ...(p.folder ? { productFolder: { meta: { href: `${base}/entity/productfolder/${p.folder}`, type: 'productfolder' } } } : {}),
            }));
      send(200, { meta: { size: all.length, limit, offset }, rows: all.slice(offset, offset + limit) });
    } else {
      send(404, { errors: [{ error: `Неизвестный адрес ${path}`, code: 1005 }] });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}/api/remap/1.2`;
  return {
    url: base,
    seen,
    get webhooks() {
      return state.webhooks;
    },
    get freeTariff() {
      return state.freeTariff;
    },
    set freeTariff(v) {
      state.freeTariff = v;
    },
    fire: (entityType, id) => fire(state.webhooks, base, entityType, id),
    get counterparties() {
      return state.counterparties;
    },
    set counterparties(v) {
      state.counterparties = v;
    },
    get products() {
      return state.products;
    },
    set products(v) {
      state.products = v;
    },
    get demands() {
      return state.demands;
    },
    get returnOf() {
      return state.returnOf;
    },
    set returnOf(v) {
      state.returnOf = v;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

const ACCOUNT_ID = 'f088b0a7-9490-4a57-b804-393163e7680f';
const webhookRow = (base: string, w: StandInWebhook) => ({ meta: { href: `${base}/entity/webhook/${w.id}`, type: 'webhook' }, accountId: ACCOUNT_ID, method: 'POST', ...w });
const refusal = (status: number, error: string, code: number): [number, unknown] => [status, { errors: [{ error, code }] }];

/**
 * GET/POST /entity/webhook and PUT /entity/webhook/{id} as documented (dictionaries/_webhook.md):
 * url, action and entityType needed at creation, one webhook per entity type and action for a
 * solution. Webhooks are refused on a free tariff; the documentation gives no code for that, so
 * the stand-in answers 403 with МойСклад's error form (an assumption, said in PROTOCOL.md).
 */
function webhookCall(state: { webhooks: StandInWebhook[]; freeTariff: boolean }, base: string, method: string, path: string, body: unknown): [number, unknown] {
  const b = (body ?? {}) as Partial<StandInWebhook>;
  if (method === 'GET' && path === 'entity/webhook') {
    return [200, { meta: { href: `${base}/entity/webhook`, type: 'webhook', size: state.webhooks.length, limit: 1000, offset: 0 }, rows: state.webhooks.map((w) => webhookRow(base, w)) }];
  }
  if (method !== 'GET' && state.freeTariff) return refusal(403, 'Вебхуки недоступны на бесплатном тарифе', 1016);
  if (method === 'POST' && path === 'entity/webhook') {
    if (!b.url || !b.action || !b.entityType) return refusal(412, "Поля 'url', 'action' и 'entityType' обязательны при создании", 3000);
    if (b.url.length > 255) return refusal(412, 'Длина url больше 255 символов', 3000);
    if (state.webhooks.some((w) => w.entityType === b.entityType && w.action === b.action)) {
      return refusal(412, `Вебхук на ${b.action} ${b.entityType} для решения уже существует`, 3000);
    }
    const w: StandInWebhook = { id: randomUUID(), entityType: b.entityType, action: b.action, url: b.url, enabled: true };
    state.webhooks.push(w);
    return [200, webhookRow(base, w)];
  }
  const m = /^entity\/webhook\/([0-9a-f-]+)$/.exec(path);
  const w = m === null ? undefined : state.webhooks.find((x) => x.id === m[1]);
  if (method === 'PUT' && w !== undefined) {
    if (typeof b.url === 'string') w.url = b.url;
    if (typeof b.enabled === 'boolean') w.enabled = b.enabled;
    return [200, webhookRow(base, w)];
  }
  return refusal(404, `Объект с UUID '${m?.[1] ?? path}' не найден`, 1021);
}

/** The documented notice (dictionaries/_webhook.md «Пример вебхука»), with a requestId, to each enabled webhook. */
async function fire(webhooks: StandInWebhook[], base: string, entityType: string, id: string): Promise<number[]> {
  const statuses: number[] = [];
  for (const w of webhooks.filter((x) => x.enabled && x.entityType === entityType && x.action === 'CREATE')) {
    const body = { auditContext: { meta: { type: 'audit', href: `${base}/audit/${randomUUID()}` }, moment: nowMoscow(), uid: 'admin@dummyaccount' }, events: [{ meta: { type: entityType, href: `${base}/entity/${entityType}/${id}` }, action: 'CREATE', accountId: ACCOUNT_ID }] };
    const r = await fetch(`${w.url}?requestId=${randomUUID()}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    statuses.push(r.status);
  }
  return statuses;
}
