import { CONSENT_TEXT_VERSION, recordConsents } from './consents.ts';
import { consentState } from '../communications/consent.ts';
import { Communications } from '../communications/service.ts';
import QRCode from 'qrcode';
import { z } from 'zod';
import { KopilkaError, parseInput, requirePhone, type Program } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiRequest, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { registrationSource, SOURCE_CODE } from './join-source.ts';
import { PhoneCodes } from './phone-codes.ts';
import { checkSameOrigin, SESSION_TTL_S, sessionCookie, signedIn } from './session.ts';

// The customer's side: self-registration by link (/join/<tenant>?ref=<code>) and the customer
// cabinet (/me/<tenant>), both confirmed by a code sent to the phone. A customer session is
// opened only after the code matched; every code request counts as an attempt with an unknown
// credential from its address (ctx.unknownCredential), on top of one SMS a minute per phone.

const ok = (body: unknown, status = 200, headers?: Record<string, string>): ApiResponse => ({ status, body, ...(headers ? { headers } : {}) });
const TENANT = z.string().regex(/^[\w-]{1,64}$/, 'код организации из ссылки');

const signInBody = z.object({ tenantId: TENANT, phone: z.string().min(5).max(32), code: z.string().max(8).nullish() }).strict();
const joinBody = z
  .object({
    tenantId: TENANT,
    phone: z.string().min(5).max(32),
    name: z.string().trim().max(256).nullish(),
    birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'дата ГГГГ-ММ-ДД').nullish(),
    referrerCode: z.string().regex(/^[\w-]{1,32}$/).nullish(),
    /** The link's `source` and `store` (join-source.ts): where the customer came from. */
    source: SOURCE_CODE.nullish(),
    store: SOURCE_CODE.nullish(),
    consent: z.literal(true, { error: 'нужно согласие на участие в программе и обработку данных' }),
    /** Separately, consent to advertising messages (38-ФЗ art. 18); none: not given. */
    advertising: z.boolean().optional(),
    code: z.string().max(8).nullish(),
  })
  .strict();

/** What a stranger may see of a program before joining: level names, the gifts, no internals. */
function programTeaser(p: Program) {
  return {
    levels: p.levels.map((l) => ({ name: l.name, threshold: l.threshold, accrualPercent: l.accrual.type === 'percent' ? l.accrual.percent : null, maxRedeemPercent: l.maxRedeemPercent })),
    selfRegistrationGift: p.gifts.selfRegistration?.points ?? p.gifts.registration?.points ?? null,
  };
}

async function knownTenant(ctx: ConnectorContext, tenantId: string): Promise<void> {
  if (!(await ctx.ledger.tenantExists(tenantId))) throw new KopilkaError('NOT_FOUND', 'Ссылка неверна: такой программы лояльности нет', { field: 'tenantId' });
}

function publicUrl(ctx: ConnectorContext, req: ApiRequest): string {
  return ctx.settings.PUBLIC_URL?.replace(/\/$/, '') ?? `http://${req.headers.host}`;
}

const advertisingBody = z.object({ advertising: z.boolean() }).strict();

/** What is in force for the customer (null: never asked), for their cabinet; none without communications/. */
async function consentsOf(ctx: ConnectorContext, tenantId: string, customerId: string): Promise<{ processing: boolean | null; advertising: boolean | null }> {
  if (!(ctx.messages instanceof Communications)) return { processing: null, advertising: null };
  return consentState(ctx.messages.o.sql, tenantId, customerId);
}

