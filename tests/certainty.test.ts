import { describe, expect, it } from 'vitest';
import type { ConfidenceModel, SearchConfig } from '../src/artifacts/shared/config.js';
import { configWith, TECHNIQUES } from '../src/eval/shared/ablation.js';
import { calibrationOf, type Judged } from '../src/eval/shared/evaluate.js';
import { fitConfidenceModel, thresholdOutcome, type ConfidenceExample } from '../src/eval/shared/fit-confidence.js';
import { assessPhoto, calibratedConfidence } from '../src/search/shared/certainty.js';
import { likenessOf, measureCatalogLikeness } from '../src/search/shared/likeness.js';
import { searchCatalog, type QueryVectors } from '../src/search/shared/policy.js';
import { seededRandom } from '../src/vectors/shared/random.js';
import { normalize } from '../src/vectors/shared/vector.js';
import { TOY_SEARCH_CONFIG, toyProduct, toySource } from './helpers/toy-catalog.js';

// The model config/search.json shipped with when these tests were written (fitted on the shoppers' photos).
const MODEL: ConfidenceModel = { intercept: -1.1984, topShare: 2.2431, likeness: 0.2764, agreement: -0.3091 };

describe('calibrated confidence', () => {
  it('is σ(intercept + Σ coefficient · feature), worked out by hand', () => {
    // z = -1.1984 + 2.2431·0.5 + 0.2764·(-2) - 0.3091·0 = -0.62965 → σ(z) = 0.34759
    expect(calibratedConfidence(MODEL, { topShare: 0.5, likeness: -2, agreement: 0 })).toBeCloseTo(0.34759, 4);
    // A catalog-like photo whose guess has most of the say: z = -1.1984 + 2.2431·0.9 + 0.2764·1 - 0.3091 = 0.78769
    expect(calibratedConfidence(MODEL, { topShare: 0.9, likeness: 1, agreement: 1 })).toBeCloseTo(0.68733, 4);
  });

  it('clips likeness: a photo far from every product is no less sure than one merely far', () => {
    const far = calibratedConfidence(MODEL, { topShare: 0.4, likeness: -5, agreement: 1 });
    expect(calibratedConfidence(MODEL, { topShare: 0.4, likeness: -60, agreement: 1 })).toBe(far);
    expect(calibratedConfidence(MODEL, { topShare: 0.4, likeness: -4, agreement: 1 })).toBeGreaterThan(far);
  });

  it('rises with the share of the best guess and with likeness (the fitted signs)', () => {
    const at = (topShare: number, likeness: number) => calibratedConfidence(MODEL, { topShare, likeness, agreement: 0 });
    expect(at(0.8, -2)).toBeGreaterThan(at(0.4, -2));
    expect(at(0.4, 1)).toBeGreaterThan(at(0.4, -2));
  });
});

describe('catalog likeness', () => {
  it('places a photo on the catalog’s own nearest-neighbour scale: 0 at the 5th percentile, 1 at the median', () => {
    const catalog = { sampled: 500, low: 0.93, typical: 0.98 };
    expect(likenessOf(0.93, catalog)).toBeCloseTo(0, 12);
    expect(likenessOf(0.98, catalog)).toBeCloseTo(1, 12);
    expect(likenessOf(0.84, catalog)).toBeCloseTo(-1.8, 12); // a typical shopper's photo of the demo catalog
  });

  it('measures each sampled product against every other one, never itself', () => {
    // Pairs of near twins at known angles: each product's nearest other product is its twin.
    const at = (deg: number) => normalize([Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180), 0]);
    const twins = (deg: number, gap: number) => [at(deg), at(deg + gap)];
    const vectors = [...twins(0, 10), ...twins(90, 20), ...twins(180, 30)].map((v, i) => (i >= 4 ? normalize([v[0]!, v[1]!, 0.0]) : v));
    const stats = measureCatalogLikeness(vectors.length, (i) => vectors[i]!, 7, 100);
    expect(stats.sampled).toBe(6);
    // Nearest similarities: cos 10° ×2, cos 20° ×2, cos 30° ×2 → median cos 20°, 5th percentile near cos 30°.
    expect(stats.typical).toBeCloseTo(Math.cos((20 * Math.PI) / 180), 6);
    expect(stats.low).toBeCloseTo(Math.cos((30 * Math.PI) / 180), 6);
  });
});

// A 4-d toy world: axis 0 = shirts, axis 1 = jeans, axis 2 = watches (not in stock), axis 3 = the photo's own look.
const SHIRT = [1, 0, 0, 0];
const JEANS = [0, 1, 0, 0];
const WATCH = [0, 0, 1, 0];
const query = (semantic: number[], visual: number[] = semantic): QueryVectors => ({ semantic: normalize(semantic), visual: normalize(visual) });

