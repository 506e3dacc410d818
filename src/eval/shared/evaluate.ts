import { categoryKey } from '../../catalog/shared/taxonomy.js';
import type { SearchCatalog } from '../../search/shared/catalog.js';
import { catalogSource, type CatalogSource } from '../../search/shared/source.js';
import type { FusionMode, SearchConfig } from '../../artifacts/shared/config.js';
import type { FusionWeights } from '../../search/shared/fusion.js';
import { searchCatalog, type QueryVectors, type SearchRequest } from '../../search/shared/policy.js';
import type { SearchResponse, SearchStatus } from '../../search/shared/response.js';
import { labelJudge, type LabelMap } from './labels.js';
import { groupBy, hitAtK, mean, precisionAtK, rankOf, rate, round, topConfusions, type Confusion } from './metrics.js';

/**
 * Retrieval quality of the search policy on labelled query photos, computed on embeddings made once per photo.
 *
 * What is measured (the `definitions` of the report say the same):
 * - precision@k: the policy end to end, as a shopper sees it: category detection, then the ranking within the
 *   detected category (or the whole catalog when unsure, or the semantic fallback). A result is relevant when its
 *   category is the query's label (or one the label map accepts). The `catalog_wide` variant ranks the whole
 *   catalog with no category detection: the embeddings and the fusion alone.
 * - exact recall@k: for query photos whose id is a catalog product id, whether that product is in the first k.
 * - category accuracy: the classifier's top guess (`predicted_category`) against the label.
 */

/** What the eval needs of a catalog, in either layout: the policy's source, and every product's id and category. */
export interface EvalCatalog {
  readonly source: CatalogSource;
  readonly products: readonly { readonly id: string; readonly category: string }[];
}

/** Today's single-file layout, in memory, as the eval reads it. */
export function evalCatalog(catalog: SearchCatalog): EvalCatalog {
  return { source: catalogSource(catalog), products: catalog.products };
}

export const RANKING_MODES = ['semantic', 'visual', 'fused_weighted', 'fused_rrf'] as const;
export type RankingMode = (typeof RANKING_MODES)[number];
export type PerMode<T> = { [M in RankingMode]: T };

export const CUTOFFS = [5, 10] as const;
const DEPTH = Math.max(...CUTOFFS);

export interface EvalQuery {
  /** File name without extension: compared with the catalog's product ids. */
  readonly id: string;
  /** Path of the photo relative to the queries folder (for the per-query list). */
  readonly file: string;
  /** null: the photo is counted but left out of every label metric. */
  readonly label: string | null;
  readonly vectors: QueryVectors;
}

/**
 * The request that ranks by one mode. The fused modes name no weights unless given (the sweep's): the policy then
 * fuses each photo as it would for a shopper, with the index's weights or those it picks for that photo.
 */
export function modeRequest(mode: RankingMode, weights?: FusionWeights): { fusion: FusionMode; weights?: FusionWeights } {
  switch (mode) {
    case 'semantic':
      return { fusion: 'weighted', weights: { semantic: 1, visual: 0 } };
    case 'visual':
      return { fusion: 'weighted', weights: { semantic: 0, visual: 1 } };
    case 'fused_weighted':
      return { fusion: 'weighted', ...(weights && { weights }) };
    case 'fused_rrf':
      return { fusion: 'rrf', ...(weights && { weights }) };
  }
}

/** The same catalog under other search parameters (its vectors and indexes are shared). */
export function withSearchConfig(source: CatalogSource, patch: Partial<SearchConfig>): CatalogSource {
  return {
    info: { ...source.info, search: { ...source.info.search, ...patch } },
    neighbours: (semantic, products) => source.neighbours(semantic, products),
    candidates: (query) => source.candidates(query),
  };
}

/**
 * Whole-catalog ranking with no category detection: the policy with the highest threshold, so every photo is
 * "unsure" and the whole catalog is ranked by the requested fusion. (A confidence of exactly 1 would still be
 * searched in its category; softmax mixtures do not reach it in practice.)
 */
export function catalogWide(source: CatalogSource): CatalogSource {
  return withSearchConfig(source, { confidenceThreshold: 1 });
}

/** One query's response, judged. */
export interface Judged {
  readonly status: SearchStatus;
  readonly predicted: string | null;
  readonly confidence: number;
  /** null: unlabelled. */
  readonly categoryRight: boolean | null;
  /** Precision at each cutoff; null when unlabelled or the catalog holds nothing the label accepts. */
  readonly precision: readonly (number | null)[];
  /** Rank of the query's own product; null when absent from the results or not a catalog id. */
  readonly exactRank: number | null;
  readonly catalogId: boolean;
  /** Time the policy took to answer (search only: the photo was embedded before), ms. */
  readonly searchMs: number;
}

