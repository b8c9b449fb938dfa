import type pg from 'pg';
import { compileProgram, parseProgram, type CompiledProgram } from './program.ts';

/**
 * Compiled programs by tenant. Each batch asks Postgres only for the version numbers, and
 * fetches and compiles a program again only when its version moved, so a PUT /v1/program on one
 * gateway is in force on every gateway from their next batch.
 */
export class ProgramCache {
  private readonly cache = new Map<string, { version: number; program: CompiledProgram; checkedAt: number }>();

  async forBatch(db: pg.ClientBase | pg.Pool, tenantIds: string[]): Promise<Map<string, CompiledProgram>> {
    const known = tenantIds.map((t) => this.cache.get(t)?.version ?? 0);
    const r = await db.query<{ id: string; program_version: number; program: unknown }>(
      `SELECT t.id, t.program_version, CASE WHEN t.program_version = q.v THEN NULL ELSE t.program END AS program
         FROM tenants t JOIN unnest($1::text[], $2::int[]) AS q(id, v) ON t.id = q.id`,
      [tenantIds, known],
    );
    const out = new Map<string, CompiledProgram>();
    for (const row of r.rows) {
      let entry = this.cache.get(row.id);
      if (row.program !== null || entry === undefined || entry.version !== row.program_version) {
        // Stored programs were validated when written; parsing again fills defaults added since.
        entry = { version: row.program_version, program: compileProgram(parseProgram(row.program)), checkedAt: Date.now() };
        this.cache.set(row.id, entry);
      }
      entry.checkedAt = Date.now();
      out.set(row.id, entry.program);
    }
    return out;
  }

  /**
   * For batches: programs checked within maxAgeMs are used as they are, the rest are checked in
   * the batch's transaction. A program changed on another gateway is in force here within
   * maxAgeMs; on the gateway that stored it, at once (forget).
   */
  async forBatchWithin(db: pg.ClientBase | pg.Pool, tenantIds: string[], maxAgeMs: number): Promise<Map<string, CompiledProgram>> {
    const now = Date.now();
    const out = new Map<string, CompiledProgram>();
    const stale: string[] = [];
    for (const t of tenantIds) {
      const c = this.cache.get(t);
      if (c !== undefined && now - c.checkedAt < maxAgeMs) out.set(t, c.program);
      else stale.push(t);
    }
    if (stale.length > 0) for (const [t, p] of await this.forBatch(db, stale)) out.set(t, p);
    return out;
  }

  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  /**
   * For read paths (calculate, lookups): a program checked within maxAgeMs is used without asking
   * Postgres. Writes always check the version (forBatch), so a commit never uses a stale program.
   */
  async get(db: pg.ClientBase | pg.Pool, tenantId: string, maxAgeMs = 1000): Promise<CompiledProgram | undefined> {
    const c = this.cache.get(tenantId);
    if (c !== undefined && Date.now() - c.checkedAt < maxAgeMs) return c.program;
    return (await this.forBatch(db, [tenantId])).get(tenantId);
  }
}
