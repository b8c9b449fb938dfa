import { z } from 'zod';
import type { Connector } from '../connectors/kit/context.ts';
import { route } from '../connectors/kit/route.ts';
import { usageResponse } from './exports.ts';
import { invoices } from './invoice.ts';
import { parseMonth } from './month.ts';

// Billing's HTTP face: the operator's (or billing team's) view of every tenant's month, a
// tenant's own view, and where an SMS provider reports a message it accepted for a tenant.

const smsSchema = z
  .object({ topic: z.string().trim().min(1).max(64), phone: z.string().min(5).max(32), customerId: z.string().max(20).nullish() })
  .strict();

export const billingConnector: Connector = {
  name: 'billing',
  routes: (ctx) => [
    route({
      method: 'GET',
      path: '/v1/billing/usage',
      summary: 'Потребление и счета всех организаций за месяц (JSON, CSV, XLSX)',
      auth: 'billing',
      handler: async ({ req }) => {
        const month = parseMonth(req.query);
        return usageResponse(await invoices(ctx.ledger, month), req.headers.accept, month);
      },
    }),
    route({
      method: 'GET',
      path: '/v1/usage',
      summary: 'Потребление и счёт своей организации за месяц (JSON, CSV, XLSX)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => {
        const month = parseMonth(req.query);
        return usageResponse(await invoices(ctx.ledger, month, tenantId), req.headers.accept, month);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/sms/sent',
      // The summary names the body in validation errors: «Неверные данные (SMS): …», as before.
      summary: 'SMS',
      auth: 'admin',
      input: smsSchema,
      handler: async ({ input, tenantId }) => {
        // Billing counts what the provider accepted.
        await ctx.ledger.recordSms(tenantId, input.topic, input.phone, input.customerId ?? null);
        return { status: 201, body: { recorded: true } };
      },
    }),
  ],
};
