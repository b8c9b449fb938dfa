import type pg from 'pg';
import type { GiftcardPayment, ParsedCheck } from './check.ts';
import { KopilkaError, formatRub } from './errors.ts';
import type { LedgerOp } from './operations.ts';
import { proportionalTakeBack, type RefundPlan, type SaleLine } from './refunds.ts';
import { queueForReview, type ReviewRequest } from './review.ts';

// Gift certificates (migrations/019): money the till received when it sold one, spent later as a
// check's payment `{type: "giftcard", code, amount}`. The certificate row is locked when the
// batch loads it, the sale that records the payment debits it exactly once (a partial use leaves
// a balance), and a refund of that sale gives back what it took in proportion to what is
// returned. A Kopilka-priced check that asks for more than the certificate can pay is refused
// (GIFTCARD_REFUSED); a check the till has closed never is: it takes what there is and the rest
// is kept for review (GIFTCARD_OVERDRAFT). Issuing, selling and reading: giftcard-admin.ts.

export type GiftcardStatus = 'issued' | 'active' | 'used' | 'expired' | 'blocked';

export interface GiftcardEntry {
  tenantId: string;
  code: string;
  nominal: number;
  balance: number;
  status: GiftcardStatus;
  validTo: number | null;
  dirty: boolean;
}

export interface GiftcardUse {
  tenantId: string;
  checkId: string;
  code: string;
  amount: number;
  returned: number;
  overdraft: number;
  at: number;
}

const key = (...parts: string[]) => parts.join('\u0000');
export const normalCode = (code: string): string => code.trim().toUpperCase();

/** The batch's certificates (locked), the uses of sales it refunds, and what changes. */
export class GiftcardBook {
  readonly cards = new Map<string, GiftcardEntry>();
  readonly uses = new Map<string, GiftcardUse[]>();
  readonly newUses: GiftcardUse[] = [];
  readonly changedUses: GiftcardUse[] = [];
}

/** A check's certificate payments, summed per code (a till may list one card twice). */
export function certificatePayments(check: Pick<ParsedCheck, 'payments'>): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of check.payments) if (p.type === 'giftcard' && p.code != null && p.code.trim() !== '') m.set(normalCode(p.code), (m.get(normalCode(p.code)) ?? 0) + p.amount);
  return m;
}

/** What a certificate can pay at a time: its state then, and the balance it may give. */
export function usable(c: Pick<GiftcardEntry, 'status' | 'balance' | 'validTo'> | undefined, at: number): { status: GiftcardPayment['status']; usable: number } {
  if (c === undefined) return { status: 'unknown', usable: 0 };
  if (c.status === 'blocked' || c.status === 'issued') return { status: c.status, usable: 0 };
  if (c.status === 'expired' || (c.validTo !== null && at > c.validTo)) return { status: 'expired', usable: 0 };
  if (c.balance <= 0) return { status: 'used', usable: 0 };
  return { status: 'active', usable: c.balance };
}

const WHY: Record<Exclude<GiftcardPayment['status'], 'active'>, string> = {
  unknown: 'не найден',
  issued: 'не продан (не активирован на кассе)',
  used: 'полностью использован',
  expired: 'просрочен',
  blocked: 'заблокирован',
};

/** The cashier's sentence on a certificate payment that cannot go through as asked. */
export function giftcardMessage(p: GiftcardPayment): string | null {
  if (p.status !== 'active') return `Сертификат «${p.code}» ${WHY[p.status]}: оплатить им нельзя`;
  if (p.amount > p.usable) return `На сертификате «${p.code}» ${formatRub(p.usable)}: оплатить им ${formatRub(p.amount)} нельзя`;
  return null;
}

// ── in the batch ──

