import { describe, expect, it } from 'vitest';
import { decodeMatrix, encodeMatrix, fromHalf, toHalf } from './codec.js';
import { seededRandom } from './random.js';
import { cosine, matrixFromRows, normalize, row } from './vector.js';

function randomUnitRows(n: number, dim: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => normalize(Array.from({ length: dim }, () => random() * 2 - 1)));
}

describe('half precision', () => {
  it('round-trips exactly representable values and rounds others to nearest even', () => {
    for (const v of [0, 1, -1, 0.5, 65504, -2.25, 2 ** -24, 2 ** -14]) expect(fromHalf(toHalf(v))).toBe(v);
    expect(fromHalf(toHalf(1 + 2 ** -11))).toBe(1); // halfway between 1 and the next half: ties to even
    expect(fromHalf(toHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(fromHalf(toHalf(1e6))).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
  });

  it('keeps unit vectors within 1e-6 cosine', () => {
    const rows = randomUnitRows(50, 512, 1);
    const m = decodeMatrix(encodeMatrix(matrixFromRows(rows, 512), 'f16'), 'f16', 50, 512);
    rows.forEach((r, i) => expect(cosine(r, row(m, i))).toBeGreaterThan(1 - 1e-6));
  });
});

describe('int8 rows', () => {
  it('keeps unit vectors within 1e-4 cosine at a quarter of the bytes', () => {
    const rows = randomUnitRows(50, 512, 2);
    const bytes = encodeMatrix(matrixFromRows(rows, 512), 'i8');
    expect(bytes.byteLength).toBe(50 * 512 + 50 * 4);
    const m = decodeMatrix(bytes, 'i8', 50, 512);
    rows.forEach((r, i) => expect(cosine(r, row(m, i))).toBeGreaterThan(1 - 1e-4));
  });

  it('stores a zero row as zeros', () => {
    const m = decodeMatrix(encodeMatrix(matrixFromRows([new Float32Array(4)], 4), 'i8'), 'i8', 1, 4);
    expect(Array.from(m.data)).toEqual([0, 0, 0, 0]);
  });
});

describe('decodeMatrix', () => {
  it('refuses a file whose size does not match the declared shape', () => {
    const bytes = encodeMatrix(matrixFromRows(randomUnitRows(3, 8, 3), 8), 'f32');
    expect(() => decodeMatrix(bytes, 'f32', 4, 8)).toThrow(/expected 128/);
    expect(() => decodeMatrix(bytes.subarray(1), 'f32', 3, 8)).toThrow(/holds 95 bytes/);
  });
});
