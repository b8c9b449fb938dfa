import type pg from 'pg';
import { z } from 'zod';
import { KopilkaError } from './errors.ts';
import { normalizePhone } from './phone.ts';
import { effectiveLevel, type CompiledProgram } from './program.ts';
import { freeText, idText, isoDateText, parseInput } from './validation.ts';

// What the owner does to a customer by hand in the cabinet: find them by level, source, purchases
// or how long they have been away; correct their data; assign a level; give them a new card.
// None of it touches money: the group-commit writer updates only level_code and the balances of a
// customers row, so these columns (name, gender, birth date, e-mail, comment, card, assigned
// level) are safe to update here. level_code is set to the level the assignment gives at once; a
// sale in flight that loaded the row before computes it again from the old assignment, and the
// next sale puts it right (the rules read assigned_level itself, never level_code).

export const customerFilterSchema = z
  .object({
    q: z.string().max(100, 'слишком длинный запрос поиска').default(''),
    level: idText(64).optional(),
    source: idText(32).optional(),
    purchases: z.enum(['any', 'with', 'without']).default('any'),
    /** Bought before, but not in the last N days. */
    lostDays: z.coerce.number().int().min(1).max(3660).optional(),
    /** Keyset: the last (registered_at|id) of the previous page. */
    after: z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z\|\d{1,19}$/, 'неверная метка страницы').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type CustomerFilter = z.input<typeof customerFilterSchema>;

/** One page of customer ids (newest registered first) and the mark of the next page. */
export async function filteredCustomerIds(pool: pg.Pool, tenantId: string, input: unknown): Promise<{ ids: string[]; next: string | null }> {
  const f = parseInput(customerFilterSchema, input, 'фильтр клиентов');
  const where = ['tenant_id = $1'];
  const args: unknown[] = [tenantId];
  const arg = (v: unknown) => `$${args.push(v)}`;
  const text = f.q.trim();
  if (text !== '') {
    const digits = text.replace(/\D/g, '');
    const phone = normalizePhone(text);
    where.push(`(phone = ${arg(phone)} OR (${arg(digits)} <> '' AND length($${args.length}) >= 4 AND phone LIKE '%' || $${args.length} || '%')
                 OR card_number = ${arg(text)} OR name ILIKE '%' || ${arg(text.replace(/[\\%_]/g, (c) => `\\${c}`))} || '%')`);
  }
  if (f.level !== undefined) where.push(`level_code = ${arg(f.level)}`);
  if (f.source !== undefined) where.push(`source = ${arg(f.source)}`);
  if (f.purchases === 'with') where.push('purchases > 0');
  if (f.purchases === 'without') where.push('purchases = 0');
  if (f.lostDays !== undefined) where.push(`last_purchase_at < now() - make_interval(days => ${arg(f.lostDays)})`);
  if (f.after !== undefined) {
    const [at, id] = f.after.split('|');
    where.push(`(registered_at, id) < (${arg(at)}::timestamptz, ${arg(id)}::bigint)`);
  }
  const r = await pool.query<{ id: string; registered_at: Date }>(
    `SELECT id::text, registered_at FROM customers WHERE ${where.join(' AND ')} ORDER BY registered_at DESC, id DESC LIMIT ${arg(f.limit + 1)}`,
    args,
  );
  const rows = r.rows.slice(0, f.limit);
  const last = rows.at(-1);
  return { ids: rows.map((x) => x.id), next: r.rows.length > f.limit && last ? `${last.registered_at.toISOString()}|${last.id}` : null };
}

/** The sources customers of this tenant came from (for the filter's choices). */
export async function customerSources(pool: pg.Pool, tenantId: string): Promise<string[]> {
  const r = await pool.query<{ source: string }>('SELECT DISTINCT source FROM customers WHERE tenant_id = $1 AND source IS NOT NULL ORDER BY 1 LIMIT 100', [tenantId]);
  return r.rows.map((x) => x.source);
}

const isoDate = isoDateText.refine((s) => s >= '1900-01-01' && s <= '2999-12-31', 'дата вне 1900–2999 годов');

export const customerEditSchema = z
  .object({
    name: freeText(256, { trim: true }).nullable().optional(),
    gender: z.enum(['male', 'female']).nullable().optional(),
    birthDate: isoDate.nullable().optional(),
    email: z.string().trim().max(256).email('неверный e-mail').nullable().optional(),
    comment: freeText(4096).nullable().optional(),
  })
  .strict();

const COLUMN = { name: 'name', gender: 'gender', birthDate: 'birth_date', email: 'email', comment: 'comment' } as const;

/** Changes the fields given (null clears one). Errors: INVALID_INPUT, CUSTOMER_NOT_FOUND. */
export async function editCustomer(pool: pg.Pool, tenantId: string, id: string, input: unknown): Promise<void> {
  requireCustomerId(id);
  const e = parseInput(customerEditSchema, input, 'данные клиента');
  const sets: string[] = [];
  const args: unknown[] = [tenantId, id];
  for (const [k, col] of Object.entries(COLUMN) as [keyof typeof COLUMN, string][]) {
    if (e[k] === undefined) continue;
    const v = e[k];
    sets.push(`${col} = $${args.push(typeof v === 'string' && v.trim() === '' ? null : v)}`);
  }
  if (sets.length === 0) return void (await requireCustomer(pool, tenantId, id));
  const r = await pool.query(`UPDATE customers SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`, args);
  if (r.rowCount === 0) throw notFound();
}

/** What the cabinet shows beyond the summary. */
export async function customerExtras(pool: pg.Pool, tenantId: string, id: string): Promise<{ comment: string | null; source: string | null }> {
  requireCustomerId(id);
  const r = await pool.query<{ comment: string | null; source: string | null }>('SELECT comment, source FROM customers WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  if (r.rows[0] === undefined) throw notFound();
  return r.rows[0];
}

/**
 * Assigns a level by hand (null: the level purchases earn). The level shown is the higher of the
 * assigned and the earned one. Returns the level code before and after. Errors: INVALID_INPUT, CUSTOMER_NOT_FOUND.
 */
export async function assignLevel(pool: pg.Pool, p: CompiledProgram, tenantId: string, id: string, code: string | null): Promise<{ before: string; after: string }> {
  requireCustomerId(id);
  if (code !== null && !p.levels.some((l) => l.code === code)) throw new KopilkaError('INVALID_INPUT', `Уровня «${code}» нет в программе`, { field: 'level' });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const r = await client.query<{ total_spent: string; level_code: string }>('SELECT total_spent, level_code FROM customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, id]);
    const row = r.rows[0];
    if (row === undefined) throw notFound();
    const after = effectiveLevel(p, Number(row.total_spent), code).code;
    await client.query('UPDATE customers SET assigned_level = $3, level_code = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, id, code, after]);
    await client.query('COMMIT');
    return { before: row.level_code, after };
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  } finally {
    client.release();
  }
}

const cardSchema = z.object({ cardNumber: idText(64) }).strict();

/** Gives the customer a new card number; the old one stops finding them. Errors: INVALID_INPUT, CARD_TAKEN, CUSTOMER_NOT_FOUND. */
export async function reissueCard(pool: pg.Pool, tenantId: string, id: string, input: unknown): Promise<{ old: string | null; cardNumber: string }> {
  requireCustomerId(id);
  const { cardNumber } = parseInput(cardSchema, input, 'новая карта');
  try {
    const r = await pool.query<{ old: string | null }>(
      `UPDATE customers c SET card_number = $3, updated_at = now() FROM (SELECT card_number AS old FROM customers WHERE tenant_id = $1 AND id = $2) o
        WHERE c.tenant_id = $1 AND c.id = $2 RETURNING o.old`,
      [tenantId, id, cardNumber],
    );
    if (r.rows[0] === undefined) throw notFound();
    return { old: r.rows[0].old, cardNumber };
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw new KopilkaError('CARD_TAKEN', `Карта ${cardNumber} уже у другого клиента`, { field: 'cardNumber' });
    throw e;
  }
}

async function requireCustomer(pool: pg.Pool, tenantId: string, id: string): Promise<void> {
  await customerExtras(pool, tenantId, id);
}

/** Customer ids are bigints: anything else is simply not a customer (never a database error). */
export function requireCustomerId(id: string): void {
  if (!/^\d{1,18}$/.test(id)) throw notFound();
}

function notFound(): KopilkaError {
  return new KopilkaError('CUSTOMER_NOT_FOUND', 'Клиент не найден', { field: 'id' });
}
