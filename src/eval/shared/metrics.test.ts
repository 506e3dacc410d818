import { describe, expect, it } from 'vitest';
import { bestPoint, grid, groupBy, hitAtK, mean, precisionAtK, rankOf, rate, round, topConfusions } from './metrics.js';

const T = true;
const F = false;

describe('precisionAtK', () => {
  it('counts relevant results among the first k', () => {
    expect(precisionAtK([T, F, T, T, F, T], 5)).toBe(3 / 5);
    expect(precisionAtK([T, F, T, T, F, T], 1)).toBe(1);
    expect(precisionAtK([F, T], 1)).toBe(0);
  });

  it('missing results (fewer than k) count as misses', () => {
    expect(precisionAtK([T, T], 5)).toBe(2 / 5);
    expect(precisionAtK([], 5)).toBe(0);
  });

  it('a catalog with fewer relevant products than k caps the denominator, so a perfect ranking scores 1', () => {
    expect(precisionAtK([T, T, T, F, F], 5, 3)).toBe(1);
    expect(precisionAtK([T, F, T, F, F], 5, 3)).toBe(2 / 3);
    expect(precisionAtK([T, T, T], 10, 3)).toBe(1);
    expect(precisionAtK([T, T, T, T, T], 5, 100)).toBe(1);
  });

  it('is null when the catalog holds nothing relevant (the query says nothing about ranking)', () => {
    expect(precisionAtK([F, F], 5, 0)).toBeNull();
  });

  it('refuses a k that is not a positive integer', () => {
    expect(() => precisionAtK([T], 0)).toThrow(RangeError);
    expect(() => precisionAtK([T], 2.5)).toThrow(RangeError);
  });
});

describe('exact recall', () => {
  it('finds the rank of the one right product', () => {
    expect(rankOf(['a', 'b', 'c'], 'b')).toBe(2);
    expect(rankOf(['a', 'b', 'c'], 'z')).toBeNull();
    expect(rankOf([], 'a')).toBeNull();
    expect(hitAtK(2, 1)).toBe(0);
    expect(hitAtK(2, 10)).toBe(1);
    expect(hitAtK(10, 10)).toBe(1);
    expect(hitAtK(null, 10)).toBe(0);
  });
});

describe('aggregation', () => {
  it('mean and rate leave unknowns out and say null for nothing', () => {
    expect(mean([1, null, 0, undefined])).toBe(0.5);
    expect(mean([])).toBeNull();
    expect(mean([null])).toBeNull();
    expect(rate([1, 2, 3, 4], (x) => x > 1)).toBe(0.75);
    expect(rate([], () => true)).toBeNull();
  });

  it('groups by key in first-seen order with the first display name', () => {
    const groups = groupBy(['Jeans', 'tshirts', 'jeans', 'Tshirts'], (s) => s.toLowerCase(), (s) => s);
    expect(groups).toEqual([
      { name: 'Jeans', items: ['Jeans', 'jeans'] },
      { name: 'tshirts', items: ['tshirts', 'Tshirts'] },
    ]);
  });

  it('rounds shares to 4 decimals, keeping null', () => {
    expect(round(2 / 3)).toBe(0.6667);
    expect(round(null)).toBeNull();
  });
});

describe('topConfusions', () => {
  const o = (label: string, predicted: string | null, correct = false) => ({ label, predicted, correct });

  it('counts label → wrong prediction pairs, most frequent first, ties by label then prediction', () => {
    const out = topConfusions(
      [o('Flats', 'Heels'), o('Flats', 'Heels'), o('Flats', 'Flats', true), o('Flats', 'Sandals'), o('Dresses', 'Tops'), o('Caps', null), o('Caps', 'Caps', true)],
      10,
    );
    expect(out).toEqual([
      { label: 'Flats', predicted: 'Heels', count: 2, share_of_label: 0.5 },
      { label: 'Caps', predicted: '(none)', count: 1, share_of_label: 0.5 },
      { label: 'Dresses', predicted: 'Tops', count: 1, share_of_label: 1 },
      { label: 'Flats', predicted: 'Sandals', count: 1, share_of_label: 0.25 },
    ]);
  });

  it('limits the list, merges spellings by key, and is empty when all are right', () => {
    const key = (s: string) => s.toLowerCase();
    expect(topConfusions([o('Flats', 'Heels'), o('flats', 'HEELS'), o('Dresses', 'Tops')], 1, key)).toEqual([
      { label: 'Flats', predicted: 'Heels', count: 2, share_of_label: 1 },
    ]);
    expect(topConfusions([o('Flats', 'Flats', true)], 5)).toEqual([]);
    expect(topConfusions([], 5)).toEqual([]);
  });
});

describe('sweep helpers', () => {
  it('grid is evenly spaced and free of float drift', () => {
    expect(grid(0, 1, 10)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(grid(0, 1, 20)[7]).toBe(0.35);
    expect(() => grid(0, 1, 0)).toThrow(RangeError);
  });

  it('bestPoint takes the highest value; ties go to the point closest to the current setting, then the smaller one', () => {
    const pts = [
      { x: 0, v: 0.5 },
      { x: 0.3, v: 0.8 },
      { x: 0.7, v: 0.8 },
      { x: 1, v: null },
    ];
    expect(bestPoint(pts, (p) => p.v, (p) => p.x, 0.6)).toEqual({ x: 0.7, v: 0.8 });
    expect(bestPoint(pts, (p) => p.v, (p) => p.x, 0.2)).toEqual({ x: 0.3, v: 0.8 });
    expect(bestPoint(pts, (p) => p.v, (p) => p.x, 0.5)).toEqual({ x: 0.3, v: 0.8 }); // equidistant: smaller
    expect(bestPoint([{ x: 1, v: null }], (p) => p.v, (p) => p.x, 0)).toBeNull();
    expect(bestPoint([], (p: { v: number }) => p.v, () => 0, 0)).toBeNull();
  });
});
