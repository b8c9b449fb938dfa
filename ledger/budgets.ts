import type pg from 'pg';
import type { ParsedCheck } from './check.ts';
import type { LedgerOp } from './operations.ts';
import type { CompiledProgram, CompiledPromotion } from './program.ts';
import type { Evaluation } from './rules/evaluate.ts';

// Promotion budgets (`budget: {discount, uses}` in a promotion; migrations/019): a promotion
// stops applying once it has given that much discount or been used on that many checks. The rules
// stay pure: a check is priced as usual, and if a budgeted promotion's discount on it would go
// past what is left, the check is priced again without that promotion — not at all rather than
// the remainder, so the answer is deterministic and every line's discount is still the
// promotion's own percent. A smaller check later may still fit what is left.
//
// At commit the counters are locked with the batch (prefetch) and spent by the sale that records
// the discount, so two gateways cannot overrun a budget between them; calculate reads them
// without a lock and says when a promotion's budget is spent. Refunds do not give a budget back.
//
// A use is a check the promotion gave something to: a discount (`percent`, steps, `bundle`), a
// free product (`gift`, a discount on its line) or bonuses on top (`bonus`: no discount at all,
// so counting discounts alone would never stop it). For a `bonus` promotion `budget.discount` is
// the bonuses it may give in all, in hundredths of a point like its `points`: a promotion gives
// either money or points, never both, so one counter per promotion stays in one unit.

export interface Spent {
  discount: number;
  uses: number;
}

export interface BudgetEntry extends Spent {
  tenantId: string;
  promotionId: string;
  dirty: boolean;
}

const key = (tenantId: string, promotionId: string) => `${tenantId}\u0000${promotionId}`;

/** The batch's budget counters, locked in prefetch. */
export class BudgetBook {
  readonly rows = new Map<string, BudgetEntry>();

  spentOf(tenantId: string): (promotionId: string) => Spent {
    return (id) => this.rows.get(key(tenantId, id)) ?? { discount: 0, uses: 0 };
  }
}

const budgetedCache = new WeakMap<CompiledProgram, CompiledPromotion[]>();

/** The program's promotions with a budget (computed once per compiled program). */
export function budgeted(p: CompiledProgram): CompiledPromotion[] {
  let b = budgetedCache.get(p);
  if (b === undefined) budgetedCache.set(p, (b = p.promotions.filter((x) => x.budget !== null)));
  return b;
}

/** What each promotion gave on an evaluated check: kopecks of discount, or hundredths of bonus points (effect `bonus`). */
export function givenBy(ev: Pick<Evaluation, 'lines'>): Map<string, number> {
  const given = new Map<string, number>();
  for (const l of ev.lines) for (const g of l.promotions ?? []) given.set(g.id, (given.get(g.id) ?? 0) + g.discount + (g.bonus ?? 0));
  return given;
}

/** The first budgeted promotion (in the order they apply) this check would take past its budget. */
function overrun(p: CompiledProgram, ev: Evaluation, spent: (id: string) => Spent): CompiledPromotion | null {
  const given = givenBy(ev);
  for (const x of budgeted(p)) {
    const d = given.get(x.id);
    if (d === undefined || d <= 0) continue;
    const s = spent(x.id);
    if (x.budget!.uses !== null && s.uses + 1 > x.budget!.uses) return x;
    if (x.budget!.discount !== null && s.discount + d > x.budget!.discount) return x;
  }
  return null;
}

/**
 * The evaluation with every budget kept: promotions that would overrun theirs are dropped one by
 * one (the first in order of application first) and the check priced again without them.
 * `spent` null: the program has no budgets (or nothing is known): the evaluation as it is.
 */
export function withinBudgets(p: CompiledProgram, ev: Evaluation, spent: ((id: string) => Spent) | null, reprice: (p: CompiledProgram) => Evaluation): Evaluation {
  if (spent === null || budgeted(p).length === 0) return ev;
  let program = p;
  let out = ev;
  const dropped: string[] = [];
  for (let x = overrun(program, out, spent); x !== null; x = overrun(program, out, spent)) {
    dropped.push(x.name);
    const id = x.id;
    program = { ...program, promotions: program.promotions.filter((y) => y.id !== id) };
    out = reprice(program);
  }
  if (dropped.length === 0) return out;
  return { ...out, messages: [...out.messages, ...dropped.map((n) => `Бюджет акции «${n}» исчерпан: чек проведён без неё`)] };
}

