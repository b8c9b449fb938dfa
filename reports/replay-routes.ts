import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectorContext } from '../connectors/kit/context.ts';
import { route, type RouteSpec } from '../connectors/kit/route.ts';
import { compileProgram, KopilkaError, parseProgram, type Ledger } from '../ledger/index.ts';
import { checkPeriod, monthBounds, replayRequestSchema, runReplay, type ReplayReport, type ReplayRequest } from './replay-run.ts';
import { replayXlsx } from './replay-xlsx.ts';

// The replay over HTTP (admin key). A replay is a background job with its row in Postgres
// (any gateway answers its progress): the POST waits a few seconds for it, which is all most
// tenants' months take, and answers the comparison at once; a longer one answers 202 with the
// job, and GET /v1/reports/replay/:id shows checks processed of the total, then the result.

/** How long the POST waits for a replay before answering with the job instead. */
export const REPLAY_WAIT_MS = 5_000;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function replayRoutes(ctx: ConnectorContext): RouteSpec<never>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/reports/replay',
      summary: 'Что было бы: чеки за период по предлагаемой программе (скидки, начисления, списания, обязательства — было и стало), ничего не записывая (?format=xlsx)',
      auth: 'admin',
      input: replayRequestSchema,
      handler: async ({ req, input, tenantId }) => {
        const zone = await ctx.ledger.timeZone(tenantId);
        checkPeriod(input, zone);
        compileProgram(parseProgram(input.program)); // a program that is not one: 400 now, not a failed job
        const id = `rp${randomBytes(12).toString('hex')}`;
        const months = monthBounds(input.from, input.to, zone);
        const total = await ctx.ledger.countChecks(tenantId, new Date(months[0]!.start), new Date(months[months.length - 1]!.end));
        await ctx.ledger.startReplayJob(tenantId, id, input, total);
        const run = replayInBackground(ctx, tenantId, id, input);
        const done = await Promise.race([run, sleep(REPLAY_WAIT_MS, null, { ref: false })]);
        if (done === null) return { status: 202, body: await ctx.ledger.replayJob(tenantId, id) };
        return answer(ctx.ledger, tenantId, id, req.query.format);
      },
    }),
    route({
      method: 'GET',
      path: '/v1/reports/replay/:id',
      summary: 'Ход проигрывания (обработано чеков из всего) и, когда готово, сравнение (?format=xlsx)',
      auth: 'admin',
      handler: async ({ req, tenantId }) => answer(ctx.ledger, tenantId, req.params.id ?? '', req.query.format),
    }),
  ] as RouteSpec<never>[];
}

async function answer(ledger: Ledger, tenantId: string, id: string, format: string | undefined) {
  if (format !== undefined && format !== 'json' && format !== 'xlsx') throw new KopilkaError('INVALID_INPUT', 'format — json или xlsx', { field: 'format' });
  const job = await ledger.replayJob(tenantId, id);
  if (job === null) throw new KopilkaError('NOT_FOUND', 'Проигрывание не найдено');
  if (job.status !== 'done') return { status: job.status === 'running' ? 202 : 200, body: job };
  if (format !== 'xlsx') return { status: 200, body: job };
  const r = job.result as ReplayReport;
  return { status: 200, body: null, raw: await replayXlsx(r), headers: { 'content-type': XLSX, 'content-disposition': `attachment; filename="kopilka-replay-${r.from}-${r.to}.xlsx"` } };
}

/** Runs past the answer; the job row says how far it got. Resolves when it is over, either way. */
async function replayInBackground(ctx: ConnectorContext, tenantId: string, id: string, input: ReplayRequest): Promise<true> {
  let told = 0;
  try {
    const result = await runReplay(ctx.ledger, tenantId, input, async (n) => {
      if (Date.now() - told < 500) return;
      told = Date.now();
      await ctx.ledger.updateReplayJob(tenantId, id, n);
    });
    await ctx.ledger.updateReplayJob(tenantId, id, result.checks, { status: 'done', result });
    ctx.log.info({ tenantId, replayId: id, checks: result.checks, seconds: result.seconds }, 'replay finished');
  } catch (e) {
    ctx.log.warn({ tenantId, replayId: id, err: (e as Error).message }, 'replay failed');
    await ctx.ledger.updateReplayJob(tenantId, id, 0, { status: 'failed', error: (e as Error).message }).catch(() => {});
  }
  return true;
}
