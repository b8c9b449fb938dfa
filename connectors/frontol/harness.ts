import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

// Drives kopilka.js on an imitation Frontol workstation (till.mjs, a worker thread) against a
// real Kopilka: the script's synchronous WinHttp requests are performed here, on the test's
// thread, so the service running in this process can answer them. A till keeps its files
// (the script's queue) in a folder of its own; restart() is Frontol closed and started again.

export interface Position {
  code: string;
  name: string;
  price: string;
  quantity: string;
}

export interface Receipt {
  number: number;
  /** When the till closed the document (ms since the epoch). */
  dateClose: number;
  positions: { code: string; price: string; sum: string; totalSum: string }[];
  /** The discount of the marketing action «Оплата бонусами», roubles. */
  bonus: string;
  /** What the customer paid in money. */
  toPay: string;
}

export interface TillOptions {
  /** The script's text; the owner's settings (URL, key) are put in as an owner would. */
  script: string;
  url: string;
  key: string;
  shop: number;
  workplace: number;
  session?: number;
  /** The till's disk (kept across restarts); a new temporary folder when absent. */
  root?: string;
  /** Name and value function of the owner's bonus-payment marketing action. */
  bonusAction?: string;
  bonusFunction?: string;
  /** How far this till's clock is from the others (ms); tills of a shop never agree to the second. */
  clockShiftMs?: number;
  /** A till clock stopped at this reading (ms), e.g. two tills closing in the same second. */
  fixedClock?: number;
  /** Other settings at the top of the script, as the owner would edit them: { RETRY_PAUSE_MS: '0' }. */
  settings?: Record<string, string>;
}

const RESPONSE_BYTES = 1 << 20;

export class Till {
  readonly root: string;
  private worker!: Worker;
  private sab = new SharedArrayBuffer(8 + RESPONSE_BYTES);
  private seq = 0;
  private waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private lastNumber = 0;
  /** Every request the script made, in order (method, path, body). */
  readonly requests: { method: string; path: string; body: any }[] = [];

  private constructor(private o: TillOptions) {
    this.root = o.root ?? mkdtempSync(join(tmpdir(), 'frontol-till-'));
  }

  static async start(o: TillOptions): Promise<Till> {
    const t = new Till(o);
    await t.boot();
    return t;
  }

  private async boot(): Promise<void> {
    let code = this.o.script
      .replace(/^var KOPILKA_URL = .*$/m, `var KOPILKA_URL = ${JSON.stringify(this.o.url)};`)
      .replace(/^var KOPILKA_KEY = .*$/m, `var KOPILKA_KEY = ${JSON.stringify(this.o.key)};`);
    for (const [name, value] of Object.entries(this.o.settings ?? {})) {
      const line = new RegExp(`^var ${name} = [^;]*;`, 'm');
      if (!line.test(code)) throw new Error(`в скрипте нет настройки ${name}`);
      code = code.replace(line, `var ${name} = ${value};`);
    }
    this.worker = new Worker(new URL('./till.mjs', import.meta.url), {
      workerData: {
        code,
        shop: this.o.shop,
        workplace: this.o.workplace,
        session: this.o.session ?? 1,
        root: this.root,
        sab: this.sab,
        lastNumber: this.lastNumber,
        bonusAction: this.o.bonusAction ?? 'Оплата бонусами',
        bonusFunction: this.o.bonusFunction ?? 'kopilkaBonusDiscount',
        clockShiftMs: this.o.clockShiftMs ?? 0,
        fixedClock: this.o.fixedClock ?? null,
      },
    });
    this.worker.on('message', (m) => void this.onMessage(m));
    this.worker.on('error', (e) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
    await this.op('start');
  }

  private async onMessage(m: any): Promise<void> {
    if (m.kind === 'reply') {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
      return;
    }
    const req = m.req as { method: string; url: string; headers: Record<string, string>; body?: string };
    let answer: unknown;
    try {
      const r = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
      answer = { status: r.status, text: await r.text() };
      this.requests.push({ method: req.method, path: new URL(req.url).pathname, body: req.body ? JSON.parse(req.body) : null });
    } catch (e) {
      answer = { error: (e as Error).message };
    }
    const bytes = Buffer.from(JSON.stringify(answer), 'utf8');
    if (bytes.length > RESPONSE_BYTES) throw new Error('ответ больше буфера');
    new Uint8Array(this.sab, 8, bytes.length).set(bytes);
    const signal = new Int32Array(this.sab, 0, 2);
    Atomics.store(signal, 1, bytes.length);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  }

  private op<T = unknown>(op: string, args?: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** Opens a sale (type 1) or a return (type 2; `base` = the sale's receipt for a return on its base). */
  open(positions: Position[], o: { type?: 1 | 2; base?: Receipt } = {}): Promise<void> {
    const base = o.base ? { number: o.base.number, dateClose: o.base.dateClose } : undefined;
    return this.op('open', { type: o.type ?? 1, positions, base });
  }
  card(value: string): Promise<void> {
    return this.op('card', { value });
  }
  /** The cashier presses the phone button and types the number. */
  phone(value: string): Promise<void> {
    return this.op('phone', { value });
  }
  /** What the cashier will type into the next input boxes. */
  willType(...values: string[]): Promise<void> {
    return this.op('input', { values });
  }
  subtotal(): Promise<void> {
    return this.op('subtotal');
  }
  /** Payment and closing: the fiscal receipt is printed. */
  async close(): Promise<Receipt> {
    const r = await this.op<Receipt>('close');
    this.lastNumber = r.number;
    return r;
  }
  network(on: boolean): Promise<void> {
    return this.op('network', { on });
  }
  /** The messages the cashier has seen since the last call. */
  messages(): Promise<string[]> {
    return this.op('messages');
  }
  /** The script's queue on the till's disk: file names, and failed ones. */
  queued(): { waiting: string[]; failed: string[] } {
    const dir = join(this.root, 'C', 'ProgramData', 'Kopilka', 'queue');
    const files = (d: string) => {
      try {
        return readdirSync(d, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
      } catch {
        return [];
      }
    };
    return { waiting: files(dir), failed: files(join(dir, 'failed')) };
  }
  /** A queued request as the script wrote it (UTF-16 LE with a byte order mark). */
  queuedRequest(name: string): any {
    return JSON.parse(readFileSync(join(this.root, 'C', 'ProgramData', 'Kopilka', 'queue', name)).subarray(2).toString('utf16le'));
  }

  /** Frontol closed (or crashed) and started again on the same computer. */
  async restart(): Promise<void> {
    await this.worker.terminate();
    this.worker.removeAllListeners();
    await this.boot();
  }

  async stop(o: { keepFiles?: boolean } = {}): Promise<void> {
    await this.worker.terminate();
    if (!o.keepFiles && !this.o.root) rmSync(this.root, { recursive: true, force: true });
  }
}