export interface Summary {
  readonly category_accuracy: number | null;
  readonly precision_at_5: number | null;
  readonly precision_at_10: number | null;
  readonly exact_recall_at_1: number | null;
  readonly exact_recall_at_10: number | null;
  readonly needs_confirmation_rate: number | null;
  /** Accuracy of the guesses the policy acted on (status success or fallback). */
  readonly category_accuracy_when_confident: number | null;
}

/** Judges responses against labels and catalog ids; built once per catalog and label map. */
export class Evaluator {
  private readonly judge: (label: string, category: string | null) => boolean;
  private readonly productIds: ReadonlySet<string>;
  private readonly productsByCategory: ReadonlyMap<string, number>;
  private readonly availableCache = new Map<string, number>();
  /** The catalog as the policy searches it. */
  readonly source: CatalogSource;

  constructor(
    readonly catalog: EvalCatalog,
    readonly labelMap: LabelMap,
  ) {
    this.judge = labelJudge(labelMap);
    this.source = catalog.source;
    this.productIds = new Set(catalog.products.map((p) => p.id));
    const counts = new Map<string, number>();
    for (const p of catalog.products) counts.set(categoryKey(p.category), (counts.get(categoryKey(p.category)) ?? 0) + 1);
    this.productsByCategory = counts;
  }

  isCatalogId(id: string): boolean {
    return this.productIds.has(id);
  }

  /** How many catalog products a label accepts. */
  available(label: string): number {
    const key = categoryKey(label);
    let n = this.availableCache.get(key);
    if (n === undefined) {
      n = 0;
      for (const [category, count] of this.productsByCategory) if (this.judge(label, category)) n += count;
      this.availableCache.set(key, n);
    }
    return n;
  }

  judged(query: EvalQuery, response: SearchResponse, searchMs = 0): Judged {
    const catalogId = this.isCatalogId(query.id);
    const { label } = query;
    const relevant = label === null ? [] : response.results.map((r) => this.judge(label, r.category));
    return {
      status: response.status,
      predicted: response.predicted_category,
      confidence: response.confidence,
      categoryRight: label === null ? null : this.judge(label, response.predicted_category),
      precision: CUTOFFS.map((k) => (label === null ? null : precisionAtK(relevant, k, this.available(label)))),
      exactRank: catalogId ? rankOf(response.results.map((r) => r.id), query.id) : null,
      catalogId,
      searchMs,
    };
  }

  /** Searches every query in `source` (this catalog, or it with other parameters) and judges the responses. */
  async run(queries: readonly EvalQuery[], request: SearchRequest, source: CatalogSource = this.source): Promise<Judged[]> {
    const judged: Judged[] = [];
    for (const q of queries) {
      const started = performance.now();
      const response = await searchCatalog(source, q.vectors, { topK: DEPTH, ...request, category: null });
      judged.push(this.judged(q, response, performance.now() - started));
    }
    return judged;
  }
}

export function summarize(judged: readonly Judged[]): Summary {
  const labelled = judged.filter((j) => j.categoryRight !== null);
  const exact = judged.filter((j) => j.catalogId);
  const confident = labelled.filter((j) => j.status === 'success' || j.status === 'fallback');
  return {
    category_accuracy: rate(labelled, (j) => j.categoryRight === true),
    precision_at_5: mean(judged.map((j) => j.precision[0])),
    precision_at_10: mean(judged.map((j) => j.precision[1])),
    exact_recall_at_1: exact.length === 0 ? null : mean(exact.map((j) => hitAtK(j.exactRank, 1))),
    exact_recall_at_10: exact.length === 0 ? null : mean(exact.map((j) => hitAtK(j.exactRank, 10))),
    needs_confirmation_rate: rate(judged, (j) => j.status === 'needs_confirmation'),
    category_accuracy_when_confident: rate(confident, (j) => j.categoryRight === true),
  };
}

/** One bin of the reliability curve: photos whose confidence fell in [from, to), and how often they were right. */
export interface ReliabilityBin {
  readonly from: number;
  readonly to: number;
  readonly queries: number;
  readonly mean_confidence: number | null;
  readonly accuracy: number | null;
}

export interface CalibrationReport {
  /** Confidence against the share right, in tenths (the last bin includes 1). */
  readonly reliability: readonly ReliabilityBin[];
  /** Mean |confidence − accuracy| over the bins, weighted by their photos: 0 = the confidence means what it says. */
  readonly expected_calibration_error: number | null;
}

const RELIABILITY_BINS = 10;

