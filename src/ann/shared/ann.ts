import { dot, type Matrix } from '../../vectors/shared/vector.js';

/** Nearest neighbours by inner product (= cosine on unit vectors), best first. Ids are entry rows. */
export interface Neighbors {
  readonly ids: number[];
  readonly scores: number[];
}

export interface AnnIndex {
  readonly size: number;
  search(query: Float32Array, k: number): Neighbors;
}

/** Exact scan over a subset of rows: the oracle, and the index for scopes too small to need a graph. */
export class ExactIndex implements AnnIndex {
  constructor(
    private readonly vectors: Matrix,
    private readonly rows: Uint32Array,
  ) {}

  get size(): number {
    return this.rows.length;
  }

  search(query: Float32Array, k: number): Neighbors {
    return topK(
      this.rows,
      Array.from(this.rows, (r) => dot(query, this.vectors.data, r * this.vectors.dim)),
      k,
    );
  }
}

export function topK(ids: ArrayLike<number>, scores: readonly number[], k: number): Neighbors {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || ids[a]! - ids[b]!);
  const best = order.slice(0, k);
  return { ids: best.map((i) => ids[i]!), scores: best.map((i) => scores[i]!) };
}
