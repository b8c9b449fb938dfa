import { z } from 'zod';
import { CHANNELS, checkSchema, freeText, idText, newCustomerSchema, programSchema, refundRequestSchema } from '../../ledger/index.ts';

// The bodies and answers of the native API v1 (shared/protocols/native-api.md). Bodies the ledger
// owns are its own schemas, titled with the noun the 400 message names (the gateway reads the
// title); the descriptions are what /openapi.json shows an integrator.

const PRICED_BY =
  'pricedBy: "till" — чек уже закрыт на кассе (фискальный чек напечатан): Kopilka записывает его так, как его посчитала касса ' +
  '(суммы, скидки и оплата бонусами как переданы), скидку программы повторно не применяет, оплату бонусами не отклоняет — ' +
  'списывает сколько доступно, а недостачу ставит в очередь разбора (GET /v1/review); бонусы начисляются на фактически оплаченное. ' +
  'Ответ на такой чек — 201 (или 202 {status:"review"}, если документ ушёл в очередь разбора), но не 422. ' +
  'Без флага (или "kopilka") чек считает Kopilka, как и /v1/checks/calculate.';

export const checkBody = checkSchema.meta({
  title: 'чек',
  description: `Чек: суммы в копейках, количество в тысячных, бонусы в сотых. ${PRICED_BY}`,
});

export const refundBody = refundRequestSchema.meta({
  title: 'возврат',
  description:
    'Возврат всей продажи (без lines) или её строк. pricedBy: "till" — возврат уже проведён на кассе: не отклоняется; ' +
    'если продажа неизвестна, возврат ставится в очередь разбора (202 {status:"review"}).',
});

export const customerBody = newCustomerSchema.meta({ title: 'клиент', description: 'Новый клиент; телефон приводится к E.164.' });

export const programBody = programSchema.meta({ title: 'программа лояльности', description: 'Программа лояльности организации: уровни, начисление, сгорание, подарки.' });

export const tenantBody = z
  .object({
    name: z.string().trim().min(1).max(256),
    plan: z.enum(['month', 'wallet']).default('month'),
    program: z.unknown().optional().describe('Программа лояльности (как PUT /v1/program); без неё — программа по умолчанию'),
  })
  .strict()
  .meta({ title: 'организация' });

export const keyBody = z
  .object({
    channel: z.enum(CHANNELS, { message: `канал: один из ${CHANNELS.join(', ')}` }),
    storeId: z.string().trim().min(1).max(128).nullish(),
  })
  .strict()
  .meta({ title: 'ключ' });

export const resolveBody = z
  .object({
    action: z.enum(['apply', 'link', 'dismiss']).describe('apply — применить документ как есть; link — связать с продажей или клиентом; dismiss — отклонить'),
    saleExternalId: idText(128).optional().describe('link: продажа, к которой относится возврат'),
    customerId: idText(64).optional().describe('link: клиент, которому относится документ'),
    comment: freeText(1024).optional().describe('почему принято такое решение'),
    wholeSale: z
      .boolean()
      .optional()
      .describe('apply/link возврата без строк (касса прислала товары неизвестной продажи): true — возвращена вся продажа'),
  })
  .strict()
  .meta({ title: 'решение по документу' });

// ── answers (for the document only; open to fields added later) ──

const balance = z.looseObject({ available: z.number().int(), pending: z.number().int() });

export const tenantCreated = z.looseObject({ id: z.string(), adminKey: z.string().describe('Ключ администратора: показывается один раз') });
export const keyCreated = z.looseObject({ key: z.string().describe('Показывается один раз'), channel: z.enum(CHANNELS), storeId: z.string().nullable() });

export const customerAnswer = z.looseObject({
  id: z.string(),
  phone: z.string().nullable(),
  cardNumber: z.string().nullable(),
  level: z.looseObject({ code: z.string(), name: z.string() }),
  balance,
});

export const checkAnswer = z.looseObject({
  externalId: z.string(),
  status: z.enum(['calculated', 'committed']),
  customer: z.looseObject({ id: z.string(), balance }).nullable(),
  totals: z.looseObject({ amount: z.number().int() }),
  messages: z.array(z.string()),
});

export const queuedAnswer = z
  .object({ status: z.literal('review'), reviewId: z.string(), reasonCode: z.string(), reason: z.string() })
  .describe('202: документ принят, но не применён — он в очереди разбора (GET /v1/review)');

export const reviewItem = z.looseObject({
  id: z.string(),
  system: z.string(),
  kind: z.string(),
  externalId: z.string(),
  reasonCode: z.string(),
  reason: z.string(),
  payload: z.unknown(),
  createdAt: z.string(),
});

export const reviewList = z.looseObject({ count: z.number().int(), items: z.array(reviewItem) });
export const reviewCountsAnswer = z.looseObject({ open: z.number().int(), byReason: z.record(z.string(), z.number().int()) });
