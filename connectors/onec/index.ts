import type { Connector } from '../kit/context.ts';
import { jsonRoutes } from './json.ts';
import { soapRoutes } from './soap.ts';

// 1C:Enterprise: a document/literal SOAP 1.1 service a configurator imports as a WS-reference
// (kopilka.wsdl, served at /onec/soap?wsdl: soap.ts) and the same operations as HTTP+JSON for
// 1C's HTTPСоединение (/onec/v1/…: json.ts). Both speak decimal roubles and authenticate with a
// key of the sales channel `onec`. Translation: protocol.ts; the operations: operations.ts.

export const onec: Connector = {
  name: 'onec',
  routes: (ctx) => [...soapRoutes(ctx), ...jsonRoutes(ctx)],
};
