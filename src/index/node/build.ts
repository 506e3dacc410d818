import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { buildHnsw } from '../../ann/node/env.js';
import { loadSearchDefaults } from '../../artifacts/node/config.js';
import { validateIndexConfig, validateSearchConfig, type IndexConfig, type SearchConfig } from '../../artifacts/shared/config.js';
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
import { KAGGLE_COLUMNS, readLabels, type LabelColumns, type LabelsTable } from '../../catalog/node/labels.js';
import { scanCatalog, type CatalogImage } from '../../catalog/node/scan.js';
import { loadTaxonomy } from '../../catalog/node/taxonomy.js';
import { categoryKey, categoryPrompts, categorySlug, classifierCategories, type TaxonomyConfig } from '../../catalog/shared/taxonomy.js';
import { sha256Hex } from '../../common/node/checksum.js';
import { ASSETS_DIR } from '../../common/node/paths.js';
import type { Progress } from '../../common/shared/progress.js';
import { AUGMENTATIONS } from '../../imaging/shared/augment.js';
import { loadModelsConfig } from '../../models/node/config.js';
import { loadTextEmbedder, modelFilePath, type RecordedEncoders } from '../../models/node/load.js';
import { resolveProfile, type EncoderRecord, type EncoderSpec, type ModelsConfig, type ResolvedEncoder, type ResolvedProfile } from '../../models/shared/manifest.js';
import { openCatalogDir } from '../../search/node/catalog.js';
import { dot, matrixFromRows, type Matrix } from '../../vectors/shared/vector.js';
import { sampleIndices, seededRandom } from '../../vectors/shared/random.js';
import { measureCatalogLikeness } from '../../search/shared/likeness.js';
import { predictCategories, predictColors, TextVectors, uniqueLabels } from './describe.js';
import { embedCatalog, type EmbeddedImage } from './embed-catalog.js';
import { EmbedPool } from './embed-pool.js';
import { EmbeddingCache } from './embedding-cache.js';
import { runQualityGates, type GateSample, type QualityReport } from './gates.js';
import { publish, recoverInterruptedBuild, reject, stagingDir } from './publish.js';
import { EMBEDDING_RECIPE } from './recipe.js';
import { statsOf, type IndexStats } from './stats.js';
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
  /** Embeddings other machines made for this build (`build:index --shard`): read before the embed step. */
  readonly embeddings?: SharedEmbeddings;
  readonly progress: Progress;
}

/**
 * Where the machines of a build spread over several share their embeddings (the database, for `--shard i/N`),
 * keyed like the embedding cache: by model fingerprint, file content and variant.
 */
export interface SharedEmbeddings {
  /** Puts every vector shared under `fingerprint` that `cache` lacks into it; how many. */
  fill(fingerprint: string, cache: EmbeddingCache): Promise<number>;
  /** Shares what this machine embedded. */
  share(fingerprint: string, embedded: readonly EmbeddedImage[]): Promise<void>;
}

/** One machine's part of a build spread over `count`: the images at positions index − 1, index − 1 + count, …. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface BuildResult {
  readonly outDir: string;
  readonly passed: boolean;
  readonly stats: IndexStats;
}

export type { IndexStats };

export class BuildError extends Error {
  override name = 'BuildError';
}

const CALIBRATION_PAIRS = 20_000;
/** Seeds the build's samples (calibration pairs, likeness, gate photos); the compact build samples likeness with it too. */
export const SEED = 20261123;

/**
 * A catalog folder → a verified artifact set, in the steps below: plan (configuration, model checksums), scan
 * (images, labels), embed (cached by file content, in worker threads), describe (ids, labels, zero-shot category and
 * colour, product-name vectors, category prompts), arrange the index entries, write the graphs and files into a
 * staging folder, check the quality gates against what was written, then swap it in whole (or set it aside).
 */
