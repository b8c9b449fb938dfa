import type { Server } from 'node:http';
import type { ZoneOffset } from '../../ledger/time-zone.ts';
import { isKopilkaError, KopilkaError } from '../../ledger/errors.ts';
import { zoneOffsetMinutes } from '../../ledger/time-zone.ts';
import { isStorageFailure } from '../../ledger/writer.ts';
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

/** The tenant's program time zone as an offset function: tills write wall-clock times. */
export async function tenantZone(d: RouteDeps, tenantId: string): Promise<ZoneOffset> {
  const tz = (await d.ledger.program(tenantId)).source.timezone;
  return (at: number) => zoneOffsetMinutes(at, tz);
}

/**
 * The error a protocol reports: Kopilka's own as it is, a lost database as 503 (nothing was
 * recorded, safe to retry), anything else null (a bug: the caller decides how to say so).
 */
export function protocolError(e: unknown): KopilkaError | null {
  if (isKopilkaError(e)) return e;
  if (isStorageFailure(e)) return new KopilkaError('STORAGE_UNAVAILABLE', 'База данных недоступна, ничего не записано. Повторите запрос через несколько секунд');
  return null;
}
