import { z } from 'zod';
import type { SqlClient } from './store.ts';

// Consent, kept as history (one row per decision; the latest per kind is in force):
// - `processing` — to the processing of personal data (152-ФЗ art. 9);
// - `advertising` — to advertising messages (38-ФЗ «О рекламе» art. 18: without prior consent an
//   advertising message may not be sent).
// The rule the sender applies (mayReceive): transactional messages (accruals, codes) go unless
// the customer withdrew processing consent; advertising goes only with advertising consent in force.

export const consentSchema = z
  .object({
    kind: z.enum(['processing', 'advertising']),
    granted: z.boolean(),
    textVersion: z.string().trim().min(1).max(100).meta({ description: 'версия текста согласия, которое видел покупатель' }),
    channel: z.string().trim().min(1).max(50).meta({ description: 'где дано: касса, сайт, бот, SMS, бумага' }),
    proof: z.string().trim().max(200).optional().meta({ description: 'подтверждение: id сообщения с SMS-кодом, номер бумажной анкеты' }),
  })
  .strict()
  .meta({ title: 'согласие покупателя' });

export type ConsentInput = z.infer<typeof consentSchema>;

export interface ConsentRecord extends ConsentInput {
  id: string;
  customerId: string;
  recordedAt: string;
}

export async function recordConsent(db: SqlClient, tenantId: string, customerId: string, c: ConsentInput): Promise<ConsentRecord> {
  const r = await db.query(
    `INSERT INTO consents (tenant_id, customer_id, kind, granted, text_version, channel, proof) VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING id, recorded_at`,
    [tenantId, customerId, c.kind, c.granted, c.textVersion, c.channel, c.proof ?? null],
  );
  return { ...c, id: String(r.rows[0].id), customerId, recordedAt: new Date(r.rows[0].recorded_at).toISOString() };
}

/** Every decision of a customer, oldest first (the export and the proof). */
export async function consentHistory(db: SqlClient, tenantId: string, customerId: string): Promise<ConsentRecord[]> {
  const r = await db.query(
    `SELECT id, kind, granted, text_version, channel, proof, recorded_at FROM consents WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id`,
    [tenantId, customerId],
  );
  return r.rows.map((x) => ({
    id: String(x.id),
    customerId,
    kind: x.kind,
    granted: x.granted,
    textVersion: x.text_version,
    channel: x.channel,
    ...(x.proof === null ? {} : { proof: x.proof }),
    recordedAt: new Date(x.recorded_at).toISOString(),
  }));
}

export interface ConsentState {
  processing: boolean | null;
  advertising: boolean | null;
}

/** What is in force per kind: the latest decision, null when never asked. */
export function inForce(history: readonly ConsentRecord[]): ConsentState {
  const state: ConsentState = { processing: null, advertising: null };
  for (const c of history) state[c.kind] = c.granted;
  return state;
}

export function mayReceive(state: ConsentState, advertising: boolean): { ok: true } | { ok: false; reason: string } {
  if (state.processing === false) return { ok: false, reason: 'покупатель отозвал согласие на обработку персональных данных' };
  if (advertising && state.advertising !== true) return { ok: false, reason: 'нет согласия покупателя на рекламные сообщения (38-ФЗ, ст. 18)' };
  return { ok: true };
}

export async function consentState(db: SqlClient, tenantId: string, customerId: string): Promise<ConsentState> {
  return (await consentStates(db, tenantId, [customerId])).get(customerId) ?? { processing: null, advertising: null };
}

/** What is in force for many customers at once (a campaign's audience): customers never asked are absent. */
export async function consentStates(db: SqlClient, tenantId: string, customerIds: readonly string[]): Promise<Map<string, ConsentState>> {
  const r = await db.query<{ customer_id: string; kind: 'processing' | 'advertising'; granted: boolean }>(
    `SELECT DISTINCT ON (customer_id, kind) customer_id::text, kind, granted FROM consents
      WHERE tenant_id = $1 AND customer_id = ANY($2::bigint[]) ORDER BY customer_id, kind, id DESC`,
    [tenantId, customerIds],
  );
  const out = new Map<string, ConsentState>();
  for (const x of r.rows) {
    const s = out.get(x.customer_id) ?? { processing: null, advertising: null };
    s[x.kind] = x.granted;
    out.set(x.customer_id, s);
  }
  return out;
}

const CSV_HEADER = 'id;customerId;kind;granted;textVersion;channel;proof;recordedAt';

/** The export as CSV (semicolons, as Russian Excel opens it); fields with ; or " are quoted. */
export function consentCsv(history: readonly ConsentRecord[]): string {
  const cell = (v: unknown) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[;"\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = history.map((c) => [c.id, c.customerId, c.kind, c.granted, c.textVersion, c.channel, c.proof, c.recordedAt].map(cell).join(';'));
  return [CSV_HEADER, ...lines].join('\r\n') + '\r\n';
}