/** How well the confidence of the labelled photos predicts that their category is right. */
export function calibrationOf(judged: readonly Judged[]): CalibrationReport {
  const labelled = judged.filter((j) => j.categoryRight !== null);
  const bins = Array.from({ length: RELIABILITY_BINS }, (_, b) => {
    const from = b / RELIABILITY_BINS;
    const to = (b + 1) / RELIABILITY_BINS;
    const inBin = labelled.filter((j) => j.confidence >= from && (j.confidence < to || (b === RELIABILITY_BINS - 1 && j.confidence <= to)));
    return {
      from,
      to,
      queries: inBin.length,
      mean_confidence: round(mean(inBin.map((j) => j.confidence))),
      accuracy: round(rate(inBin, (j) => j.categoryRight === true)),
    };
  });
  const ece = labelled.length === 0 ? null : bins.reduce((sum, b) => (b.queries === 0 ? sum : sum + (b.queries / labelled.length) * Math.abs(b.mean_confidence! - b.accuracy!)), 0);
  return { reliability: bins, expected_calibration_error: round(ece) };
}

/** Percentile of search times (nearest rank), ms. */
function msPercentile(judged: readonly Judged[], p: number): number | null {
  if (judged.length === 0) return null;
  const sorted = judged.map((j) => j.searchMs).sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!, 2);
}

function perMode<T>(f: (mode: RankingMode) => T): PerMode<T> {
  return Object.fromEntries(RANKING_MODES.map((m) => [m, f(m)])) as PerMode<T>;
}

export interface CategoryRow {
  readonly queries: number;
  readonly category_accuracy: number | null;
  readonly precision_at_5: PerMode<number | null>;
  readonly precision_at_10: PerMode<number | null>;
  /** Products of the accepted categories in the catalog (0: left out of precision). */
  readonly catalog_products: number;
}

export interface QueryRecord {
  readonly id: string;
  readonly file: string;
  readonly label: string | null;
  readonly catalog_id: boolean;
  readonly predicted_category: string | null;
  readonly confidence: number;
  readonly status: SearchStatus;
  readonly category_right: boolean | null;
  readonly precision_at_5: PerMode<number | null>;
  /** Rank of the query's own product per mode (null: not in the first 10); only for catalog ids. */
  readonly exact_rank?: PerMode<number | null>;
}

export interface EvalReport {
  readonly queries: number;
  readonly labelled: number;
  readonly unlabelled: number;
  readonly catalog_id_queries: number;
  readonly category_accuracy: number | null;
  readonly precision_at_5: PerMode<number | null>;
  readonly precision_at_10: PerMode<number | null>;
  readonly exact_recall_at_1: PerMode<number | null> | null;
  readonly exact_recall_at_10: PerMode<number | null> | null;
  readonly confusions: readonly Confusion[];
  readonly status_counts: Readonly<Record<string, number>>;
  readonly needs_confirmation_rate: number | null;
  readonly category_accuracy_when_confident: number | null;
  readonly category_accuracy_when_unsure: number | null;
  readonly category_accuracy_catalog_ids: number | null;
  readonly category_accuracy_other_ids: number | null;
  /** Labelled queries whose label accepts no catalog product: in category accuracy, left out of precision. */
  readonly labels_without_products: number;
  readonly catalog_wide: {
    readonly precision_at_5: PerMode<number | null>;
    readonly precision_at_10: PerMode<number | null>;
    readonly exact_recall_at_1: PerMode<number | null> | null;
    readonly exact_recall_at_10: PerMode<number | null> | null;
  };
  /** Means over labels (each label weighs the same, however many photos it has). */
  readonly macro: {
    readonly category_accuracy: number | null;
    readonly precision_at_5: PerMode<number | null>;
    readonly precision_at_10: PerMode<number | null>;
  };
  readonly by_category: Readonly<Record<string, CategoryRow>>;
  readonly calibration: CalibrationReport;
  /** Time the policy takes per photo once it is embedded (ms), with the index's fusion. */
  readonly search_ms: { readonly p50: number | null; readonly p95: number | null };
  readonly per_query: readonly QueryRecord[];
}

