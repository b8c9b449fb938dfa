import type pg from 'pg';

export type IdKind = 'checks' | 'lots' | 'customers';
const SEQUENCE: Record<IdKind, string> = { checks: 'checks_id_seq', lots: 'lots_id_seq', customers: 'customers_id_seq' };
/** Must equal the sequences' INCREMENT BY (migrations/001_init.sql). */
export const ID_BLOCK = 1000;

/**
 * Hands out ids from blocks: each nextval() reserves ID_BLOCK consecutive ids for this process,
 * so a batch of a thousand checks costs one sequence call, and several processes never collide.
 * Ids are unique and increase within a process, not across processes; nothing relies on more.
 */
export class IdBlocks {
  private readonly free: Record<IdKind, bigint[]> = { checks: [], lots: [], customers: [] };

  async take(db: pg.Pool | pg.PoolClient, need: Record<IdKind, number>): Promise<Record<IdKind, string[]>> {
    const out = { checks: [] as string[], lots: [] as string[], customers: [] as string[] };
    for (const kind of Object.keys(need) as IdKind[]) {
      const short = need[kind] - this.free[kind].length;
      if (short > 0) {
        const blocks = Math.ceil(short / ID_BLOCK);
        const r = await db.query<{ v: string }>(`SELECT nextval('${SEQUENCE[kind]}')::text AS v FROM generate_series(1, $1)`, [blocks]);
        for (const { v } of r.rows) {
          const start = BigInt(v);
          for (let i = 0n; i < BigInt(ID_BLOCK); i++) this.free[kind].push(start + i);
        }
      }
      // Hand out in increasing order: the batch pops from the end of its list.
      out[kind] = this.free[kind].splice(0, need[kind]).reverse().map(String);
    }
    return out;
  }

  /** Ids a batch did not use go back, so a retried or short batch wastes nothing. */
  giveBack(kind: IdKind, ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.free[kind].unshift(...ids.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
