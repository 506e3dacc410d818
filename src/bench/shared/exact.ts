/**
 * Exact top-k by inner product over a row-major matrix, keeping only the k best (no full sort): the ground truth
 * of the ANN benchmark and its brute-force contender. The page's ExactIndex sorts every score, which is fine for the
 * small scopes it serves but not for a million rows.
 */
export function exactTopK(data: Float32Array, dim: number, query: Float32Array, k: number): { ids: number[]; scores: number[] } {
  const rows = Math.floor(data.length / dim);
  const n = Math.min(k, rows);
  // Best first; the last slot is the weakest kept.
  const ids = new Int32Array(n).fill(-1);
  const scores = new Float64Array(n).fill(-Infinity);
  for (let r = 0, offset = 0; r < rows; r++, offset += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += query[j]! * data[offset + j]!;
    if (s <= scores[n - 1]!) continue;
    let i = n - 1;
    while (i > 0 && scores[i - 1]! < s) {
      scores[i] = scores[i - 1]!;
      ids[i] = ids[i - 1]!;
      i--;
    }
    scores[i] = s;
    ids[i] = r;
  }
  return { ids: Array.from(ids), scores: Array.from(scores) };
}

/** The `keep` best ids of a search answer by score, whatever order the library returned them in. */
export function bestIds(ids: ArrayLike<number>, scores: ArrayLike<number>, keep: number): number[] {
  return Array.from({ length: ids.length }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || ids[a]! - ids[b]!)
    .slice(0, keep)
    .map((i) => ids[i]!);
}
