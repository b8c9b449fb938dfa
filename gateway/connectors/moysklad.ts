import type { Connector } from './connector.ts';

// Not yet built: see issue 4.
export const moyskladConnector: Connector = { name: 'moysklad', routes: () => [] };