export function customerRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  const { ledger } = ctx;
  const codes = new PhoneCodes(ctx);
  const opened = async (tenantId: string, customerId: string) => {
    const token = await ledger.openWebSession({ tenantId, role: 'customer', storeId: null, customerId, ttlSeconds: SESSION_TTL_S });
    return { 'set-cookie': sessionCookie(ctx, token, SESSION_TTL_S), 'cache-control': 'no-store' };
  };
  return [
    route({
      method: 'GET',
      path: '/web/api/join/:tenantId',
      summary: 'Самостоятельная регистрация: уровни и подарок программы',
      auth: 'public',
      handler: async ({ req }) => {
        const tenantId = parseInput(TENANT, req.params.tenantId, 'ссылка');
        await knownTenant(ctx, tenantId);
        return ok(programTeaser(await ledger.program(tenantId)));
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/join',
      summary: 'Самостоятельная регистрация по ссылке: телефон, согласие, код из SMS',
      auth: 'public',
      bodyLimit: 4 * 1024,
      handler: async ({ req }) => {
        checkSameOrigin(ctx, req);
        const b = parseInput(joinBody, req.json(), 'регистрация');
        await knownTenant(ctx, b.tenantId);
        const phone = requirePhone(b.phone);
        if (!b.code) await ctx.unknownCredential(req.remoteAddress);
        if ((await codes.confirm(b.tenantId, phone, b.code, null, 'регистрации')) === 'unavailable') {
          throw new KopilkaError('SMS_NOT_CONFIGURED', 'Регистрация по ссылке недоступна: магазин не настроил SMS для подтверждения телефона');
        }
        const source = registrationSource(b.source, b.store);
        const customer = await ledger.registerCustomer(b.tenantId, { phone, name: b.name || null, birthDate: b.birthDate || null, referrerCode: b.referrerCode || null, source });
        await recordConsents(ctx, b.tenantId, customer.id, 'сайт', true, b.advertising === true);
        return ok({ customer }, 201, await opened(b.tenantId, customer.id));
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/me/session',
      summary: 'Кабинет клиента: вход по телефону и коду из SMS',
      auth: 'public',
      bodyLimit: 1024,
      handler: async ({ req }) => {
        checkSameOrigin(ctx, req);
        const b = parseInput(signInBody, req.json(), 'вход');
        await knownTenant(ctx, b.tenantId);
        if (!b.code) await ctx.unknownCredential(req.remoteAddress);
        const found = await ledger.findCustomer(b.tenantId, { phone: b.phone });
        if (found === null) throw new KopilkaError('CUSTOMER_NOT_FOUND', 'Этот телефон не участвует в программе: зарегистрируйтесь по ссылке магазина', { field: 'phone' });
        if ((await codes.confirm(b.tenantId, requirePhone(b.phone), b.code, found.id, 'входа')) === 'unavailable') {
          throw new KopilkaError('SMS_NOT_CONFIGURED', 'Вход недоступен: магазин не настроил SMS для кодов');
        }
        return ok({ customerId: found.id }, 201, await opened(b.tenantId, found.id));
      },
    }),
    route({
      method: 'GET',
      path: '/web/api/me',
      summary: 'Кабинет клиента: баланс, уровень, история, реферальная ссылка',
      auth: 'public',
      handler: async ({ req }) => {
        const s = await signedIn(ctx, req, 'customer');
        const [customer, history] = await Promise.all([ledger.customer(s.tenantId, { id: s.customerId! }), ledger.transactions(s.tenantId, s.customerId!, { limit: 50 })]);
        const referralLink = `${publicUrl(ctx, req)}/join/${encodeURIComponent(s.tenantId)}?ref=${encodeURIComponent(customer.referralCode)}`;
        const qrSvg = await QRCode.toString(referralLink, { type: 'svg', margin: 1, width: 200 });
        const [consents, schedule] = await Promise.all([consentsOf(ctx, s.tenantId, s.customerId!), ledger.bonusSchedule(s.tenantId, s.customerId!)]);
        return ok({ tenantId: s.tenantId, customer, history, referralLink, qrSvg, consents, schedule }, 200, { 'cache-control': 'no-store' });
      },
    }),
    route({
      method: 'POST',
      path: '/web/api/me/consents',
      summary: 'Кабинет клиента: согласие на рекламные сообщения — дать или отозвать',
      auth: 'public',
      bodyLimit: 1024,
      handler: async ({ req }) => {
        checkSameOrigin(ctx, req);
        const s = await signedIn(ctx, req, 'customer');
        const b = parseInput(advertisingBody, req.json(), 'согласие');
        await ctx.messages.consent(s.tenantId, s.customerId!, { kind: 'advertising', granted: b.advertising, textVersion: CONSENT_TEXT_VERSION, channel: 'личный кабинет' });
        return ok({ consents: await consentsOf(ctx, s.tenantId, s.customerId!) }, 201);
      },
    }),
  ];
}
