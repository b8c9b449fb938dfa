import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

// A local stand-in for МойСклад's JSON API 1.2, for tests: it answers the few reads the connector
// makes, with the documentation's own samples (fixtures/jsonapi) and МойСклад's error form.
// Nothing outside this machine is called.

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/jsonapi/${name}`, import.meta.url), 'utf8'));

/** "YYYY-MM-DD HH:MM:SS" in Moscow time, as МойСклад writes moments. */
export function nowMoscow(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow', dateStyle: 'short', timeStyle: 'medium' }).format(new Date());
}

export interface StandIn {
  url: string;
  /** Requests it received, for assertions. */
  seen: string[];
  counterparties: { id: string; name: string; phone?: string }[];
  products: { id: string; name: string; folder: string | null }[];
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
  };
  let base = '';
  const server: Server = createServer((req, res) => {
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
    if ((m = /^entity\/retailsalesreturn\/([0-9a-f-]+)\/positions$/.exec(path))) {
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
