import { randomBytes, randomInt } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import {
  counterpartyRow,
  counterpartySchema,
  documentId,
  hundredthsToPoints,
  idFromHref,
  linesOf,
  loyaltyError,
  newCustomerOf,
  paymentsOf,
  pointsToHundredths,
  recalcAnswer,
  recalcSchema,
  refundLinesOf,
  returnSchema,
  saleSchema,
  type Agent,
  type CustomerRef,
} from '../../connectors/moysklad/loyalty.ts';
import { allowedApiUrl, DEFAULT_API_URL, demandToCheck, MoySkladApi, parseApiHosts, type DemandPosition, type MoySkladSettings, type RetailDemand } from '../../connectors/moysklad/jsonapi.ts';
import { KopilkaError, isKopilkaError } from '../../ledger/errors.ts';
import {
  externalIdsOf,
  linkCustomer,
  linkedCustomer,
  productGroups,
  saleLines,
  saveSealedConnectorSettings,
  sealedConnectorSettings,
  tenantByWebhookSecret,
  upsertProducts,
} from '../../ledger/links.ts';
import { secretHash, type SecretBox } from '../../ledger/secrets.ts';
import { localIso, type ZoneOffset } from '../../ledger/time-zone.ts';
import { normalizePhone } from '../../ledger/phone.ts';
import { parseInput } from '../../ledger/validation.ts';
import { requireAdmin } from '../keys.ts';
import { caller, limitUnknownKeys, type ApiRequest, type ApiResponse, type Route, type RouteDeps } from '../routes.ts';
import { protocolError, tenantZone, type Connector } from './connector.ts';

// МойСклад: the Loyalty API the till calls (base address /moysklad/loyalty, registered in
// МойСклад with a Kopilka key of channel `moysklad` as its token), the JSON API webhook, and the
// sync of counterparties and products. Protocol notes: connectors/moysklad/PROTOCOL.md.

const SYSTEM = 'moysklad';
const BASE = '/moysklad/loyalty';
const CHANNEL = 'moysklad';

export const moyskladConnector: Connector = { name: SYSTEM, routes };

const settingsSchema = z
  .object({ apiUrl: z.string().url().default(DEFAULT_API_URL), token: z.string().trim().min(8, 'токен JSON API МойСклад') })
  .strict();

