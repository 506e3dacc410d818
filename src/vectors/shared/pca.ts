import { seededRandom } from './random.js';

/** The `d`-dimensional subspace holding most of a vector set's variance: its mean and an orthonormal basis (d × dim). */
export interface PrincipalSubspace {
  readonly dim: number;
  readonly d: number;
  readonly mean: Float32Array;
  readonly basis: Float32Array;
  /** Share of the centred variance the subspace holds. */
  readonly captured: number;
}

/**
 * Principal subspace by subspace iteration on the covariance (dim × dim, accumulated in float64): no full
 * eigendecomposition, only the span, which is all a projection needs. Deterministic for a seed.
 */
export function principalSubspace(data: Float32Array, rows: number, dim: number, d: number, { iterations = 30, seed = 1 } = {}): PrincipalSubspace {
  if (d > dim) throw new RangeError(`a ${d}-d subspace of ${dim}-d vectors`);
  const mean = new Float32Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j]! += data[r * dim + j]! / rows;
  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) x[j] = data[r * dim + j]! - mean[j]!;
    for (let i = 0; i < dim; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const off = i * dim;
      for (let j = i; j < dim; j++) cov[off + j]! += xi * x[j]!;
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) cov[i * dim + j] = cov[j * dim + i]!;
  const random = seededRandom(seed);
  let q = new Float64Array(d * dim).map(() => random() - 0.5);
  orthonormalize(q, d, dim);
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(d * dim);
    for (let k = 0; k < d; k++) {
      for (let i = 0; i < dim; i++) {
        let s = 0;
        const off = i * dim;
        for (let j = 0; j < dim; j++) s += cov[off + j]! * q[k * dim + j]!;
        next[k * dim + i] = s;
      }
    }
    orthonormalize(next, d, dim);
    q = next;
  }
  let total = 0;
  for (let i = 0; i < dim; i++) total += cov[i * dim + i]!;
  let held = 0;
  for (let k = 0; k < d; k++) {
    for (let i = 0; i < dim; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += cov[i * dim + j]! * q[k * dim + j]!;
      held += q[k * dim + i]! * s;
    }
  }
  return { dim, d, mean, basis: Float32Array.from(q), captured: total === 0 ? 1 : held / total };
}

/** Modified Gram–Schmidt on the rows of a d × dim matrix. */
function orthonormalize(m: Float64Array, d: number, dim: number): void {
  for (let k = 0; k < d; k++) {
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += m[k * dim + j]! * m[p * dim + j]!;
      for (let j = 0; j < dim; j++) m[k * dim + j]! -= s * m[p * dim + j]!;
    }
    let n = 0;
    for (let j = 0; j < dim; j++) n += m[k * dim + j]! ** 2;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let j = 0; j < dim; j++) m[k * dim + j]! *= inv;
  }
}

/** The coordinates of v − `centre` in the subspace (`centre`: the mean for stored rows, zero for a query). */
export function projectOnto(subspace: Pick<PrincipalSubspace, 'dim' | 'd' | 'basis' | 'mean'>, v: ArrayLike<number>, centred: boolean): Float32Array {
  const { dim, d, basis, mean } = subspace;
  const out = new Float32Array(d);
  for (let k = 0; k < d; k++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += basis[k * dim + j]! * (v[j]! - (centred ? mean[j]! : 0));
    out[k] = s;
  }
  return out;
}
