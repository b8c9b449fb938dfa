// A Frontol 6 workstation for tests: a worker thread that runs kopilka.js in a `vm` context with
// a stand-in of Frontol's object model and of the two COM objects the script uses
// (WinHttp.WinHttpRequest.5.1, Scripting.FileSystemObject). Driven by harness.ts.
//
// Why a worker: WinHttp is synchronous, so the script blocks while the request is in flight. The
// worker blocks on Atomics.wait while the test's thread (where the Kopilka test service runs)
// performs the request and writes the answer into shared memory.
//
// The object model follows what published Frontol 6 scripts use (PROTOCOL.md §2): the document's
// cursors position / card / discountDoc (index, count), position.setSpecialPrice(price, mode),
// discountDoc.marketingAction.name, baseDocument.number, recalculateAllDiscounts(), userValues,
// frontol.actions.*. COM names are case-insensitive (IDispatch), so every object here is too.
// What the model assumes beyond those scripts is said where it is done.

import { parentPort, workerData } from 'node:worker_threads';
import { mkdirSync, existsSync, readdirSync, readFileSync, writeFileSync, rmSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';

const cfg = workerData; // { code, shop, workplace, session, root, sab, bonusAction, bonusFunction }
const signal = new Int32Array(cfg.sab, 0, 2);
const state = { network: true, messages: [], inputs: [], listeners: [], doc: null, lastNumber: cfg.lastNumber ?? 0, globals: new Map() };

// ── COM-style objects: property names resolved case-insensitively ─────────────────────────────
function keyOf(t, k) {
  const low = k.toLowerCase();
  for (let o = t; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) if (name.toLowerCase() === low) return name;
  }
  return k;
}
function com(target) {
  return new Proxy(target, {
    get: (t, k) => (typeof k === 'string' ? t[keyOf(t, k)] : t[k]),
    set: (t, k, v) => Reflect.set(t, typeof k === 'string' ? keyOf(t, k) : k, v),
  });
}
const comError = (message) => Object.assign(new Error(message), { description: message, number: -2147012867 });

// ── money as Frontol shows it: doubles in roubles; kept here in kopecks ───────────────────────
const rub = (k) => k / 100;
const kop = (r) => Math.round(r * 100);
function apportion(total, weights) {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const out = weights.map((w) => Math.floor((total * w) / sum));
  const order = weights.map((w, i) => ({ i, r: (total * w) % sum })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let given = out.reduce((a, b) => a + b, 0), j = 0; given < total; given++, j++) out[order[j % order.length].i] += 1;
  return out;
}

// ── the document ──────────────────────────────────────────────────────────────────────────────
function cursor(items, fields) {
  let index = 1;
  const c = { get index() { return index; }, set index(v) { index = v; }, get count() { return items.length; } };
  const cur = () => items[index - 1];
  for (const [name, get] of Object.entries(fields)) {
    if (typeof get === 'function' && get.length === 2) Object.defineProperty(c, name, { value: (...a) => get(cur(), ...a) });
    else Object.defineProperty(c, name, { get: () => get(cur()), enumerable: true });
  }
  return c;
}

function userValues(map) {
  return com({ get: (k) => (map.has(String(k)) ? map.get(String(k)) : ''), set: (k, v) => void map.set(String(k), String(v)), clear: () => map.clear() });
}