function routes(d: RouteDeps): Route[] {
  const pool = d.ledger.pool;
  // Parsed at start: a wrong MOYSKLAD_API_HOSTS stops the service with its name, not a request.
  const hosts = parseApiHosts(d.settings?.MOYSKLAD_API_HOSTS ?? 'api.moysklad.ru');
  // Webhook secrets seen to be valid lately (by hash): only unknown ones count against an address.
  const knownWebhooks = new LRUCache<string, true>({ max: 10_000, ttl: 30_000 });
  const box = (): SecretBox => {
    if (d.secrets === undefined) throw new KopilkaError('INTERNAL', 'Ключ шифрования секретов не настроен (SECRET_KEY)');
    return d.secrets;
  };

  /** Runs a Loyalty API call: the token header to a tenant, errors in the protocol's own form. */
  const loyalty =
    (f: (tenantId: string, req: ApiRequest) => Promise<ApiResponse>) =>
    async (req: ApiRequest): Promise<ApiResponse> => {
      try {
        const token = req.headers['lognex-discount-api-auth-token'];
        if (!token) throw new KopilkaError('UNAUTHORIZED', 'Нет заголовка Lognex-Discount-API-Auth-Token: укажите ключ Копилки в настройках решения');
        const p = await caller(d, `Bearer ${token}`, req.remoteAddress);
        // Only a key of the channel: an admin key pasted into МойСклад would record sales under
        // channel `api` and give the till every admin power (native-api.md: keys per channel).
        if (p.kind === 'channel' && p.channel !== CHANNEL) throw new KopilkaError('UNAUTHORIZED', `Это ключ канала «${p.channel}», а нужен ключ канала «moysklad»`);
        if (p.kind !== 'channel') throw new KopilkaError('UNAUTHORIZED', 'Нужен ключ канала «moysklad» (kp_moysklad_…), а не ключ администратора: выпустите его через POST /v1/keys');
        return await f(p.tenantId, req);
      } catch (e) {
        const known = protocolError(e);
        if (known === null) throw e;
        return loyaltyError(known);
      }
    };


  /** МойСклад's counterparty → the customer reference the ledger understands. */
  async function refOf(tenantId: string, agent: Agent | null | undefined): Promise<{ ref: CustomerRef; msId: string | null }> {
    if (agent == null) return { ref: null, msId: null };
    const msId = agent.meta?.id || agent.id || idFromHref(agent.meta?.href ?? agent.href) || null;
    if (msId !== null) {
      const linked = await linkedCustomer(pool, tenantId, SYSTEM, msId);
      if (linked !== null) return { ref: { id: linked }, msId };
      // Our own id, as our search returned it.
      if (/^[1-9]\d{0,17}$/.test(msId)) {
        const known = await d.ledger.customer(tenantId, { id: msId }).then(() => true, () => false);
        if (known) return { ref: { id: msId }, msId: null };
      }
    }
    const phone = agent.phone ? normalizePhone(agent.phone) : null;
    if (phone !== null) return { ref: { phone }, msId };
    if (agent.discountCardNumber) return { ref: { cardNumber: agent.discountCardNumber }, msId };
    return { ref: null, msId };
  }

  async function remember(tenantId: string, msId: string | null, answerJson: string): Promise<void> {
    const id = (JSON.parse(answerJson) as { customer?: { id?: string } | null }).customer?.id;
    if (msId !== null && id) await linkCustomer(pool, tenantId, SYSTEM, msId, id);
  }

  const created: ApiResponse = { status: 201, body: null, raw: '' };

  async function recordSale(tenantId: string, body: unknown): Promise<ApiResponse> {
    const s = parseInput(saleSchema, body, 'продажа МойСклад');
    const { ref, msId } = await refOf(tenantId, s.agent);
    const groups = await productGroups(pool, tenantId, SYSTEM, s.positions.map((p) => p.assortment.meta.id ?? '').filter(Boolean));
    const check = {
      externalId: documentId(s),
      occurredAt: occurredAt(s.moment, await tenantZone(d, tenantId)),
      storeId: s.retailStore.meta.id ?? null,
      customer: ref,
      lines: linesOf(s.positions, { groups }),
      payments: paymentsOf(s),
      redeem: pointsToHundredths(s.bonusProgram?.bonusValueToSpend, 'bonusProgram.bonusValueToSpend'),
    };
    const r = await d.ledger.commit(tenantId, CHANNEL, check);
    await remember(tenantId, msId, r.json);
    return created;
  }

  async function recordReturn(tenantId: string, body: unknown): Promise<ApiResponse> {
    const s = parseInput(returnSchema, body, 'возврат МойСклад');
    const saleId = s.demand?.meta?.id || idFromHref(s.demand?.meta?.href);
    if (!saleId) {
      throw new KopilkaError('CHECK_NOT_FOUND', 'В возврате нет ссылки на продажу (demand): бонусы по нему не пересчитаны', { field: 'demand.meta.id' });
    }
    const sale = await saleLines(pool, tenantId, CHANNEL, saleId);
    if (sale === null) throw new KopilkaError('CHECK_NOT_FOUND', `Продажа ${saleId} не проходила через программу лояльности`, { field: 'demand.meta.id' });
    await d.ledger.refund(tenantId, CHANNEL, saleId, { externalId: documentId(s), lines: refundLinesOf(sale, s.positions) });
    return created;
  }

  return [
    {
      method: 'GET',
      path: `${BASE}/counterparty`,
      handler: loyalty(async (tenantId, req) => {
        const q = (req.query.search ?? '').trim();
        if (q === '') return { status: 200, body: { rows: [] } };
        // URL decoding turns an unescaped "+" into a space; the phone normaliser takes either.
        const tries: Parameters<typeof d.ledger.customer>[1][] = [];
        const phone = normalizePhone(q);
        if (phone !== null) tries.push({ phone });
        tries.push({ cardNumber: q });
        const found = new Map<string, Awaited<ReturnType<typeof d.ledger.customer>>>();
        for (const by of tries) {
          const c = await d.ledger.customer(tenantId, by).catch((e) => (isKopilkaError(e) && e.code === 'CUSTOMER_NOT_FOUND' ? null : Promise.reject(e)));
          if (c !== null) found.set(c.id, c);
        }
        const ms = await externalIdsOf(pool, tenantId, SYSTEM, [...found.keys()]);
        return { status: 200, body: { rows: [...found.values()].map((c) => counterpartyRow(c, ms.get(c.id))) } };
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/counterparty`,
      handler: loyalty(async (tenantId, req) => {
        const c = parseInput(counterpartySchema, req.json(), 'покупатель МойСклад');
        const msId = c.meta?.id || idFromHref(c.meta?.href) || null;
        let id: string;
        try {
          id = (await d.ledger.registerCustomer(tenantId, newCustomerOf(c))).id;
        } catch (e) {
          // Registered before (at another till, or in Kopilka itself): link it, do not fail the till.
          if (!isKopilkaError(e) || e.code !== 'PHONE_TAKEN') throw e;
          id = (await d.ledger.customer(tenantId, { phone: normalizePhone(c.phone!)! })).id;
        }
        if (msId !== null) await linkCustomer(pool, tenantId, SYSTEM, msId, id);
        return created;
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/counterparty/detail`,
      handler: loyalty(async (tenantId, req) => {
        const c = parseInput(counterpartySchema, req.json(), 'покупатель МойСклад');
        const { ref } = await refOf(tenantId, c);
        if (ref == null) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Покупатель не участвует в программе лояльности', { field: 'meta.id' });
        const s = await d.ledger.customer(tenantId, ref);
        return { status: 200, body: { bonusProgram: { agentBonusBalance: hundredthsToPoints(s.balance.available) } } };
      }),
    },
    {
      // Registration with a confirmation code: we send the code, the till compares it.
      method: 'POST',
      path: `${BASE}/counterparty/verify`,
      handler: loyalty(async (tenantId, req) => {
        const c = parseInput(counterpartySchema, req.json(), 'покупатель МойСклад');
        const phone = c.phone ? normalizePhone(c.phone) : null;
        if (phone === null) throw new KopilkaError('INVALID_INPUT', 'Для кода подтверждения нужен телефон покупателя', { field: 'phone' });
        return { status: 200, body: await sendCode(d, tenantId, phone, null, 'регистрации в программе лояльности') };
      }),
    },
    {
      // Spending points with a confirmation code.
      method: 'POST',
      path: `${BASE}/retaildemand/verify`,
      handler: loyalty(async (tenantId, req) => {
        const b = parseInput(verifySaleSchema, req.json(), 'подтверждение списания');
        const { ref } = await refOf(tenantId, { meta: { id: b.counterpartyId }, phone: b.phone ?? null });
        if (ref == null) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Покупатель не участвует в программе лояльности', { field: 'counterpartyId' });
        const customer = await d.ledger.customer(tenantId, ref);
        if (customer.phone === null) throw new KopilkaError('INVALID_INPUT', 'У покупателя нет телефона для кода', { field: 'phone' });
        return { status: 200, body: await sendCode(d, tenantId, customer.phone, customer.id, 'списания бонусов') };
      }),
    },
    {
      method: 'POST',
      path: `${BASE}/retaildemand/recalc`,
      handler: loyalty(async (tenantId, req) => {
        const r = parseInput(recalcSchema, req.json(), 'пересчёт продажи МойСклад');
        const { ref } = await refOf(tenantId, r.agent);
        const groups = await productGroups(pool, tenantId, SYSTEM, r.positions.map((p) => p.assortment.meta.id ?? '').filter(Boolean));
        const lines = linesOf(r.positions, { groups });
        const spending = r.bonusProgram?.transactionType === 'SPENDING';
        const redeem = !spending ? 0 : r.preferredBonusToSpend == null ? ('max' as const) : pointsToHundredths(r.preferredBonusToSpend, 'preferredBonusToSpend');
        const result = await d.ledger.calculate(tenantId, { externalId: 'moysklad-recalc', occurredAt: new Date().toISOString(), storeId: r.retailStore.meta.id ?? null, customer: ref, lines, redeem });
        return { status: 200, body: recalcAnswer(r, lines, result, result.customer?.balance.available ?? 0) };
      }),
    },
    { method: 'POST', path: `${BASE}/retaildemand`, handler: loyalty((tenantId, req) => recordSale(tenantId, req.json())) },
    { method: 'POST', path: `${BASE}/retailsalesreturn`, handler: loyalty((tenantId, req) => recordReturn(tenantId, req.json())) },
    {
      method: 'GET',
      path: `${BASE}/giftcard`,
      handler: loyalty(async () => {
        throw new KopilkaError('NOT_FOUND', 'Подарочные сертификаты Копилка не ведёт', { field: 'name' });
      }),
    },

    // ── settings, sync and the JSON API webhook ──
    {
      method: 'PUT',
      path: '/v1/connectors/moysklad',
      handler: async (req) => {
        const tenantId = requireAdmin(await caller(d, req.headers.authorization, req.remoteAddress));
        const body = parseInput(settingsSchema, req.json(), 'настройки МойСклад');
        allowedApiUrl(body.apiUrl, hosts);
        const old = await sealedConnectorSettings<MoySkladSettings>(pool, box(), tenantId, SYSTEM);
        const settings: MoySkladSettings = { ...body, webhookSecret: old?.webhookSecret ?? randomBytes(18).toString('base64url') };
        await saveSealedConnectorSettings(pool, box(), tenantId, SYSTEM, settings);
        return {
          status: 200,
          body: { apiUrl: settings.apiUrl, loyaltyPath: BASE, webhookPath: `/moysklad/webhook/${settings.webhookSecret}` },
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/connectors/moysklad/sync',
      handler: async (req) => {
        const tenantId = requireAdmin(await caller(d, req.headers.authorization, req.remoteAddress));
        const settings = await sealedConnectorSettings<MoySkladSettings>(pool, box(), tenantId, SYSTEM);
        if (settings === null) throw new KopilkaError('NOT_FOUND', 'Сначала сохраните токен JSON API: PUT /v1/connectors/moysklad');
        return { status: 200, body: await sync(d, tenantId, new MoySkladApi(settings, hosts)) };
      },
    },
    {
      method: 'POST',
      path: '/moysklad/webhook/:secret',
      handler: async (req) => {
        // The secret in the address is the only key here: guessing it is limited like guessing keys.
        const secret = req.params.secret!;
        const known = knownWebhooks.has(secretHash(secret));
        if (!known && req.remoteAddress !== undefined) await limitUnknownKeys(d, req.remoteAddress);
        const found = await tenantByWebhookSecret(pool, box(), SYSTEM, secret);
        if (found === null) throw new KopilkaError('NOT_FOUND', 'Неизвестный адрес вебхука');
        if (!known) knownWebhooks.set(secretHash(secret), true);
        const body = parseInput(webhookSchema, req.json(), 'вебхук МойСклад');
        // МойСклад waits 1.5 s for an answer: acknowledge at once, record in the background.
        // A lost event costs nothing: the same sale also arrives through the Loyalty API or a retry.
        const api = new MoySkladApi(found.settings as unknown as MoySkladSettings, hosts);
        void processEvents(d, found.tenantId, api, body.events).catch((e: Error) =>
          d.log?.warn({ err: e.message, tenant: found.tenantId }, 'moysklad webhook: events not recorded'),
        );
        return { status: 200, body: { accepted: body.events.length } };
      },
    },
  ];
}

const verifySaleSchema = z
  .object({ retailStore: z.unknown().optional(), counterpartyId: z.string().min(1), phone: z.string().nullish() })
  .passthrough();

/** How long the till must wait before asking for another code, in seconds. */
const CODE_REPEAT_S = 60;

async function sendCode(d: RouteDeps, tenantId: string, phone: string, customerId: string | null, what: string) {
  const code = String(randomInt(1000, 10_000));
  await d.messenger.sms(tenantId, 'codes', phone, `Код подтверждения ${what}: ${code}`, customerId);
  return {
    verificationCode: code,
    timeForRepeat: CODE_REPEAT_S,
    messageForCashier: `Код отправлен на ${phone.slice(0, 5)}***${phone.slice(-4)}`,
  };
}

const webhookSchema = z
  .object({
    events: z.array(z.object({ meta: z.object({ type: z.string(), href: z.string() }).passthrough(), action: z.string() }).passthrough()).max(1000),
  })
  .passthrough();

/** What the webhook announced: retail sales and returns are fetched from the JSON API and recorded once. */
export async function processEvents(d: RouteDeps, tenantId: string, api: MoySkladApi, events: z.infer<typeof webhookSchema>['events']): Promise<number> {
  let recorded = 0;
  for (const e of events) {
    if (e.action !== 'CREATE' && e.action !== 'UPDATE') continue;
    if (e.meta.type !== 'retaildemand' && e.meta.type !== 'retailsalesreturn') continue;
    try {
      const doc = await api.get<RetailDemand>(e.meta.href);
      const positions = (await api.get<{ rows: DemandPosition[] }>(`${e.meta.href.split('?')[0]}/positions`)).rows;
      const at = occurredAt(doc.moment, await tenantZone(d, tenantId));
      if (e.meta.type === 'retaildemand') {
        const customer = await customerOfDemand(d, tenantId, api, doc);
        const groups = await productGroups(d.ledger.pool, tenantId, SYSTEM, positions.map((p) => idFromHref(p.assortment.meta.href)));
        const r = await d.ledger.commit(tenantId, CHANNEL, demandToCheck(doc, positions, customer, at, groups));
        if (!r.replay) recorded++;
      } else if (doc.demand) {
        const saleId = idFromHref(doc.demand.meta.href);
        const sale = await saleLines(d.ledger.pool, tenantId, CHANNEL, saleId);
        if (sale === null) continue;
        const lines = refundLinesOf(
          sale,
          positions.map((p) => ({ assortment: { meta: { id: idFromHref(p.assortment.meta.href) } }, quantity: p.quantity, price: 0 })),
        );
        const r = await d.ledger.refund(tenantId, CHANNEL, saleId, { externalId: doc.id, lines });
        if (!r.replay) recorded++;
      }
    } catch (err) {
      // Already recorded through the Loyalty API (same id, its own body): nothing to do.
      if (isKopilkaError(err) && (err.code === 'IDEMPOTENCY_CONFLICT' || err.code === 'REFUND_EXCEEDS_SALE')) continue;
      throw err;
    }
  }
  return recorded;
}

/** МойСклад's moment is the account's wall clock ("2016-04-18 15:06:00"); none means now. */
function occurredAt(moment: string | null | undefined, zone: ZoneOffset): string {
  if (moment) return localIso(moment, 'moment', zone);
  const now = Date.now();
  return localIso(new Date(now + zone(now) * 60_000).toISOString().slice(0, 19).replace('T', ' '), 'moment', zone);
}

async function customerOfDemand(d: RouteDeps, tenantId: string, api: MoySkladApi, doc: RetailDemand): Promise<CustomerRef> {
  if (!doc.agent) return null;
  const msId = idFromHref(doc.agent.meta.href);
  const linked = await linkedCustomer(d.ledger.pool, tenantId, SYSTEM, msId);
  if (linked !== null) return { id: linked };
  const agent = await api.get<{ phone?: string }>(doc.agent.meta.href);
  const phone = agent.phone ? normalizePhone(agent.phone) : null;
  // A retail sale to МойСклад's default «Розничный покупатель» has no phone: anonymous.
  return phone === null ? null : { phone };
}

/** Counterparties with a phone become customers (linked to their МойСклад id); products bring their groups. */
export async function sync(d: RouteDeps, tenantId: string, api: MoySkladApi): Promise<{ customers: number; linked: number; skipped: number; products: number }> {
  const out = { customers: 0, linked: 0, skipped: 0, products: 0 };
  for await (const c of api.list<{ id: string; name?: string; phone?: string; email?: string; discountCardNumber?: string }>('counterparty')) {
    const phone = c.phone ? normalizePhone(c.phone) : null;
    if (phone === null) {
      out.skipped++;
      continue;
    }
    let id: string;
    try {
      id = (await d.ledger.registerCustomer(tenantId, { phone, name: c.name ?? null, source: 'moysklad', ...(c.discountCardNumber ? { cardNumber: c.discountCardNumber } : {}) })).id;
      out.customers++;
    } catch (e) {
      if (!isKopilkaError(e) || (e.code !== 'PHONE_TAKEN' && e.code !== 'CARD_TAKEN' && e.code !== 'INVALID_INPUT')) throw e;
      const existing = await d.ledger.customer(tenantId, { phone }).catch(() => null);
      if (existing === null) {
        out.skipped++;
        continue;
      }
      id = existing.id;
      out.linked++;
    }
    await linkCustomer(d.ledger.pool, tenantId, SYSTEM, c.id, id);
  }
  const batch: { id: string; groupId: string | null; name: string | null }[] = [];
  for await (const p of api.list<{ id: string; name?: string; productFolder?: { meta: { href: string } } }>('product')) {
    batch.push({ id: p.id, groupId: p.productFolder ? idFromHref(p.productFolder.meta.href) : null, name: p.name ?? null });
  }
  await upsertProducts(d.ledger.pool, tenantId, SYSTEM, batch);
  out.products = batch.length;
  return out;
}
