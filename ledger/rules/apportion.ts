/**
 * Splits an integer total over parts in proportion to their weights by the largest-remainder
 * method: every part gets the floor of its exact share, and the units left over go one each to
 * the parts with the largest remainders (the earlier part first on a tie). The parts add up to
 * the total exactly, and each is within one unit of its exact share. Zero weights get nothing;
 * if every weight is zero, the total must be zero too.
 */
export function apportion(total: number, weights: readonly (number | bigint)[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`apportion: total ${total} is not a whole non-negative number`);
  return apportionSmall(total, weights) ?? apportionExact(total, weights);
}

/** Parts the plain-number split takes: the leftover units are placed by a scan per unit. */
const SMALL_PARTS = 64;

/**
 * The same split in plain numbers, when every product total × weight is below 2^53 and so exact
 * (a check's kopecks and lines always are): a till's every calculation splits several times, and
 * BigInt made each split a few hundred bytes of garbage. Null when the numbers could be inexact,
 * or when there are so many parts that picking the largest remainders one by one would be slow.
 */
function apportionSmall(total: number, weights: readonly (number | bigint)[]): number[] | null {
  if (weights.length > SMALL_PARTS) return null;
  let sum = 0;
  for (const x of weights) {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) return null;
    sum += x;
  }
  if (sum === 0 || !Number.isSafeInteger(sum) || total * sum > Number.MAX_SAFE_INTEGER) return null;
  const n = weights.length;
  const parts: number[] = new Array(n);
  const remainders: number[] = new Array(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const exact = total * (weights[i] as number);
    // exact < 2^53, so the quotient's floor is corrected to the true one by its remainder.
    let q = Math.floor(exact / sum);
    let r = exact - q * sum;
    if (r < 0) (q--, (r += sum));
    else if (r >= sum) (q++, (r -= sum));
    parts[i] = q;
    remainders[i] = weights[i] === 0 ? -1 : r;
    given += q;
  }
  // The units left over (fewer than the parts), one each to the largest remainders, the earlier
  // part first on a tie; a zero weight (-1) never gets one.
  for (let left = total - given; left > 0; left--) {
    let best = -1;
    for (let i = 0; i < n; i++) if (remainders[i]! > (best < 0 ? -1 : remainders[best]!)) best = i;
    parts[best]! += 1;
    remainders[best] = -1;
  }
  return parts;
}

function apportionExact(total: number, weights: readonly (number | bigint)[]): number[] {
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
