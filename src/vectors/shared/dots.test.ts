import { describe, expect, it } from 'vitest';
import { dotKernel, kernelQuery, type KernelQuery } from './dots.js';
import { coarseDot, coarseDots, coarseDotsAt, encodeResiduals, meanRow, prepareQuery, refineCoarse, refinedDot, type CodeBits } from './quantize.js';
import { seededRandom } from './random.js';

const random = seededRandom(7);
const randomCodes = (n: number) => Int8Array.from({ length: n }, () => Math.floor(random() * 256) - 128);
const randomValues = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
const randomQuery = (n: number) => kernelQuery(randomValues(n));

/** The reference: the dot of the query with row r in double precision. */
function referenceDot(query: KernelQuery, codes: Int8Array, width: number, r: number): number {
  let s = 0;
  for (let j = 0; j < width; j++) s += query.values[j]! * codes[r * width + j]!;
  return s;
}

/** float32 sums of `width` products of |q| ≤ 1 and |code| ≤ 128 stay within this of the exact value. */
const tolerance = (width: number) => width * 128 * 2 ** -20;

describe('WASM int8 dot kernel', () => {
  const kernel = dotKernel();

  it('equals the reference on random codes of every width, multiples of 16 or not, to the query\'s 16-bit rounding', () => {
    for (const width of [1, 7, 8, 15, 16, 17, 33, 128, 130, 512, 2048]) {
      const rows = 37;
      const codes = randomCodes(rows * width);
      const query = randomQuery(width);
      // Integer sums: the only error is the query's rounding, at most half a step of largest / top a coordinate.
      const top = Math.min(32_767, Math.floor((2 ** 31 - 1) / (128 * width)));
      const largest = query.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const within = (width * 128 * 0.5 * largest) / top;
      const sums = Array.from(kernel.rowDots(query, codes, width, 3, rows - 5));
      sums.forEach((s, i) => expect(Math.abs(s - referenceDot(query, codes, width, 3 + i))).toBeLessThan(within));
      const picked = [30, 0, 12, 12, 36];
      Array.from(kernel.rowDotsAt(query, codes, width, picked)).forEach((s, i) => expect(Math.abs(s - referenceDot(query, codes, width, picked[i]!))).toBeLessThan(within));
    }
  });

  it('gives every row the same sum whether it is scanned alone or in a pair, in a range or listed', () => {
    for (const width of [16, 40, 512]) {
      const codes = randomCodes(11 * width);
      const query = randomQuery(width);
      const alone = Array.from({ length: 11 }, (_, r) => kernel.rowDots(query, codes, width, r, 1)[0]!);
      for (let first = 0; first < 4; first++) {
        for (let rows = 1; rows <= 11 - first; rows++) {
          expect(Array.from(kernel.rowDots(query, codes, width, first, rows))).toEqual(alone.slice(first, first + rows));
          const listed = Array.from({ length: rows }, (_, i) => (first + 3 * i) % 11);
          expect(Array.from(kernel.rowDotsAt(query, codes, width, listed))).toEqual(listed.map((r) => alone[r]!));
        }
      }
    }
  });

  it('refuses rows so wide that 32-bit sums would leave the query under 13 bits', () => {
    expect(() => kernel.rowDots(randomQuery(4096), randomCodes(4096), 4096, 0, 1)).toThrow(RangeError);
  });

  it('gives extreme codes and coordinates without overflow, query after query', () => {
    const width = 512;
    const codes = new Int8Array(width).fill(-128);
    expect(kernel.rowDots(kernelQuery(new Float32Array(width).fill(-1)), codes, width, 0, 1)[0]).toBeCloseTo(128 * width, 6);
    expect(kernel.rowDots(kernelQuery(new Float32Array(width).fill(1)), codes, width, 0, 1)[0]).toBeCloseTo(-128 * width, 6);
  });

  it('reads a prepared query as it was when prepared, and switches between prepared queries', () => {
    const width = 64;
    const codes = randomCodes(3 * width);
    const bits = Uint8Array.from({ length: (3 * width) / 8 }, () => Math.floor(random() * 256));
    const values = randomValues(width);
    const first = kernelQuery(values);
    const sums = () => [...kernel.rowDots(first, codes, width, 0, 3), ...kernel.bitDotsAt(first, bits, width, [0, 1, 2])];
    const before = sums();
    values.fill(0.5);
    expect(sums()).toEqual(before);
    const second = kernelQuery(values);
    expect(kernel.rowDots(second, codes, width, 0, 1)[0]).toBeCloseTo(referenceDot(second, codes, width, 0), 2);
    expect(sums()).toEqual(before);
  });

  it('gives float rows\' dots with the query in float32 precision, every width, placed or copied', () => {
    for (const width of [1, 3, 4, 7, 8, 12, 33, 512]) {
      const query = randomValues(width);
      const rows = Float32Array.from({ length: 9 * width }, () => random() * 2 - 1);
      const reference = Array.from({ length: 9 }, (_, r) => query.reduce((s, q, j) => s + q * rows[r * width + j]!, 0));
      const copied = Array.from(kernel.floatDots(query, rows, width));
      copied.forEach((d, r) => expect(Math.abs(d - reference[r]!)).toBeLessThan(width * 2 ** -21));
      kernel.placeCodes(rows);
      expect(Array.from(kernel.floatDots(query, rows, width))).toEqual(copied);
      kernel.releaseCodes(rows);
    }
    expect(() => kernel.floatDots(randomValues(8), new Float32Array(12), 8)).toThrow(RangeError);
  });

  it('sums the query where bits are set, rows of any whole number of bytes', () => {
    for (const width of [8, 24, 128, 512]) {
      const rows = 21;
      const bits = Uint8Array.from({ length: (rows * width) / 8 }, () => Math.floor(random() * 256));
      const query = randomQuery(width);
      const picked = [20, 0, 7, 7];
      Array.from(kernel.bitDotsAt(query, bits, width, picked)).forEach((s, i) => {
        let reference = 0;
        for (let j = 0; j < width; j++) if ((bits[(picked[i]! * width + j) >> 3]! >> (j & 7)) & 1) reference += query.values[j]!;
        expect(Math.abs(s - reference)).toBeLessThan(tolerance(width));
      });
    }
  });

  it('gives the same sums from placed codes as from copied ones, and frees them for reuse', () => {
    const width = 512;
    const codes = randomCodes(300 * width);
    const query = randomQuery(width);
    const bits = Uint8Array.from({ length: (300 * width) / 8 }, () => Math.floor(random() * 256));
    const listed = [299, 0, 150, 150, 7];
    // Each result is a view valid until the next call: copied out at once.
    const sums = () => [Array.from(kernel.rowDots(query, codes, width, 0, 300)), Array.from(kernel.rowDotsAt(query, codes, width, listed)), Array.from(kernel.bitDotsAt(query, bits, width, listed))];
    const copied = sums();
    kernel.placeCodes(codes);
    kernel.placeCodes(bits);
    expect(sums()).toEqual(copied);
    kernel.releaseCodes(bits);
    const grown = kernel.memoryBytes();
    kernel.releaseCodes(codes);
    // Released memory is reused: placing a set the same size again does not grow it.
    const again = randomCodes(300 * width);
    kernel.placeCodes(again);
    expect(kernel.memoryBytes()).toBe(grown);
    // Within the query's 16-bit rounding (see above): 512 · 128 · ½ / 32,767 at most.
    expect(Math.abs(kernel.rowDots(query, again, width, 10, 1)[0]! - referenceDot(query, again, width, 10))).toBeLessThan(1);
    kernel.releaseCodes(again);
  });
});

