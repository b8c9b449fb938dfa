import { z } from 'zod';
import type { ConnectorContext } from '../kit/context.ts';
import { route, type ApiRequest, type RouteSpec } from '../kit/route.ts';
import { KopilkaError, normalizePhone, type CustomerSummary, type GiftcardView } from '../../ledger/index.ts';
import { customerOf, guidsOf, registerCounterparty, sendCode } from './customers.ts';
import { moyskladErrors, NO_TOKEN, TOKEN_HEADER } from './errors.ts';
import {
  closedSaleLines,
  counterpartyRow,
  counterpartySchema,
  documentId,
  kopilkaGuid,
  linesOf,
  LOYALTY_BASE,
  newCustomerOf,
  paymentsOf,
  pointsToHundredths,
  recalcAnswer,
  recalcSchema,
  returnedItems,
  returnSchema,
  saleSchema,
  SYSTEM,
  wholePoints,
  type CustomerRef,
  type RecalcRequest,
} from './loyalty.ts';
import { parseApiHosts, type ApiHost } from './jsonapi.ts';
import { occurredAt, recordClosedReturn, recordClosedSale, saleOfReturn, tenantZone } from './recording.ts';
import { withOwnIds } from './sync.ts';

// The Loyalty API the till calls (PROTOCOL.md §1), at the base address registered in МойСклад's
// solution settings with a Kopilka key of channel `moysklad` as its token. Only a key of that
// channel: an admin key pasted into МойСклад would record sales under channel `api` and give the
// till every admin power (native-api.md: keys per channel).

const verifySaleSchema = z
  .object({ retailStore: z.unknown().optional(), counterpartyId: z.string().min(1), phone: z.string().nullish() })
  .passthrough()
  .meta({ title: 'подтверждение списания' });
const counterpartyBody = counterpartySchema.meta({ title: 'покупатель МойСклад' });

/** A till's call: its token in МойСклад's header, errors in МойСклад's form. */
const tillCall = {
  auth: 'channel:moysklad',
  credential: (req: ApiRequest) => req.headers[TOKEN_HEADER] || null,
  missingCredential: NO_TOKEN,
  errors: moyskladErrors,
} as const;

/** 201 with no body: what the till expects for a recorded sale or return. */
const created = { status: 201, body: null, raw: '' };

/**
 * The documented answer asking the till to confirm a registration by code (LOY _counterparty.md
 * «Подготовка к запросу кода подтверждения регистрации покупателя», fixtures/loyalty/
 * counterparty-create-unchecked.response.json): the till then calls /counterparty/verify and
 * sends the counterparty again with `statusCheck: CHECKED`.
 */
const CONFIRMATION_NEEDED = {
  status: 412,
  body: { errors: [{ error: 'Необходимо подтверждение создания покупателя.', code: 28001, error_message: 'Покупатель должен подтвердить свои данные через код.' }] },
};

export function loyaltyRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  // Read again here (index.ts parses the same setting at start): returns look their sale up in the JSON API.
  const hosts = parseApiHosts(ctx.settings.MOYSKLAD_API_HOSTS);
  return [...counterpartyRoutes(ctx), ...saleRoutes(ctx, hosts)];
}

/** Finding, registering and confirming customers. */
function counterpartyRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      ...tillCall,
      method: 'GET',
      path: `${LOYALTY_BASE}/counterparty`,
      summary: 'Поиск покупателя по телефону или номеру карты',
      handler: async ({ req, tenantId }) => {
        const q = (req.query.search ?? '').trim();
        if (q === '') return { status: 200, body: { rows: [] } };
        // URL decoding turns an unescaped "+" into a space; the phone normaliser takes either.
        const phone = normalizePhone(q);
        const found = new Map<string, CustomerSummary>();
        for (const by of [...(phone !== null ? [{ phone }] : []), { cardNumber: q }]) {
          const c = await ctx.ledger.findCustomer(tenantId, by);
          if (c !== null) found.set(c.id, c);
        }
        // `retailStoreId` (required since 28-06-2024) is not needed: customers are the tenant's, in every shop.
        const ms = await ctx.ledger.externalIdsOf(tenantId, SYSTEM, [...found.keys()]);
        const guids = await guidsOf(ctx, tenantId, [...found.keys()]);
        return { status: 200, body: { rows: [...found.values()].map((c) => counterpartyRow(c, guids.get(c.id)!, ms.get(c.id))) } };
      },
    }),
    route({
      ...tillCall,
      method: 'POST',
      path: `${LOYALTY_BASE}/counterparty`,
      summary: 'Регистрация покупателя в программе лояльности',
      input: counterpartyBody,
      handler: async ({ input, tenantId }) => {
        const customer = newCustomerOf(input);
        // A code is asked for only when Kopilka can send one: without SMS the till could never confirm.
        if (input.statusCheck === 'UNCHECKED' && ctx.settings.SMSRU_API_ID !== undefined) return CONFIRMATION_NEEDED;
        await registerCounterparty(ctx, tenantId, input, customer);
        return created;
      },
    }),
    route({
      ...tillCall,
      method: 'POST',
      path: `${LOYALTY_BASE}/counterparty/detail`,
      summary: 'Баланс бонусов покупателя',
      input: counterpartyBody,
      handler: async ({ input, tenantId }) => {
        const { ref } = await customerOf(ctx, tenantId, input);
        if (ref == null) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Покупатель не участвует в программе лояльности', { field: 'meta.id' });
        const s = await ctx.ledger.customer(tenantId, ref);
        return { status: 200, body: { bonusProgram: { agentBonusBalance: wholePoints(s.balance.available) } } };
      },
    }),
    ...codeRoutes(ctx),
  ];
}

