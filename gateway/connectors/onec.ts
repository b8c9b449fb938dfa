import type { Connector } from './connector.ts';

// Not yet built: see issue 4.
export const onecConnector: Connector = { name: 'onec', routes: () => [] };
