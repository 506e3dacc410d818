import type { ConfidenceModel, SearchConfig } from '../../artifacts/shared/config.js';
import type { Product } from '../../artifacts/shared/format.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { readCategory } from './classify.js';
import type { FusionWeights } from './fusion.js';
import { likenessOf } from './likeness.js';
import type { CategoryGuess } from './response.js';
import type { CatalogSource, Neighbour, SourceCandidate } from './source.js';

/** Likeness is clipped to this range before it enters the confidence model: beyond it, a photo is no more (un)like. */
const LIKENESS_RANGE = [-5, 2] as const;

/** What the confidence model reads of a photo (ConfidenceModel documents each). */
export interface ConfidenceFeatures {
  readonly topShare: number;
  readonly likeness: number;
  readonly agreement: number;
}

/** The features as the model reads them, in the order of its coefficients (after the intercept). */
export function modelInputs(features: ConfidenceFeatures): [topShare: number, likeness: number, agreement: number] {
  return [features.topShare, Math.min(LIKENESS_RANGE[1], Math.max(LIKENESS_RANGE[0], features.likeness)), features.agreement];
}

/** The probability that the best guess is right: σ(intercept + Σ coefficient · feature). */
export function calibratedConfidence(model: ConfidenceModel, features: ConfidenceFeatures): number {
  const [topShare, likeness, agreement] = modelInputs(features);
  const z = model.intercept + model.topShare * topShare + model.likeness * likeness + model.agreement * agreement;
  return 1 / (1 + Math.exp(-z));
}

/** Everything the policy decides a photo's scope and ranking from. */
export interface PhotoAssessment {
  /** Category guesses, best first (a near-identical product's category leads). */
  readonly guesses: CategoryGuess[];
  /** How likely the first guess is right: calibrated by the confidence model when the index has one. */
  readonly confidence: number;
  /** Whether the photo was read as a catalog-like one (always, when the index has no shopperPhotos settings). */
  readonly catalogLike: boolean;
  /** The semantic and visual weights this photo's results are fused with. */
  readonly weights: FusionWeights;
  /** What the confidence model read (null for a photo near-identical to a product: the rule decides it). */
  readonly features: ConfidenceFeatures | null;
}

/**
 * Reads a photo before searching: how close its nearest catalog products are (near-identical? catalog-like or a
 * shopper's own photo?), its category guesses under the parameters of that kind of photo, how far those guesses can
 * be trusted, and how much each signal is trusted for its ranking.
 */
export async function assessPhoto(
  source: CatalogSource,
  query: { readonly semantic: Float32Array; readonly visual: Float32Array },
  config: SearchConfig,
): Promise<PhotoAssessment> {
  // One whole-catalog lookup serves every reading: enough nearest products for the votes of either kind of photo
  // (which kind is known only from the nearest one), each with both similarities for the near-identical rule.
  const votes = Math.max(config.neighborVotes, config.shopperPhotos?.neighborVotes ?? 0);
  const found = await source.candidates({
    scope: null,
    probe: query.semantic,
    limit: votes * source.info.entriesPerProduct,
    second: { space: 'visual', vector: query.visual },
  });
  // Best first (an exact scope returns its entries in row order), ties by entry as the exact scan orders them.
  const nearest = [...found].sort((a, b) => b.semantic - a.semantic || a.entry - b.entry);
  // The closest of the nearest entries by both signals (the near-identical rule), and the highest semantic similarity (likeness).
  let closest: { product: Product; similarity: number } | null = null;
  for (const c of nearest.slice(0, config.neighborVotes)) {
    const similarity = (c.semantic + c.visual) / 2;
    if (closest === null || similarity > closest.similarity) closest = { product: c.product, similarity };
  }
  const likeness = likenessOf(nearest[0]?.semantic ?? -1, source.info.calibration.catalogLikeness);
  const shopper = config.shopperPhotos !== null && likeness < 0 ? config.shopperPhotos : null;
  const readAs = shopper ?? config;
  const reading = readCategory(source.info, query.semantic, votersOf(nearest, readAs.neighborVotes), readAs);

  if (closest !== null && config.nearIdenticalSimilarity !== null && closest.similarity >= config.nearIdenticalSimilarity) {
    const category = closest.product.category;
    const guesses = [
      { category, confidence: closest.similarity, in_catalog: true },
      ...reading.guesses.filter((g) => categoryKey(g.category) !== categoryKey(category)),
    ];
    return { guesses, confidence: closest.similarity, catalogLike: true, weights: config.weights, features: null };
  }

  const top = reading.guesses[0]!;
  const agrees = reading.zeroShotBest !== null && reading.neighboursBest !== null && categoryKey(reading.zeroShotBest) === categoryKey(reading.neighboursBest);
  const features: ConfidenceFeatures = { topShare: top.confidence, likeness, agreement: agrees ? 1 : 0 };
  const confidence = config.confidenceModel ? calibratedConfidence(config.confidenceModel, features) : top.confidence;
  return { guesses: reading.guesses, confidence, catalogLike: shopper === null, weights: shopper?.weights ?? config.weights, features };
}

/** The first `products` products of entries ordered best first, one vote each (augmented copies count once). */
function votersOf(nearest: readonly SourceCandidate[], products: number): Neighbour[] {
  const seen = new Set<string>();
  const voters: Neighbour[] = [];
  for (const c of nearest) {
    if (voters.length >= products) break;
    if (seen.has(c.product.id)) continue;
    seen.add(c.product.id);
    voters.push({ category: c.product.category, score: c.semantic });
  }
  return voters;
}
