/** Unit-length copy; a zero vector stays zero (its cosine with anything is then 0, not NaN). */
export function normalize(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, bOffset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[bOffset + i]!;
  return s;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = Math.sqrt(dot(a, a));
  const nb = Math.sqrt(dot(b, b));
  return na === 0 || nb === 0 ? 0 : dot(a, b) / (na * nb);
}

/** Mean of unit vectors, renormalised: how several prompt templates become one class embedding. */
export function meanDirection(vectors: readonly ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('meanDirection of no vectors');
  const sum = new Float32Array(vectors[0]!.length);
  for (const v of vectors) {
    const u = normalize(v);
    for (let i = 0; i < sum.length; i++) sum[i]! += u[i]!;
  }
  return normalize(sum);
}

/** Row-major matrix of `rows` vectors of width `dim`, held as one typed array. */
export interface Matrix {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
}

export function matrixFromRows(rows: readonly ArrayLike<number>[], dim: number): Matrix {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new RangeError(`row ${i} has width ${r.length}, expected ${dim}`);
    data.set(r, i * dim);
  });
  return { rows: rows.length, dim, data };
}

export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
