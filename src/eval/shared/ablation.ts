import type { SearchConfig } from '../../artifacts/shared/config.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { Evaluator, modeRequest, summarize, withSearchConfig, type EvalCatalog, type EvalQuery, type Judged } from './evaluate.js';
import type { LabelMap } from './labels.js';
import { groupBy, mean, rate, round } from './metrics.js';

/**
 * The techniques that read a shopper's photo, each a switch of the search configuration:
 * - near_identical: a photo whose nearest product is near-identical takes that product's category;
 * - shopper_reading: photos unlike the catalog's get their own category parameters (shopperPhotos, weights aside);
 * - per_query_fusion: such photos are fused with their own weights (shopperPhotos.weights);
 * - calibrated_confidence: the confidence model decides the status instead of the raw classifier share.
 */
export const TECHNIQUES = ['near_identical', 'shopper_reading', 'per_query_fusion', 'calibrated_confidence'] as const;
export type Technique = (typeof TECHNIQUES)[number];

/** The index's configuration with only the techniques in `on` switched on (the others as before any of them). */
export function configWith(config: SearchConfig, on: ReadonlySet<Technique>): Partial<SearchConfig> {
  const shopper = config.shopperPhotos;
  const reading = on.has('shopper_reading');
  const fusion = on.has('per_query_fusion');
  return {
    nearIdenticalSimilarity: on.has('near_identical') ? config.nearIdenticalSimilarity : null,
    confidenceModel: on.has('calibrated_confidence') ? config.confidenceModel : null,
    shopperPhotos:
      shopper === null || (!reading && !fusion)
        ? null
        : {
            zeroShotWeight: reading ? shopper.zeroShotWeight : config.zeroShotWeight,
            neighborVotes: reading ? shopper.neighborVotes : config.neighborVotes,
            neighborTemperature: reading ? shopper.neighborTemperature : config.neighborTemperature,
            weights: fusion ? shopper.weights : config.weights,
          },
  };
}

export interface AblationRow {
  /** The techniques switched on. */
  readonly techniques: readonly Technique[];
  readonly category_accuracy: number | null;
  readonly macro_category_accuracy: number | null;
  readonly category_accuracy_when_confident: number | null;
  readonly needs_confirmation_rate: number | null;
  /** End-to-end precision@5 ranked by the semantic signal, the visual one, and as the policy fuses them. */
  readonly precision_at_5: { readonly semantic: number | null; readonly visual: number | null; readonly fused: number | null };
  readonly exact_recall_at_1: number | null;
  /** Median time the policy took per photo (fused), ms. */
  readonly search_ms_p50: number | null;
}

function macroAccuracy(queries: readonly EvalQuery[], judged: readonly Judged[]): number | null {
  const labelled = queries.flatMap((q, i) => (q.label === null ? [] : [{ label: q.label, right: judged[i]!.categoryRight === true }]));
  return mean(groupBy(labelled, (x) => categoryKey(x.label)).map((g) => rate(g.items, (x) => x.right)));
}

/** Every technique off, each alone, then all on: the contribution of each, measured on the same photos. */
export async function ablation(
  catalog: EvalCatalog,
  queries: readonly EvalQuery[],
  options: { readonly labelMap: LabelMap; readonly onProgress?: (done: number, total: number) => void },
): Promise<AblationRow[]> {
  const evaluator = new Evaluator(catalog, options.labelMap);
  const config = catalog.source.info.search;
  const settings: Technique[][] = [[], ...TECHNIQUES.map((t) => [t]), [...TECHNIQUES]];
  const rows: AblationRow[] = [];
  let done = 0;
  for (const techniques of settings) {
    const source = withSearchConfig(evaluator.source, configWith(config, new Set(techniques)));
    const semantic = summarize(await evaluator.run(queries, modeRequest('semantic'), source));
    const visual = summarize(await evaluator.run(queries, modeRequest('visual'), source));
    const fusedJudged = await evaluator.run(queries, modeRequest('fused_weighted'), source);
    const fused = summarize(fusedJudged);
    const times = fusedJudged.map((j) => j.searchMs).sort((a, b) => a - b);
    rows.push({
      techniques,
      category_accuracy: round(fused.category_accuracy),
      macro_category_accuracy: round(macroAccuracy(queries, fusedJudged)),
      category_accuracy_when_confident: round(fused.category_accuracy_when_confident),
      needs_confirmation_rate: round(fused.needs_confirmation_rate),
      precision_at_5: { semantic: round(semantic.precision_at_5), visual: round(visual.precision_at_5), fused: round(fused.precision_at_5) },
      exact_recall_at_1: round(fused.exact_recall_at_1),
      search_ms_p50: times.length === 0 ? null : round(times[Math.floor((times.length - 1) / 2)]!, 2),
    });
    options.onProgress?.(++done, settings.length);
  }
  return rows;
}
