import { ExactIndex } from '../../ann/shared/ann.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import type { SearchCatalog } from '../../search/shared/catalog.js';
import { searchCatalog, type QueryVectors } from '../../search/shared/policy.js';
import { catalogSource } from '../../search/shared/source.js';
import { percentile } from '../../vectors/shared/random.js';

export interface Gate {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface GateSample {
  readonly productIndex: number;
  /** Embedded afresh from the image file (not from the cache) for this check. */
  readonly query: QueryVectors;
  readonly embedMs: number;
}

export interface QualityReport {
  readonly gates: Gate[];
  readonly selfQuery: { sampled: number; rank1: number; rank1Rate: number; minSimilarity: number; failures: string[] };
  readonly annRecallAt10: Record<string, number>;
  readonly searchLatencyMs: { p50: number; p95: number };
  readonly embedLatencyMs: { p50: number; p95: number };
  readonly autoDetect: { categoryAccuracy: number; statuses: Record<string, number> };
}

export const SELF_SIMILARITY_MIN = 0.99;
export const RECALL_AT_10_MIN = 0.9;

/**
 * The notebook's quality gates, made to check what they claim: each sampled catalog image, embedded again from
 * its file and searched through the real artifacts and policy, must come back first with similarity ≥ 0.99;
 * the HNSW graphs must find what an exact scan finds.
 */
export async function runQualityGates(
  catalog: SearchCatalog,
  samples: readonly GateSample[],
  /** Products whose image is byte-identical to another's: either may rank first. */
  sameImage: (a: number, b: number) => boolean,
): Promise<QualityReport> {
  const failures: string[] = [];
  const latencies: number[] = [];
  let rank1 = 0;
  let minSimilarity = 1;
  let autoRight = 0;
  const statuses: Record<string, number> = {};
  const byId = new Map(catalog.products.map((p, i) => [p.id, i]));
  const source = catalogSource(catalog);

  for (const sample of samples) {
    const product = catalog.products[sample.productIndex]!;
    const response = await searchCatalog(source, sample.query, { category: product.category, topK: 5 });
    const top = response.results[0];
    const topIndex = top ? byId.get(top.id)! : -1;
    const hit = top !== undefined && (topIndex === sample.productIndex || sameImage(topIndex, sample.productIndex));
    if (hit && top.similarity_score >= SELF_SIMILARITY_MIN) rank1++;
    else failures.push(`${product.id}: first result ${top ? `${top.id} (similarity ${top.similarity_score.toFixed(4)})` : 'none'}`);
    if (top && hit) minSimilarity = Math.min(minSimilarity, top.similarity_score);

    const started = performance.now();
    const auto = await searchCatalog(source, sample.query);
    latencies.push(performance.now() - started);
    statuses[auto.status] = (statuses[auto.status] ?? 0) + 1;
    if (auto.predicted_category === product.category) autoRight++;
  }

  const annRecallAt10: Record<string, number> = {};
  const recallOf = (name: string, ann: SearchCatalog['catalogAnn'], rows: Uint32Array, queries: readonly QueryVectors[]) => {
    if (queries.length === 0) return;
    const exact = new ExactIndex(catalog.semantic, rows);
    let found = 0;
    let wanted = 0;
    for (const q of queries) {
      const truth = new Set(exact.search(q.semantic, 10).ids);
      found += ann.search(q.semantic, 10).ids.filter((id) => truth.has(id)).length;
      wanted += truth.size;
    }
    annRecallAt10[name] = found / wanted;
  };
  if (catalog.manifest.catalogIndex.kind === 'hnsw') {
    recallOf('catalog', catalog.catalogAnn, Uint32Array.from({ length: catalog.semantic.rows }, (_, i) => i), samples.map((s) => s.query));
  }
  for (const [key, scope] of catalog.categories) {
    if (scope.record.index.kind !== 'hnsw') continue;
    const inScope = samples.filter((s) => categoryKey(catalog.products[s.productIndex]!.category) === key);
    recallOf(scope.record.name, scope.ann, scope.rows, (inScope.length > 0 ? inScope : samples).map((s) => s.query));
  }

  const sampled = samples.length;
  const worstRecall = Math.min(1, ...Object.values(annRecallAt10));
  const gates: Gate[] = [
    {
      name: 'self_query_rank1',
      passed: sampled > 0 && rank1 === sampled,
      detail: `${rank1}/${sampled} sampled catalog images came back first with similarity ≥ ${SELF_SIMILARITY_MIN}${
        failures.length ? `; failures: ${failures.slice(0, 5).join('; ')}` : ''
      }`,
    },
    {
      name: 'ann_recall_at_10',
      passed: worstRecall >= RECALL_AT_10_MIN,
      detail: Object.keys(annRecallAt10).length
        ? `HNSW recall@10 vs exact scan: ${Object.entries(annRecallAt10)
            .map(([k, v]) => `${k} ${v.toFixed(3)}`)
            .join(', ')} (minimum ${RECALL_AT_10_MIN})`
        : 'no HNSW scope (every scope is scanned exactly)',
    },
  ];
  return {
    gates,
    selfQuery: { sampled, rank1, rank1Rate: sampled ? rank1 / sampled : 0, minSimilarity, failures },
    annRecallAt10,
    searchLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
    embedLatencyMs: { p50: percentile(samples.map((s) => s.embedMs), 50), p95: percentile(samples.map((s) => s.embedMs), 95) },
    autoDetect: { categoryAccuracy: sampled ? autoRight / sampled : 0, statuses },
  };
}
