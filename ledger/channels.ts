// The sales channels a check is recorded under (one per cash system, `api` for the native JSON
// API with an admin key, `cashier` for the web cashier workplace). Billing counts channels in use.

export const CHANNELS = ['api', 'cashier', 'onec', 'moysklad', 'frontol', 'evotor'] as const;
export type Channel = (typeof CHANNELS)[number];
