import type { Settings } from '../../config/settings.ts';
import type { Channel, Ledger } from '../../ledger/index.ts';
import type { RouteSpec } from './route.ts';

// What the gateway gives every connector: the ledger's face and the few services a protocol may
// need. A connector never sees a pool, a Redis client or another connector.

export interface ConnectorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What a connector or a page asks of communications/ (service.ts). */
export interface Messages {
  /** One SMS now (a confirmation code): sent, stored as a message row, counted for billing. */
  sms(tenantId: string, topic: string, phone: string, text: string, customerId: string | null): Promise<string>;
  /** A customer's consent as given at registration (152-ФЗ; 38-ФЗ art. 18), kept as history. */
  consent(tenantId: string, customerId: string, c: { kind: 'processing' | 'advertising'; granted: boolean; textVersion: string; channel: string; proof?: string }): Promise<void>;
}

export interface ConnectorContext {
  ledger: Ledger;
  /** The service's settings, as validated at start. */
  settings: Readonly<Settings>;
  messages: Messages;
  log: ConnectorLog;
  /**
   * Counts one attempt with a credential not known to be valid (a guessed webhook secret) from
   * this address; throws RATE_LIMITED past UNKNOWN_KEY_RATE a second. Routes with `public` auth
   * that check a secret of their own call it before looking the secret up.
   */
  unknownCredential(remoteAddress: string | undefined): Promise<void>;
  /** Issues a key (shown once; only its hash is kept). */
  issueKey(tenantId: string, role: 'admin' | 'channel', channel: Channel | null, storeId: string | null): Promise<string>;
}

export interface Connector {
  /** The system's name (the folder's), used in logs and the OpenAPI document's tags. */
  name: string;
  routes(ctx: ConnectorContext): RouteSpec<any>[];
}
