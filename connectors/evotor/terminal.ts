import { z } from 'zod';
import type { ConnectorContext } from '../kit/context.ts';
import { minorToNumber, toMinor } from '../kit/decimal.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../kit/route.ts';
import { KopilkaError, localIso, normalizePhone, zoneOffset, type CheckInput, type CheckResult, type CustomerRef } from '../../ledger/index.ts';
import { requireUser } from './auth.ts';
import { EVOTOR_CODES, evotorError, parseEvotor } from './errors.ts';
import { CHANNEL } from './recording.ts';

// What a terminal app on the smart terminal calls while the receipt is open (TERMINAL-API.md).
// Evotor's webhooks come after the sale, so a discount or a bonus payment at the till needs an
// app built with Evotor's Android integration library (ReceiptDiscountEvent); that app is not
// built here (no Android toolchain) — this is the server side it calls, with the user token:
//   POST /evotor/terminal/v1/customer          find a customer by phone or card
//   POST /evotor/terminal/v1/receipt/price     the program's price of an open receipt (nothing recorded)
//   POST /evotor/terminal/v1/receipt/confirm   record it: discount and bonus payment taken (once per receipt uuid)
//   POST /evotor/terminal/v1/receipt/cancel    the receipt was not closed after all: undo the confirm
// Money is decimal roubles, quantities decimals, as the SDK's BigDecimal writes them.

const BASE = '/evotor/terminal/v1';
const decimal = z.union([z.number(), z.string()]);

const customerQuery = z.object({ phone: z.string().max(32).optional(), card: z.string().max(128).optional() }).strict();
const position = z.object({ uuid: z.string().min(1).max(128), name: z.string().max(512).optional(), quantity: decimal, price: decimal, sum: decimal.optional() }).passthrough();
const receipt = z
  .object({
    receiptUuid: z.string().min(1).max(128),
    dateTime: z.string().min(10).optional(),
    customer: customerQuery.optional(),
    positions: z.array(position).min(1).max(1000),
    redeem: z.union([decimal, z.literal('max')]).optional(),
  })
  .strict();
const cancel = z.object({ receiptUuid: z.string().min(1).max(128) }).strict();

const rub = (minor: number) => minorToNumber(minor, 2);

function customerRef(q: z.infer<typeof customerQuery> | undefined): CustomerRef | null {
  if (q?.card) return { cardNumber: q.card.trim() };
  if (q?.phone) {
    const phone = normalizePhone(q.phone);
    if (phone === null) throw new KopilkaError('INVALID_INPUT', `«${q.phone}» — не номер телефона`, { field: 'customer.phone', evotorCode: EVOTOR_CODES.invalid });
    return { phone };
  }
  return null;
}

/** The open receipt as the ledger's check: positions before any discount of ours. */
function checkOf(r: z.infer<typeof receipt>, occurredAt: string): CheckInput {
  const lines = r.positions.map((p, i) => {
    const quantity = toMinor(p.quantity, 3, `positions.${i}.quantity`);
    const price = toMinor(p.price, 2, `positions.${i}.price`);
    const amount = p.sum !== undefined ? toMinor(p.sum, 2, `positions.${i}.sum`) : Number((BigInt(price) * BigInt(quantity) + 500n) / 1000n);
    return { lineNo: i + 1, productId: p.uuid, name: p.name ?? null, quantity, price, amount };
  });
  const redeem = r.redeem === undefined ? 0 : r.redeem === 'max' ? ('max' as const) : toMinor(r.redeem, 2, 'redeem');
  return { externalId: r.receiptUuid, occurredAt, customer: customerRef(r.customer), lines, redeem, pricedBy: 'kopilka' };
}

