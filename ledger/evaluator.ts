import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { KopilkaError, type ErrorCode } from './errors.ts';
import type { EvaluationReply, EvaluationTask } from './rules/worker.ts';
import type { Evaluation } from './rules/evaluate.ts';

// Where a batch's rules are evaluated: inline on the event loop (threads = 0), or in a piscina
// pool, the batch cut into one slice per thread. The pool pays only when evaluation outweighs
// copying checks to and from the workers; the benchmark shows which it is on a given machine.

export type PreEvaluation = Evaluation | KopilkaError;

export interface BatchEvaluator {
  readonly threads: number;
  evaluate(task: EvaluationTask): Promise<PreEvaluation[]>;
  close(): Promise<void>;
}

export function createEvaluator(threads: number): BatchEvaluator | null {
  if (threads <= 0) return null;
  const here = fileURLToPath(import.meta.url);
  const source = here.endsWith('.ts');
  const pool = new Piscina({
    filename: fileURLToPath(new URL(`./rules/worker.${source ? 'ts' : 'js'}`, import.meta.url)),
    minThreads: threads,
    maxThreads: threads,
    // Run from TypeScript sources, the workers need the same loader as the main thread.
    execArgv: source && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv,
  });
  return {
    threads,
    async evaluate(task) {
      const per = Math.ceil(task.items.length / threads);
      const slices: EvaluationTask[] = [];
      for (let i = 0; i < task.items.length; i += per) slices.push({ programs: task.programs, items: task.items.slice(i, i + per) });
      const replies = (await Promise.all(slices.map((s) => pool.run(s) as Promise<EvaluationReply[]>))).flat();
      return replies.map((r) => (r.ok ? r.ev : new KopilkaError(r.error.code as ErrorCode, r.error.message, r.error.details)));
    },
    close: () => pool.destroy(),
  };
}