function makeDocument(spec) {
  const positions = spec.positions.map((p, i) => ({
    id: i + 1,
    ware: com({ code: p.code, name: p.name, text: p.name, price: Number(p.price) }),
    priceK: kop(Number(p.price)),
    qtyM: Math.round(Number(p.quantity) * 1000),
    docShareK: 0,
    storno: 0,
  }));
  const sumK = (p) => Math.round((p.priceK * p.qtyM) / 1000);
  const discounts = [];
  const cards = [];
  const values = new Map();
  const doc = {
    number: spec.number,
    type: com({ code: spec.type, name: spec.type === 2 ? 'Возврат' : 'Продажа' }),
    dateClose: null,
    baseDocument: com(spec.base ? { number: spec.base.number, dateClose: new Date(spec.base.dateClose) } : { number: '' }),
    userValues: userValues(values),
    // Frontol's own model: sum = price × quantity; totalSum = after the document's discounts.
    position: com(
      cursor(positions, {
        ware: (p) => p.ware,
        quantity: (p) => p.qtyM / 1000,
        price: (p) => rub(p.priceK),
        sum: (p) => rub(sumK(p)),
        totalSum: (p) => rub(sumK(p) - p.docShareK),
        storno: (p) => p.storno,
        number: (p) => p.id,
        id: (p) => p.id,
        // The mode argument (1 in the Bonica script) is not documented; the price is what counts here.
        setSpecialPrice: (p, price) => void (p.priceK = kop(price)),
      }),
    ),
    card: com(cursor(cards, { value: (c) => c })),
    discountDoc: com(cursor(discounts, { value: (d) => rub(d.k), type: () => 2, valueType: () => 0, marketingAction: (d) => com({ name: d.name }) })),
    payment: com(cursor([], {})),
    get cardValues() { return cards.join(';'); },
    get sum() { return rub(positions.reduce((s, p) => s + sumK(p), 0)); },
    get totalSum() { return rub(positions.reduce((s, p) => s + sumK(p) - p.docShareK, 0)); },
    // The owner's marketing action «Оплата бонусами»: a sum discount on the document whose value a
    // script function gives; Frontol spreads a document discount over the positions by their sums.
    recalculateAllDiscounts() {
      discounts.length = 0;
      for (const p of positions) p.docShareK = 0;
      const fn = sandbox[cfg.bonusFunction];
      const wanted = typeof fn === 'function' ? kop(Number(fn()) || 0) : 0;
      const total = positions.reduce((s, p) => s + sumK(p), 0);
      const k = Math.max(0, Math.min(wanted, total));
      if (k === 0) return;
      apportion(k, positions.map(sumK)).forEach((share, i) => (positions[i].docShareK = share));
      discounts.push({ name: cfg.bonusAction, k });
    },
  };
  // The old sample script set the price by assignment (position.setPrice = x).
  Object.defineProperty(doc.position, 'setPrice', { set: (v) => void (positions[doc.position.index - 1].priceK = kop(v)) });
  return { doc: com(doc), positions, cards, sumK };
}

// ── Frontol and the COM objects ──────────────────────────────────────────────────────────────
const frontol = com({
  addEventListener: (event, handler, before) => void state.listeners.push({ event: String(event).toLowerCase(), handler, before: !!before }),
  get currentDocument() { return state.doc?.doc ?? null; },
  shopNumber: cfg.shop,
  codeWorkplace: cfg.workplace,
  sessionNumber: cfg.session,
  currentUser: com({ code: 7, name: 'Иванова' }),
  userValues: userValues(state.globals),
  actions: com({
    showMessage: (text) => void state.messages.push(String(text)),
    showError: (text) => { state.messages.push(String(text)); throw new Cancelled(String(text)); },
    inputString: (title, def) => (state.inputs.length ? state.inputs.shift() : def),
    cancel: () => { throw new Cancelled('cancel'); },
  }),
});
class Cancelled extends Error {}

function winHttp() {
  const req = { headers: {} };
  const x = {
    Status: 0,
    ResponseText: '',
    SetTimeouts() {},
    Open(method, url, async) { if (async) throw comError('только синхронные запросы'); req.method = method; req.url = url; },
    SetRequestHeader(k, v) { req.headers[k] = v; },
    Send(body) {
      if (!state.network) throw comError('Не удается установить соединение с сервером');
      const r = syncFetch({ ...req, body: body === '' || body == null ? undefined : String(body) });
      if (r.error) throw comError(r.error);
      x.Status = r.status;
      x.ResponseText = r.text;
    },
  };
  return com(x);
}

function syncFetch(req) {
  Atomics.store(signal, 0, 0);
  parentPort.postMessage({ kind: 'http', req });
  if (Atomics.wait(signal, 0, 0, 30_000) === 'timed-out') return { error: 'Превышено время ожидания' };
  return JSON.parse(Buffer.from(new Uint8Array(cfg.sab, 8, signal[1])).toString('utf8'));
}

