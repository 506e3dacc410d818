import { describe, expect, it } from 'vitest';
import { calibrate, dedupeByProduct, fuse, fuseDistinct, type Candidate } from './fusion.js';

const candidates: Candidate[] = [
  { entry: 0, semantic: 0.9, visual: 0.5 },
  { entry: 1, semantic: 0.6, visual: 0.95 },
  { entry: 2, semantic: 0.7, visual: 0.7 },
];

describe('calibrate', () => {
  it('maps the unrelated-pair baseline to 0 and identity to 1', () => {
    expect(calibrate(0.45, 0.45)).toBe(0);
    expect(calibrate(1, 0.45)).toBe(1);
    expect(calibrate(0.725, 0.45)).toBeCloseTo(0.5);
  });
});

describe('fuse', () => {
  it('weighted: a weighted mean of raw cosines without calibration', () => {
    const out = fuse(candidates, 'weighted', { semantic: 0.5, visual: 0.5 }, { rrfK: 60, calibration: null });
    expect(out.map((c) => c.entry)).toEqual([1, 0, 2]); // 0 and 2 tie at 0.7: lower entry first, deterministically
    expect(out[0]!.score).toBeCloseTo(0.775);
    expect(out[0]!.similarity).toBeCloseTo(0.775);
  });

  it('weighted: calibration lets the flat visual space weigh as much as the semantic one', () => {
    // Visual baseline 0.6: a visual 0.5 is below "unrelated" and should pull entry 0 down.
    const out = fuse(candidates, 'weighted', { semantic: 1, visual: 1 }, { rrfK: 60, calibration: { semanticBaseline: 0.1, visualBaseline: 0.6 } });
    expect(out[0]!.entry).toBe(1);
    expect(out[0]!.score).toBeCloseTo(0.5 * ((0.6 - 0.1) / 0.9) + 0.5 * ((0.95 - 0.6) / 0.4));
    expect(out[0]!.similarity).toBeCloseTo(0.775); // raw, whatever the calibration
  });

  it('weights are normalised and a zero weight ignores that space', () => {
    const semanticOnly = fuse(candidates, 'weighted', { semantic: 2, visual: 0 }, { rrfK: 60, calibration: null });
    expect(semanticOnly.map((c) => c.entry)).toEqual([0, 2, 1]);
    expect(semanticOnly[0]!.score).toBeCloseTo(0.9);
  });

  it('rrf: ranks, not scores, decide; first in both rankings scores 1', () => {
    const out = fuse(candidates, 'rrf', { semantic: 0.5, visual: 0.5 }, { rrfK: 60, calibration: null });
    // semantic ranks: 0→1, 2→2, 1→3; visual ranks: 1→1, 2→2, 0→3. Entry 2 is second in both.
    const expected = (rs: number, rv: number) => (0.5 / (60 + rs) + 0.5 / (60 + rv)) / (1 / 61);
    const byEntry = new Map(out.map((c) => [c.entry, c.score]));
    expect(byEntry.get(0)).toBeCloseTo(expected(1, 3), 12);
    expect(byEntry.get(1)).toBeCloseTo(expected(3, 1), 12);
    expect(byEntry.get(2)).toBeCloseTo(expected(2, 2), 12);
    const alone = fuse([candidates[0]!], 'rrf', { semantic: 1, visual: 1 }, { rrfK: 60, calibration: null });
    expect(alone[0]!.score).toBe(1);
  });

  it('rrf differs from a weighted sum: a huge margin in one space does not win', () => {
    const lopsided: Candidate[] = [
      { entry: 0, semantic: 0.99, visual: 0.1 },
      { entry: 1, semantic: 0.5, visual: 0.52 },
      { entry: 2, semantic: 0.49, visual: 0.51 },
    ];
    const weighted = fuse(lopsided, 'weighted', { semantic: 1, visual: 1 }, { rrfK: 1, calibration: null });
    const rrf = fuse(lopsided, 'rrf', { semantic: 1, visual: 1 }, { rrfK: 1, calibration: null });
    expect(weighted[0]!.entry).toBe(0);
    expect(rrf[0]!.entry).toBe(1);
  });
});

describe('dedupeByProduct', () => {
  it('keeps the first (best) entry of each product', () => {
    const product = (id: string) => ({ id });
    const sorted = [
      { entry: 2, product: product('a') },
      { entry: 0, product: product('a') },
      { entry: 4, product: product('c') },
      { entry: 3, product: product('b') },
      { entry: 1, product: product('b') },
    ];
    expect(dedupeByProduct(sorted).map((c) => c.entry)).toEqual([2, 4, 3]);
  });
});

describe('fuseDistinct', () => {
  it('is dedupeByProduct(fuse(…)) cut to k, in either mode', () => {
    // Repeated scores and products, as augmented copies of one product give.
    const many = Array.from({ length: 40 }, (_, i) => ({ entry: 39 - i, semantic: ((i * 7) % 11) / 11, visual: ((i * 5) % 13) / 13, product: { id: `p${i % 9}` } }));
    for (const mode of ['weighted', 'rrf'] as const) {
      for (const k of [0, 3, 9, 20]) {
        const options = { rrfK: 60, calibration: { semanticBaseline: 0.1, visualBaseline: 0.4 } };
        expect(fuseDistinct(many, mode, { semantic: 0.7, visual: 0.3 }, options, k)).toEqual(dedupeByProduct(fuse(many, mode, { semantic: 0.7, visual: 0.3 }, options)).slice(0, k));
      }
    }
  });
});