function shop(search: Partial<SearchConfig>, catalogLikeness = { sampled: 4, low: 0.95, typical: 0.99 }) {
  return toySource({
    products: [toyProduct('s1', 'Shirts'), toyProduct('s2', 'Shirts'), toyProduct('j1', 'Jeans'), toyProduct('j2', 'Jeans')],
    semantic: [[1, 0, 1.3, 0], [1, 0, 0, 0.3], [0, 1, 0, 0.1], [0, 1, 0, 0.3]],
    visual: [[1, 0, 1.3, 0], [1, 0, 0, 0.3], [0, 1, 0, 0.1], [0, 1, 0, 0.3]],
    prompts: { categories: ['Shirts', 'Jeans', 'Watches'], vectors: [SHIRT, JEANS, WATCH] },
    search: { ...TOY_SEARCH_CONFIG, ...search },
    catalogLikeness,
  });
}

describe('the policy on near-identical, catalog-like and shoppers’ photos', () => {
  // s1 is a shirt whose photo the prompts read as a watch: a photo of s1 itself is still a shirt.
  const photoOfS1 = query([1, 0, 1.3, 0]);

  it('a photo that is a catalog product takes its category, confidently, whatever the prompts say', async () => {
    const r = await searchCatalog(shop({ nearIdenticalSimilarity: 0.99 }), photoOfS1);
    expect(r.status).toBe('success');
    expect(r.category_used).toBe('Shirts');
    expect(r.predicted_category).toBe('Shirts');
    expect(r.confidence).toBeGreaterThan(0.99);
    expect(r.results[0]!.id).toBe('s1');
  });

  it('without the rule the prompts win and the same photo is sent elsewhere', async () => {
    const r = await searchCatalog(shop({ nearIdenticalSimilarity: null, zeroShotWeight: 1 }), photoOfS1);
    expect(r.predicted_category).toBe('Watches');
    expect(r.status).not.toBe('success');
  });

  it('a photo unlike every catalog photo says so, and is fused with the shopper-photo weights', async () => {
    const shopperPhotos = { zeroShotWeight: 0.1, neighborVotes: 4, neighborTemperature: 10, weights: { semantic: 0.75, visual: 0.25 } };
    // Nearest product similarity ≈ 0.71, far below the catalog's low end of 0.95.
    const r = await searchCatalog(shop({ shopperPhotos, confidenceModel: MODEL, confidenceThreshold: 0.6 }), query([1, 1, 0, 0.2]));
    expect(r.status).toBe('needs_confirmation');
    expect(r.message).toMatch(/^This photo doesn't look much like anything in this shop/);
    expect(r.message).toMatch(/draw a box around the garment/);
    expect(r.fusion_weights).toEqual({ semantic: 0.75, visual: 0.25 });
  });

  it('a catalog-like photo keeps the index weights and the usual words', async () => {
    const shopperPhotos = { zeroShotWeight: 0.1, neighborVotes: 4, neighborTemperature: 10, weights: { semantic: 0.75, visual: 0.25 } };
    const r = await searchCatalog(shop({ shopperPhotos, confidenceThreshold: 1 }, { sampled: 4, low: 0.5, typical: 0.9 }), query([1, 0.8, 0, 0.2]));
    expect(r.status).toBe('needs_confirmation');
    expect(r.message).toMatch(/^We aren't sure what this is/);
    expect(r.fusion_weights).toEqual({ semantic: 0.5, visual: 0.5 });
  });

  it('the confidence model, not the raw share, decides the status', async () => {
    const photo = query([1, 0.1, 0, 0.2]);
    const assessment = await assessPhoto(shop({ confidenceModel: MODEL }), photo, { ...TOY_SEARCH_CONFIG, confidenceModel: MODEL });
    expect(assessment.confidence).toBeCloseTo(calibratedConfidence(MODEL, assessment.features!), 12);
    const sure = await searchCatalog(shop({ confidenceModel: { ...MODEL, intercept: 3 }, confidenceThreshold: 0.5 }), photo);
    const unsure = await searchCatalog(shop({ confidenceModel: { ...MODEL, intercept: -3 }, confidenceThreshold: 0.5 }), photo);
    expect(sure.status).toBe('success');
    expect(unsure.status).toBe('needs_confirmation');
    expect(sure.category_candidates).toEqual(unsure.category_candidates);
  });

  it('weights a request names are kept, whatever kind of photo', async () => {
    const shopperPhotos = { zeroShotWeight: 0.1, neighborVotes: 4, neighborTemperature: 10, weights: { semantic: 0.75, visual: 0.25 } };
    const r = await searchCatalog(shop({ shopperPhotos }), query([1, 1, 0, 0.2]), { weights: { semantic: 0.2, visual: 0.8 } });
    expect(r.fusion_weights).toEqual({ semantic: 0.2, visual: 0.8 });
  });
});

describe('fitting the confidence model', () => {
  it('recovers the coefficients of photos drawn from a known model', () => {
    const truth: ConfidenceModel = { intercept: -1, topShare: 3, likeness: 0.5, agreement: 0.8 };
    const random = seededRandom(3);
    const examples: ConfidenceExample[] = Array.from({ length: 6000 }, () => {
      const features = { topShare: random(), likeness: -4 + 5 * random(), agreement: random() < 0.5 ? 1 : 0 };
      return { features, right: random() < calibratedConfidence(truth, features) };
    });
    const fitted = fitConfidenceModel(examples);
    expect(fitted.intercept).toBeCloseTo(truth.intercept, 0);
    expect(fitted.topShare).toBeCloseTo(truth.topShare, 0);
    expect(Math.abs(fitted.likeness - truth.likeness)).toBeLessThan(0.15);
    expect(Math.abs(fitted.agreement - truth.agreement)).toBeLessThan(0.25);
    // Calibrated: photos it gives about 0.7 are right about 70 % of the time.
    const around = examples.filter((e) => Math.abs(calibratedConfidence(fitted, e.features) - 0.7) < 0.05);
    expect(around.filter((e) => e.right).length / around.length).toBeCloseTo(0.7, 1);
  });

  it('reports what a threshold does: confirmations and accuracy of the rest', () => {
    const model: ConfidenceModel = { intercept: 0, topShare: 1, likeness: 0, agreement: 0 };
    const e = (topShare: number, right: boolean) => ({ features: { topShare, likeness: 0, agreement: 0 }, right });
    // σ(0.9) = 0.71, σ(0.1) = 0.52, σ(-2) = 0.12: at 0.6 one of three is confident, and it is right.
    const outcome = thresholdOutcome([e(0.9, true), e(0.1, false), e(-2, false)], model, 0.6);
    expect(outcome.needs_confirmation_rate).toBeCloseTo(2 / 3, 12);
    expect(outcome.accuracy_when_confident).toBe(1);
  });

  it('refuses to fit on nothing', () => {
    expect(() => fitConfidenceModel([])).toThrow(/no examples/);
  });
});

describe('eval: reliability curve and ablation switches', () => {
  const judged = (confidence: number, right: boolean): Judged => ({
    status: 'success',
    predicted: 'Shirts',
    confidence,
    categoryRight: right,
    precision: [null, null],
    exactRank: null,
    catalogId: false,
    searchMs: 1,
  });

  it('bins photos by confidence and says how often each bin was right', () => {
    const report = calibrationOf([judged(0.05, false), judged(0.35, true), judged(0.32, false), judged(1, true), judged(0.95, true)]);
    expect(report.reliability).toHaveLength(10);
    expect(report.reliability[0]).toEqual({ from: 0, to: 0.1, queries: 1, mean_confidence: 0.05, accuracy: 0 });
    expect(report.reliability[3]).toEqual({ from: 0.3, to: 0.4, queries: 2, mean_confidence: 0.335, accuracy: 0.5 });
    expect(report.reliability[9]).toEqual({ from: 0.9, to: 1, queries: 2, mean_confidence: 0.975, accuracy: 1 });
    // (1·0.05 + 2·0.165 + 2·0.025) / 5
    expect(report.expected_calibration_error).toBeCloseTo(0.086, 4);
  });

  it('switches each technique on alone, the others back to before any of them', () => {
    const config: SearchConfig = {
      ...TOY_SEARCH_CONFIG,
      nearIdenticalSimilarity: 0.99,
      confidenceModel: MODEL,
      shopperPhotos: { zeroShotWeight: 0.1, neighborVotes: 30, neighborTemperature: 10, weights: { semantic: 0.75, visual: 0.25 } },
    };
    expect(configWith(config, new Set())).toEqual({ nearIdenticalSimilarity: null, confidenceModel: null, shopperPhotos: null });
    expect(configWith(config, new Set(['per_query_fusion'])).shopperPhotos).toEqual({
      zeroShotWeight: TOY_SEARCH_CONFIG.zeroShotWeight,
      neighborVotes: TOY_SEARCH_CONFIG.neighborVotes,
      neighborTemperature: TOY_SEARCH_CONFIG.neighborTemperature,
      weights: { semantic: 0.75, visual: 0.25 },
    });
    expect(configWith(config, new Set(['shopper_reading'])).shopperPhotos!.weights).toEqual(TOY_SEARCH_CONFIG.weights);
    expect(configWith(config, new Set(TECHNIQUES))).toEqual({
      nearIdenticalSimilarity: 0.99,
      confidenceModel: MODEL,
      shopperPhotos: config.shopperPhotos,
    });
  });
});
