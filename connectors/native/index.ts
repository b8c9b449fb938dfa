import type { Connector } from '../kit/context.ts';
import { adminRoutes } from './admin.ts';
import { giftcardRoutes } from './giftcards.ts';
import { tillRoutes } from './tills.ts';

// The native JSON API v1 (shared/protocols/native-api.md): Kopilka's own contract, a connector
// like any other. Served on both ports; the gateway enforces what each route declares.

export const native: Connector = {
  name: 'native',
  routes: (ctx) => [...adminRoutes(ctx), ...tillRoutes(ctx), ...giftcardRoutes(ctx)],
};
