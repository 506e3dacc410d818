/** Selecting the best few of many scores without sorting them all. */

/**
 * Positions of the k largest values, in position order; of values tied with the k-th, the first ones. One
 * selection pass (quickselect on a copy) rather than a heap fed every value: a scan keeps hundreds of rows of
 * thousands.
 */
export function largest(values: Float64Array, k: number): Int32Array {
  const n = values.length;
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  if (k <= 0) return new Int32Array(0);
  const threshold = kthLargest(values.slice(), k);
  let above = 0;
  for (let i = 0; i < n; i++) if (values[i]! > threshold) above++;
  const out = new Int32Array(k);
  let m = 0;
  let ties = k - above;
  for (let i = 0; i < n && m < k; i++) {
    const v = values[i]!;
    if (v > threshold || (v === threshold && ties-- > 0)) out[m++] = i;
  }
  return out;
}

/** The k-th largest of `values` (1 ≤ k ≤ length), which it reorders: Hoare's selection. */
export function kthLargest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target]!;
  }
  return values[target]!;
}
