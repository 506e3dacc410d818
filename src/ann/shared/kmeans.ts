import { sampleIndices, seededRandom } from '../../vectors/shared/random.js';

/** Index of the nearest centroid (least squared distance) to row `at` of `data`. */
export function nearestCentroid(data: Float32Array, at: number, centroids: Float32Array, k: number, dim: number, halfNorms: Float32Array): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let c = 0; c < k; c++) {
    let s = 0;
    const off = c * dim;
    for (let j = 0; j < dim; j++) s += data[at + j]! * centroids[off + j]!;
    // ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖²: the least distance is the greatest x·c − ‖c‖²/2.
    s -= halfNorms[c]!;
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return best;
}

function halfNormsOf(centroids: Float32Array, k: number, dim: number): Float32Array {
  const out = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += centroids[c * dim + j]! ** 2;
    out[c] = s / 2;
  }
  return out;
}

/**
 * Lloyd's k-means, trained on at most `trainRows` rows (seeded sample), then every row assigned. An emptied
 * cluster is reseeded with a random training row. Deterministic for a seed.
 */
export function kmeans(
  data: Float32Array,
  rows: number,
  dim: number,
  k: number,
  { iterations = 10, seed = 1, trainRows = 256 * k }: { iterations?: number; seed?: number; trainRows?: number } = {},
): { centroids: Float32Array; assignment: Uint32Array } {
  if (k < 1 || k > rows) throw new RangeError(`k-means of ${rows} rows into ${k} clusters`);
  const random = seededRandom(seed);
  const train = sampleIndices(rows, Math.min(rows, Math.max(trainRows, k)), seed);
  const centroids = new Float32Array(k * dim);
  train.slice(0, k).forEach((r, c) => centroids.set(data.subarray(r * dim, (r + 1) * dim), c * dim));
  const sums = new Float64Array(k * dim);
  const counts = new Uint32Array(k);
  for (let it = 0; it < iterations; it++) {
    const halfNorms = halfNormsOf(centroids, k, dim);
    sums.fill(0);
    counts.fill(0);
    for (const r of train) {
      const c = nearestCentroid(data, r * dim, centroids, k, dim, halfNorms);
      counts[c]!++;
      for (let j = 0; j < dim; j++) sums[c * dim + j]! += data[r * dim + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        const r = train[Math.floor(random() * train.length)]!;
        centroids.set(data.subarray(r * dim, (r + 1) * dim), c * dim);
        continue;
      }
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j]! / counts[c]!;
    }
  }
  const halfNorms = halfNormsOf(centroids, k, dim);
  const assignment = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) assignment[r] = nearestCentroid(data, r * dim, centroids, k, dim, halfNorms);
  return { centroids, assignment };
}
