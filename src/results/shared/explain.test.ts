import { describe, expect, it } from 'vitest';
import { calibrate, fuse } from '../../search/shared/fusion.js';
import type { SearchResult } from '../../search/shared/response.js';
import type { Scoring } from '../../search/shared/scoring.js';
import { describeExplanation, explainResult } from './explain.js';

const scoring: Scoring = {
  weights: { semantic: 0.5, visual: 0.5 },
  textPhotoWeight: 0.5,
  calibrate: true,
  calibration: { semanticBaseline: 0.13, visualBaseline: 0.44, textPhotoBaseline: 0.08, textTextBaseline: 0.07, catalogLikeness: { sampled: 0, low: 0, typical: 1 } },
};

function result(semantic: number, visual: number | null, text: number | null = null): SearchResult {
  return {
    rank: 1,
    id: '1',
    filename: '1.jpg',
    product_image: '1.jpg',
    name: null,
    category: 'Tshirts',
    color: 'Blue',
    predicted_color: 'Blue',
    score: 0,
    similarity_score: 0,
    semantic_similarity: semantic,
    visual_similarity: visual,
    text_similarity: text,
  };
}

describe('explainResult', () => {
  it('splits a weighted score into exactly the parts the fusion added up', () => {
    const weights = { semantic: 0.7, visual: 0.3 };
    const [scored] = fuse([{ entry: 0, semantic: 0.8, visual: 0.6 }], 'weighted', weights, {
      rrfK: 60,
      calibration: scoring.calibration,
    });
    const semanticPart = 0.7 * calibrate(0.8, 0.13);
    expect(semanticPart + 0.3 * calibrate(0.6, 0.44)).toBeCloseTo(scored!.score, 12);
    const why = explainResult(result(0.8, 0.6), 'weighted', { ...scoring, weights });
    expect(why).toEqual({ kind: 'photo', looks: Math.round((100 * semanticPart) / scored!.score), colourTexture: 100 - Math.round((100 * semanticPart) / scored!.score) });
  });

  it('uses raw cosines when the index does not calibrate', () => {
    const why = explainResult(result(0.6, 0.2), 'weighted', { ...scoring, calibrate: false });
    expect(why).toEqual({ kind: 'photo', looks: 75, colourTexture: 25 });
  });

  it('gives a signal below its unrelated-pair baseline no share, and always sums to 100', () => {
    expect(explainResult(result(0.5, 0.4), 'weighted', scoring)).toEqual({ kind: 'photo', looks: 100, colourTexture: 0 });
    for (const [s, v] of [[0.31, 0.77], [0.9, 0.9], [0.5, 0.5], [0.2, 0.95]] as const) {
      const why = explainResult(result(s, v), 'rrf', scoring);
      if (why.kind !== 'photo') throw new Error('a photo explanation was expected');
      expect(why.looks + why.colourTexture).toBe(100);
    }
  });

  it('falls back to the weights when nothing speaks for a product', () => {
    expect(explainResult(result(0.1, 0.3), 'weighted', { ...scoring, weights: { semantic: 3, visual: 1 } })).toEqual({ kind: 'photo', looks: 75, colourTexture: 25 });
  });

  it('explains RRF with the calibrated evidence, whatever the calibrate setting', () => {
    const rrf = explainResult(result(0.8, 0.6), 'rrf', { ...scoring, calibrate: false });
    const weighted = explainResult(result(0.8, 0.6), 'weighted', scoring);
    expect(rrf).toEqual(weighted);
  });

  it('splits a text score between the product photo and its name, with the text baselines', () => {
    const photo = 0.5 * calibrate(0.3, 0.08);
    const name = 0.5 * calibrate(0.5, 0.07);
    expect(explainResult(result(0.3, null, 0.5), 'text', scoring)).toEqual({
      kind: 'words',
      photo: Math.round((100 * photo) / (photo + name)),
      name: 100 - Math.round((100 * photo) / (photo + name)),
    });
  });

  it('says so for composed and looks-only rankings', () => {
    expect(explainResult(result(0.5, 0.5), 'composed', scoring)).toEqual({ kind: 'composed' });
    expect(explainResult(result(0.5, 0.5), 'semantic', scoring)).toEqual({ kind: 'looks-only' });
  });
});

describe('describeExplanation', () => {
  it('puts it in words', () => {
    expect(describeExplanation({ kind: 'photo', looks: 62, colourTexture: 38 })).toBe('62 % looks (shape/style) · 38 % colour & texture');
    expect(describeExplanation({ kind: 'words', photo: 55, name: 45 }, ' blue jeans ')).toBe('Matches “blue jeans”: 55 % by its photo · 45 % by its name');
    expect(describeExplanation({ kind: 'composed' }, 'in blue')).toBe('Your photo’s look, moved towards “in blue”');
  });
});
