import type pg from 'pg';
import { normalizePhone } from './phone.ts';

// The cabinet's customer list: the newest first, or those whose phone, card or name matches what
// the owner typed. Only ids come from here; the face turns them into summaries (balance, level).

export async function searchCustomerIds(pool: pg.Pool, tenantId: string, q: string, limit: number): Promise<string[]> {
  const text = q.trim();
  if (text === '') {
    const r = await pool.query<{ id: string }>('SELECT id::text FROM customers WHERE tenant_id = $1 ORDER BY registered_at DESC, id DESC LIMIT $2', [tenantId, limit]);
    return r.rows.map((x) => x.id);
  }
  const digits = text.replace(/\D/g, '');
  const phone = normalizePhone(text);
  // A part of a phone number matches too (the last digits a customer says at the till).
  const r = await pool.query<{ id: string }>(
    `SELECT id::text FROM customers
      WHERE tenant_id = $1
        AND (phone = $2 OR ($3 <> '' AND length($3) >= 4 AND phone LIKE '%' || $3 || '%')
             OR card_number = $4 OR name ILIKE '%' || $5 || '%')
      ORDER BY registered_at DESC, id DESC LIMIT $6`,
    [tenantId, phone, digits, text, text.replace(/[\\%_]/g, (c) => `\\${c}`), limit],
  );
  return r.rows.map((x) => x.id);
}
