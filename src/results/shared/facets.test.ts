import { describe, expect, it } from 'vitest';
import type { SearchResult } from '../../search/shared/response.js';
import { colourOf, facets, NO_REFINEMENT, refine, toggle } from './facets.js';

const product = (id: string, category: string, color: string | null, predicted = 'Grey'): SearchResult => ({
  rank: Number(id),
  id,
  filename: `${id}.jpg`,
  product_image: `${id}.jpg`,
  name: null,
  category,
  color,
  predicted_color: predicted,
  score: 1,
  similarity_score: 1,
  semantic_similarity: 1,
  visual_similarity: 1,
  text_similarity: null,
});

const results = [
  product('1', 'Jeans', 'Blue'),
  product('2', 'Jeans', 'Black'),
  product('3', 'Tshirts', 'Blue'),
  product('4', 'Jeans', 'Blue'),
  product('5', 'Tshirts', null, 'Black'),
];

describe('facets', () => {
  it('counts every value, most first, ties alphabetical', () => {
    expect(facets(results, NO_REFINEMENT, 'category')).toEqual([
      { value: 'Jeans', count: 3, selected: false },
      { value: 'Tshirts', count: 2, selected: false },
    ]);
    // An unlabelled product counts under its predicted colour.
    expect(facets(results, NO_REFINEMENT, 'colour').map((f) => [f.value, f.count])).toEqual([['Blue', 3], ['Black', 2]]);
    expect(colourOf(results[4]!)).toBe('Black');
  });

  it('counts each group within the other group’s choice, so a count is what the chip shows', () => {
    const jeans = toggle(NO_REFINEMENT, 'category', 'Jeans');
    expect(facets(results, jeans, 'colour').map((f) => [f.value, f.count])).toEqual([['Blue', 2], ['Black', 1]]);
    expect(facets(results, jeans, 'category').find((f) => f.selected)).toEqual({ value: 'Jeans', count: 3, selected: true });
    const blueJeans = toggle(jeans, 'colour', 'Blue');
    expect(refine(results, blueJeans).map((r) => r.id)).toEqual(['1', '4']);
    for (const group of ['category', 'colour'] as const) {
      for (const f of facets(results, blueJeans, group)) {
        expect(refine(results, { ...blueJeans, [group]: f.value })).toHaveLength(f.count);
      }
    }
  });

  it('lists a selected value even when nothing matches it any more', () => {
    expect(facets([], { category: 'Jeans', colour: null }, 'category')).toEqual([{ value: 'Jeans', count: 0, selected: true }]);
  });
});

describe('toggle', () => {
  it('selects, replaces and clears a group’s value', () => {
    const a = toggle(NO_REFINEMENT, 'colour', 'Blue');
    expect(a).toEqual({ category: null, colour: 'Blue' });
    expect(toggle(a, 'colour', 'Black')).toEqual({ category: null, colour: 'Black' });
    expect(toggle(a, 'colour', 'Blue')).toEqual(NO_REFINEMENT);
  });

  it('keeps the order of the results', () => {
    expect(refine(results, toggle(NO_REFINEMENT, 'colour', 'Blue')).map((r) => r.id)).toEqual(['1', '3', '4']);
  });
});