/** The ledger's answer in the app's terms: roubles, and per position what to give as its discount. */
function answer(r: CheckResult, positions: z.infer<typeof position>[]): ApiResponse {
  const t = r.totals;
  return {
    status: 200,
    body: {
      receiptUuid: r.externalId,
      status: r.status,
      customer: r.customer === null ? null : { id: r.customer.id, level: r.customer.level.name, bonuses: rub(r.customer.balance.available) },
      total: rub(t.amount),
      discount: rub(t.discount),
      redeemed: rub(t.redeemed),
      toPay: rub(t.toPay),
      accrued: rub(t.accrued),
      maxRedeem: rub(t.maxRedeem),
      // The SDK sets a position's discount (ReceiptDiscountEvent): our discount plus the bonuses paid on it.
      positions: r.lines.map((l) => ({ uuid: positions[l.lineNo - 1]!.uuid, discount: rub(l.discount + l.redeemed), bonusDiscount: rub(l.redeemed), accrued: rub(l.accrued) })),
      messages: r.messages,
    },
  };
}

async function priced(ctx: ConnectorContext, req: ApiRequest, commit: boolean): Promise<ApiResponse> {
  const u = await requireUser(ctx, req);
  const r = parseEvotor(receipt, req.json(), 'чек терминала');
  const zone = zoneOffset(await ctx.ledger.timeZone(u.tenantId));
  // A resent confirm without dateTime is the same receipt: it keeps the time recorded the first time.
  const before = commit && r.dateTime === undefined ? await ctx.ledger.recordedRequest(u.tenantId, CHANNEL, 'sale', r.receiptUuid) : null;
  const occurredAt = typeof before?.occurredAt === 'string' ? before.occurredAt : localIso(r.dateTime ?? new Date().toISOString(), 'dateTime', zone);
  const check = checkOf(r, occurredAt);
  if (!commit) return answer(await ctx.ledger.calculate(u.tenantId, check), r.positions);
  const out = await ctx.ledger.commit(u.tenantId, CHANNEL, check);
  if (out.status !== 'recorded') throw new KopilkaError('INTERNAL', 'Чек отправлен на проверку', {});
  return answer(out.answer, r.positions);
}

export function terminalRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const common = { method: 'POST' as const, auth: 'public' as const, bodyLimit: 256 * 1024, errors: evotorError };
  return [
    route({
      ...common,
      path: `${BASE}/customer`,
      summary: 'Эвотор, приложение кассы: найти покупателя по телефону или карте',
      handler: async ({ req }) => {
        const u = await requireUser(ctx, req);
        const ref = customerRef(parseEvotor(customerQuery, req.json(), 'поиск покупателя'));
        if (ref === null) throw new KopilkaError('INVALID_INPUT', 'Укажите телефон (phone) или номер карты (card)', { field: 'phone', evotorCode: EVOTOR_CODES.missing });
        const c = await ctx.ledger.customer(u.tenantId, ref);
        return { status: 200, body: { id: c.id, name: c.name, phone: c.phone, card: c.cardNumber, level: c.level.name, bonuses: rub(c.balance.available), pending: rub(c.balance.pending) } };
      },
    }),
    route({ ...common, path: `${BASE}/receipt/price`, summary: 'Эвотор, приложение кассы: цена открытого чека по программе', handler: ({ req }) => priced(ctx, req, false) }),
    route({ ...common, path: `${BASE}/receipt/confirm`, summary: 'Эвотор, приложение кассы: провести чек (скидка, списание бонусов)', handler: ({ req }) => priced(ctx, req, true) }),
    route({
      ...common,
      path: `${BASE}/receipt/cancel`,
      summary: 'Эвотор, приложение кассы: отменить проведённый чек (не закрыт на кассе)',
      handler: async ({ req }) => {
        const u = await requireUser(ctx, req);
        const c = parseEvotor(cancel, req.json(), 'отмена чека');
        const zone = zoneOffset(await ctx.ledger.timeZone(u.tenantId));
        const out = await ctx.ledger.refund(u.tenantId, CHANNEL, c.receiptUuid, { externalId: `${c.receiptUuid}:cancel`, occurredAt: localIso(new Date().toISOString(), 'now', zone) });
        return { status: 200, body: { receiptUuid: c.receiptUuid, status: out.status === 'recorded' ? 'cancelled' : 'review' } };
      },
    }),
  ];
}
