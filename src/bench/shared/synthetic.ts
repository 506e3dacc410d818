import { seededRandom } from '../../vectors/shared/random.js';

/** Bumped whenever the generator changes what it produces (cached graphs are keyed on it). */
export const SYNTHETIC_RECIPE = 1;

/**
 * Synthetic catalog vectors shaped like a real catalog: each is a real catalog vector (a random row of `base`)
 * moved by isotropic Gaussian noise and renormalised, the noise sized so that its expected cosine with that row is
 * `cosine` (σ² · dim = 1/cosine² − 1). Many variants of the same products, rather than uniform random points
 * (which no real embedding space resembles, and on which every ANN graph does badly).
 */
export function syntheticVectors(base: Float32Array, dim: number, count: number, cosine: number, seed: number): Float32Array {
  const baseRows = Math.floor(base.length / dim);
  if (baseRows === 0) throw new RangeError('syntheticVectors needs at least one base vector');
  const random = seededRandom(seed);
  const sigma = Math.sqrt((1 / (cosine * cosine) - 1) / dim);
  const out = new Float32Array(count * dim);
  let spare: number | null = null;
  const gaussian = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    // Box–Muller: two independent standard normals per pair of uniforms.
    const u = 1 - random();
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
  for (let i = 0; i < count; i++) {
    const from = Math.floor(random() * baseRows) * dim;
    const at = i * dim;
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const x = base[from + j]! + sigma * gaussian();
      out[at + j] = x;
      norm += x * x;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dim; j++) out[at + j]! *= inv;
  }
  return out;
}
