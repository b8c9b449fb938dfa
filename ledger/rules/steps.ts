/** The percent (basis points) of the highest step whose `from` the amount reaches; 0 below the first. */
export function stepBp(steps: readonly { from: number; bp: number }[], amount: number): number {
  let bp = 0;
  for (const s of steps) if (amount >= s.from) bp = s.bp;
  return bp;
}

/** floor(amount · bp / 10000), exact for any amount the ledger accepts. */
export function percentOf(amount: number, bp: number): number {
  return Number((BigInt(amount) * BigInt(bp)) / 10000n);
}
