import type { ConnectorContext } from '../../kit/context.ts';
import type { RouteSpec } from '../../kit/route.ts';
import { lifecycleRoutes } from './lifecycle.ts';
import { windowRoutes } from './window.ts';

// МойСклад's catalogue solution (Vendor API 1.0): the lifecycle endpoints МойСклад calls
// (lifecycle.ts), the window where an account is linked to a tenant (window.ts), our client of
// МойСклад's apps API (apps-api.ts). Registering the solution: INSTALL.md, app-descriptor.xml.

export function vendorRoutes(ctx: ConnectorContext): RouteSpec<any>[] {
  return [...lifecycleRoutes(ctx), ...windowRoutes(ctx)];
}
