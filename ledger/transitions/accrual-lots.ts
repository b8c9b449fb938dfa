import { credit, type Account } from '../account.ts';
import type { BatchState } from '../batch-state.ts';
import { accrualLotTimes, ruleLotTimes, type LotTimes } from '../lots.ts';
import type { CompiledProgram } from '../program.ts';
import type { Evaluation } from '../rules/evaluate.ts';

// A sale's accrual as lots. Usually one lot per check with the program's activation and expiry;
// lines under a modifier with their own terms (bonuses for a group that activate later or burn
// sooner) get a lot of their own per distinct terms, so each burns and activates on its own
// schedule. A refund takes back from the sale's lots whichever they are (account.ts takeBack).

/** The lots a priced sale's accrual makes (pure: the what-if replay uses it too). */
export function accrualLotsOf(program: CompiledProgram, ev: Pick<Evaluation, 'lines' | 'totals' | 'lotTerms'>, at: number): (LotTimes & { amount: number })[] {
  if (ev.totals.accrued === 0) return [];
  if (ev.lotTerms === null) return [{ amount: ev.totals.accrued, ...accrualLotTimes(program.source, at) }];
  const groups = new Map<string, LotTimes & { amount: number }>();
  ev.lines.forEach((line, i) => {
    if (line.accrued === 0) return;
    const t = ev.lotTerms![i]!;
    const key = `${t.activationDays}/${t.lifetimeDays}`;
    const g = groups.get(key) ?? { amount: 0, ...ruleLotTimes(program.source, at, t) };
    g.amount += line.accrued;
    groups.set(key, g);
  });
  return [...groups.values()];
}

export function creditAccrual(state: BatchState, acc: Account, program: CompiledProgram, ev: Evaluation, checkId: string, at: number): void {
  for (const lot of accrualLotsOf(program, ev, at)) credit(acc, { id: state.nextId('lots'), checkId, kind: 'accrual', ...lot }, 'accrual', state.now);
}
