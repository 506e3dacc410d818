import { describe, expect, it } from 'vitest';
import { acceptedCategories, EMPTY_LABEL_MAP, labelJudge, labelMapToJson, parseLabelMap, parseLabelMapText } from './labels.js';

describe('label map', () => {
  it('maps a foreign label onto several catalog categories, compared case- and space-insensitively', () => {
    const map = parseLabelMapText('{"Pants": ["Trousers", "Jeans", "Track  Pants"], "shoe": "Casual Shoes"}');
    expect([...acceptedCategories('pants', map)]).toEqual(['trousers', 'jeans', 'track pants']);
    expect([...acceptedCategories('SHOE', map)]).toEqual(['casual shoes']);
    const right = labelJudge(map);
    expect(right('pants', 'Jeans')).toBe(true);
    expect(right('PANTS', 'track pants')).toBe(true);
    expect(right('pants', 'Shorts')).toBe(false);
    expect(right('pants', null)).toBe(false);
    expect(labelMapToJson(map)).toEqual({ pants: ['Trousers', 'Jeans', 'Track  Pants'], shoe: ['Casual Shoes'] });
  });

  it('a label without an entry is its own category', () => {
    const right = labelJudge(EMPTY_LABEL_MAP);
    expect(right('Tshirts', 'tshirts')).toBe(true);
    expect(right('Tshirts', 'Tops')).toBe(false);
    // A mapped label no longer accepts its own name unless listed.
    expect(labelJudge(parseLabelMap({ Tops: ['Tshirts'] }))('Tops', 'Tops')).toBe(false);
  });

  it('refuses what is not a label map, saying what it should be', () => {
    expect(() => parseLabelMapText('{pants: [Jeans]}')).toThrow(/not valid JSON/);
    expect(() => parseLabelMapText('["Jeans"]')).toThrow(/must be a JSON object mapping a label to a list of catalog categories/);
    expect(() => parseLabelMapText('null')).toThrow(/must be a JSON object/);
    expect(() => parseLabelMap({ pants: [] })).toThrow(/"pants" must map to a non-empty list/);
    expect(() => parseLabelMap({ pants: [3] })).toThrow(/"pants" must map to a non-empty list/);
    expect(() => parseLabelMap({ pants: ['Jeans', ' '] })).toThrow(/"pants"/);
    expect(() => parseLabelMap({ Pants: ['Jeans'], pants: ['Trousers'] })).toThrow(/listed twice/);
  });
});
