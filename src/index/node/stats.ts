import type { ArtifactManifest } from '../../artifacts/shared/format.js';
import type { LabelsTable } from '../../catalog/node/labels.js';
import type { SkippedImage } from './embed-catalog.js';
import type { QualityReport } from './gates.js';
import { EMBEDDING_RECIPE } from './recipe.js';
import type { ArtifactWriter } from './write.js';

export type IndexStats = ReturnType<typeof statsOf>;

/** index_stats.json: counts, dimensions, bytes, timings and every quality gate, the count and width checks first. */
export function statsOf(input: {
  manifest: ArtifactManifest;
  catalogDir: string;
  images: number;
  skipped: readonly SkippedImage[];
  cached: number;
  labels: LabelsTable | null;
  labelled: number;
  labelAgreement: number | null;
  writer: ArtifactWriter;
  quality: QualityReport;
  timings: Record<string, number>;
  dims: { semantic: number; visual: number; text: number };
  modelDims: { semantic: number; visual: number; text: number };
}) {
  const { manifest, quality, writer } = input;
  const countsMatch =
    manifest.counts.products + input.skipped.length === input.images &&
    manifest.counts.entries === manifest.counts.products * (1 + manifest.index.augmentCopies) &&
    manifest.categories.reduce((s, c) => s + c.entries, 0) === manifest.counts.entries;
  const dimsMatch =
    input.dims.semantic === input.modelDims.semantic && input.dims.visual === input.modelDims.visual && input.dims.text === input.modelDims.text;
  const gates = [
    {
      name: 'counts',
      passed: countsMatch,
      detail: `${input.images} images = ${manifest.counts.products} products + ${input.skipped.length} skipped; ${manifest.counts.entries} index entries`,
    },
    {
      name: 'dimensions',
      passed: dimsMatch,
      detail: `semantic ${input.dims.semantic}-d, visual ${input.dims.visual}-d, text ${input.dims.text}-d (models: ${input.modelDims.semantic}/${input.modelDims.visual}/${input.modelDims.text})`,
    },
    ...quality.gates,
  ];
  const totalBytes = writer.totalBytes();
  return {
    build_id: manifest.buildId,
    created_at: manifest.createdAt,
    profile: manifest.profile,
    catalog: input.catalogDir,
    embedding_recipe: EMBEDDING_RECIPE,
    passed: gates.every((g) => g.passed),
    gates,
    counts: {
      images_found: input.images,
      products: manifest.counts.products,
      skipped: input.skipped.length,
      entries: manifest.counts.entries,
      augment_copies: manifest.index.augmentCopies,
      categories: manifest.categories.length,
      hnsw_graphs: writer.files.filter((f) => f.path.endsWith('.hnsw')).length,
      labelled: input.labelled,
      label_rows: input.labels?.byId.size ?? 0,
      label_problems: input.labels?.problems.length ?? 0,
      embedded_from_cache: input.cached,
    },
    skipped: input.skipped,
    dimensions: input.dims,
    index: { type: 'HNSW (hnswlib-wasm, inner product)', m: manifest.hnsw.m, ef_construction: manifest.hnsw.efConstruction, ef_search: manifest.search.efSearch, exact_below: manifest.index.exactBelow },
    calibration: manifest.calibration,
    bytes: {
      total: totalBytes,
      per_product: Math.round(totalBytes / manifest.counts.products),
      files: Object.fromEntries(writer.files.map((f) => [f.path, f.bytes])),
    },
    timings_s: Object.fromEntries(Object.entries(input.timings).map(([k, v]) => [k, Number(v.toFixed(2))])),
    /** Embedding speed of this run: images embedded afresh (not from the cache) per second; null when all were cached. */
    throughput_products_per_s:
      input.cached < manifest.counts.products ? Number(((manifest.counts.products - input.cached) / input.timings.embed!).toFixed(1)) : null,
    quality: {
      self_query: quality.selfQuery,
      ann_recall_at_10: quality.annRecallAt10,
      search_latency_ms: quality.searchLatencyMs,
      embed_latency_ms: quality.embedLatencyMs,
      auto_detect_on_samples: quality.autoDetect,
      zero_shot_agreement_with_labels: input.labelAgreement,
    },
  };
}
