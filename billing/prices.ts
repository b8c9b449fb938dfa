// The operator's prices, in kopecks. What the billing team invoices each tenant per month.
//
// Our reading of the price list: a `month` tenant pays per sales channel (1,800 ₽ for the first,
// each further one at 50%). A `wallet` tenant pays 1,500 ₽ a month, which covers one channel;
// further channels cost what they cost on `month`. Every tenant gets 2,500 checks a month,
// then 0.25 ₽ a check; every SMS costs 2.5 ₽.

export const PRICES = {
  includedChecks: 2_500,
  checkOverage: 25,
  sms: 250,
  firstChannel: 180_000,
  /** Each channel after the first: 50% of the first. */
  furtherChannel: 90_000,
  walletPlan: 150_000,
} as const;

export type Plan = 'month' | 'wallet';

export interface UsageInput {
  plan: Plan;
  checks: number;
  /** SMS sent, by topic. */
  sms: Record<string, number>;
  channels: number;
}

export interface Invoice {
  checks: number;
  includedChecks: number;
  overageChecks: number;
  overageCost: number;
  sms: { count: number; cost: number; byTopic: Record<string, { count: number; cost: number }> };
  channels: number;
  subscriptionCost: number;
  total: number;
}

export function price(u: UsageInput, p = PRICES): Invoice {
  const overageChecks = Math.max(0, u.checks - p.includedChecks);
  const byTopic: Invoice['sms']['byTopic'] = {};
  let smsCount = 0;
  for (const [topic, count] of Object.entries(u.sms).sort(([a], [b]) => a.localeCompare(b))) {
    byTopic[topic] = { count, cost: count * p.sms };
    smsCount += count;
  }
  const channels = Math.max(1, u.channels);
  const subscriptionCost =
    u.plan === 'wallet' ? p.walletPlan + (channels - 1) * p.furtherChannel : p.firstChannel + (channels - 1) * p.furtherChannel;
  const overageCost = overageChecks * p.checkOverage;
  const smsCost = smsCount * p.sms;
  return {
    checks: u.checks,
    includedChecks: p.includedChecks,
    overageChecks,
    overageCost,
    sms: { count: smsCount, cost: smsCost, byTopic },
    channels,
    subscriptionCost,
    total: subscriptionCost + overageCost + smsCost,
  };
}
