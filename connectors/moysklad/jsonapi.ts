import type { CheckInput } from '../../ledger/check.ts';
import { KopilkaError } from '../../ledger/errors.ts';
import { lineAmount, toMinor } from '../shared/decimal.ts';
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

export class MoySkladApi {
  constructor(private readonly s: Pick<MoySkladSettings, 'apiUrl' | 'token'>) {}

  /**
   * GET an entity path ("entity/retaildemand/…"). An href from a webhook is reduced to its path
   * and sent to the configured API address only: a forged webhook cannot make us call elsewhere.
   */
  async get<T>(hrefOrPath: string, query: Record<string, string> = {}): Promise<T> {
    const at = hrefOrPath.indexOf('/entity/');
    const path = at >= 0 ? hrefOrPath.slice(at + 1).split('?')[0]! : hrefOrPath.replace(/^\/+/, '');
    if (!/^entity\/[a-z]+(\/[0-9a-f-]{1,64}(\/positions)?)?$/i.test(path)) {
      throw new KopilkaError('INVALID_INPUT', `Неожиданный адрес МойСклад: ${hrefOrPath}`, { field: 'meta.href' });
    }
    const url = new URL(`${this.s.apiUrl.replace(/\/+$/, '')}/${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const r = await fetch(url, { headers: { authorization: `Bearer ${this.s.token}`, 'accept-encoding': 'gzip', accept: 'application/json;charset=utf-8' }, signal: AbortSignal.timeout(10_000) });
    const body = (await r.json().catch(() => null)) as { errors?: { error?: string }[] } | null;
    if (!r.ok) {
      const msg = body?.errors?.[0]?.error ?? `HTTP ${r.status}`;
      throw new KopilkaError(r.status === 401 || r.status === 403 ? 'UNAUTHORIZED' : 'STORAGE_UNAVAILABLE', `МойСклад ответил: ${msg}`, { status: r.status, path });
    }
    return body as T;
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

/** A retail sale as the JSON API returns it → the common Check (kopecks stay kopecks). */
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
  };
}