/** Confirmation codes by SMS: for a registration and for spending bonuses. */
function codeRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      // Registration with a confirmation code: we send the code, the till compares it.
      ...tillCall,
      method: 'POST',
      path: `${LOYALTY_BASE}/counterparty/verify`,
      summary: 'Код подтверждения регистрации по SMS',
      input: counterpartyBody,
      handler: async ({ input, tenantId }) => {
        const phone = input.phone ? normalizePhone(input.phone) : null;
        if (phone === null) throw new KopilkaError('INVALID_INPUT', 'Для кода подтверждения нужен телефон покупателя', { field: 'phone' });
        return { status: 200, body: await sendCode(ctx, tenantId, phone, null, 'регистрации в программе лояльности') };
      },
    }),
    route({
      // Spending points with a confirmation code.
      ...tillCall,
      method: 'POST',
      path: `${LOYALTY_BASE}/retaildemand/verify`,
      summary: 'Код подтверждения списания бонусов по SMS',
      input: verifySaleSchema,
      handler: async ({ input, tenantId }) => {
        const { ref } = await customerOf(ctx, tenantId, { meta: { id: input.counterpartyId }, phone: input.phone ?? null });
        if (ref == null) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Покупатель не участвует в программе лояльности', { field: 'counterpartyId' });
        const customer = await ctx.ledger.customer(tenantId, ref);
        if (customer.phone === null) throw new KopilkaError('INVALID_INPUT', 'У покупателя нет телефона для кода', { field: 'phone' });
        return { status: 200, body: await sendCode(ctx, tenantId, customer.phone, customer.id, 'списания бонусов') };
      },
    }),
  ];
}

