import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Progress } from '../../common/shared/progress.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { evaluateQueries, type EvalQuery } from '../shared/evaluate.js';
import { sweep, type SweepReport } from '../shared/sweep.js';
import { ablation } from '../shared/ablation.js';
import { labelMapToJson, type LabelMap } from '../shared/labels.js';
import { grid } from '../shared/metrics.js';
import { DEFINITIONS, type EvalOutput } from '../shared/report.js';
import { loadIndexEmbedders } from '../../models/node/load.js';
import { EmbeddingCache } from '../../index/node/embedding-cache.js';
import type { ArtifactManifest } from '../../artifacts/shared/format.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { openEvalIndex } from './index-dir.js';
import { defaultLabelsPath, embedQueryPhotos, findQueryPhotos, readQueryLabels } from './queries.js';

export interface EvalRunOptions {
  readonly queriesDir: string;
  /** undefined: styles.csv beside the photos, if any; null: no labels. */
  readonly labelsPath?: string | null;
  readonly labelColumn: string;
  readonly labelMap: LabelMap;
  readonly artifactsDir: string;
  readonly sweep: boolean;
  readonly progress: Progress;
  /** Where query embeddings are kept between runs (null: embed every photo every run). */
  readonly cacheDir?: string | null;
  /** Also measure each technique alone (ablation.ts). */
  readonly ablation?: boolean;
  /** Only every n-th photo of the sorted list (a fixed subsample, for quick iterations); default 1. */
  readonly every?: number;
  /** Semantic weights and thresholds the sweep tries. */
  readonly weightGrid?: readonly number[];
  readonly thresholdGrid?: readonly number[];
}

/** Bump when the way query photos are decoded or embedded changes: cached query vectors are then made again. */
const QUERY_RECIPE = 1;

/** The cache of query photos' embeddings under an index's models and framing. */
export function openQueryCache(dir: string, models: ArtifactManifest['models'], framing: Framing): EmbeddingCache {
  return EmbeddingCache.open(
    dir,
    { queries: QUERY_RECIPE, imageSemantic: models.imageSemantic, visual: models.visual, framing },
    { semantic: models.imageSemantic.spec.dim, visual: models.visual.spec.dim },
  );
}

export type EvalResult = Omit<EvalOutput, 'sweep'> & { readonly sweep?: SweepReport };

/** Loads the index and the query photos, embeds each photo once, then evaluates (and sweeps) on those vectors. */
export async function runEvaluation(options: EvalRunOptions): Promise<EvalResult> {
  const { progress } = options;
  const every = options.every ?? 1;
  const photos = (await findQueryPhotos(options.queriesDir)).filter((_, i) => i % every === 0);
  const labelsPath = options.labelsPath === undefined ? defaultLabelsPath(options.queriesDir) : options.labelsPath;
  const labels = labelsPath ? await readQueryLabels(labelsPath, options.labelColumn) : null;
  if (labels && labels.problems.length > 0) {
    progress.warn(`${labels.problems.length} label rows unusable (${labels.problems.slice(0, 2).join('; ')}${labels.problems.length > 2 ? '; …' : ''})`);
  }

  const index = await openEvalIndex(options.artifactsDir);
  const { catalog } = index;
  const embedders = await loadIndexEmbedders(index.models, { threads: Math.max(1, Math.min(4, availableParallelism())) });
  const cache = options.cacheDir ? openQueryCache(options.cacheDir, index.models, index.framing) : null;
  let embeddedPhotos;
  try {
    embeddedPhotos = await embedQueryPhotos(embedders, photos, index.framing, progress, { cache });
  } finally {
    cache?.close();
  }
  const { embedded, unreadable } = embeddedPhotos;
  for (const u of unreadable) progress.warn(u.reason);

  const queries: EvalQuery[] = embedded.map(({ photo, vectors }) => ({
    id: photo.stem,
    file: photo.relativePath,
    label: labels?.byId.get(photo.stem)?.category ?? null,
    vectors,
  }));
  const unlabelled = queries.filter((q) => q.label === null).length;
  if (labels && unlabelled > 0) progress.warn(`${unlabelled} of ${queries.length} photos have no label in ${labelsPath}: left out of label metrics`);
  if (labels && unlabelled === queries.length) {
    throw new Error(`no photo under ${options.queriesDir} has a label in ${labelsPath} (labels are matched by file name without extension)`);
  }
  // Labels this catalog cannot answer: neither a catalog category nor mapped onto one.
  const catalogKeys = new Set(catalog.products.map((p) => categoryKey(p.category)));
  const accepted = (label: string) => options.labelMap.get(categoryKey(label)) ?? [label];
  const foreign = [...new Set(queries.flatMap((q) => (q.label !== null && !accepted(q.label).some((c) => catalogKeys.has(categoryKey(c))) ? [q.label] : [])))];
  if (foreign.length > 0) {
    progress.warn(
      `${foreign.length} labels name no category of this catalog (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}): no precision for them; map them with --label-map`,
    );
  }

  const report = await evaluateQueries(catalog, queries, {
    labelMap: options.labelMap,
    onProgress: (done, total) => progress.count('searching (4 ranking modes × policy/whole catalog)', done, total, 'passes'),
  });
  const swept = options.sweep
    ? await sweep(catalog, queries, {
        labelMap: options.labelMap,
        weights: options.weightGrid ?? grid(0, 1, 10),
        thresholds: options.thresholdGrid ?? grid(0, 1, 20),
        onProgress: (done, total) => progress.count('sweep', done, total, 'settings'),
      })
    : undefined;

  const ablationRows = options.ablation
    ? await ablation(catalog, queries, {
        labelMap: options.labelMap,
        onProgress: (done, total) => progress.count('ablation (each technique alone)', done, total, 'settings'),
      })
    : undefined;

  const { queries: _evaluated, ...metrics } = report;
  const search = catalog.source.info.search;
  return {
    queries: photos.length,
    unreadable: unreadable.length,
    ...metrics,
    ...(swept && { sweep: swept }),
    ...(ablationRows && { ablation: ablationRows }),
    setup: {
      queries_dir: resolve(options.queriesDir),
      every,
      labels: labelsPath ? resolve(labelsPath) : null,
      label_column: options.labelColumn,
      label_map: labelMapToJson(options.labelMap),
      artifacts: resolve(options.artifactsDir),
      build_id: index.buildId,
      products: catalog.products.length,
      categories: index.categories,
      fusion: search.fusion,
      weights: { ...search.weights },
      confidence_threshold: search.confidenceThreshold,
      framing: index.framing,
      created_at: new Date().toISOString(),
    },
    definitions: DEFINITIONS,
    unreadable_files: unreadable,
  };
}
