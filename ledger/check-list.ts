import type pg from 'pg';
import { z } from 'zod';
import { KopilkaError } from './errors.ts';
import { idText, isoDateText, parseInput } from './validation.ts';

// The cabinet's list of checks (sales and returns) and one check in detail. A keyset read over
// the index checks_by_month (tenant, committed_at): newest recorded first, a page at a time, so a
// shop with millions of checks pages as fast as one with ten. The period is by the day the check
// was recorded, in the program's time zone.

export const checkListSchema = z
  .object({
    from: isoDateText.optional(),
    to: isoDateText.optional(),
    storeId: idText(64).optional(),
    customerId: z.string().regex(/^\d{1,18}$/, 'номер клиента — число').optional(),
    kind: z.enum(['sale', 'refund', 'all']).default('all'),
    /** Keyset: the last (committed_at|id) of the previous page. */
    after: z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z\|\d{1,19}$/, 'неверная метка страницы').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export interface CheckRow {
  id: string;
  channel: string;
  kind: 'sale' | 'refund';
  externalId: string;
  customerId: string | null;
  /** The customer's name and phone (list only; null without a customer or in a check's detail). */
  customerName?: string | null;
  customerPhone?: string | null;
  storeId: string | null;
  cashierId: string | null;
  occurredAt: string;
  committedAt: string;
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
}

interface DbRow {
  id: string;
  channel: string;
  kind: 'sale' | 'refund';
  external_id: string;
  customer_id: string | null;
  store_id: string | null;
  cashier_id: string | null;
  occurred_at: Date;
  committed_at: Date;
  amount: string;
  discount: string;
  redeemed: string;
  accrued: string;
}

const COLUMNS = 'id::text, channel, kind, external_id, customer_id::text, store_id, cashier_id, occurred_at, committed_at, amount, discount, redeemed, accrued';

function toRow(r: DbRow): CheckRow {
  return {
    id: r.id,
    channel: r.channel,
    kind: r.kind,
    externalId: r.external_id,
    customerId: r.customer_id,
    storeId: r.store_id,
    cashierId: r.cashier_id,
    occurredAt: r.occurred_at.toISOString(),
    committedAt: r.committed_at.toISOString(),
    amount: Number(r.amount),
    discount: Number(r.discount),
    redeemed: Number(r.redeemed),
    accrued: Number(r.accrued),
  };
}

/** One page of checks and the mark of the next page (null: the last page). Errors: INVALID_INPUT. */
export async function listChecks(pool: pg.Pool, tenantId: string, timeZone: string, input: unknown): Promise<{ items: CheckRow[]; next: string | null }> {
  const f = parseInput(checkListSchema, input, 'фильтр чеков');
  const args: unknown[] = [tenantId];
  const arg = (v: unknown) => `$${args.push(v)}`;
  const where = ['tenant_id = $1'];
  if (f.from !== undefined) where.push(`committed_at >= (${arg(f.from)}::date)::timestamp AT TIME ZONE ${arg(timeZone)}`);
  if (f.to !== undefined) where.push(`committed_at < (${arg(f.to)}::date + 1)::timestamp AT TIME ZONE ${arg(timeZone)}`);
  if (f.storeId !== undefined) where.push(`store_id = ${arg(f.storeId)}`);
  if (f.customerId !== undefined) where.push(`customer_id = ${arg(f.customerId)}`);
  if (f.kind !== 'all') where.push(`kind = ${arg(f.kind)}`);
  if (f.after !== undefined) {
    const [at, id] = f.after.split('|');
    where.push(`(committed_at, id) < (${arg(at)}::timestamptz, ${arg(id)}::bigint)`);
  }
  // The page's customers by primary key: one index probe a row, never a scan.
  const r = await pool.query<DbRow & { customer_name: string | null; customer_phone: string | null }>(
    `SELECT k.*, c.name AS customer_name, c.phone AS customer_phone
       FROM (SELECT ${COLUMNS} FROM checks WHERE ${where.join(' AND ')} ORDER BY committed_at DESC, id DESC LIMIT ${arg(f.limit + 1)}) k
       LEFT JOIN customers c ON c.tenant_id = $1 AND c.id = k.customer_id::bigint
      ORDER BY k.committed_at DESC, k.id::bigint DESC`,
    args,
  );
  const items = r.rows.slice(0, f.limit).map((x) => ({ ...toRow(x), customerName: x.customer_name, customerPhone: x.customer_phone }));
  const last = items.at(-1);
  return { items, next: r.rows.length > f.limit && last ? `${last.committedAt}|${last.id}` : null };
}

export interface CheckLineView {
  lineNo: number;
  productId: string;
  name: string | null;
  quantity: number;
  price: number;
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
  /** How much of this line has come back (thousandths). */
  refunded: number;
}

export interface CheckDetailView extends CheckRow {
  lines: CheckLineView[];
  /** For a sale: its returns; for a return: the sale it returns. */
  related: CheckRow[];
}

/** A check with its lines as recorded. Errors: CHECK_NOT_FOUND. */
export async function checkDetail(pool: pg.Pool, tenantId: string, id: string): Promise<CheckDetailView> {
  if (!/^\d{1,18}$/.test(id)) throw notFound();
  const r = await pool.query<DbRow & { request: { lines?: { lineNo: number; productId: string; name?: string | null; quantity: number; price: number; amount: number }[] }; detail: { lines?: { lineNo: number; quantity: number; amount: number; discount: number; redeemed: number; accrued: number }[] }; refunded_qty: Record<string, number>; original_id: string | null }>(
    `SELECT ${COLUMNS}, request, detail, refunded_qty, original_id::text FROM checks WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  const c = r.rows[0];
  if (c === undefined) throw notFound();
  // A return's own request names only line numbers: the goods are its sale's.
  const named =
    c.kind === 'refund' && c.original_id !== null
      ? ((await pool.query<{ request: typeof c.request }>('SELECT request FROM checks WHERE tenant_id = $1 AND id = $2', [tenantId, c.original_id])).rows[0]?.request ?? c.request)
      : c.request;
  const asked = new Map((named.lines ?? []).map((l) => [l.lineNo, l]));
  const lines = (c.detail.lines ?? []).map((d) => {
    const a = asked.get(d.lineNo);
    return {
      lineNo: d.lineNo,
      productId: a?.productId ?? '—',
      name: a?.name ?? null,
      quantity: d.quantity,
      price: a?.price ?? 0,
      amount: d.amount,
      discount: d.discount,
      redeemed: d.redeemed,
      accrued: d.accrued,
      refunded: Number(c.refunded_qty[String(d.lineNo)] ?? 0),
    };
  });
  const rel = await pool.query<DbRow>(
    c.kind === 'sale'
      ? // A return is recorded after its sale: the month index narrows the search.
        `SELECT ${COLUMNS} FROM checks WHERE tenant_id = $1 AND original_id = $2 AND committed_at >= $3 ORDER BY id`
      : `SELECT ${COLUMNS} FROM checks WHERE tenant_id = $1 AND id = $2 AND $3::timestamptz IS NOT NULL`,
    [tenantId, c.kind === 'sale' ? c.id : c.original_id, c.committed_at],
  );
  return { ...toRow(c), lines, related: rel.rows.map(toRow) };
}

function notFound(): KopilkaError {
  return new KopilkaError('CHECK_NOT_FOUND', 'Чек не найден', { field: 'id' });
}
