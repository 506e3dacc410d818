/**
 * Why a result is where it is, in a shopper's words: how much of its score came from each signal the search fused.
 * Pure arithmetic on the response's fields and the scoring parameters the index was built with, so the page and
 * anything else reading a response explain it the same way.
 */
import { calibrate, type FusionWeights } from '../../search/shared/fusion.js';
import type { SearchResponse, SearchResult } from '../../search/shared/response.js';
import type { Scoring } from '../../search/shared/scoring.js';

/** Whole percents of the two fused signals, summing to 100. */
export interface Shares {
  readonly first: number;
  readonly second: number;
}

export type Explanation =
  /** A photo: CLIP-family similarity (what it is, its shape and style) against the CNN's (colour and texture). */
  | { readonly kind: 'photo'; readonly looks: number; readonly colourTexture: number }
  /** Words alone: their similarity to the product photo against their similarity to its name. */
  | { readonly kind: 'words'; readonly photo: number; readonly name: number }
  /** A photo moved by words: ranked on one vector, the photo's look plus the words, nothing to split. */
  | { readonly kind: 'composed' }
  /** An out-of-stock kind of item: ranked on the photo's look alone. */
  | { readonly kind: 'looks-only' };

/**
 * Each signal's part of the score: its weight times its calibrated similarity (0 for a typical unrelated pair),
 * floored at 0 — a signal that speaks against a product contributes nothing to why it is shown. For weighted fusion
 * the two parts add up to `score` exactly (when neither is negative). RRF scores come from ranks the response does
 * not carry, so its shares are those of the same evidence, calibrated as weighted fusion would: which signal speaks
 * for the product, and how strongly.
 */
function shares(first: number, second: number, weights: FusionWeights, baselines: readonly [number, number] | null): Shares {
  const total = weights.semantic + weights.visual;
  const part = (similarity: number, weight: number, baseline: number | undefined) =>
    (weight / total) * Math.max(0, baseline === undefined ? similarity : calibrate(similarity, baseline));
  let a = part(first, weights.semantic, baselines?.[0]);
  let b = part(second, weights.visual, baselines?.[1]);
  if (a + b === 0) [a, b] = [weights.semantic, weights.visual]; // nothing speaks for it: say how it was weighed
  const firstPercent = Math.round((100 * a) / (a + b));
  return { first: firstPercent, second: 100 - firstPercent };
}

export function explainResult(result: SearchResult, fusion: SearchResponse['fusion'], scoring: Scoring): Explanation {
  const { calibration } = scoring;
  switch (fusion) {
    case 'composed':
      return { kind: 'composed' };
    case 'semantic':
      return { kind: 'looks-only' };
    case 'text': {
      const weights = { semantic: scoring.textPhotoWeight, visual: 1 - scoring.textPhotoWeight };
      const baselines = [calibration.textPhotoBaseline, calibration.textTextBaseline] as const;
      const s = shares(result.semantic_similarity, result.text_similarity ?? 0, weights, scoring.calibrate ? baselines : null);
      return { kind: 'words', photo: s.first, name: s.second };
    }
    case 'weighted':
    case 'rrf': {
      const calibrated = fusion === 'rrf' || scoring.calibrate;
      const baselines = [calibration.semanticBaseline, calibration.visualBaseline] as const;
      const s = shares(result.semantic_similarity, result.visual_similarity ?? 0, scoring.weights, calibrated ? baselines : null);
      return { kind: 'photo', looks: s.first, colourTexture: s.second };
    }
  }
}

/** One line under a card. `words`: what the shopper typed, for searches with words. */
export function describeExplanation(explanation: Explanation, words = ''): string {
  const typed = words.trim() ? `“${words.trim()}”` : 'your words';
  switch (explanation.kind) {
    case 'photo':
      return `${explanation.looks} % looks (shape/style) · ${explanation.colourTexture} % colour & texture`;
    case 'words':
      return `Matches ${typed}: ${explanation.photo} % by its photo · ${explanation.name} % by its name`;
    case 'composed':
      return `Your photo’s look, moved towards ${typed}`;
    case 'looks-only':
      return '100 % looks (shape/style): the closest kind of item in stock';
  }
}
