import type { ChannelKind } from './providers/provider.ts';

// The rows of communications (ledger/migrations/010_messages.sql): messages, consents, templates,
// contacts. Communications reaches the ledger through its face only; its own tables it reads and
// writes through this narrow SQL door the gateway hands in (its pg Pool fits it).

export interface SqlClient {
  query<R = any>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
export interface Sql extends SqlClient {
  connect(): Promise<SqlClient & { release(): void }>;
}

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped';

export interface NewMessage {
  tenantId: string;
  customerId: string | null;
  topic: string;
  advertising: boolean;
  channel: ChannelKind;
  provider: string;
  address: string;
  subject?: string | null;
  body: string;
  dedupeKey?: string | null;
  sendAfter?: Date;
  /** Written as it is: a message refused before sending (skipped) or sent at once (codes). */
  status?: MessageStatus;
  error?: string | null;
}

export interface StoredMessage {
  id: string;
  seq: number;
  tenantId: string;
  customerId: string | null;
  topic: string;
  advertising: boolean;
  channel: ChannelKind;
  provider: string;
  address: string;
  subject: string | null;
  text: string;
  cost: number;
  status: MessageStatus;
  providerId: string | null;
  error: string | null;
  attempts: number;
  createdAt: string;
  sendAfter: string;
  sentAt: string | null;
}

const COLUMNS = `id, seq, tenant_id, customer_id, topic, advertising, channel, provider, address, subject, body, cost,
  status, provider_id, error, attempts, created_at, send_after, sent_at`;

function row(r: any): StoredMessage {
  return {
    id: r.id,
    seq: Number(r.seq),
    tenantId: r.tenant_id,
    customerId: r.customer_id === null ? null : String(r.customer_id),
    topic: r.topic,
    advertising: r.advertising,
    channel: r.channel,
    provider: r.provider,
    address: r.address,
    subject: r.subject,
    text: r.body,
    cost: Number(r.cost),
    status: r.status,
    providerId: r.provider_id,
    error: r.error,
    attempts: r.attempts,
    createdAt: new Date(r.created_at).toISOString(),
    sendAfter: new Date(r.send_after).toISOString(),
    sentAt: r.sent_at === null ? null : new Date(r.sent_at).toISOString(),
  };
}

/** Inserts messages; one with a dedupe key seen before is not inserted again (null in its place). */
export async function insertMessages(db: SqlClient, ms: NewMessage[]): Promise<(StoredMessage | null)[]> {
  if (ms.length === 0) return [];
  const r = await db.query(
    `INSERT INTO messages (tenant_id, customer_id, topic, advertising, channel, provider, address, subject, body, dedupe_key, send_after, status, error)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bool[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::text[], $13::text[])
     ON CONFLICT (tenant_id, dedupe_key) DO NOTHING
     RETURNING ${COLUMNS}, dedupe_key`,
    [
      ms.map((m) => m.tenantId),
      ms.map((m) => m.customerId),
      ms.map((m) => m.topic),
      ms.map((m) => m.advertising),
      ms.map((m) => m.channel),
      ms.map((m) => m.provider),
      ms.map((m) => m.address),
      ms.map((m) => m.subject ?? null),
      ms.map((m) => m.body),
      ms.map((m) => m.dedupeKey ?? null),
      ms.map((m) => (m.sendAfter ?? new Date()).toISOString()),
      ms.map((m) => m.status ?? 'queued'),
      ms.map((m) => m.error ?? null),
    ],
  );
  // RETURNING keeps no order promise: match rows back by dedupe key, or by position when none.
  const byKey = new Map(r.rows.filter((x) => x.dedupe_key !== null).map((x) => [x.dedupe_key as string, row(x)]));
  const keyless = r.rows.filter((x) => x.dedupe_key === null).map(row);
  return ms.map((m) => (m.dedupeKey ? (byKey.get(m.dedupeKey) ?? null) : (keyless.shift() ?? null)));
}

/**
 * Takes a queued message for sending: the row turns `sending` (and counts the attempt) in one
 * statement, committed before the provider is called. Null: someone else has it or it is done.
 */
export async function claim(db: SqlClient, id: string): Promise<StoredMessage | null> {
  const r = await db.query(
    `UPDATE messages SET status = 'sending', attempts = attempts + 1, sending_at = now()
      WHERE id = $1 AND status = 'queued' RETURNING ${COLUMNS}`,
    [id],
  );
  return r.rows[0] ? row(r.rows[0]) : null;
}

export async function messageById(db: SqlClient, id: string): Promise<StoredMessage | null> {
  const r = await db.query(`SELECT ${COLUMNS} FROM messages WHERE id = $1`, [id]);
  return r.rows[0] ? row(r.rows[0]) : null;
}

/** The outcome of a send, written only over `sending` (a late duplicate never overwrites). */
export async function finish(
  db: SqlClient,
  id: string,
  to: 'sent' | 'failed' | 'unknown' | 'queued',
  o: { providerId?: string | null; cost?: number | null; error?: string | null } = {},
): Promise<boolean> {
  const r = await db.query(
    `UPDATE messages SET status = $2, provider_id = coalesce($3, provider_id), cost = coalesce($4, cost), error = $5,
            sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
      WHERE id = $1 AND (status = 'sending' OR ($2 = 'sent' AND status = 'unknown'))`,
    [id, to, o.providerId ?? null, o.cost ?? null, o.error ?? null],
  );
  return r.rowCount === 1;
}

export interface MessageFilter {
  customerId?: string;
  topic?: string;
  status?: MessageStatus;
  limit?: number;
  /** Messages before this `seq` (the last of the previous page). */
  before?: string;
}

export async function listMessages(db: SqlClient, tenantId: string, f: MessageFilter): Promise<StoredMessage[]> {
  const r = await db.query(
    `SELECT ${COLUMNS} FROM messages
      WHERE tenant_id = $1 AND ($2::bigint IS NULL OR customer_id = $2) AND ($3::text IS NULL OR topic = $3)
        AND ($4::text IS NULL OR status = $4) AND ($5::bigint IS NULL OR seq < $5)
      ORDER BY seq DESC LIMIT $6`,
    [tenantId, f.customerId ?? null, f.topic ?? null, f.status ?? null, f.before ?? null, f.limit ?? 100],
  );
  return r.rows.map(row);
}

/** Messages of a customer counted against the daily cap: those not refused, since a local midnight. */
export async function countSince(db: SqlClient, tenantId: string, customerId: string, since: Date): Promise<number> {
  const r = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM messages WHERE tenant_id = $1 AND customer_id = $2 AND created_at >= $3 AND status NOT IN ('skipped', 'failed')
        AND topic NOT IN ('codes')`,
    [tenantId, customerId, since.toISOString()],
  );
  return Number(r.rows[0]!.n);
}

/** claim() for a batch in one statement: the rows now `sending` (those queued among `ids`). */
export async function claimMany(db: SqlClient, ids: string[]): Promise<StoredMessage[]> {
  const r = await db.query(
    `UPDATE messages SET status = 'sending', attempts = attempts + 1, sending_at = now()
      WHERE id = ANY($1::uuid[]) AND status = 'queued' RETURNING ${COLUMNS}`,
    [ids],
  );
  return r.rows.map(row);
}

/** finish(…, 'sent') for a batch in one statement; returns the ids written. */
export async function finishSent(db: SqlClient, sent: { id: string; providerId: string; cost: number | null }[]): Promise<Set<string>> {
  if (sent.length === 0) return new Set();
  const r = await db.query<{ id: string }>(
    `UPDATE messages m SET status = 'sent', provider_id = v.pid, cost = coalesce(v.cost, m.cost), error = NULL, sent_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS v(id, pid, cost)
      WHERE m.id = v.id AND m.status IN ('sending', 'unknown') RETURNING m.id`,
    [sent.map((s) => s.id), sent.map((s) => s.providerId), sent.map((s) => s.cost)],
  );
  return new Set(r.rows.map((x) => x.id));
}
