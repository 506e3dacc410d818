import type { Framing } from '../../imaging/shared/preprocess.js';

export type FusionMode = 'weighted' | 'rrf';

/** Query-time policy parameters (config/search.json → baked into each artifact manifest). */
export interface SearchConfig {
  readonly topK: number;
  readonly fusion: FusionMode;
  readonly weights: { readonly semantic: number; readonly visual: number };
  /** Rescale each model's cosine so a typical unrelated pair scores 0 and an identical image 1 before mixing. */
  readonly calibrate: boolean;
  readonly rrfK: number;
  /** Below this category confidence the whole catalog is searched and the status is `needs_confirmation`. */
  readonly confidenceThreshold: number;
  /** Share of zero-shot text prompts in the category prediction; the rest comes from labelled nearest neighbours. */
  readonly zeroShotWeight: number;
  readonly neighborVotes: number;
  readonly neighborTemperature: number;
  /** How many semantic nearest neighbours an ANN index returns for exact re-ranking. */
  readonly candidates: number;
  readonly efSearch: number;
  /** Photo + text ("like this, but in blue"): weight of the text embedding added to the photo's semantic one. */
  readonly composeTextWeight: number;
  /** Text queries: share of the text ↔ product photo similarity; the rest is text ↔ product name. */
  readonly textPhotoWeight: number;
  /**
   * A photo whose best whole-catalog neighbour scores at least this (mean of its semantic and visual cosines) is that
   * product: its category is the neighbour's, whatever the prompts say. null: no such rule.
   */
  readonly nearIdenticalSimilarity: number | null;
  /**
   * How photos unlike the catalog's own (a shopper's: hangers, floors, clutter) are read, once the photo's nearest
   * product is less similar than the catalog's products are to each other (manifest.calibration.catalogLikeness).
   * null: every photo is read as a catalog-like one.
   */
  readonly shopperPhotos: ShopperPhotoConfig | null;
  /** Turns what the policy knows of a photo into the probability that its category is right. null: the raw classifier share. */
  readonly confidenceModel: ConfidenceModel | null;
}

/** The category and fusion parameters used instead of the defaults for photos unlike the catalog's. */
export interface ShopperPhotoConfig {
  readonly zeroShotWeight: number;
  readonly neighborVotes: number;
  readonly neighborTemperature: number;
  /** Per-query fusion: such photos trust each signal this much (the CNN's texture match means less off the studio). */
  readonly weights: { readonly semantic: number; readonly visual: number };
}

/**
 * A logistic model: confidence = σ(intercept + Σ coefficient · feature), fitted on labelled photos by
 * scripts/fit-confidence.ts (which documents each feature) so that a confidence of p is right about p of the time.
 */
export interface ConfidenceModel {
  readonly intercept: number;
  /** The classifier's share for its best guess, in [0, 1]. */
  readonly topShare: number;
  /** How catalog-like the photo is (0 at the catalog's 5th percentile of nearest-neighbour similarity, 1 at its median). */
  readonly likeness: number;
  /** 1 when the prompts alone and the neighbours' labels alone name the same category, else 0. */
  readonly agreement: number;
}

export interface IndexConfig {
  /** Categories (and catalogs) smaller than this are scanned exactly instead of getting an HNSW index. */
  readonly exactBelow: number;
  readonly m: number;
  readonly efConstruction: number;
  readonly augmentCopies: number;
  /** Applied to catalog images at build and to every query photo, so both sides frame alike. */
  readonly framing: Framing;
  readonly semanticEncoding: 'f32' | 'f16' | 'i8';
  readonly visualEncoding: 'f32' | 'f16' | 'i8';
  readonly textEncoding: 'f32' | 'f16' | 'i8';
}

function positiveInt(name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

function unitInterval(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${name} must be a number in [0, 1], got ${String(v)}`);
  return v;
}

export function validateSearchConfig(c: SearchConfig): SearchConfig {
  positiveInt('topK', c.topK);
  if (c.fusion !== 'weighted' && c.fusion !== 'rrf') throw new Error(`fusion must be "weighted" or "rrf", got ${String(c.fusion)}`);
  unitInterval('weights.semantic', c.weights.semantic);
  unitInterval('weights.visual', c.weights.visual);
  if (c.weights.semantic + c.weights.visual === 0) throw new Error('weights.semantic and weights.visual cannot both be 0');
  positiveInt('rrfK', c.rrfK, 0);
  unitInterval('confidenceThreshold', c.confidenceThreshold);
  unitInterval('zeroShotWeight', c.zeroShotWeight);
  positiveInt('neighborVotes', c.neighborVotes);
  if (!(c.neighborTemperature > 0)) throw new Error('neighborTemperature must be > 0');
  positiveInt('candidates', c.candidates);
  positiveInt('efSearch', c.efSearch);
  if (!(c.composeTextWeight >= 0 && c.composeTextWeight <= 4)) throw new Error(`composeTextWeight must be in [0, 4], got ${String(c.composeTextWeight)}`);
  unitInterval('textPhotoWeight', c.textPhotoWeight);
  if (c.nearIdenticalSimilarity !== null) unitInterval('nearIdenticalSimilarity', c.nearIdenticalSimilarity);
  if (c.shopperPhotos !== null) {
    const s = c.shopperPhotos;
    if (typeof s !== 'object') throw new Error('shopperPhotos must be an object or null');
    unitInterval('shopperPhotos.zeroShotWeight', s.zeroShotWeight);
    positiveInt('shopperPhotos.neighborVotes', s.neighborVotes);
    if (!(s.neighborTemperature > 0)) throw new Error('shopperPhotos.neighborTemperature must be > 0');
    unitInterval('shopperPhotos.weights.semantic', s.weights?.semantic);
    unitInterval('shopperPhotos.weights.visual', s.weights.visual);
    if (s.weights.semantic + s.weights.visual === 0) throw new Error('shopperPhotos.weights cannot both be 0');
  }
  if (c.confidenceModel !== null) {
    for (const k of ['intercept', 'topShare', 'likeness', 'agreement'] as const) {
      const v = c.confidenceModel?.[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`confidenceModel.${k} must be a finite number, got ${String(v)}`);
    }
  }
  return c;
}

export function validateIndexConfig(c: IndexConfig): IndexConfig {
  positiveInt('exactBelow', c.exactBelow, 0);
  positiveInt('m', c.m, 2);
  positiveInt('efConstruction', c.efConstruction);
  positiveInt('augmentCopies', c.augmentCopies, 0);
  if (c.framing !== 'crop' && c.framing !== 'squash') throw new Error(`framing must be "crop" or "squash", got ${String(c.framing)}`);
  for (const k of ['semanticEncoding', 'visualEncoding', 'textEncoding'] as const) {
    if (!['f32', 'f16', 'i8'].includes(c[k])) throw new Error(`${k} must be f32, f16 or i8`);
  }
  return c;
}
