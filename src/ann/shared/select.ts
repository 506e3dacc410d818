/** Selecting the best few of many scores without sorting them all. */

/** The copy `largest` reorders, kept between calls (a search selects from thousands of scores several times). */
let selectScratch = new Float64Array(4096);

/**
 * Positions of the k largest values, in position order; of values tied with the k-th, the first ones. One
 * selection pass (quickselect on a copy) rather than a heap fed every value: a scan keeps hundreds of rows of
 * thousands. Written to `out` when given (at least min(k, length) long), else to a new array.
 */
export function largest(values: Float64Array, k: number, out?: Int32Array): Int32Array {
  const n = values.length;
  const kept = out ? out.subarray(0, Math.max(0, Math.min(k, n))) : new Int32Array(Math.max(0, Math.min(k, n)));
  if (k >= n) {
    for (let i = 0; i < n; i++) kept[i] = i;
    return kept;
  }
  if (k <= 0) return kept;
  if (selectScratch.length < n) selectScratch = new Float64Array(2 * n);
  selectScratch.set(values);
  const threshold = kthLargest(selectScratch.subarray(0, n), k);
  let above = 0;
  for (let i = 0; i < n; i++) if (values[i]! > threshold) above++;
  let m = 0;
  let ties = k - above;
  for (let i = 0; i < n && m < k; i++) {
    const v = values[i]!;
    if (v > threshold || (v === threshold && ties-- > 0)) kept[m++] = i;
  }
  return kept;
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
