import { recordConsents } from './consents.ts';
import { z } from 'zod';
import { KopilkaError, parseInput, requirePhone, type CheckInput, type WebSession } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { PhoneCodes } from './phone-codes.ts';
import { signedIn } from './session.ts';

// The cashier workplace's JSON: a sales channel of its own (`cashier`), billed like the others.
// The page sends what the cashier typed (lines or a total, the bonuses to pay); the check is
// built here and priced, recorded and refunded by the ledger as any till's. Registration asks for
// the customer's consent and, when the tenant's SMS is configured, the code sent to the phone.

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

const saleBody = z
  .object({
    /** The page's id for the sale: the same on a retried commit, so it is recorded once. */
    externalId: z.string().regex(/^[\w-]{8,64}$/, 'номер продажи страницы'),
    customerId: z.string().max(20).nullish(),
    lines: z
      .array(
        z
          .object({
            name: z.string().trim().min(1, 'название товара').max(256),
            price: z.number().int('цена в копейках').min(1, 'цена больше нуля').max(100_000_000_00),
            quantity: z.number().int().min(1, 'количество — от 1').max(100_000),
          })
          .strict(),
      )
      .min(1, 'добавьте хотя бы одну строку')
      .max(200),
    /** Bonuses to pay (hundredths of a point) or the most allowed. */
    redeem: z.union([z.number().int().min(0), z.literal('max')]).default(0),
  })
  .strict();

const registerBody = z
  .object({
    phone: z.string().min(5).max(32),
    name: z.string().trim().max(256).nullish(),
    cardNumber: z.string().trim().max(64).nullish(),
    consent: z.literal(true, { error: 'нужно согласие клиента на участие в программе и обработку данных' }),
    /** Separately, consent to advertising messages (38-ФЗ art. 18); none: not given. */
    advertising: z.boolean().optional(),
    code: z.string().max(8).nullish(),
  })
  .strict();

function nowIso(): string {
  return new Date().toISOString().replace('Z', '+00:00');
}

function checkOf(s: WebSession, b: z.output<typeof saleBody>): CheckInput {
  const lines = b.lines.map((l, i) => ({ lineNo: i + 1, productId: `cashier-${i + 1}`, name: l.name, quantity: l.quantity * 1000, price: l.price, amount: l.price * l.quantity }));
  return {
    externalId: b.externalId,
    occurredAt: nowIso(),
    storeId: s.storeId,
    customer: b.customerId ? { id: b.customerId } : null,
    lines,
    redeem: b.redeem,
  };
}

export function cashierRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  const cashier = (req: Parameters<typeof signedIn>[1]) => signedIn(ctx, req, 'cashier');
  const codes = new PhoneCodes(ctx);
  return [
    route({
      method: 'GET',
      path: '/web/api/cashier/customer',
      summary: 'Касса: найти клиента по телефону или карте',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await cashier(req);
        const q = (req.query.q ?? '').trim();
        if (q === '') throw new KopilkaError('INVALID_INPUT', 'Введите телефон или номер карты', { field: 'q' });
        const byCard = await ledger.findCustomer(s.tenantId, { cardNumber: q });
        const found = byCard ?? (/^[+\d\s()-]{10,}$/.test(q) ? await ledger.findCustomer(s.tenantId, { phone: q }) : null);
        return ok({ customer: found });
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/cashier/customers',
      summary: 'Касса: зарегистрировать клиента (телефон, согласие; без кода — код уходит по SMS и запрашивается)',
      auth: 'public',
      bodyLimit: 4 * 1024,
      handler: async ({ req }) => {
        const s = await cashier(req);
        const b = parseInput(registerBody, req.json(), 'клиент');
        const phone = requirePhone(b.phone);
        // Confirmed by the code when the tenant can send SMS; without SMS the consent box alone.
        const confirmed = await codes.confirm(s.tenantId, phone, b.code, null, 'регистрации');
        const customer = await ledger.registerCustomer(s.tenantId, { phone, name: b.name || null, cardNumber: b.cardNumber || null, source: 'cashier' });
        await recordConsents(ctx, s.tenantId, customer.id, 'касса', confirmed === 'confirmed', b.advertising === true);
        return ok({ customer }, 201);
      },
    }),
    ...saleRoutes(ctx, cashier),
  ];
}

function saleRoutes(ctx: ConnectorContext, cashier: (req: Parameters<typeof signedIn>[1]) => Promise<WebSession>): RouteSpec<any>[] {
  const { ledger } = ctx;
  return [
    route({
      method: 'POST',
      path: '/web/api/cashier/calculate',
      summary: 'Касса: рассчитать продажу (скидки, начисление, сколько можно оплатить бонусами)',
      auth: 'public',
      bodyLimit: 64 * 1024,
      handler: async ({ req }) => {
        const s = await cashier(req);
        return ok(await ledger.calculate(s.tenantId, checkOf(s, parseInput(saleBody, req.json(), 'продажа'))));
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/cashier/commit',
      summary: 'Касса: провести продажу',
      auth: 'public',
      bodyLimit: 64 * 1024,
      handler: async ({ req }) => {
        const s = await cashier(req);
        const out = await ledger.commit(s.tenantId, 'cashier', checkOf(s, parseInput(saleBody, req.json(), 'продажа')));
        if (out.status === 'review') throw new KopilkaError('INVALID_INPUT', `Продажа не проведена: ${out.reason}`);
        return ok(out.answer, out.replay ? 200 : 201);
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/cashier/refund',
      summary: 'Касса: вернуть продажу целиком',
      auth: 'public',
      bodyLimit: 1024,
      handler: async ({ req }) => {
        const s = await cashier(req);
        const b = parseInput(z.object({ saleId: z.string().regex(/^[\w-]{8,64}$/, 'номер продажи') }).strict(), req.json(), 'возврат');
        const out = await ledger.refund(s.tenantId, 'cashier', b.saleId, { externalId: `r-${b.saleId}`, occurredAt: nowIso() });
        if (out.status === 'review') throw new KopilkaError('INVALID_INPUT', `Возврат не проведён: ${out.reason}`);
        return ok(out.answer, out.replay ? 200 : 201);
      },
    }),
  ];
}