export async function buildIndex(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const clock = new StepClock();
  const plan = await clock.time('plan', () => planBuild(options));
  const catalog = await clock.time('scan', () => scanLabelledCatalog(plan));
  const cache = openEmbeddingCache(plan);
  if (options.embeddings) plan.log(`embeddings shared by other machines: ${await options.embeddings.fill(cacheFingerprint(cache), cache)} new to this one`);
  await recoverInterruptedBuild(plan.outDir, plan.log);
  const pool = await EmbedPool.start({
    profile: plan.profile.name,
    assetsDir: plan.assetsDir,
    augmentCopies: plan.index.augmentCopies,
    framing: plan.index.framing,
    workers: plan.workers,
  });
  const staging = stagingDir(plan.outDir);
  try {
    const embedding = await clock.time('embed', () => embedImages(plan, catalog.images, pool, cache));
    const description = await clock.time('describe', () => describeProducts(plan, embedding.embedded, catalog.labels));
    const entries = arrangeEntries(plan, embedding.embedded, description);
    await rm(staging, { recursive: true, force: true });
    const writer = new ArtifactWriter(staging);
    const manifest = await clock.time('hnsw', () => writeArtifacts(plan, writer, description, entries, embedding.skipped.length));
    const quality = await clock.time('gates', () => checkQuality(plan, staging, pool, embedding.embedded, description.products));
    const stats = statsOf({
      manifest,
      catalogDir: plan.catalogDir,
      images: catalog.images.length,
      skipped: embedding.skipped,
      cached: embedding.cached,
      labels: catalog.labels,
      labelled: description.labelled,
      labelAgreement: description.labelAgreement,
      writer,
      quality,
      timings: { ...clock.timings, total: (performance.now() - started) / 1000 },
      dims: { semantic: entries.semantic.dim, visual: entries.visual.dim, text: plan.profile.textSemantic.spec.dim },
      modelDims: { semantic: plan.profile.imageSemantic.spec.dim, visual: plan.profile.visual.spec.dim, text: plan.profile.textSemantic.spec.dim },
    });
    await writer.writeJson(STATS_FILE, stats);
    if (!stats.passed) {
      const rejected = await reject(staging, plan.outDir);
      plan.log(`quality gates FAILED — the previous artifacts (if any) are untouched; this build is in ${rejected}`);
      return { outDir: rejected, passed: false, stats };
    }
    await publish(staging, plan.outDir);
    return { outDir: plan.outDir, passed: true, stats };
  } finally {
    cache.close();
    await pool.close();
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * One machine's slice of a build spread over several: plan, scan, and embed the images of `shard` only (cached by
 * content as ever), then share them; the final `buildIndex` with the same `embeddings` finds them all and writes,
 * checks and publishes the build.
 */
export async function embedShard(options: Omit<BuildOptions, 'outDir'>, shard: Shard, embeddings: SharedEmbeddings): Promise<{ embedded: number; cached: number; skipped: number }> {
  if (!(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 1 && shard.index <= shard.count)) {
    throw new BuildError(`a shard is i/N with 1 ≤ i ≤ N, got ${shard.index}/${shard.count}`);
  }
  const plan = await planBuild({ ...options, outDir: '' }); // a shard writes no artifacts
  const catalog = await scanLabelledCatalog(plan);
  const slice = catalog.images.filter((_, i) => i % shard.count === shard.index - 1);
  plan.log(`shard ${shard.index}/${shard.count}: ${slice.length} of ${catalog.images.length} images`);
  const cache = openEmbeddingCache(plan);
  const pool = await EmbedPool.start({
    profile: plan.profile.name,
    assetsDir: plan.assetsDir,
    augmentCopies: plan.index.augmentCopies,
    framing: plan.index.framing,
    workers: plan.workers,
  });
  try {
    const result = await embedImages(plan, slice, pool, cache);
    await embeddings.share(cacheFingerprint(cache), result.embedded);
    return { embedded: result.embedded.length, cached: result.cached, skipped: result.skipped.length };
  } finally {
    cache.close();
    await pool.close();
  }
}

/** The cache file's name: a digest of everything that changes the vectors (models, pre-processing, augmentations). */
function cacheFingerprint(cache: EmbeddingCache): string {
  return basename(cache.path, '.bin');
}

/** Seconds per named step, for the stats (the writing of graphs and files counts as "hnsw"). */
class StepClock {
  readonly timings: Record<string, number> = {};

  async time<T>(step: string, work: () => Promise<T>): Promise<T> {
    const since = performance.now();
    const result = await work();
    this.timings[step] = (performance.now() - since) / 1000;
    return result;
  }
}

/** Everything settled before any work starts. */
interface BuildPlan {
  readonly options: BuildOptions;
  readonly outDir: string;
  readonly catalogDir: string;
  readonly assetsDir: string;
  readonly workers: number;
  readonly models: ModelsConfig;
  readonly taxonomy: TaxonomyConfig;
  readonly index: IndexConfig;
  readonly search: SearchConfig;
  readonly profile: ResolvedProfile;
  /** The encoders as the manifest records them, with the checksum of every model file. */
  readonly encoders: RecordedEncoders;
  readonly progress: Progress;
  log(message: string): void;
}

async function planBuild(options: BuildOptions): Promise<BuildPlan> {
  const { progress } = options;
  const assetsDir = options.assetsDir ?? ASSETS_DIR;
  const models = loadModelsConfig();
  const defaults = loadSearchDefaults();
  const profile = resolveProfile(models, options.profile);
  if (profile.spec.meaningless) progress.warn(`profile "${profile.name}" has random weights — this index is for benchmarks only`);
  const { imageSemantic, textSemantic, visual } = profile;
  return {
    options,
    outDir: resolve(options.outDir),
    catalogDir: resolve(options.catalogDir),
    assetsDir,
    workers: options.workers ?? availableParallelism(),
    models,
    taxonomy: loadTaxonomy(),
    index: validateIndexConfig({ ...defaults.index, ...options.index }),
    search: validateSearchConfig({ ...defaults.search, ...options.search }),
    profile,
    encoders: {
      imageSemantic: await encoderRecord(models, imageSemantic, [imageSemantic.spec.file], assetsDir),
      textSemantic: await encoderRecord(models, textSemantic, [textSemantic.spec.file, textSemantic.spec.tokenizer, textSemantic.spec.tokenizerConfig], assetsDir),
      visual: await encoderRecord(models, visual, [visual.spec.file], assetsDir),
    },
    progress,
    log: (message) => progress.line(message),
  };
}

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

/** The catalog's images and its labels, with every unusable label row reported. */
async function scanLabelledCatalog(plan: BuildPlan): Promise<{ images: CatalogImage[]; labels: LabelsTable | null }> {
  const { catalogDir, options, log } = plan;
  if (!existsSync(catalogDir)) throw new BuildError(`catalog folder ${catalogDir} does not exist`);
  const images = await scanCatalog(catalogDir);
  if (images.length === 0) throw new BuildError(`no images (jpg, png, webp, gif, avif) found under ${catalogDir}`);
  const labels = options.labelsPath ? await readLabels(options.labelsPath, { ...KAGGLE_COLUMNS, ...options.labelColumns }) : null;
  if (labels) {
    const stems = new Set(images.map((i) => i.stem));
    const unknown = [...labels.byId.values()].filter((label) => !stems.has(label.id));
    log(`labels: ${labels.byId.size} rows, ${labels.problems.length} unusable, ${unknown.length} ids without an image`);
    const report = [...labels.problems, ...unknown.map((label) => `line ${label.line}: id ${label.id} has no image in the catalog folder`)];
    for (const problem of report.slice(0, 20)) log(`  ${problem}`);
    if (report.length > 20) log(`  … and ${report.length - 20} more`);
    if (labels.missingColumns.length) log(`  no ${labels.missingColumns.join(', ')} column: predicted or left out`);
  }
  log(`catalog: ${images.length} images under ${catalogDir}`);
  return { images, labels };
}

/** Vectors already computed for a file's content, under these models, pre-processing and augmentations. */
function openEmbeddingCache(plan: BuildPlan): EmbeddingCache {
  const { encoders, index, profile } = plan;
  return EmbeddingCache.open(
    plan.options.cacheDir,
    {
      recipe: EMBEDDING_RECIPE,
      imageSemantic: [encoders.imageSemantic.spec, encoders.imageSemantic.files],
      visual: [encoders.visual.spec, encoders.visual.files],
      augmentations: AUGMENTATIONS.map((a) => a.name),
      framing: index.framing,
    },
    { semantic: profile.imageSemantic.spec.dim, visual: profile.visual.spec.dim },
  );
}

async function embedImages(plan: BuildPlan, images: readonly CatalogImage[], pool: EmbedPool, cache: EmbeddingCache) {
  const variants = 1 + plan.index.augmentCopies;
  const result = await embedCatalog(images, { pool, cache, variants, inFlight: plan.workers * 2, progress: plan.progress });
  for (const s of result.skipped.slice(0, 20)) plan.log(`  skipped ${s.path}: ${s.reason}`);
  if (result.embedded.length === 0) throw new BuildError('no image in the catalog could be read');
  return result;
}

interface Description {
  readonly products: Product[];
  /** Unit vectors of the product names (or "colour category" when a product has none). */
  readonly productTexts: Float32Array[];
  /** The classifier's labels: the catalog's categories, biggest first, then well-known ones it lacks. */
  readonly classifierLabels: string[];
  readonly promptMatrix: Matrix;
  /** Catalog categories, biggest first. */
  readonly categories: { name: string; products: number }[];
  readonly labelled: number;
  /** Share of labelled products whose zero-shot category matches the label; null without labels. */
  readonly labelAgreement: number | null;
}

/** Products as the page shows them: ids, labels where given, zero-shot category and colour, name vectors. */
async function describeProducts(plan: BuildPlan, embedded: readonly EmbeddedImage[], labels: LabelsTable | null): Promise<Description> {
  const { profile, taxonomy, progress } = plan;
  const text = new TextVectors(await loadTextEmbedder(plan.models, profile.textSemantic, { threads: plan.workers, assetsDir: plan.assetsDir }));
  const logitScale = profile.textSemantic.spec.logitScale;
  const ids = assignIds(embedded);
  const labelled = embedded.map((e, i) => labels?.byId.get(ids[i]!) ?? labels?.byId.get(e.image.stem) ?? null);
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

  const counts = new Map<string, { name: string; products: number }>();
  for (const p of products) {
    const entry = counts.get(categoryKey(p.category)) ?? { name: p.category, products: 0 };
    entry.products++;
    counts.set(categoryKey(p.category), entry);
  }
  const categories = [...counts.values()].sort((a, b) => b.products - a.products || a.name.localeCompare(b.name));
  const classifierLabels = classifierCategories(taxonomy, categories.map((c) => c.name));
  const labelledCount = labelled.filter(Boolean).length;
  return {
    products,
    productTexts,
    classifierLabels,
    promptMatrix: await text.labelMatrix(classifierLabels, (c) => categoryPrompts(taxonomy, c)),
    categories,
    labelled: labelledCount,
    labelAgreement: labelledCount
      ? products.filter((p) => p.labelCategory && categoryKey(p.labelCategory) === categoryKey(p.predictedCategory)).length / labelledCount
      : null,
  };
}

function assignIds(embedded: readonly EmbeddedImage[]): string[] {
  const stems = new Map<string, number>();
  for (const e of embedded) stems.set(e.image.stem, (stems.get(e.image.stem) ?? 0) + 1);
  // A stem shared by files in different folders is ambiguous: those products are named by their path instead.
  return embedded.map((e) => (stems.get(e.image.stem)! > 1 ? e.image.relativePath.replace(/\.[^.]+$/, '') : e.image.stem));
}

interface Entries {
  /** Entry row → product: every product's original first (row = product index), then each augmentation round. */
  readonly entryProducts: Uint32Array;
  readonly semantic: Matrix;
  readonly visual: Matrix;
  readonly calibration: ArtifactManifest['calibration'];
}

function arrangeEntries(plan: BuildPlan, embedded: readonly EmbeddedImage[], description: Description): Entries {
  const variants = 1 + plan.index.augmentCopies;
  const entryRows = (pick: (e: EmbeddedImage) => Float32Array[]) => Array.from({ length: variants }, (_, v) => embedded.map((e) => pick(e)[v]!)).flat();
  const originals = embedded.map((e) => e.semantic[0]!);
  const visuals = embedded.map((e) => e.visual[0]!);
  const { productTexts } = description;
  return {
    entryProducts: Uint32Array.from({ length: embedded.length * variants }, (_, r) => r % embedded.length),
    semantic: matrixFromRows(entryRows((e) => e.semantic), plan.profile.imageSemantic.spec.dim),
    visual: matrixFromRows(entryRows((e) => e.visual), plan.profile.visual.spec.dim),
    calibration: {
      semanticBaseline: baseline(originals, originals, SEED),
      visualBaseline: baseline(visuals, visuals, SEED),
      textPhotoBaseline: baseline(productTexts, originals, SEED),
      textTextBaseline: baseline(productTexts, productTexts, SEED),
      catalogLikeness: measureCatalogLikeness(originals.length, (i) => originals[i]!, SEED),
    },
  };
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

/** The HNSW graphs (whole catalog, and each category big enough), the vectors, products and the manifest. */
async function writeArtifacts(plan: BuildPlan, writer: ArtifactWriter, description: Description, entries: Entries, skipped: number): Promise<ArtifactManifest> {
  const { index, profile } = plan;
  const { products } = description;
  const { entryProducts, semantic, visual } = entries;
  const graph = async (file: string, rows: Uint32Array): Promise<ScopeIndex> => {
    if (rows.length < index.exactBelow) return { kind: 'exact' };
    const t = performance.now();
    await writer.write(file, await buildHnsw(semantic, rows, { m: index.m, efConstruction: index.efConstruction }));
    plan.log(`hnsw: ${file} (${rows.length} vectors) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return { kind: 'hnsw', file };
  };
  const catalogIndex = await graph('hnsw/catalog.hnsw', Uint32Array.from({ length: semantic.rows }, (_, i) => i));
  const slugs = uniqueSlugs(description.categories.map((c) => c.name));
  const categories: CategoryRecord[] = [];
  for (const c of description.categories) {
    const rows = Uint32Array.from([...entryProducts.keys()].filter((r) => categoryKey(products[entryProducts[r]!]!.category) === categoryKey(c.name)));
    categories.push({ name: c.name, products: c.products, entries: rows.length, index: await graph(`hnsw/category-${slugs.get(c.name)}.hnsw`, rows) });
  }
  const manifestBody = {
    format: ARTIFACT_FORMAT as typeof ARTIFACT_FORMAT,
    version: FORMAT_VERSION as typeof FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    profile: profile.name,
    models: plan.encoders,
    counts: { products: products.length, entries: semantic.rows, skipped },
    products: await writer.writeJson('products.json', products),
    entryProducts: await writer.write('entries.u32', encodeEntryProducts(entryProducts)),
    vectors: {
      semantic: await writer.writeVectors('semantic', semantic, index.semanticEncoding),
      visual: await writer.writeVectors('visual', visual, index.visualEncoding),
      text: await writer.writeVectors('text', matrixFromRows(description.productTexts, profile.textSemantic.spec.dim), index.textEncoding),
    },
    hnsw: { space: 'ip' as const, m: index.m, efConstruction: index.efConstruction },
    catalogIndex,
    categories,
    prompts: { categories: description.classifierLabels, vectors: await writer.writeVectors('prompts', description.promptMatrix, 'f16') },
    calibration: entries.calibration,
    index,
    search: plan.search,
  };
  const manifest: ArtifactManifest = { ...manifestBody, buildId: writer.buildId(), files: writer.files };
  await writer.writeJson(MANIFEST_FILE, manifest);
  return manifest;
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

/** The gates, on what was written: a sample of catalog photos embedded again from their files and searched. */
async function checkQuality(plan: BuildPlan, staging: string, pool: EmbedPool, embedded: readonly EmbeddedImage[], products: readonly Product[]): Promise<QualityReport> {
  const catalog = await openCatalogDir(staging);
  const samples: GateSample[] = [];
  for (const productIndex of sampleIndices(products.length, plan.options.gateSample, SEED)) {
    const t = performance.now();
    const reply = await pool.embed(new Uint8Array(await readFile(embedded[productIndex]!.image.absolutePath)), products[productIndex]!.image);
    if (!reply.ok) throw new BuildError(`gate: ${reply.error}`);
    samples.push({
      productIndex,
      query: { semantic: reply.semantic.slice(0, plan.profile.imageSemantic.spec.dim), visual: reply.visual.slice(0, plan.profile.visual.spec.dim) },
      embedMs: performance.now() - t,
    });
  }
  const sameImage = (a: number, b: number) => a >= 0 && b >= 0 && embedded[a]!.sha256 === embedded[b]!.sha256;
  return runQualityGates(catalog, samples, sameImage);
}
