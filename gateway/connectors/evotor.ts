import type { Connector } from './connector.ts';

// Not yet built: see issue 4.
export const evotorConnector: Connector = { name: 'evotor', routes: () => [] };
