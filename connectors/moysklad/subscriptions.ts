import { isKopilkaError } from '../../ledger/index.ts';
import type { MoySkladApi } from './jsonapi.ts';

// The JSON API webhooks Kopilka needs on an account, created by Kopilka itself when the catalogue
// solution is linked (JSON API «Вебхуки», POST/PUT /entity/webhook). A solution may hold one
// webhook per entity type and action (one per `entityType` + `action` «для решения»), so an
// existing one of ours is kept when its address is right and moved when it is not (a new secret,
// a new PUBLIC_URL). МойСклад deletes a solution's webhooks itself before it removes the solution
// and disables them while it is suspended (Vendor API «Работа с вебхуками»): nothing to undo here.
// Webhooks exist only on trial and paid tariffs: a refusal is reported, never fatal — the till's
// Loyalty API calls still bring every sale it closes.

/** What Kopilka is told of: retail sales and returns as they are created. */
export const WANTED = [
  { entityType: 'retaildemand', action: 'CREATE' },
  { entityType: 'retailsalesreturn', action: 'CREATE' },
] as const;

interface WebhookRow {
  id: string;
  entityType: string;
  action: string;
  url: string;
  enabled?: boolean;
}

export interface Subscriptions {
  /** Webhooks that were already there with our address. */
  kept: number;
  created: number;
  /** Ours with an old address, given the new one. */
  moved: number;
  /** Why МойСклад refused them (a free tariff, no rights), or null when all are in place. */
  refused: string | null;
}

/**
 * Makes the account's webhooks point at `url` (our /moysklad/webhook/{secret}). `ours(url)` says
 * whether an address is one this Kopilka gave (any secret), so another solution's hooks are left alone.
 */
export async function subscribe(api: MoySkladApi, url: string, ours: (u: string) => boolean): Promise<Subscriptions> {
  const out: Subscriptions = { kept: 0, created: 0, moved: 0, refused: null };
  try {
    const rows: WebhookRow[] = [];
    for await (const w of api.list<WebhookRow>('webhook')) rows.push(w);
    for (const want of WANTED) {
      const same = rows.filter((w) => w.entityType === want.entityType && w.action === want.action);
      if (same.some((w) => w.url === url)) out.kept++;
      else {
        const old = same.find((w) => ours(w.url));
        if (old !== undefined) {
          await api.put(`entity/webhook/${old.id}`, { url, enabled: true });
          out.moved++;
        } else {
          await api.post('entity/webhook', { url, action: want.action, entityType: want.entityType });
          out.created++;
        }
      }
    }
  } catch (e) {
    if (!isKopilkaError(e)) throw e;
    out.refused = e.message;
  }
  return out;
}
