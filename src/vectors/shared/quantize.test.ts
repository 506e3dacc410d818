import { describe, expect, it } from 'vitest';
import { coarseDot, decodeRow, encodeResiduals, meanRow, prepareQuery, refinedDot, residualCodeBytes, type CodeBits } from './quantize.js';
import { kernelQuery } from './dots.js';
import { seededRandom } from './random.js';
import { RandomRotation } from './rotation.js';
import { dot, normalize } from './vector.js';

/** Unit vectors around a few shared directions, as embeddings are (a common component plus a category's own). */
function clustered(rows: number, dim: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: 4 }, () => Float32Array.from({ length: dim }, gauss));
  return Array.from({ length: rows }, (_, r) => normalize(Float32Array.from({ length: dim }, (_, j) => centres[r % 4]![j]! + (j < 8 ? 3 : 0) + 0.8 * gauss())));
}

describe('random rotation', () => {
  it('keeps dot products and pads to a power of two', () => {
    const [a, b] = clustered(2, 300, 1);
    const rotation = new RandomRotation(300, 9);
    expect(rotation.width).toBe(512);
    expect(dot(rotation.apply(a!), rotation.apply(b!))).toBeCloseTo(dot(a!, b!), 5);
    expect(dot(rotation.apply(a!), rotation.apply(a!))).toBeCloseTo(1, 5);
  });
});

describe('residual codes', () => {
  const dim = 512;
  const rotation = new RandomRotation(dim, 3);
  const vectors = clustered(200, dim, 2);
  const rotated = new Float32Array(vectors.length * dim);
  vectors.forEach((v, r) => rotated.set(rotation.apply(v), r * dim));
  const centre = meanRow(rotated, vectors.length, dim);
  const query = clustered(1, dim, 5)[0]!;
  const prepared = (bits: CodeBits) => {
    const codes = encodeResiduals(rotated, vectors.length, dim, centre, bits);
    return { codes, q: prepareQuery(codes, kernelQuery(rotation.apply(query))) };
  };
  const worstError = (bits: CodeBits, score: typeof coarseDot) => {
    const { codes, q } = prepared(bits);
    return Math.max(...vectors.map((v, r) => Math.abs(score(codes, q, r) - dot(query, v))));
  };

  it('scores dot products within what each width promises', () => {
    expect(worstError(9, refinedDot)).toBeLessThan(0.001);
    expect(worstError(9, coarseDot)).toBeLessThan(0.003);
    expect(worstError(8, refinedDot)).toBeLessThan(0.002);
    expect(worstError(4, refinedDot)).toBeLessThan(0.03);
    // The ninth bit halves the error of the 8-bit scan.
    expect(worstError(9, refinedDot)).toBeLessThan(worstError(9, coarseDot) / 1.5);
  });

  it('decodes each width to what it scores', () => {
    for (const bits of [4, 8, 9] as const) {
      const { codes, q } = prepared(bits);
      expect(dot(q.query.values, decodeRow(codes, 17))).toBeCloseTo(refinedDot(codes, q, 17), 5);
    }
  });

  it('takes the bytes it says', () => {
    for (const bits of [4, 8, 9] as const) {
      const { codes } = prepared(bits);
      const stored = codes.scales.byteLength + codes.codes.byteLength + (codes.low?.byteLength ?? 0);
      expect(stored).toBe(residualCodeBytes(vectors.length, dim, bits));
    }
    expect(residualCodeBytes(1, 512, 9)).toBe(580);
  });
});