// Windows paths ("C:\ProgramData\…") mapped under the till's own folder; text files in UTF-16 LE.
function fileSystem() {
  const real = (p) => join(cfg.root, ...String(p).replace(/:/g, '').split('\\').filter(Boolean));
  const fileObj = (dir, name) => com({ Name: name, Path: `${dir}\\${name}` });
  const fso = {
    FolderExists: (p) => existsSync(real(p)),
    FileExists: (p) => existsSync(real(p)),
    CreateFolder: (p) => { if (existsSync(real(p))) throw comError('Файл уже существует'); mkdirSync(real(p)); },
    GetParentFolderName: (p) => String(p).split('\\').slice(0, -1).join('\\'),
    GetFileName: (p) => String(p).split('\\').pop(),
    GetFolder: (p) => com({ Files: { items: readdirSync(real(p), { withFileTypes: true }).filter((e) => e.isFile()).map((e) => fileObj(p, e.name)) } }),
    DeleteFile: (p) => rmSync(real(p)),
    MoveFile: (from, to) => renameSync(real(from), real(to)),
    CreateTextFile(p, overwrite, unicode) {
      if (!overwrite && existsSync(real(p))) throw comError('Файл уже существует');
      let text = '';
      return com({ Write: (s) => void (text += s), WriteLine: (s) => void (text += `${s}\r\n`), Close: () => writeFileSync(real(p), unicode ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) : Buffer.from(text, 'latin1')) });
    },
    OpenTextFile(p, mode, create, format) {
      if (mode !== 1) throw comError('в тестах файлы открываются только на чтение');
      const bytes = readFileSync(real(p));
      const text = format === -1 ? bytes.subarray(2).toString('utf16le') : bytes.toString('latin1');
      return com({ AtEndOfStream: text.length === 0, ReadAll: () => text, Close() {} });
    },
  };
  return com(fso);
}

function ActiveXObject(name) {
  const n = String(name).toLowerCase();
  if (n === 'winhttp.winhttprequest.5.1') return winHttp();
  if (n === 'scripting.filesystemobject') return fileSystem();
  throw comError(`Не удается создать объект ${name}`);
}
// JScript's enumerator over a COM collection.
function Enumerator(collection) {
  const items = collection?.items ?? [];
  let i = 0;
  return { atEnd: () => i >= items.length, item: () => items[i], moveNext: () => void i++ };
}

const sandbox = vm.createContext({ frontol, ActiveXObject, Enumerator });

// ── events ───────────────────────────────────────────────────────────────────────────────────
function fire(event, before, arg) {
  for (const l of state.listeners) {
    if (l.event !== event || l.before !== before) continue;
    const fn = sandbox[l.handler];
    if (typeof fn !== 'function') throw new Error(`обработчик ${l.handler} не найден в скрипте`);
    fn(arg);
  }
}

/** A till's local clock reading Moscow wall time, as a till in Moscow would show it. */
function tillNow() {
  if (cfg.fixedClock != null) return new Date(cfg.fixedClock);
  const now = Date.now();
  return new Date(now + (180 + new Date(now).getTimezoneOffset()) * 60_000 - 60_000 + (cfg.clockShiftMs ?? 0));
}

function receipt() {
  const { doc, positions, sumK } = state.doc;
  return {
    number: doc.number,
    dateClose: doc.dateClose ? doc.dateClose.getTime() : null,
    positions: positions.map((p) => ({ code: p.ware.code, price: (p.priceK / 100).toFixed(2), sum: (sumK(p) / 100).toFixed(2), totalSum: ((sumK(p) - p.docShareK) / 100).toFixed(2) })),
    bonus: (doc.discountDoc.count ? positions.reduce((s, p) => s + p.docShareK, 0) / 100 : 0).toFixed(2),
    toPay: (positions.reduce((s, p) => s + sumK(p) - p.docShareK, 0) / 100).toFixed(2),
  };
}

const ops = {
  start() {
    vm.runInContext(cfg.code, sandbox, { filename: 'kopilka.js' });
    sandbox.init();
  },
  open({ type = 1, positions, base }) {
    state.doc = makeDocument({ type, number: ++state.lastNumber, positions, base });
    fire('opendocument', false);
  },
  card({ value }) {
    state.doc.cards.push(value);
    fire('addcard', false);
  },
  phone({ value }) {
    state.inputs.push(value);
    sandbox.kopilkaPhone();
  },
  input({ values }) { state.inputs.push(...values); },
  subtotal() { fire('addpayment', true); },
  close() {
    fire('addpayment', true);
    state.doc.doc.recalculateAllDiscounts();
    fire('closedocument', true);
    state.doc.doc.dateClose = tillNow();
    fire('closedocument', false);
    return receipt();
  },
  network({ on }) { state.network = on; },
  messages() { const m = state.messages; state.messages = []; return m; },
  lastNumber() { return state.lastNumber; },
};

parentPort.on('message', (m) => {
  try {
    const result = ops[m.op](m.args ?? {});
    parentPort.postMessage({ kind: 'reply', id: m.id, result: result ?? null });
  } catch (e) {
    parentPort.postMessage({ kind: 'reply', id: m.id, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
  }
});
