import { z } from 'zod';
import { KopilkaError, type CustomerSegment, type CustomerSummary } from '../ledger/index.ts';
import { segmentSchema } from './campaigns.ts';
import type { ChannelKind } from './providers/provider.ts';
import type { Communications } from './service.ts';

// Reactivation chains (the "sleeping customers" method): customers of a segment (usually N days
// without a purchase) enter a chain and get its steps — a message, a gift of bonuses — each a
// number of days after the previous one (the first: after entering). A customer who buys leaves:
// no further steps. Each customer enters a chain once.
//
// Once per step whatever crashes: the message has the dedupe key chain:<chain>:<customer>:<step>,
// the gift the grant key chain:<chain>:<step> (grants are once per customer and key), and the
// participant moves on only from the step it was at (compare-and-set). A sweep repeated after a
// crash redoes the step, and both keys make the repeat a no-op.

const DAY = 86_400_000;

const stepSchema = z
  .object({
    delayDays: z.number().int().min(0).max(3650).meta({ description: 'дней после входа в цепочку (первый шаг) или после предыдущего шага' }),
    message: z
      .object({
        text: z.string().trim().min(1).max(1000),
        channel: z.enum(['sms', 'email', 'telegram']).default('sms'),
        advertising: z.boolean().default(true).meta({ description: 'рекламное: только покупателям с согласием на рекламу' }),
        subject: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
    gift: z.object({ points: z.number().int().min(1).max(1_000_000), ttlDays: z.number().int().min(1).max(3650).optional() }).strict().optional(),
    boost: z
      .object({
        kind: z.enum(['discount', 'accrual']),
        percent: z.number().min(0.01).max(100).optional(),
        multiplier: z.number().gt(1).max(100).optional(),
        days: z.number().int().min(1).max(366),
      })
      .strict()
      .refine((b) => (b.kind === 'discount' ? b.percent !== undefined && b.multiplier === undefined : b.multiplier !== undefined && b.percent === undefined), {
        message: 'скидке нужен percent, начислению — multiplier',
      })
      .optional()
      .meta({ description: 'персональное предложение на срок: скидка percent % или начисление ×multiplier (ledger/boosts.ts)' }),
  })
  .strict()
  .refine((s) => s.message !== undefined || s.gift !== undefined || s.boost !== undefined, { message: 'шаг — это сообщение, подарок бонусов и/или персональное предложение' });

export const chainSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    segment: segmentSchema.meta({ description: 'кто входит в цепочку: например { minDaysWithoutPurchase: 60 }' }),
    steps: z.array(stepSchema).min(1).max(20),
    windowDays: z.number().int().min(1).max(365).default(30).meta({ description: 'покупка в эти дни после входа считается возвратом благодаря цепочке' }),
    active: z.boolean().default(true),
  })
  .strict();

export type ChainInput = z.infer<typeof chainSchema>;
type Step = z.infer<typeof stepSchema>;

export interface Chain extends ChainInput {
  id: string;
  createdAt: string;
}

export interface SweepResult {
  enrolled: number;
  left: number;
  steps: number;
  messages: number;
  gifts: number;
}

const chainRow = (r: any): Chain => ({
  id: r.id, name: r.name, segment: r.segment, steps: r.steps, windowDays: r.window_days, active: r.active, createdAt: new Date(r.created_at).toISOString(),
});

export async function createChain(comms: Communications, tenantId: string, c: ChainInput): Promise<Chain> {
  const r = await comms.o.sql.query(
    'INSERT INTO chains (tenant_id, name, segment, steps, window_days, active) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
    [tenantId, c.name, JSON.stringify(c.segment), JSON.stringify(c.steps), c.windowDays, c.active],
  );
  return chainRow(r.rows[0]);
}

export async function listChains(comms: Communications, tenantId: string): Promise<Chain[]> {
  const r = await comms.o.sql.query('SELECT * FROM chains WHERE tenant_id = $1 ORDER BY created_at, id', [tenantId]);
  return r.rows.map(chainRow);
}

/** Errors: NOT_FOUND (no such chain of this tenant). */
export async function chainOf(comms: Communications, tenantId: string, id: string): Promise<Chain> {
  const r = /^[0-9a-f-]{36}$/i.test(id) ? await comms.o.sql.query('SELECT * FROM chains WHERE tenant_id = $1 AND id = $2', [tenantId, id]) : { rows: [] };
  if (r.rows.length === 0) throw new KopilkaError('NOT_FOUND', `Цепочки ${id} нет в этой программе`, { chainId: id });
  return chainRow(r.rows[0]);
}

/** Every active chain of every tenant (the hourly sweep) or of one tenant. */
export async function sweepChains(comms: Communications, now = Date.now(), tenantId?: string): Promise<SweepResult> {
  const r = await comms.o.sql.query('SELECT * FROM chains WHERE active AND ($1::text IS NULL OR tenant_id = $1) ORDER BY created_at', [tenantId ?? null]);
  const total: SweepResult = { enrolled: 0, left: 0, steps: 0, messages: 0, gifts: 0 };
  for (const row of r.rows) {
    const one = await sweepChain(comms, row.tenant_id, chainRow(row), now);
    for (const k of Object.keys(total) as (keyof SweepResult)[]) total[k] += one[k];
  }
  return total;
}

