import { z } from 'zod';
import { parseInput, type UsageCounts } from '../ledger/index.ts';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type ApiResponse, type RouteSpec } from '../connectors/kit/route.ts';
import { invoiceOf, type TenantUsage } from '../billing/invoice.ts';
import { currentMonth } from '../billing/month.ts';
import { PRICES } from '../billing/prices.ts';
import { signedIn } from './session.ts';
import { invoiceXlsx } from './invoice-xlsx.ts';

// «Счёт»: the organisation's month as the operator bills it — the same usage read as «Потребление»
// priced by the operator's price list (billing/prices.ts), as lines (subscription, checks over the
// included ones, SMS by topic) with quantity, price and sum in kopecks, and as an Excel file.

const monthQuery = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'месяц в виде ГГГГ-ММ').optional(), format: z.enum(['json', 'xlsx']).optional() }).strict();

export interface InvoiceLine {
  name: string;
  quantity: number;
  unit: string;
  /** Kopecks per unit. */
  price: number;
  /** Kopecks. */
  sum: number;
}

const TOPICS: Record<string, string> = {
  code: 'коды подтверждения',
  campaign: 'рассылки',
  chain: 'цепочки возврата клиентов',
  manual: 'сообщения вручную',
  feedback: 'просьбы об отзыве',
  'feedback-answer': 'ответы на отзывы',
  accrued: 'о начислении',
  redeemed: 'о списании',
  birthday: 'поздравления',
  burnSoon: 'о сгорании',
  other: 'прочие',
};

/** The bill as lines a person reads; the lines add up to `total` exactly. */
export function invoiceLines(u: TenantUsage): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  const first = u.plan === 'wallet' ? PRICES.walletPlan : PRICES.firstChannel;
  lines.push({ name: u.plan === 'wallet' ? 'Тариф «Кошелёк» (один канал продаж)' : 'Подписка: первый канал продаж', quantity: 1, unit: 'мес.', price: first, sum: first });
  if (u.channels > 1) lines.push({ name: 'Подписка: следующие каналы продаж (50%)', quantity: u.channels - 1, unit: 'канал', price: PRICES.furtherChannel, sum: (u.channels - 1) * PRICES.furtherChannel });
  const n = (x: number) => x.toLocaleString('ru-RU');
  lines.push({ name: `Чеки сверх ${n(u.includedChecks)} включённых (всего ${n(u.checks)})`, quantity: u.overageChecks, unit: 'шт.', price: PRICES.checkOverage, sum: u.overageCost });
  for (const [topic, t] of Object.entries(u.sms.byTopic)) lines.push({ name: `SMS: ${TOPICS[topic] ?? topic}`, quantity: t.count, unit: 'шт.', price: PRICES.sms, sum: t.cost });
  return lines;
}

export function invoiceRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [
    route({
      method: 'GET',
      path: '/web/api/invoice',
      summary: 'Кабинет: счёт за месяц по прайсу оператора (?month=ГГГГ-ММ, format=xlsx — файл Excel)',
      auth: 'public',
      handler: async ({ req }): Promise<ApiResponse> => {
        const s = await signedIn(ctx, req, 'admin');
        const q = parseInput(monthQuery, req.query, 'период');
        const month = q.month ?? currentMonth();
        const [counts] = await ctx.ledger.usage(month, s.tenantId);
        const name = (await ctx.ledger.tenantName(s.tenantId)) ?? s.tenantId;
        const none: UsageCounts = { tenantId: s.tenantId, name, plan: 'month', checks: 0, sms: {}, channelNames: [] };
        const u = invoiceOf(counts ?? none, month);
        const lines = invoiceLines(u);
        if (q.format === 'xlsx') {
          return {
            status: 200,
            body: null,
            raw: await invoiceXlsx(u, lines),
            headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'content-disposition': `attachment; filename="kopilka-invoice-${month}.xlsx"`, 'cache-control': 'no-store' },
          };
        }
        return { status: 200, body: { month, name: u.name, plan: u.plan, channelNames: u.channelNames, checks: u.checks, lines, total: u.total } };
      },
    }),
  ];
}
