import type { Server } from 'node:http';
import type { Route, RouteDeps } from '../routes.ts';

// How a cash system's protocol is plugged into the gateway. The translation itself (protocol
// types, to and from the common Check, fixtures) lives in connectors/<system>; this side adds
// the endpoints, authentication and the protocol's own error form.

export interface Connector {
  name: string;
  /** Endpoints on the route table (served on the POS port and the API port alike). */
  routes(d: RouteDeps): Route[];
  /** For protocols that need the API port's HTTP server itself (SOAP). */
  mount?(server: Server, d: RouteDeps): Promise<void> | void;
}