export interface EvalOptions {
  readonly labelMap: LabelMap;
  /** How many confusion pairs the summary lists. */
  readonly confusions?: number;
  /** Called after each mode's searches: steps done of the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Searches every query in each ranking mode, end to end and catalog-wide, and reports the metrics. */
export async function evaluateQueries(catalog: EvalCatalog, queries: readonly EvalQuery[], options: EvalOptions): Promise<EvalReport> {
  const evaluator = new Evaluator(catalog, options.labelMap);
  const wide = catalogWide(evaluator.source);
  const total = RANKING_MODES.length * 2;
  let done = 0;
  const runs = async (source: CatalogSource): Promise<PerMode<Judged[]>> => {
    const judged = {} as Record<RankingMode, Judged[]>;
    for (const m of RANKING_MODES) {
      judged[m] = await evaluator.run(queries, modeRequest(m), source);
      options.onProgress?.(++done, total);
    }
    return judged;
  };
  const policy = await runs(evaluator.source);
  const wideRuns = await runs(wide);
  const summaries = perMode((m) => summarize(policy[m]));
  const wideSummaries = perMode((m) => summarize(wideRuns[m]));

  // Category detection does not depend on the ranking mode: read it from the index's own fusion.
  const main = policy.fused_weighted;
  const labelledIdx = queries.flatMap((q, i) => (q.label === null ? [] : [i]));
  const catalogIds = main.filter((j) => j.catalogId).length;
  const exactApplies = catalogIds > 0;
  const accuracyOf = (idx: readonly number[]) => rate(idx, (i) => main[i]!.categoryRight === true);

  const groups = groupBy(labelledIdx, (i) => categoryKey(queries[i]!.label!), (i) => queries[i]!.label!);
  const byCategory: Record<string, CategoryRow> = {};
  for (const g of groups.sort((a, b) => (categoryKey(a.name) < categoryKey(b.name) ? -1 : categoryKey(a.name) > categoryKey(b.name) ? 1 : 0))) {
    byCategory[g.name] = {
      queries: g.items.length,
      category_accuracy: round(accuracyOf(g.items)),
      precision_at_5: perMode((m) => round(mean(g.items.map((i) => policy[m][i]!.precision[0])))),
      precision_at_10: perMode((m) => round(mean(g.items.map((i) => policy[m][i]!.precision[1])))),
      catalog_products: evaluator.available(g.name),
    };
  }
  const rows = Object.values(byCategory);

  const statusCounts: Record<string, number> = {};
  for (const j of main) statusCounts[j.status] = (statusCounts[j.status] ?? 0) + 1;

  return {
    queries: queries.length,
    labelled: labelledIdx.length,
    unlabelled: queries.length - labelledIdx.length,
    catalog_id_queries: catalogIds,
    category_accuracy: round(summaries.fused_weighted.category_accuracy),
    precision_at_5: perMode((m) => round(summaries[m].precision_at_5)),
    precision_at_10: perMode((m) => round(summaries[m].precision_at_10)),
    exact_recall_at_1: exactApplies ? perMode((m) => round(summaries[m].exact_recall_at_1)) : null,
    exact_recall_at_10: exactApplies ? perMode((m) => round(summaries[m].exact_recall_at_10)) : null,
    confusions: topConfusions(
      labelledIdx.map((i) => ({ label: queries[i]!.label!, predicted: main[i]!.predicted, correct: main[i]!.categoryRight === true })),
      options.confusions ?? 10,
      categoryKey,
    ).map((c) => ({ ...c, share_of_label: round(c.share_of_label)! })),
    status_counts: statusCounts,
    needs_confirmation_rate: round(summaries.fused_weighted.needs_confirmation_rate),
    category_accuracy_when_confident: round(summaries.fused_weighted.category_accuracy_when_confident),
    category_accuracy_when_unsure: round(accuracyOf(labelledIdx.filter((i) => main[i]!.status === 'needs_confirmation'))),
    category_accuracy_catalog_ids: round(accuracyOf(labelledIdx.filter((i) => main[i]!.catalogId))),
    category_accuracy_other_ids: round(accuracyOf(labelledIdx.filter((i) => !main[i]!.catalogId))),
    labels_without_products: labelledIdx.filter((i) => evaluator.available(queries[i]!.label!) === 0).length,
    catalog_wide: {
      precision_at_5: perMode((m) => round(wideSummaries[m].precision_at_5)),
      precision_at_10: perMode((m) => round(wideSummaries[m].precision_at_10)),
      exact_recall_at_1: exactApplies ? perMode((m) => round(wideSummaries[m].exact_recall_at_1)) : null,
      exact_recall_at_10: exactApplies ? perMode((m) => round(wideSummaries[m].exact_recall_at_10)) : null,
    },
    macro: {
      category_accuracy: round(mean(rows.map((r) => r.category_accuracy))),
      precision_at_5: perMode((m) => round(mean(rows.map((r) => r.precision_at_5[m])))),
      precision_at_10: perMode((m) => round(mean(rows.map((r) => r.precision_at_10[m])))),
    },
    by_category: byCategory,
    calibration: calibrationOf(main),
    search_ms: { p50: msPercentile(main, 50), p95: msPercentile(main, 95) },
    per_query: queries.map((q, i) => ({
      id: q.id,
      file: q.file,
      label: q.label,
      catalog_id: main[i]!.catalogId,
      predicted_category: main[i]!.predicted,
      confidence: round(main[i]!.confidence)!,
      status: main[i]!.status,
      category_right: main[i]!.categoryRight,
      precision_at_5: perMode((m) => round(policy[m][i]!.precision[0] ?? null)),
      ...(main[i]!.catalogId && { exact_rank: perMode((m) => policy[m][i]!.exactRank) }),
    })),
  };
}
