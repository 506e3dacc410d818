import { seededRandom } from './random.js';

/**
 * A random orthogonal rotation: flip each coordinate's sign at random, then a normalised Walsh–Hadamard transform.
 * It keeps dot products, and spreads a vector's energy evenly over its coordinates, so one scale per row quantises
 * every coordinate about as well (embeddings concentrate energy in a few coordinates, which a plain per-row int8
 * scale wastes most of its levels on). Vectors shorter than a power of two are padded with zeros.
 */
export class RandomRotation {
  /** Rotated width: the smallest power of two ≥ the input width. */
  readonly width: number;
  private readonly signs: Float32Array;

  constructor(
    readonly dim: number,
    readonly seed: number,
  ) {
    let width = 1;
    while (width < dim) width *= 2;
    this.width = width;
    const random = seededRandom(seed);
    this.signs = Float32Array.from({ length: width }, () => (random() < 0.5 ? -1 : 1));
  }

  apply(v: ArrayLike<number>): Float32Array {
    if (v.length !== this.dim) throw new RangeError(`rotation of a ${v.length}-d vector, expected ${this.dim}-d`);
    const out = new Float32Array(this.width);
    for (let i = 0; i < this.dim; i++) out[i] = v[i]! * this.signs[i]!;
    hadamard(out);
    return out;
  }
}

/** In-place orthonormal fast Walsh–Hadamard transform (length a power of two). */
export function hadamard(v: Float32Array): void {
  const n = v.length;
  for (let h = 1; h < n; h *= 2) {
    for (let i = 0; i < n; i += h * 2) {
      for (let j = i; j < i + h; j++) {
        const a = v[j]!;
        const b = v[j + h]!;
        v[j] = a + b;
        v[j + h] = a - b;
      }
    }
  }
  const scale = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) v[i]! *= scale;
}
