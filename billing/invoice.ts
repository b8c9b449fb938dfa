import type { Ledger, UsageCounts } from '../ledger/index.ts';
import { price, type Invoice, type Plan } from './prices.ts';

// A tenant's bill for a month: what the ledger counted (checks, channels, SMS by topic) priced
// by the operator's price list. Counted from Postgres every time, so a bill always equals what
// the ledger holds, whatever happened to Redis.

export interface TenantUsage extends Invoice {
  tenantId: string;
  name: string;
  plan: Plan;
  month: string;
  channelNames: string[];
}

export function invoiceOf(c: UsageCounts, month: string): TenantUsage {
  const invoice = price({ plan: c.plan, checks: c.checks, sms: c.sms, channels: c.channelNames.length });
  return { tenantId: c.tenantId, name: c.name, plan: c.plan, month, channelNames: c.channelNames, ...invoice };
}

/** Every tenant's bill for a month ("2026-11"), or one tenant's. */
export async function invoices(ledger: Pick<Ledger, 'usage'>, month: string, tenantId?: string): Promise<TenantUsage[]> {
  return (await ledger.usage(month, tenantId)).map((c) => invoiceOf(c, month));
}
