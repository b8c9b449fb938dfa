import type { Connector } from './connector.ts';

// Not yet built: see issue 4.
export const frontolConnector: Connector = { name: 'frontol', routes: () => [] };
