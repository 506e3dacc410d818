/**
 * The JSON contract of a search, shared by the CLI, the worker and the page (v4.1 reference shape, extended).
 *
 * - `score`: the ranking score of the fusion in use, higher is better. Weighted fusion: weighted mean of the
 *   (calibrated) semantic and visual similarities, 1 for an identical image. RRF: reciprocal-rank fusion
 *   normalised so that first in both rankings is 1.
 * - `similarity_score`: fusion-independent similarity: weighted mean of the raw cosines (1 = identical image).
 * - `semantic_similarity` / `visual_similarity`: the raw cosines of the CLIP-family and CNN embeddings.
 * - For a text query, `semantic_similarity` is the cosine between the text and the product photo (CLIP's shared
 *   space), `text_similarity` the cosine between the text and the product's name; `visual_similarity` is null (there
 *   is no photo). For photo queries `text_similarity` is null.
 */
export type SearchStatus = 'success' | 'needs_confirmation' | 'fallback' | 'no_match' | 'error';

export interface SearchResult {
  readonly rank: number;
  readonly id: string;
  readonly filename: string;
  readonly product_image: string;
  readonly name: string | null;
  readonly category: string;
  readonly color: string | null;
  readonly predicted_color: string;
  readonly score: number;
  readonly similarity_score: number;
  readonly semantic_similarity: number;
  readonly visual_similarity: number | null;
  readonly text_similarity: number | null;
}

export interface CategoryGuess {
  readonly category: string;
  readonly confidence: number;
  readonly in_catalog: boolean;
}

export interface SearchResponse {
  readonly status: SearchStatus;
  /** The category searched; null when the whole catalog was searched. */
  readonly category_used: string | null;
  /** Probability of the predicted (or, with an override, the chosen) category, in [0, 1]. */
  readonly confidence: number;
  readonly message: string;
  readonly results: readonly SearchResult[];
  readonly predicted_category: string | null;
  /** The classifier's best guesses, best first, so a page can ask the shopper to confirm. */
  readonly category_candidates: readonly CategoryGuess[];
  /**
   * How results were ranked: a photo fusion; the semantic vector alone (fallback); photo + words composed in the
   * semantic space; or words ↔ product photo + name.
   */
  readonly fusion: 'weighted' | 'rrf' | 'semantic' | 'composed' | 'text';
  /**
   * Photo searches ranked by a fusion (`weighted`, `rrf`): the semantic and visual weights this photo was fused with
   * (the index's, or those the policy picked for a photo unlike the catalog's).
   */
  readonly fusion_weights?: { readonly semantic: number; readonly visual: number };
  /**
   * Photo searches: where the garment seems to be (src/imaging/shared/garment.ts), as shares of the upright photo's
   * width and height; absent when nothing stands out from the background.
   */
  readonly garment_region?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}

export function errorResponse(message: string): SearchResponse {
  return {
    status: 'error',
    category_used: null,
    confidence: 0,
    message,
    results: [],
    predicted_category: null,
    category_candidates: [],
    fusion: 'weighted',
  };
}

/** Throws if anything in the response is not a plain finite JSON value (typed arrays, NaN, undefined...). */
export function assertJsonSafe(value: unknown, path = 'response'): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertJsonSafe(v, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) assertJsonSafe(v, `${path}.${k}`);
    return;
  }
  throw new TypeError(`${path} is not a plain JSON value`);
}

/** Words that say nothing get this answer, before any model is loaded for them; null for real words. */
export function blankWords(text: string): SearchResponse | null {
  return text.trim() === '' ? errorResponse('type what you are looking for') : null;
}