/** One chain: those who bought leave first (they get nothing more), then new customers enter, then due steps go. */
export async function sweepChain(comms: Communications, tenantId: string, chain: Chain, now = Date.now()): Promise<SweepResult> {
  const left = await markLeft(comms, tenantId, chain, now);
  const enrolled = await enrol(comms, tenantId, chain, now);
  const done = { steps: 0, messages: 0, gifts: 0 };
  const due = await comms.o.sql.query<{ customer_id: string; next_step: number }>(
    'SELECT customer_id, next_step FROM chain_participants WHERE chain_id = $1 AND left_at IS NULL AND next_at <= $2 ORDER BY next_at, customer_id',
    [chain.id, new Date(now)],
  );
  for (const p of due.rows) {
    try {
      const d = await runStep(comms, tenantId, chain, String(p.customer_id), p.next_step, now);
      done.steps++;
      done.messages += d.message ? 1 : 0;
      done.gifts += d.gift ? 1 : 0;
    } catch (e) {
      // One customer's failure (removed, balance limit) must not hold the others' steps.
      comms.o.log.warn({ err: e, chainId: chain.id, customerId: p.customer_id }, 'chains: step failed, retried next sweep');
    }
  }
  return { enrolled, left, ...done };
}

async function enrol(comms: Communications, tenantId: string, chain: Chain, now: number): Promise<number> {
  const ids = await comms.o.ledger.segment(tenantId, chain.segment as CustomerSegment);
  if (ids.length === 0) return 0;
  const fresh = await comms.o.sql.query<{ id: string }>(
    `SELECT id::text FROM unnest($2::bigint[]) AS id
      WHERE NOT EXISTS (SELECT 1 FROM chain_participants p WHERE p.chain_id = $1 AND p.customer_id = id)`,
    [chain.id, ids],
  );
  const firstAt = new Date(now + chain.steps[0]!.delayDays * DAY);
  let n = 0;
  for (const { id } of fresh.rows) {
    const c = await comms.o.ledger.findCustomer(tenantId, { id });
    if (c === null) continue;
    const r = await comms.o.sql.query(
      `INSERT INTO chain_participants (chain_id, tenant_id, customer_id, entered_at, spent_at_entry, next_step, next_at)
       VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT DO NOTHING`,
      [chain.id, tenantId, id, new Date(now), c.totalSpent, firstAt],
    );
    n += r.rowCount ?? 0;
  }
  return n;
}

/**
 * Those who bought after entering leave ('bought', at their purchase, with their revenue then);
 * those past all steps and the window without buying leave as 'finished'.
 */
async function markLeft(comms: Communications, tenantId: string, chain: Chain, now: number): Promise<number> {
  const active = await comms.o.sql.query<{ customer_id: string; entered_at: Date; next_at: Date | null }>(
    'SELECT customer_id, entered_at, next_at FROM chain_participants WHERE chain_id = $1 AND left_at IS NULL',
    [chain.id],
  );
  let n = 0;
  for (const p of active.rows) {
    const c = await comms.o.ledger.findCustomer(tenantId, { id: String(p.customer_id) });
    const bought = c !== null && c.lastPurchaseAt !== null && Date.parse(c.lastPurchaseAt) > p.entered_at.getTime();
    const over = p.next_at === null && p.entered_at.getTime() + chain.windowDays * DAY < now;
    if (!bought && !over) continue;
    const r = await comms.o.sql.query(
      `UPDATE chain_participants SET left_at = $3, left_reason = $4, spent_at_left = $5, next_at = NULL
        WHERE chain_id = $1 AND customer_id = $2 AND left_at IS NULL`,
      [chain.id, p.customer_id, bought ? new Date(c!.lastPurchaseAt!) : new Date(now), bought ? 'bought' : 'finished', bought ? c!.totalSpent : null],
    );
    n += r.rowCount ?? 0;
  }
  return n;
}

function addressOf(comms: Communications, tenantId: string, c: CustomerSummary, channel: ChannelKind): Promise<string | null> | string | null {
  return channel === 'sms' ? c.phone : channel === 'email' ? c.email : comms.telegramChat(tenantId, c.id);
}

