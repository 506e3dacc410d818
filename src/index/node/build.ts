import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { buildHnsw } from '../../ann/node/env.js';
import { loadModelsConfig } from '../../models/node/config.js';
import { loadSearchDefaults } from '../../artifacts/node/config.js';
import { loadTaxonomy } from '../../catalog/node/taxonomy.js';
import { ASSETS_DIR } from '../../common/node/paths.js';
import type { Progress } from '../../common/shared/progress.js';
import { KAGGLE_COLUMNS, readLabels, type LabelColumns, type LabelsTable } from '../../catalog/node/labels.js';
import { scanCatalog } from '../../catalog/node/scan.js';
import { categoryKey, categoryPrompts, categorySlug, classifierCategories } from '../../catalog/shared/taxonomy.js';
import { AUGMENTATIONS } from '../../imaging/shared/augment.js';
import { loadTextEmbedder, modelFilePath } from '../../models/node/load.js';
import { resolveProfile, type EncoderRecord, type EncoderSpec, type ModelsConfig, type ResolvedEncoder } from '../../models/shared/manifest.js';
import { validateIndexConfig, validateSearchConfig, type IndexConfig, type SearchConfig } from '../../artifacts/shared/config.js';
import { dot, matrixFromRows, type Matrix } from '../../vectors/shared/vector.js';
import { sampleIndices, seededRandom } from '../../vectors/shared/random.js';
import {
  ARTIFACT_FORMAT,
  FORMAT_VERSION,
  MANIFEST_FILE,
  STATS_FILE,
  type ArtifactManifest,
  type CategoryRecord,
  type Product,
  type ScopeIndex,
} from '../../artifacts/shared/format.js';
import { openCatalogDir } from '../../search/node/catalog.js';
import { sha256Hex } from '../../common/node/checksum.js';
import { predictCategories, predictColors, TextVectors, uniqueLabels } from './describe.js';
import { embedCatalog, type EmbeddedImage, type SkippedImage } from './embed-catalog.js';
import { EmbedPool } from './embed-pool.js';
import { EmbeddingCache } from './embedding-cache.js';
import { runQualityGates, type GateSample, type QualityReport } from './gates.js';
import { EMBEDDING_RECIPE } from './recipe.js';
import { ArtifactWriter, encodeEntryProducts } from './write.js';

export interface BuildOptions {
  readonly catalogDir: string;
  readonly labelsPath: string | null;
  readonly outDir: string;
  readonly profile: string;
  readonly cacheDir: string;
  readonly assetsDir?: string;
  readonly workers?: number;
  readonly labelColumns?: Partial<LabelColumns>;
  readonly index?: Partial<IndexConfig>;
  readonly search?: Partial<SearchConfig>;
  /** How many catalog images the quality gates embed again and search for. */
  readonly gateSample: number;
  readonly progress: Progress;
}

export interface BuildResult {
  readonly outDir: string;
  readonly passed: boolean;
  readonly stats: IndexStats;
}

export type IndexStats = ReturnType<typeof statsOf>;

export class BuildError extends Error {
  override name = 'BuildError';
}

const CALIBRATION_PAIRS = 20_000;
const SEED = 20261123;