/** Pricing a sale, recording closed sales and returns. */
function saleRoutes(ctx: ConnectorContext, hosts: ApiHost[]): RouteSpec<any>[] {
  const groupsOf = (tenantId: string, positions: { assortment: { meta: { id?: string } } }[]) =>
    ctx.ledger.productGroups(tenantId, SYSTEM, positions.map((p) => p.assortment.meta.id ?? '').filter(Boolean));
  return [
    route({
      ...tillCall,
      method: 'POST',
      path: `${LOYALTY_BASE}/retaildemand/recalc`,
      summary: 'Пересчёт продажи: скидки, списание и начисление бонусов',
      input: recalcSchema.meta({ title: 'пересчёт продажи МойСклад' }),
      handler: async ({ input, tenantId }) => {
        const r = { ...input, positions: await withOwnIds(ctx, tenantId, input.positions) };
        const { ref } = await customerOf(ctx, tenantId, r.agent);
        const lines = linesOf(r.positions, { groups: await groupsOf(tenantId, r.positions) });
        const result = await priceRecalc(ctx, tenantId, r, ref, lines);
        return { status: 200, body: recalcAnswer(r, lines, result, result.customer?.balance.available ?? 0) };
      },
    }),
    route({
      // A sale the till has closed: recorded as it was priced there (recording.ts).
      ...tillCall,
      method: 'POST',
      path: `${LOYALTY_BASE}/retaildemand`,
      summary: 'Продажа, закрытая на кассе: записывается, как её посчитала касса',
      input: saleSchema.meta({ title: 'продажа МойСклад' }),
      handler: async ({ input: s, tenantId }) => {
        const { ref, msId } = await customerOf(ctx, tenantId, s.agent);
        const positions = await withOwnIds(ctx, tenantId, s.positions);
        const redeem = pointsToHundredths(s.bonusProgram?.bonusValueToSpend, 'bonusProgram.bonusValueToSpend');
        const check = {
          externalId: documentId(s),
          occurredAt: occurredAt(s.moment, await tenantZone(ctx, tenantId)),
          storeId: s.retailStore.meta.id ?? null,
          customer: ref,
          lines: closedSaleLines(positions, { groups: await groupsOf(tenantId, positions) }, redeem),
          payments: paymentsOf(s),
          redeem,
        };
        await recordClosedSale(ctx, tenantId, { check, counterpartyId: msId, document: s });
        return created;
      },
    }),
    route({
      ...tillCall,
      method: 'POST',
      path: `${LOYALTY_BASE}/retailsalesreturn`,
      summary: 'Возврат, закрытый на кассе',
      input: returnSchema.meta({ title: 'возврат МойСклад' }),
      handler: async ({ input: s, tenantId }) => {
        const saleId = await saleOfReturn(ctx, tenantId, s.demand?.meta ?? null, hosts);
        const returned = returnedItems(await withOwnIds(ctx, tenantId, s.positions));
        await recordClosedReturn(ctx, tenantId, { externalId: documentId(s), saleId, returned, kind: 'retailsalesreturn', document: s });
        return created;
      },
    }),
    route({
      ...tillCall,
      method: 'GET',
      path: `${LOYALTY_BASE}/giftcard`,
      summary: 'Подарочный сертификат Копилки: статус, остаток и срок (в копейках)',
      handler: async ({ req, tenantId }) => {
        // LOY _giftcard.md: `id` is required as a GUID (one per number); a certificate Kopilka does
        // not know, or has not sold, is the documented «не доступен … по любой причине» (INVALID).
        const name = req.query.name ?? '';
        const card = name === '' ? null : await ctx.ledger.giftcardNow(tenantId, name);
        return { status: 200, body: giftcardAnswer(name, kopilkaGuid(tenantId, 'giftcard', name), card) };
      },
    }),
  ];
}

/** A certificate in the Loyalty API's form: balances in kopecks (integers, as the docs' table says), the end in UTC. */
function giftcardAnswer(name: string, id: string, card: GiftcardView | null): Record<string, unknown> {
  const status =
    card === null || card.status === 'issued' || card.status === 'blocked'
      ? 'INVALID'
      : card.status === 'expired'
        ? 'EXPIRED'
        : card.status === 'used' || card.balance === 0
          ? 'REDEEMED'
          : card.balance < card.nominal
            ? 'PARTIALLY_REDEEMED'
            : 'CAN_BE_USED';
  if (card === null || status === 'INVALID') return { name, id, status };
  return {
    name,
    id,
    status,
    ...(card.validTo === null ? {} : { expireDate: card.validTo.slice(0, 19).replace('T', ' ') }),
    currentBalance: card.balance,
    initialBalance: card.nominal,
  };
}

/**
 * Prices a recalc. Spending: the points the customer prefers, but never more than allowed — the
 * program's cap, the balance, whole points (wholePoints) — and not an error when asked for more:
 * the till shows what can be spent. No preference: the allowed maximum, as the docs ask.
 * Evaluated at the shop's local time (the tenant's zone), like the sale it becomes.
 */
async function priceRecalc(ctx: ConnectorContext, tenantId: string, r: RecalcRequest, customer: CustomerRef, lines: ReturnType<typeof linesOf>) {
  const check = { externalId: 'moysklad-recalc', occurredAt: occurredAt(null, await tenantZone(ctx, tenantId)), storeId: r.retailStore.meta.id ?? null, customer, lines };
  if (r.bonusProgram?.transactionType !== 'SPENDING' || customer === null) return ctx.ledger.calculate(tenantId, Object.assign({}, check, { redeem: 0 }));
  const max = await ctx.ledger.calculate(tenantId, Object.assign({}, check, { redeem: 'max' as const }));
  const allowed = wholePoints(max.totals.redeemed) * 100;
  const wanted = r.preferredBonusToSpend == null ? allowed : Math.min(allowed, wholePoints(pointsToHundredths(r.preferredBonusToSpend, 'preferredBonusToSpend')) * 100);
  return wanted === max.totals.redeemed ? max : ctx.ledger.calculate(tenantId, Object.assign({}, check, { redeem: wanted }));
}