/** Loads and locks the certificates the batch's sales pay with and its refunds give back to, in (tenant, code) order. */
export async function loadGiftcards(client: pg.PoolClient, book: GiftcardBook, ops: readonly LedgerOp[], saleIdOf: (op: LedgerOp) => string | undefined): Promise<void> {
  const wanted = new Set<string>();
  for (const op of ops) if (op.kind === 'sale') for (const code of certificatePayments(op.check).keys()) wanted.add(key(op.tenantId, code));
  const t: string[] = [], ids: string[] = [];
  for (const op of ops) {
    const id = op.kind === 'refund' ? saleIdOf(op) : undefined;
    if (id !== undefined) (t.push(op.tenantId), ids.push(id));
  }
  if (t.length > 0) {
    const r = await client.query<{ tenant_id: string; check_id: string; code: string; amount: string; returned: string; overdraft: string; at: Date }>(
      `SELECT u.tenant_id, u.check_id::text, u.code, u.amount, u.returned, u.overdraft, u.at FROM giftcard_uses u
         JOIN unnest($1::text[], $2::bigint[]) AS q(t, id) ON u.tenant_id = q.t AND u.check_id = q.id ORDER BY u.tenant_id, u.check_id, u.code`,
      [t, ids],
    );
    for (const u of r.rows) {
      const use: GiftcardUse = { tenantId: u.tenant_id, checkId: u.check_id, code: u.code, amount: Number(u.amount), returned: Number(u.returned), overdraft: Number(u.overdraft), at: u.at.getTime() };
      const k = key(u.tenant_id, u.check_id);
      book.uses.set(k, [...(book.uses.get(k) ?? []), use]);
      wanted.add(key(u.tenant_id, u.code));
    }
  }
  if (wanted.size === 0) return;
  const pairs = [...wanted].sort().map((w) => w.split('\u0000') as [string, string]);
  const c = await client.query<{ tenant_id: string; code: string; nominal: string; balance: string; status: GiftcardStatus; valid_to: Date | null }>(
    `SELECT g.tenant_id, g.code, g.nominal, g.balance, g.status, g.valid_to FROM giftcards g
       JOIN unnest($1::text[], $2::text[]) AS q(t, c) ON g.tenant_id = q.t AND g.code = q.c ORDER BY g.tenant_id, g.code FOR UPDATE OF g`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
  for (const x of c.rows) {
    book.cards.set(key(x.tenant_id, x.code), { tenantId: x.tenant_id, code: x.code, nominal: Number(x.nominal), balance: Number(x.balance), status: x.status, validTo: x.valid_to?.getTime() ?? null, dirty: false });
  }
}

/**
 * What a sale's certificate payments take, decided before anything of the sale is applied.
 * @throws KopilkaError GIFTCARD_REFUSED (Kopilka-priced only): a certificate that cannot pay what is asked.
 */
export function planGiftcards(book: GiftcardBook, tenantId: string, check: ParsedCheck): GiftcardPayment[] {
  const out: GiftcardPayment[] = [];
  for (const [code, amount] of certificatePayments(check)) {
    const c = book.cards.get(key(tenantId, code));
    const u = usable(c, check.at);
    const taken = Math.min(amount, u.usable);
    const p: GiftcardPayment = { code, amount, usable: u.usable, taken, overdraft: amount - taken, balance: (c?.balance ?? 0) - taken, status: u.status };
    const why = giftcardMessage(p);
    if (why !== null && check.pricedBy !== 'till') {
      throw new KopilkaError('GIFTCARD_REFUSED', why, { code, status: u.status, usable: u.usable, amount });
    }
    out.push(p);
  }
  return out;
}

/** The recorded sale takes what its plan said. */
export function takeGiftcards(book: GiftcardBook, tenantId: string, checkId: string, plan: readonly GiftcardPayment[], at: number): void {
  for (const p of plan) {
    const c = book.cards.get(key(tenantId, p.code));
    if (c !== undefined && p.taken! > 0) {
      c.balance -= p.taken!;
      if (c.balance === 0) c.status = 'used';
      c.dirty = true;
    }
    book.newUses.push({ tenantId, checkId, code: p.code, amount: p.taken!, returned: 0, overdraft: p.overdraft!, at });
  }
}

/**
 * A refund of a sale paid with certificates gives each back its share of what it took, in
 * proportion to the money the refund returns (the telescoping parts of refunds.ts: partial
 * refunds add up to exactly what was taken, never more). Returns the kopecks given back.
 */
export function returnGiftcards(book: GiftcardBook, tenantId: string, saleId: string, saleLines: readonly SaleLine[], plan: Pick<RefundPlan, 'paidBefore' | 'paidAfter'>): number {
  const uses = book.uses.get(key(tenantId, saleId));
  if (uses === undefined) return 0;
  const paid = saleLines.reduce((s, l) => s + l.amount - l.discount - l.redeemed, 0);
  let total = 0;
  for (const u of uses) {
    const back = Math.min(u.amount - u.returned, proportionalTakeBack(u.amount, paid, plan.paidBefore, plan.paidAfter));
    if (back <= 0) continue;
    u.returned += back;
    book.changedUses.push(u);
    total += back;
    const c = book.cards.get(key(tenantId, u.code));
    if (c === undefined) continue;
    c.balance = Math.min(c.nominal, c.balance + back);
    if (c.status === 'used') c.status = 'active';
    c.dirty = true;
  }
  return total;
}

interface Cols {
  col<T>(rows: readonly T[], f: (r: T) => unknown, type: string): string;
}

export function giftcardCtes(p: Cols, book: GiftcardBook): string {
  const cards = [...book.cards.values()].filter((c) => c.dirty);
  const n = book.newUses;
  const u = [...new Set(book.changedUses)];
  return `giftcards_changed AS (
    UPDATE giftcards g SET balance = x.b, status = x.s
      FROM unnest(${p.col(cards, (c) => c.tenantId, 'text')}, ${p.col(cards, (c) => c.code, 'text')}, ${p.col(cards, (c) => c.balance, 'bigint')}, ${p.col(cards, (c) => c.status, 'text')}) AS x(t, c, b, s)
     WHERE g.tenant_id = x.t AND g.code = x.c
    RETURNING 1),
  giftcard_uses_new AS (
    INSERT INTO giftcard_uses (tenant_id, check_id, code, amount, overdraft, at)
    SELECT * FROM unnest(${p.col(n, (x) => x.tenantId, 'text')}, ${p.col(n, (x) => x.checkId, 'bigint')}, ${p.col(n, (x) => x.code, 'text')},
      ${p.col(n, (x) => x.amount, 'bigint')}, ${p.col(n, (x) => x.overdraft, 'bigint')}, ${p.col(n, (x) => new Date(x.at).toISOString(), 'timestamptz')})
    RETURNING 1),
  giftcard_uses_back AS (
    UPDATE giftcard_uses x SET returned = b.r
      FROM unnest(${p.col(u, (x) => x.tenantId, 'text')}, ${p.col(u, (x) => x.checkId, 'bigint')}, ${p.col(u, (x) => x.code, 'text')}, ${p.col(u, (x) => x.returned, 'bigint')}) AS b(t, id, c, r)
     WHERE x.tenant_id = b.t AND x.check_id = b.id AND x.code = b.c
    RETURNING 1)`;
}

// ── outside the writer ──

/** Calculate's word on the check's certificates (no lock, nothing taken); no query without one. */
export async function giftcardsForCalculate(pool: pg.Pool, tenantId: string, check: ParsedCheck): Promise<GiftcardPayment[]> {
  const asked = certificatePayments(check);
  if (asked.size === 0) return [];
  const r = await pool.query<{ code: string; balance: string; status: GiftcardStatus; valid_to: Date | null }>(
    'SELECT code, balance, status, valid_to FROM giftcards WHERE tenant_id = $1 AND code = ANY($2::text[])',
    [tenantId, [...asked.keys()]],
  );
  const found = new Map(r.rows.map((x) => [x.code, { balance: Number(x.balance), status: x.status, validTo: x.valid_to?.getTime() ?? null }]));
  return [...asked].map(([code, amount]) => {
    const c = found.get(code);
    const u = usable(c, check.at);
    return { code, amount, usable: u.usable, balance: c?.balance ?? 0, status: u.status };
  });
}

export const GIFTCARD_OVERDRAFT = 'GIFTCARD_OVERDRAFT';

/** A till-closed sale that took more from certificates than they held: recorded, and kept for review. */
export async function noteGiftcardOverdraft(pool: pg.Pool, tenantId: string, channel: string, externalId: string, request: ReviewRequest, document: unknown, answer: unknown): Promise<void> {
  const cards = (answer as { giftcards?: GiftcardPayment[] } | undefined)?.giftcards ?? [];
  const over = cards.filter((c) => (c.overdraft ?? 0) > 0);
  if (over.length === 0) return;
  await queueForReview(pool, tenantId, {
    system: channel,
    channel,
    kind: 'sale',
    externalId,
    reasonCode: GIFTCARD_OVERDRAFT,
    reason:
      over.map((c) => `Касса приняла оплату сертификатом «${c.code}» ${formatRub(c.amount)}, списано ${formatRub(c.taken ?? 0)} (${c.status === 'active' ? 'остаток меньше' : WHY[c.status]})`).join('; ') +
      '. Продажа проведена',
    payload: document,
    request,
    dedupeKey: `${GIFTCARD_OVERDRAFT}\n${JSON.stringify(request)}`,
  });
}
