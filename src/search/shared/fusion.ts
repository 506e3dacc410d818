import type { FusionMode } from '../../artifacts/shared/config.js';
import { kthLargest } from '../../ann/shared/select.js';

export interface Candidate {
  readonly entry: number;
  readonly semantic: number;
  readonly visual: number;
}

export interface Scores {
  readonly score: number;
  /** Weighted mean of the raw cosines: comparable across queries and fusion modes. */
  readonly similarity: number;
}

export type ScoredCandidate<C extends Candidate = Candidate> = C & Scores;

export interface FusionWeights {
  readonly semantic: number;
  readonly visual: number;
}

/** Zero points of each space: the mean cosine of unrelated catalog pairs. */
export interface Calibration {
  readonly semanticBaseline: number;
  readonly visualBaseline: number;
}

/**
 * Maps a cosine so that a typical unrelated pair scores 0 and an identical image still scores 1. CNN features are
 * non-negative, so their cosines sit high and flat; without this the visual term would barely move the ranking.
 */
export function calibrate(cosine: number, baseline: number): number {
  return (cosine - baseline) / (1 - baseline);
}

function normalized(weights: FusionWeights): FusionWeights {
  const total = weights.semantic + weights.visual;
  return { semantic: weights.semantic / total, visual: weights.visual / total };
}

function ranks(candidates: readonly Candidate[], key: 'semantic' | 'visual'): Map<number, number> {
  const order = [...candidates].sort((a, b) => b[key] - a[key] || a.entry - b.entry);
  return new Map(order.map((c, i) => [c.entry, i + 1]));
}

/**
 * A candidate with its scores. Object.assign, not a spread: V8 spreads objects holding double fields (every
 * candidate's cosines) on a slow path, about 2 µs each — measured 18 times slower, most of a 256-candidate fusion.
 */
const scoredCopy = <C extends Candidate>(c: C, scores: Scores): ScoredCandidate<C> => Object.assign({}, c, scores);

/**
 * Each candidate's scores, in the candidates' order.
 * - weighted: w_s·s + w_v·v over calibrated (or raw) cosines.
 * - rrf: true reciprocal rank fusion, Σ w / (k + rank), divided by its maximum so first-in-both scores 1.
 */
function fusedScores(
  candidates: readonly Candidate[],
  mode: FusionMode,
  weights: FusionWeights,
  options: { readonly rrfK: number; readonly calibration: Calibration | null },
): { score: Float64Array; similarity: Float64Array } {
  const w = normalized(weights);
  const n = candidates.length;
  const score = new Float64Array(n);
  const similarity = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    similarity[i] = w.semantic * c.semantic + w.visual * c.visual;
  }
  if (mode === 'weighted') {
    const cal = options.calibration;
    for (let i = 0; i < n; i++) {
      const c = candidates[i]!;
      score[i] = cal ? w.semantic * calibrate(c.semantic, cal.semanticBaseline) + w.visual * calibrate(c.visual, cal.visualBaseline) : similarity[i]!;
    }
  } else {
    const semanticRank = ranks(candidates, 'semantic');
    const visualRank = ranks(candidates, 'visual');
    const k = options.rrfK;
    const best = w.semantic / (k + 1) + w.visual / (k + 1);
    for (let i = 0; i < n; i++) {
      const c = candidates[i]!;
      score[i] = (w.semantic / (k + semanticRank.get(c.entry)!) + w.visual / (k + visualRank.get(c.entry)!)) / best;
    }
  }
  return { score, similarity };
}

/**
 * Candidates' positions, best first: by score, then similarity, then entry (stable for equal entries). With `first`,
 * only the `first` best and those tied with the last of them: the same first positions, without sorting the rest.
 */
function fusedOrder(candidates: readonly Candidate[], { score, similarity }: { score: Float64Array; similarity: Float64Array }, first = Infinity): number[] {
  const order: number[] = [];
  if (first < candidates.length) {
    const threshold = kthLargest(score.slice(), first);
    for (let i = 0; i < candidates.length; i++) if (score[i]! >= threshold) order.push(i);
  } else {
    for (let i = 0; i < candidates.length; i++) order.push(i);
  }
  return order.sort((a, b) => score[b]! - score[a]! || similarity[b]! - similarity[a]! || candidates[a]!.entry - candidates[b]!.entry);
}

/** Scores and sorts candidates, best first (see fusedScores). */
export function fuse<C extends Candidate>(
  candidates: readonly C[],
  mode: FusionMode,
  weights: FusionWeights,
  options: { readonly rrfK: number; readonly calibration: Calibration | null },
): ScoredCandidate<C>[] {
  const scores = fusedScores(candidates, mode, weights, options);
  return fusedOrder(candidates, scores).map((i) => scoredCopy(candidates[i]!, { similarity: scores.similarity[i]!, score: scores.score[i]! }));
}

/**
 * dedupeByProduct(fuse(…)).slice(0, k), copying only the `k` kept: a search shows about 10 of its 256 candidates.
 */
export function fuseDistinct<C extends Candidate & { readonly product: { readonly id: string } }>(
  candidates: readonly C[],
  mode: FusionMode,
  weights: FusionWeights,
  options: { readonly rrfK: number; readonly calibration: Calibration | null },
  k: number,
): ScoredCandidate<C>[] {
  const scores = fusedScores(candidates, mode, weights, options);
  const distinct = (order: readonly number[]) => {
    const seen = new Set<string>();
    const kept: ScoredCandidate<C>[] = [];
    for (const i of order) {
      if (kept.length >= k) break;
      const c = candidates[i]!;
      if (seen.has(c.product.id)) continue;
      seen.add(c.product.id);
      kept.push(scoredCopy(c, { similarity: scores.similarity[i]!, score: scores.score[i]! }));
    }
    return kept;
  };
  // The first few positions usually hold k products (augmented copies of one product sit together): sorted alone,
  // else everything is.
  const first = fusedOrder(candidates, scores, 4 * k + 8);
  const kept = distinct(first);
  return kept.length === k || first.length === candidates.length ? kept : distinct(fusedOrder(candidates, scores));
}

/** Keeps the best-scored entry of each product (augmented copies of one product collapse into one result). */
export function dedupeByProduct<T extends { readonly product: { readonly id: string } }>(sorted: readonly T[]): T[] {
  const seen = new Set<string>();
  return sorted.filter((c) => {
    if (seen.has(c.product.id)) return false;
    seen.add(c.product.id);
    return true;
  });
}