/** Does step `step` for one customer (the gift first, then the message), logs it and schedules the next. */
async function runStep(comms: Communications, tenantId: string, chain: Chain, customerId: string, step: number, now: number) {
  const s: Step = chain.steps[step]!;
  const c = await comms.o.ledger.findCustomer(tenantId, { id: customerId });
  if (c === null) throw new KopilkaError('CUSTOMER_NOT_FOUND', `Покупателя ${customerId} нет`, { customerId });
  let gift = false;
  if (s.gift) {
    gift = await comms.o.ledger.grant(tenantId, customerId, {
      points: s.gift.points, kind: 'campaign', key: `chain:${chain.id}:${step}`, reason: `Цепочка «${chain.name}», шаг ${step + 1}`, ...(s.gift.ttlDays ? { ttlDays: s.gift.ttlDays } : {}),
    });
  }
  const boost = s.boost ? await giveBoost(comms, tenantId, chain, customerId, step, s.boost) : null;
  let messageId: string | null = null;
  let outcome: string | null = null;
  if (s.message) {
    const address = await addressOf(comms, tenantId, c, s.message.channel);
    if (address === null) outcome = `нет адреса для канала ${s.message.channel}`;
    else {
      const [m] = await comms.queue(tenantId, [{
        customerId, topic: 'chain', advertising: s.message.advertising, channel: s.message.channel, address, subject: s.message.subject, text: s.message.text,
        dedupeKey: `chain:${chain.id}:${customerId}:${step}`, automatic: false,
      }]);
      messageId = m?.id ?? null;
      outcome = m ? m.status : 'already queued';
    }
  }
  await comms.o.sql.query(
    `INSERT INTO chain_step_log (chain_id, customer_id, step, message_id, message, gift_points, boost) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (chain_id, customer_id, step) DO NOTHING`,
    [chain.id, customerId, step, messageId, outcome, gift ? s.gift!.points : 0, boost],
  );
  const next = chain.steps[step + 1];
  await comms.o.sql.query(
    'UPDATE chain_participants SET next_step = $4, next_at = $5 WHERE chain_id = $1 AND customer_id = $2 AND next_step = $3',
    [chain.id, customerId, step, step + 1, next ? new Date(now + next.delayDays * DAY) : null],
  );
  return { message: messageId !== null && outcome === 'queued', gift };
}

/** The step's personal offer, once per customer and step (the key); what was given, for the log. */
async function giveBoost(comms: Communications, tenantId: string, chain: Chain, customerId: string, step: number, b: NonNullable<Step['boost']>): Promise<string> {
  const out = await comms.o.ledger.grantBoost(tenantId, customerId, {
    key: `chain:${chain.id}:${step}`, kind: b.kind, days: b.days, reason: `Цепочка «${chain.name}», шаг ${step + 1}`,
    ...(b.kind === 'discount' ? { percent: b.percent } : { multiplier: b.multiplier }),
  });
  const v = out.boost;
  return v.kind === 'discount' ? `скидка ${v.percent} % до ${v.to}` : `начисление ×${v.multiplier} до ${v.to}`;
}

/**
 * What a chain did: participants (active, returned by a purchase, finished), messages by status
 * and their SMS cost (the message rows of its dedupe keys), gifts, and customers returned within
 * the window with the revenue they brought (their total_spent at leaving minus at entering).
 */
export async function chainResults(comms: Communications, tenantId: string, id: string) {
  const chain = await chainOf(comms, tenantId, id);
  const p = await comms.o.sql.query(
    `SELECT count(*)::int AS participants,
            count(*) FILTER (WHERE left_at IS NULL)::int AS active,
            count(*) FILTER (WHERE left_reason = 'finished')::int AS finished,
            count(*) FILTER (WHERE left_reason = 'bought')::int AS bought,
            count(*) FILTER (WHERE left_reason = 'bought' AND left_at <= entered_at + make_interval(days => $2))::int AS returned,
            coalesce(sum(spent_at_left - spent_at_entry) FILTER (WHERE left_reason = 'bought' AND left_at <= entered_at + make_interval(days => $2)), 0)::bigint AS revenue
       FROM chain_participants WHERE chain_id = $1`,
    [chain.id, chain.windowDays],
  );
  const m = await comms.o.sql.query<{ status: string; n: number; cost: string }>(
    `SELECT status, count(*)::int AS n, coalesce(sum(cost) FILTER (WHERE channel = 'sms'), 0)::bigint AS cost
       FROM messages WHERE tenant_id = $1 AND dedupe_key LIKE $2 GROUP BY status`,
    [tenantId, `chain:${chain.id}:%`],
  );
  const g = await comms.o.sql.query(
    'SELECT count(*) FILTER (WHERE gift_points > 0)::int AS gifts, coalesce(sum(gift_points), 0)::bigint AS points, count(boost)::int AS boosts FROM chain_step_log WHERE chain_id = $1',
    [chain.id],
  );
  const x = p.rows[0];
  return {
    chain,
    participants: x.participants,
    active: x.active,
    finished: x.finished,
    left: { bought: x.bought },
    messages: Object.fromEntries(m.rows.map((r) => [r.status, r.n])),
    smsCost: m.rows.reduce((a, r) => a + Number(r.cost), 0),
    gifts: { count: g.rows[0].gifts, points: Number(g.rows[0].points) },
    boosts: g.rows[0].boosts,
    returned: { windowDays: chain.windowDays, customers: x.returned, revenue: Number(x.revenue) },
  };
}