/** A recorded sale spends what its budgeted promotions gave (discount or bonuses) and one use of each. */
export function spendBudgets(book: BudgetBook, tenantId: string, p: CompiledProgram, ev: Evaluation): void {
  const list = budgeted(p);
  if (list.length === 0) return;
  const given = givenBy(ev);
  for (const x of list) {
    const d = given.get(x.id);
    if (d === undefined || d <= 0) continue;
    const row = book.rows.get(key(tenantId, x.id));
    // Loaded for every budgeted promotion of a tenant with a sale in the batch (prefetch).
    if (row === undefined) throw new Error(`ledger: budget of promotion ${x.id} was not loaded`);
    row.discount += d;
    row.uses += 1;
    row.dirty = true;
  }
}

/**
 * Locks (creating when missing) the budget counters of every budgeted promotion of the tenants
 * whose checks the batch prices: in (tenant, promotion) order, as every batch does.
 */
export async function loadBudgets(client: pg.PoolClient, book: BudgetBook, programs: Map<string, CompiledProgram>, ops: readonly LedgerOp[]): Promise<void> {
  const tenants = new Set<string>();
  for (const op of ops) if (op.kind === 'sale' && op.check.pricedBy !== 'till') tenants.add(op.tenantId);
  const t: string[] = [], id: string[] = [];
  for (const tenantId of [...tenants].sort()) {
    const p = programs.get(tenantId);
    if (p === undefined) continue;
    for (const x of budgeted(p).map((y) => y.id).sort()) (t.push(tenantId), id.push(x));
  }
  if (t.length === 0) return;
  // ON CONFLICT … DO UPDATE locks an existing row; a new row is locked by its insert.
  const r = await client.query<{ tenant_id: string; promotion_id: string; discount_spent: string; uses_spent: number }>(
    `INSERT INTO promotion_budgets (tenant_id, promotion_id) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (tenant_id, promotion_id) DO UPDATE SET uses_spent = promotion_budgets.uses_spent
     RETURNING tenant_id, promotion_id, discount_spent, uses_spent`,
    [t, id],
  );
  for (const x of r.rows) {
    book.rows.set(key(x.tenant_id, x.promotion_id), { tenantId: x.tenant_id, promotionId: x.promotion_id, discount: Number(x.discount_spent), uses: x.uses_spent, dirty: false });
  }
}

/** Calculate's view of the counters (no lock); null when the program has no budgets (no query). */
export async function budgetsSpent(pool: pg.Pool, tenantId: string, p: CompiledProgram, check: ParsedCheck): Promise<((id: string) => Spent) | null> {
  if (budgeted(p).length === 0 || check.pricedBy === 'till') return null;
  const r = await pool.query<{ promotion_id: string; discount_spent: string; uses_spent: number }>(
    'SELECT promotion_id, discount_spent, uses_spent FROM promotion_budgets WHERE tenant_id = $1',
    [tenantId],
  );
  const m = new Map(r.rows.map((x) => [x.promotion_id, { discount: Number(x.discount_spent), uses: x.uses_spent }]));
  return (id) => m.get(id) ?? { discount: 0, uses: 0 };
}

/** What is left of each budget, for the admin (the promotions' report). */
export function budgetLeft(x: CompiledPromotion, s: Spent): { discount: number | null; uses: number | null } {
  return {
    discount: x.budget?.discount == null ? null : Math.max(0, x.budget.discount - s.discount),
    uses: x.budget?.uses == null ? null : Math.max(0, x.budget.uses - s.uses),
  };
}

interface Cols {
  col<T>(rows: readonly T[], f: (r: T) => unknown, type: string): string;
}

export function budgetCte(p: Cols, book: BudgetBook): string {
  const changed = [...book.rows.values()].filter((r) => r.dirty);
  return `budgets_spent AS (
    UPDATE promotion_budgets b SET discount_spent = u.d, uses_spent = u.n
      FROM unnest(${p.col(changed, (r) => r.tenantId, 'text')}, ${p.col(changed, (r) => r.promotionId, 'text')}, ${p.col(changed, (r) => r.discount, 'bigint')}, ${p.col(changed, (r) => r.uses, 'int')}) AS u(t, id, d, n)
     WHERE b.tenant_id = u.t AND b.promotion_id = u.id
    RETURNING 1)`;
}