async function encoderRecord<S extends EncoderSpec>(
  config: ModelsConfig,
  enc: ResolvedEncoder<S>,
  files: readonly string[],
  assetsDir: string,
): Promise<EncoderRecord<S>> {
  const record: Record<string, { bytes: number; sha256: string }> = {};
  for (const file of files) {
    const path = modelFilePath(config, enc.model, file, assetsDir);
    if (!existsSync(path)) throw new BuildError(`model file ${path} is missing — run: npm run setup -- --profile <profile>`);
    const bytes = new Uint8Array(await readFile(path));
    record[file] = { bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
  }
  return { model: enc.model, encoder: enc.name, spec: enc.spec, files: record };
}

/** Mean cosine of random pairs of distinct products (`a[i]` with `b[j]`, i ≠ j): where "unrelated" sits. */
function baseline(a: readonly Float32Array[], b: readonly Float32Array[], seed: number): number {
  if (a.length < 2) return 0;
  const random = seededRandom(seed);
  let sum = 0;
  for (let n = 0; n < CALIBRATION_PAIRS; n++) {
    const i = Math.floor(random() * a.length);
    const j = (i + 1 + Math.floor(random() * (a.length - 1))) % a.length;
    sum += dot(a[i]!, b[j]!);
  }
  return sum / CALIBRATION_PAIRS;
}

function assignIds(embedded: readonly EmbeddedImage[]): string[] {
  const stems = new Map<string, number>();
  for (const e of embedded) stems.set(e.image.stem, (stems.get(e.image.stem) ?? 0) + 1);
  // A stem shared by files in different folders is ambiguous: those products are named by their path instead.
  return embedded.map((e) => (stems.get(e.image.stem)! > 1 ? e.image.relativePath.replace(/\.[^.]+$/, '') : e.image.stem));
}

function uniqueSlugs(names: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  return new Map(
    names.map((name) => {
      let slug = categorySlug(name);
      for (let i = 2; used.has(slug); i++) slug = `${categorySlug(name)}-${i}`;
      used.add(slug);
      return [name, slug];
    }),
  );
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Tidies what a build killed part-way leaves beside `outDir`: its staging folder (never swapped in, so harmless,
 * but large) and, if it died between the two renames of the swap, puts the previous artifacts back where readers
 * expect them. Folders of builds still running (another process) are left alone.
 */
export async function recoverInterruptedBuild(outDir: string, log: (message: string) => void): Promise<void> {
  const parent = dirname(outDir);
  const base = basename(outDir);
  if (!existsSync(parent)) return;
  const leftovers = (await readdir(parent))
    .map((name) => ({ name, match: name.startsWith(`.${base}.staging-`) || name.startsWith(`${base}.previous-`) ? /-(\d+)$/.exec(name) : null }))
    .filter((e) => e.match && !isRunning(Number(e.match[1])));
  for (const { name } of leftovers) {
    const path = join(parent, name);
    if (name.startsWith(`${base}.previous-`) && !existsSync(outDir) && existsSync(join(path, MANIFEST_FILE))) {
      await rename(path, outDir);
      log(`restored the previous artifacts in ${outDir} (a build was interrupted while swapping them)`);
    } else {
      await rm(path, { recursive: true, force: true });
      log(`removed ${name}, left by an interrupted build`);
    }
  }
}

export async function buildIndex(options: BuildOptions): Promise<BuildResult> {
  const { progress } = options;
  const log = (message: string) => progress.line(message);
  const started = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = (performance.now() - since) / 1000);
  const assetsDir = options.assetsDir ?? ASSETS_DIR;
  const models = loadModelsConfig();
  const taxonomy = loadTaxonomy();
  const defaults = loadSearchDefaults();
  const indexConfig = validateIndexConfig({ ...defaults.index, ...options.index });
  const searchConfig = validateSearchConfig({ ...defaults.search, ...options.search });
  const profile = resolveProfile(models, options.profile);
  if (profile.spec.meaningless) progress.warn(`profile "${profile.name}" has random weights — this index is for benchmarks only`);
  const outDir = resolve(options.outDir);
  const catalogDir = resolve(options.catalogDir);

  const modelRecords = {
    imageSemantic: await encoderRecord(models, profile.imageSemantic, [profile.imageSemantic.spec.file], assetsDir),
    textSemantic: await encoderRecord(
      models,
      profile.textSemantic,
      [profile.textSemantic.spec.file, profile.textSemantic.spec.tokenizer, profile.textSemantic.spec.tokenizerConfig],
      assetsDir,
    ),
    visual: await encoderRecord(models, profile.visual, [profile.visual.spec.file], assetsDir),
  };

  let since = performance.now();
  if (!existsSync(catalogDir)) throw new BuildError(`catalog folder ${catalogDir} does not exist`);
  const images = await scanCatalog(catalogDir);
  if (images.length === 0) throw new BuildError(`no images (jpg, png, webp, gif, avif) found under ${catalogDir}`);
  const labels: LabelsTable | null = options.labelsPath
    ? await readLabels(options.labelsPath, { ...KAGGLE_COLUMNS, ...options.labelColumns })
    : null;
  if (labels) {
    const stems = new Set(images.map((i) => i.stem));
    const unknown = [...labels.byId.values()].filter((label) => !stems.has(label.id));
    log(`labels: ${labels.byId.size} rows, ${labels.problems.length} unusable, ${unknown.length} ids without an image`);
    const report = [...labels.problems, ...unknown.map((label) => `line ${label.line}: id ${label.id} has no image in the catalog folder`)];
    for (const problem of report.slice(0, 20)) log(`  ${problem}`);
    if (report.length > 20) log(`  … and ${report.length - 20} more`);
    if (labels.missingColumns.length) log(`  no ${labels.missingColumns.join(', ')} column: predicted or left out`);
  }
  lap('scan', since);
  log(`catalog: ${images.length} images under ${catalogDir}`);

  const variants = 1 + indexConfig.augmentCopies;
  const cache = EmbeddingCache.open(
    options.cacheDir,
    {
      recipe: EMBEDDING_RECIPE,
      imageSemantic: [modelRecords.imageSemantic.spec, modelRecords.imageSemantic.files],
      visual: [modelRecords.visual.spec, modelRecords.visual.files],
      augmentations: AUGMENTATIONS.map((a) => a.name),
      framing: indexConfig.framing,
    },
    { semantic: profile.imageSemantic.spec.dim, visual: profile.visual.spec.dim },
  );
  await recoverInterruptedBuild(outDir, log);
  const workers = options.workers ?? availableParallelism();
  const pool = await EmbedPool.start({ profile: profile.name, assetsDir, augmentCopies: indexConfig.augmentCopies, framing: indexConfig.framing, workers });
  const staging = join(dirname(outDir), `.${basename(outDir)}.staging-${process.pid}`);
  try {
    since = performance.now();
    const { embedded, skipped, cached } = await embedCatalog(images, { pool, cache, variants, inFlight: workers * 2, progress });
    lap('embed', since);
    for (const s of skipped.slice(0, 20)) log(`  skipped ${s.path}: ${s.reason}`);
    if (embedded.length === 0) throw new BuildError('no image in the catalog could be read');

    since = performance.now();
    const text = new TextVectors(await loadTextEmbedder(models, profile.textSemantic, { threads: workers, assetsDir }));
    const logitScale = profile.textSemantic.spec.logitScale;
    const ids = assignIds(embedded);
    const labelOf = (i: number) => labels?.byId.get(ids[i]!) ?? labels?.byId.get(embedded[i]!.image.stem) ?? null;
    const labelled = embedded.map((_, i) => labelOf(i));
    const vocabulary = uniqueLabels([...labelled.flatMap((l) => (l ? [l.category] : [])), ...taxonomy.defaultCategories]);
    const originals = embedded.map((e) => e.semantic[0]!);
    const predictedCategories = await predictCategories(text, taxonomy, vocabulary, originals, logitScale);
    const finalCategories = embedded.map((_, i) => labelled[i]?.category ?? predictedCategories[i]!.label);
    const predictedColors = await predictColors(text, taxonomy, finalCategories, originals, logitScale, (done, total) =>
      progress.count('colour prompts', done, total, 'categories'),
    );
    const products: Product[] = embedded.map((e, i) => ({
      id: ids[i]!,
      filename: basename(e.image.relativePath),
      image: e.image.relativePath,
      name: labelled[i]?.name ?? null,
      category: finalCategories[i]!,
      labelCategory: labelled[i]?.category ?? null,
      predictedCategory: predictedCategories[i]!.label,
      predictedCategoryConfidence: predictedCategories[i]!.confidence,
      color: labelled[i]?.color ?? null,
      predictedColor: predictedColors[i]!.label,
      gender: labelled[i]?.gender ?? null,
    }));
    const productTexts = await text.embed(products.map((p) => p.name ?? `${p.color ?? p.predictedColor} ${p.category}`.toLowerCase()));

    // Categories, biggest first; the classifier also knows well-known categories this catalog lacks.
    const counts = new Map<string, { name: string; products: number }>();
    for (const p of products) {
      const entry = counts.get(categoryKey(p.category)) ?? { name: p.category, products: 0 };
      entry.products++;
      counts.set(categoryKey(p.category), entry);
    }
    const catalogCategories = [...counts.values()].sort((a, b) => b.products - a.products || a.name.localeCompare(b.name));
    const classifierLabels = classifierCategories(taxonomy, catalogCategories.map((c) => c.name));
    const promptMatrix = await text.labelMatrix(classifierLabels, (c) => categoryPrompts(taxonomy, c));
    lap('describe', since);

    // Entry rows: every product's original first (row = product index), then each augmentation round.
    const P = products.length;
    const entryProducts = Uint32Array.from({ length: P * variants }, (_, r) => r % P);
    const entryRows = (pick: (e: EmbeddedImage) => Float32Array[]) =>
      Array.from({ length: variants }, (_, v) => embedded.map((e) => pick(e)[v]!)).flat();
    const semantic: Matrix = matrixFromRows(entryRows((e) => e.semantic), profile.imageSemantic.spec.dim);
    const visual: Matrix = matrixFromRows(entryRows((e) => e.visual), profile.visual.spec.dim);
    const visuals = embedded.map((e) => e.visual[0]!);
    const calibration = {
      semanticBaseline: baseline(originals, originals, SEED),
      visualBaseline: baseline(visuals, visuals, SEED),
      textPhotoBaseline: baseline(productTexts, originals, SEED),
      textTextBaseline: baseline(productTexts, productTexts, SEED),
    };

    since = performance.now();
    await rm(staging, { recursive: true, force: true });
    const writer = new ArtifactWriter(staging);
    const graph = async (file: string, rows: Uint32Array): Promise<ScopeIndex> => {
      if (rows.length < indexConfig.exactBelow) return { kind: 'exact' };
      const t = performance.now();
      await writer.write(file, await buildHnsw(semantic, rows, { m: indexConfig.m, efConstruction: indexConfig.efConstruction }));
      log(`hnsw: ${file} (${rows.length} vectors) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      return { kind: 'hnsw', file };
    };
    const catalogIndex = await graph('hnsw/catalog.hnsw', Uint32Array.from({ length: semantic.rows }, (_, i) => i));
    const slugs = uniqueSlugs(catalogCategories.map((c) => c.name));
    const categories: CategoryRecord[] = [];
    for (const c of catalogCategories) {
      const rows = Uint32Array.from([...entryProducts.keys()].filter((r) => categoryKey(products[entryProducts[r]!]!.category) === categoryKey(c.name)));
      categories.push({ name: c.name, products: c.products, entries: rows.length, index: await graph(`hnsw/category-${slugs.get(c.name)}.hnsw`, rows) });
    }
    lap('hnsw', since);

    const manifestBody = {
      format: ARTIFACT_FORMAT as typeof ARTIFACT_FORMAT,
      version: FORMAT_VERSION as typeof FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      profile: profile.name,
      models: modelRecords,
      counts: { products: P, entries: semantic.rows, skipped: skipped.length },
      products: await writer.writeJson('products.json', products),
      entryProducts: await writer.write('entries.u32', encodeEntryProducts(entryProducts)),
      vectors: {
        semantic: await writer.writeVectors('semantic', semantic, indexConfig.semanticEncoding),
        visual: await writer.writeVectors('visual', visual, indexConfig.visualEncoding),
        text: await writer.writeVectors('text', matrixFromRows(productTexts, profile.textSemantic.spec.dim), indexConfig.textEncoding),
      },
      hnsw: { space: 'ip' as const, m: indexConfig.m, efConstruction: indexConfig.efConstruction },
      catalogIndex,
      categories,
      prompts: { categories: classifierLabels, vectors: await writer.writeVectors('prompts', promptMatrix, 'f16') },
      calibration,
      index: indexConfig,
      search: searchConfig,
    };
    const manifest: ArtifactManifest = { ...manifestBody, buildId: writer.buildId(), files: writer.files };
    await writer.writeJson(MANIFEST_FILE, manifest);

    since = performance.now();
    const catalog = await openCatalogDir(staging);
    const sampleIdx = sampleIndices(P, options.gateSample, SEED);
    const samples: GateSample[] = [];
    for (const productIndex of sampleIdx) {
      const t = performance.now();
      const reply = await pool.embed(new Uint8Array(await readFile(embedded[productIndex]!.image.absolutePath)), products[productIndex]!.image);
      if (!reply.ok) throw new BuildError(`gate: ${reply.error}`);
      const dimS = profile.imageSemantic.spec.dim;
      samples.push({
        productIndex,
        query: { semantic: reply.semantic.slice(0, dimS), visual: reply.visual.slice(0, profile.visual.spec.dim) },
        embedMs: performance.now() - t,
      });
    }
    const sameImage = (a: number, b: number) => a >= 0 && b >= 0 && embedded[a]!.sha256 === embedded[b]!.sha256;
    const quality = runQualityGates(catalog, samples, sameImage);
    lap('gates', since);
    timings.total = (performance.now() - started) / 1000;

    const labelAgreement = labelled.filter(Boolean).length
      ? products.filter((p) => p.labelCategory && categoryKey(p.labelCategory) === categoryKey(p.predictedCategory)).length /
        labelled.filter(Boolean).length
      : null;
    const stats = statsOf({
      manifest,
      catalogDir,
      images: images.length,
      skipped,
      cached,
      labels,
      labelled: labelled.filter(Boolean).length,
      labelAgreement,
      writer,
      quality,
      timings,
      dims: { semantic: semantic.dim, visual: visual.dim, text: profile.textSemantic.spec.dim },
      modelDims: { semantic: profile.imageSemantic.spec.dim, visual: profile.visual.spec.dim, text: profile.textSemantic.spec.dim },
    });
    await writer.writeJson(STATS_FILE, stats);
    if (!stats.passed) {
      const rejected = `${outDir}.rejected`;
      await rm(rejected, { recursive: true, force: true });
      await rename(staging, rejected);
      log(`quality gates FAILED — the previous artifacts (if any) are untouched; this build is in ${rejected}`);
      return { outDir: rejected, passed: false, stats };
    }
    // Swap in whole: readers see the old set or the new one, never a mix.
    const previous = `${outDir}.previous-${process.pid}`;
    if (existsSync(outDir)) await rename(outDir, previous);
    await rename(staging, outDir);
    await rm(previous, { recursive: true, force: true });
    return { outDir, passed: true, stats };
  } finally {
    cache.close();
    await pool.close();
    await rm(staging, { recursive: true, force: true });
  }
}

function statsOf(input: {
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
