import type { Connector } from '../kit/context.ts';
import { parseApiHosts } from './jsonapi.ts';
import { loyaltyRoutes } from './loyalty-api.ts';
import { SYSTEM } from './loyalty.ts';
import { settingsRoutes } from './settings.ts';
import { syncRoutes } from './sync.ts';
import { vendorRoutes } from './vendor/index.ts';
import { webhookRoutes } from './webhook.ts';

// МойСклад (PROTOCOL.md): the Loyalty API its till calls (loyalty-api.ts), the JSON API webhook
// (webhook.ts), the import of counterparties and products (sync.ts) and the account's settings
// (settings.ts). Sales and returns the till has closed are recorded as it priced them (recording.ts).

export const moyskladConnector: Connector = {
  name: SYSTEM,
  routes(ctx) {
    // Parsed at start: a wrong MOYSKLAD_API_HOSTS stops the service with its name, not a request.
    const hosts = parseApiHosts(ctx.settings.MOYSKLAD_API_HOSTS);
    return [...loyaltyRoutes(ctx), ...settingsRoutes(ctx, hosts), ...syncRoutes(ctx, hosts), ...webhookRoutes(ctx, hosts), ...vendorRoutes(ctx)];
  },
};
