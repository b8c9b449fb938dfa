import type { Readable } from 'node:stream';
import type { ZodType } from 'zod';
import type { Channel, KopilkaError } from '../../ledger/index.ts';

// The route contract every protocol is written against (the fastify way): a route declares who
// may call it, how big its body may be and what its body is; the gateway enforces all three in
// one place (gateway/http/enforce.ts) before the handler runs, and answers errors in the form
// the route names. A handler sees only a checked caller and a validated input.

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call:
 * - `public`: anyone (the handler authenticates by the protocol's own scheme, e.g. a webhook
 *   secret in the path, and must count failures with `ctx.unknownCredential`);
 * - `operator`: the operator token; `billing`: the operator or the billing token;
 * - `admin`: a tenant's admin key; `tenant`: an admin key or any channel key of the tenant;
 * - `channel:<name>`: a key of that sales channel only.
 */
export type Auth = 'public' | 'operator' | 'billing' | 'admin' | 'tenant' | `channel:${Channel}`;

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The client's address as the socket sees it (limits on unknown keys). */
  remoteAddress?: string;
  /** The port the request came to, as the socket sees it (1C's WSDL names it when no PUBLIC_URL is set). */
  localPort?: number;
  /** The body as received (at most the route's bodyLimit). */
  body: Buffer;
  /** The body as JSON, parsed once; NUL, lone surrogates and absurd nesting are refused (400). */
  json(): unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** Body already serialised (a stored answer replayed byte for byte, XML, a CSV or XLSX file). */
  raw?: string | Buffer;
  /**
   * A body sent as it is produced (a large export): the API port streams it, so memory holds one
   * chunk, not the file; a server that cannot stream gathers it first. Replaces `raw` and `body`.
   */
  stream?: Readable;
  /** content-type among them replaces application/json. */
  headers?: Record<string, string>;
}

/** Who is calling, once the gateway has checked the key. */
export type Caller =
  | { kind: 'public' }
  | { kind: 'operator' }
  | { kind: 'billing' }
  | { kind: 'admin'; tenantId: string }
  | { kind: 'channel'; tenantId: string; channel: Channel; storeId: string | null };

/** A call as the handler sees it: authorised, its body within limits and validated. */
export interface Call<I> {
  req: ApiRequest;
  caller: Caller;
  /** The caller's tenant (admin, tenant and channel routes); '' on operator, billing and public routes. */
  tenantId: string;
  /** The sales channel checks are recorded under: the key's own channel, `api` for an admin key. */
  channel: Channel;
  /** The validated body when the route declares `input`; undefined otherwise. */
  input: I;
}

/** How a protocol answers an error: Kopilka's code and message in the protocol's own form. */
export type ErrorForm = (e: KopilkaError, req: ApiRequest) => ApiResponse;

export interface RouteSpec<I = unknown> {
  method: Method;
  path: string;
  /** One line for the OpenAPI document (/openapi.json). */
  summary: string;
  auth: Auth;
  /**
   * Where the protocol carries the key (default: `Authorization: Bearer <key>`): МойСклад's token
   * header, Эвотор's bare token, 1C's Basic password or Key element. Null: none was sent.
   */
  credential?: (req: ApiRequest) => string | null;
  /**
   * Where the key may be in the body when the headers hold none (1C's Key element): a bounded
   * scan of the raw bytes, never a parse. The body is read only for this, within bodyLimit.
   */
  credentialInBody?: (body: Buffer) => string | null;
  /** What a caller without a key is told, in the protocol's terms (default: the Authorization header). */
  missingCredential?: string;
  /** Most bytes of body accepted (default 1 MiB); more is refused with 413 before the handler. */
  bodyLimit?: number;
  /** The JSON body's schema, validated before the handler (400 naming the field). */
  input?: ZodType<I>;
  /**
   * `ledger`: the body goes to the ledger as sent and the ledger validates it with this same
   * schema (and hashes it for idempotency): `input` then only documents it, and is not checked a
   * second time on the way in.
   */
  inputCheckedBy?: 'ledger';
  /** The protocol's error form; default Kopilka's `{"error": {code, message, details}}`. */
  errors?: ErrorForm;
  /** What a successful answer looks like, for the OpenAPI document only. */
  output?: ZodType;
  handler(call: Call<I>): Promise<ApiResponse>;
}

/** Declares a route; the identity function that lets TypeScript infer `I` from `input`. */
export function route<I = unknown>(spec: RouteSpec<I>): RouteSpec<I> {
  return spec;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** How much of a body `credentialInBody` is shown (where the server can stop there): the key must be in it. */
export const BODY_KEY_SCAN_BYTES = 16 * 1024;
