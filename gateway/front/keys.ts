// Redis key layout (the same as redis.ts, so either implementation reads the other's data).
// Every per-tenant key carries the tenant as a `{hash tag}`, so on Redis Cluster all of a
// tenant's keys live in one slot: the Lua scripts that touch two keys of one customer
// (generation + summary) stay legal, and the layout needs no change to scale out.

export interface FrontKeys {
  answer(tenantId: string, key: string): string;
  customer(tenantId: string, customerId: string): string;
  customerGeneration(tenantId: string, customerId: string): string;
  rateBucket(tenantId: string, bucket: string): string;
  counters(tenantId: string): string;
  /** One stream for all tenants: consumers (metering, notifications, webhooks) read them all. */
  readonly events: string;
  /** SCAN pattern matching every key above (tests delete their keys with it). */
  readonly all: string;
}

export const DEFAULT_PREFIX = 'kp';

export function frontKeys(prefix: string = DEFAULT_PREFIX): FrontKeys {
  const tenant = (tenantId: string) => `${prefix}:{${tenantId}}`;
  return {
    answer: (tenantId, key) => `${tenant(tenantId)}:answer:${key}`,
    customer: (tenantId, customerId) => `${tenant(tenantId)}:customer:${customerId}`,
    customerGeneration: (tenantId, customerId) => `${tenant(tenantId)}:cgen:${customerId}`,
    rateBucket: (tenantId, bucket) => `${tenant(tenantId)}:rate:${bucket}`,
    counters: (tenantId) => `${tenant(tenantId)}:usage`,
    events: `${prefix}:events`,
    all: `${prefix}:*`,
  };
}