describe('coarse and refined dots through the kernel', () => {
  const width = 512;
  const rows = 64;
  const data = Float32Array.from({ length: rows * width }, () => random() * 0.1 - 0.05);
  const centre = meanRow(data, rows, width);
  const query = randomQuery(width);

  /** The row's score from its codes, in double precision (what the kernel's sums must match, to the query's rounding). */
  function referenceScore(bits: CodeBits, r: number, refined: boolean): number {
    const codes = encodeResiduals(data, rows, width, centre, bits);
    const q = prepareQuery(codes, query);
    let s = 0;
    for (let j = 0; j < width; j++) {
      const at = r * width + j;
      const code =
        bits === 4
          ? (((codes.codes[at >> 1]! >> ((at & 1) * 4)) & 0xf) << 28) >> 28
          : codes.low
            ? 2 * codes.codes[at]! + (refined ? (codes.low[at >> 3]! >> (at & 7)) & 1 : 0.5)
            : codes.codes[at]!;
      s += query.values[j]! * code;
    }
    return q.centreDot + codes.scales[r]! * s;
  }

  for (const bits of [4, 8, 9] as const) {
    it(`${bits}-bit rows: one, a range and a list of rows equal the reference`, () => {
      const codes = encodeResiduals(data, rows, width, centre, bits);
      const q = prepareQuery(codes, query);
      const range = new Float64Array(rows);
      coarseDots(codes, q, 5, 40, range);
      const listed = new Float64Array(3);
      coarseDotsAt(codes, q, [63, 2, 40], listed);
      // The query's 16-bit rounding: at most ½ · 1/32,767 of its largest coordinate per coordinate, times a code.
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-4);
      for (let i = 0; i < 40; i++) close(range[i]!, referenceScore(bits, 5 + i, false));
      [63, 2, 40].forEach((r, i) => close(listed[i]!, referenceScore(bits, r, false)));
      const refinedListed = Float64Array.from(listed);
      refineCoarse(codes, q, [63, 2, 40], refinedListed);
      [63, 2, 40].forEach((r, i) => close(refinedListed[i]!, referenceScore(bits, r, true)));
      for (const r of [0, 17, 63]) {
        close(coarseDot(codes, q, r), referenceScore(bits, r, false));
        close(refinedDot(codes, q, r), referenceScore(bits, r, true));
      }
    });
  }
});
