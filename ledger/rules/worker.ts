import type { ParsedCheck } from '../check.ts';
import { isKopilkaError } from '../errors.ts';
import { compileProgram, type CompiledProgram, type Program } from '../program.ts';
import { evaluateCheck, type CustomerState, type Evaluation } from './evaluate.ts';

// A piscina worker: evaluates a slice of a batch's checks off the main thread. Programs arrive
// as their validated source and are compiled once per worker.

export interface EvaluationTask {
  programs: Record<string, Program>;
  items: { tenantId: string; check: ParsedCheck; customer: CustomerState | null }[];
}

export type EvaluationReply = { ok: true; ev: Evaluation } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

const compiled = new Map<string, { key: string; program: CompiledProgram }>();

function programFor(tenantId: string, source: Program): CompiledProgram {
  const key = JSON.stringify(source);
  const c = compiled.get(tenantId);
  if (c !== undefined && c.key === key) return c.program;
  const program = compileProgram(source);
  compiled.set(tenantId, { key, program });
  return program;
}

export default function evaluateTask(task: EvaluationTask): EvaluationReply[] {
  return task.items.map((it) => {
    try {
      return { ok: true, ev: evaluateCheck(programFor(it.tenantId, task.programs[it.tenantId]!), it.check, it.customer) };
    } catch (e) {
      if (isKopilkaError(e)) return { ok: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } };
      throw e;
    }
  });
}
