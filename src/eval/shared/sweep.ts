import type { FusionMode } from '../../artifacts/shared/config.js';
import { catalogWide, Evaluator, summarize, withSearchConfig, type EvalCatalog, type EvalQuery } from './evaluate.js';
import type { LabelMap } from './labels.js';
import { bestPoint, round } from './metrics.js';

export interface WeightPoint {
  readonly fusion: FusionMode;
  readonly semantic_weight: number;
  readonly visual_weight: number;
  readonly precision_at_5: number | null;
  readonly precision_at_10: number | null;
  readonly exact_recall_at_1: number | null;
  readonly needs_confirmation_rate: number | null;
  readonly catalog_wide_precision_at_5: number | null;
  readonly catalog_wide_exact_recall_at_1: number | null;
}

export interface ThresholdPoint {
  readonly confidence_threshold: number;
  readonly precision_at_5: number | null;
  readonly precision_at_10: number | null;
  readonly exact_recall_at_1: number | null;
  readonly needs_confirmation_rate: number | null;
  readonly category_accuracy_when_confident: number | null;
}

export interface SweepReport {
  /** What the index is configured with: the sweep varies one parameter at a time around it. */
  readonly current: { readonly fusion: FusionMode; readonly semantic_weight: number; readonly confidence_threshold: number };
  readonly by_weight: readonly WeightPoint[];
  readonly by_threshold: readonly ThresholdPoint[];
  /** Highest end-to-end precision@5 (ties: closest to the current value). */
  readonly best: {
    readonly weighted: { readonly semantic_weight: number; readonly precision_at_5: number | null } | null;
    readonly rrf: { readonly semantic_weight: number; readonly precision_at_5: number | null } | null;
    readonly confidence_threshold: { readonly confidence_threshold: number; readonly precision_at_5: number | null; readonly needs_confirmation_rate: number | null } | null;
  };
}

export interface SweepOptions {
  readonly labelMap: LabelMap;
  /** Semantic weights to try (the visual weight is 1 − w). */
  readonly weights: readonly number[];
  readonly thresholds: readonly number[];
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Varies one parameter at a time, the others as the index has them: the semantic/visual weight (for weighted and
 * RRF fusion; end to end and catalog-wide), then the confidence threshold (with the index's fusion and weights).
 */
export async function sweep(catalog: EvalCatalog, queries: readonly EvalQuery[], options: SweepOptions): Promise<SweepReport> {
  const evaluator = new Evaluator(catalog, options.labelMap);
  const search = catalog.source.info.search;
  const wide = catalogWide(evaluator.source);
  const fusions: FusionMode[] = ['weighted', 'rrf'];
  const total = options.weights.length * fusions.length + options.thresholds.length;
  let done = 0;
  const tick = () => options.onProgress?.(++done, total);

  const byWeight: WeightPoint[] = [];
  for (const fusion of fusions) {
    for (const w of options.weights) {
      const request = { fusion, weights: { semantic: w, visual: Number((1 - w).toFixed(10)) } };
      const policy = summarize(await evaluator.run(queries, request));
      const all = summarize(await evaluator.run(queries, request, wide));
      byWeight.push({
        fusion,
        semantic_weight: request.weights.semantic,
        visual_weight: request.weights.visual,
        precision_at_5: round(policy.precision_at_5),
        precision_at_10: round(policy.precision_at_10),
        exact_recall_at_1: round(policy.exact_recall_at_1),
        needs_confirmation_rate: round(policy.needs_confirmation_rate),
        catalog_wide_precision_at_5: round(all.precision_at_5),
        catalog_wide_exact_recall_at_1: round(all.exact_recall_at_1),
      });
      tick();
    }
  }
  const byThreshold: ThresholdPoint[] = [];
  for (const t of options.thresholds) {
    const s = summarize(await evaluator.run(queries, { fusion: search.fusion, weights: search.weights }, withSearchConfig(evaluator.source, { confidenceThreshold: t })));
    tick();
    byThreshold.push({
      confidence_threshold: t,
      precision_at_5: round(s.precision_at_5),
      precision_at_10: round(s.precision_at_10),
      exact_recall_at_1: round(s.exact_recall_at_1),
      needs_confirmation_rate: round(s.needs_confirmation_rate),
      category_accuracy_when_confident: round(s.category_accuracy_when_confident),
    });
  }

  const currentWeight = search.weights.semantic / (search.weights.semantic + search.weights.visual);
  const bestWeight = (fusion: FusionMode) => {
    const p = bestPoint(byWeight.filter((x) => x.fusion === fusion), (x) => x.precision_at_5, (x) => x.semantic_weight, currentWeight);
    return p && { semantic_weight: p.semantic_weight, precision_at_5: p.precision_at_5 };
  };
  const t = bestPoint(byThreshold, (x) => x.precision_at_5, (x) => x.confidence_threshold, search.confidenceThreshold);
  return {
    current: { fusion: search.fusion, semantic_weight: round(currentWeight)!, confidence_threshold: search.confidenceThreshold },
    by_weight: byWeight,
    by_threshold: byThreshold,
    best: {
      weighted: bestWeight('weighted'),
      rrf: bestWeight('rrf'),
      confidence_threshold: t && { confidence_threshold: t.confidence_threshold, precision_at_5: t.precision_at_5, needs_confirmation_rate: t.needs_confirmation_rate },
    },
  };
}
