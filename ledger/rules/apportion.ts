/**
 * Splits an integer total over parts in proportion to their weights by the largest-remainder
 * method: every part gets the floor of its exact share, and the units left over go one each to
 * the parts with the largest remainders (the earlier part first on a tie). The parts add up to
 * the total exactly, and each is within one unit of its exact share. Zero weights get nothing;
 * if every weight is zero, the total must be zero too.
 */
export function apportion(total: number, weights: readonly (number | bigint)[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`apportion: total ${total} is not a whole non-negative number`);
  const w = weights.map((x) => BigInt(x));
  let sum = 0n;
  for (const x of w) {
    if (x < 0n) throw new RangeError('apportion: negative weight');
    sum += x;
  }
  if (sum === 0n) {
    if (total !== 0) throw new RangeError('apportion: nothing to split over');
    return weights.map(() => 0);
  }
  const T = BigInt(total);
  const parts: number[] = new Array(w.length);
  const rema: { i: number; r: bigint }[] = [];
  let given = 0n;
  for (let i = 0; i < w.length; i++) {
    const exact = T * w[i]!;
    const q = exact / sum;
    parts[i] = Number(q);
    given += q;
    if (w[i]! > 0n) rema.push({ i, r: exact % sum });
  }
  let left = Number(T - given);
  rema.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (let k = 0; left > 0; k++, left--) parts[rema[k]!.i]! += 1;
  return parts;
}
