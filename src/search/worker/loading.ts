import type { VerifiedFile } from '../../assets/browser/download.js';
import type { FileCache } from '../../assets/browser/file-cache.js';
import { DownloadQueue } from '../../assets/worker/download-queue.js';
import type { ArtifactFile, ArtifactManifest } from '../../artifacts/shared/format.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { embedImages, type ImageEmbedders, type ImageEmbedding } from '../../models/shared/embed.js';
import { ImageEmbedder, TextEmbedder } from '../../models/shared/embedders.js';
import type { EncoderRecord, EncoderSpec } from '../../models/shared/manifest.js';
import type { InferenceRuntime } from '../../models/worker/runtime.js';
import type { CompactManifest } from '../../artifacts/shared/compact.js';
import type { QueryAnswerer } from '../shared/engine.js';
import { scoringOf } from '../shared/scoring.js';
import type { EngineInfo, LoadEvent, LoadPart } from './api.js';
import type { WorkerTextSide } from './engine.js';

/**
 * What the two ways of opening a catalog in the worker share (the compact sharded layout, and remote mode): the
 * model files a manifest pins, their download queue and the image and text encoders.
 */

/** Parallel downloads: enough to hide latency, few enough that the first files finish early. */
export const PARALLEL_DOWNLOADS = 4;

/** A mid-grey square: the warm-up input (any image compiles the same kernels). */
const WARM_UP_IMAGE = { width: 224, height: 224, data: new Uint8Array(224 * 224 * 4).fill(128) };

export type LoadListener = (event: LoadEvent) => void;
export type Models = ArtifactManifest['models'];

export interface Loading {
  readonly dataBase: URL;
  readonly runtime: InferenceRuntime;
  readonly cache: FileCache;
  readonly onEvent: LoadListener;
  readonly started: number;
}

export function artifactDownload(file: ArtifactFile, dataBase: URL): VerifiedFile {
  return { ...file, path: `artifacts/${file.path}`, url: new URL(`artifacts/${file.path}`, dataBase).href };
}

function modelDownload(record: EncoderRecord<EncoderSpec>, file: string, dataBase: URL): VerifiedFile {
  const pinned = record.files[file];
  if (!pinned) throw new Error(`the manifest pins no file for model ${record.model}/${file}`);
  const path = `models/${record.model}/${file}`;
  return { path, url: new URL(path, dataBase).href, ...pinned };
}

/** The two image towers every photo search runs. */
export function imageModelDownloads(models: Models, dataBase: URL): VerifiedFile[] {
  return [modelDownload(models.imageSemantic, models.imageSemantic.spec.file, dataBase), modelDownload(models.visual, models.visual.spec.file, dataBase)];
}

/** What words need of the models: the CLIP text encoder and its tokenizer. */
function textModelDownloads(models: Models, dataBase: URL): VerifiedFile[] {
  const { spec } = models.textSemantic;
  return [spec.file, spec.tokenizer, spec.tokenizerConfig].map((file) => modelDownload(models.textSemantic, file, dataBase));
}

/** Checksums of every file of this build, downloaded yet or not: what the cache keeps when it drops earlier builds' files. */
export function currentChecksums(models: Models, artifacts: readonly ArtifactFile[]): Set<string> {
  const modelFiles = [models.imageSemantic, models.visual, models.textSemantic].flatMap((record) => Object.values(record.files));
  return new Set([...modelFiles, ...artifacts].map((f) => f.sha256));
}

export function downloadQueue(loading: Loading, files: readonly VerifiedFile[], part: LoadPart, listener: LoadListener | undefined = loading.onEvent): DownloadQueue {
  return new DownloadQueue(loading.cache, files, (file, overall) => listener?.({ kind: 'file', part, file, overall }), PARALLEL_DOWNLOADS);
}

export async function loadImageEmbedders(models: Models, downloads: DownloadQueue, loading: Loading): Promise<ImageEmbedders> {
  const { runtime, dataBase } = loading;
  const [semanticFile, visualFile] = imageModelDownloads(models, dataBase);
  const [imageSemantic, visual] = await Promise.all([
    (async () => ImageEmbedder.load(runtime.ort, await downloads.get(semanticFile!.path), models.imageSemantic.spec, runtime.sessionOptions))(),
    (async () => ImageEmbedder.load(runtime.ort, await downloads.get(visualFile!.path), models.visual.spec, runtime.sessionOptions))(),
  ]);
  return { imageSemantic, visual };
}

/** The text encoder, from a queue that holds `textModelDownloads`. */
async function loadTextEmbedder(models: Models, downloads: DownloadQueue, loading: Loading): Promise<TextEmbedder> {
  const [model, tokenizer, tokenizerConfig] = textModelDownloads(models, loading.dataBase);
  const json = async (file: VerifiedFile) => JSON.parse(new TextDecoder().decode(await downloads.get(file.path))) as object;
  const { runtime } = loading;
  return TextEmbedder.load(runtime.ort, await downloads.get(model!.path), await json(tokenizer!), await json(tokenizerConfig!), models.textSemantic.spec, runtime.sessionOptions);
}

/** Runs the towers once on a grey square, so the first shopper's photo does not pay for compiling the kernels. */
export async function warmUpTowers(embedders: ImageEmbedders, framing: Framing): Promise<ImageEmbedding> {
  const [embedding] = await embedImages(embedders, [WARM_UP_IMAGE], framing);
  return embedding!;
}

/** What the page is told of a loaded engine: the catalog's part from its manifest (either layout), and how it loaded. */
export function engineInfo(
  loading: Loading,
  manifest: ArtifactManifest | CompactManifest,
  loaded: Pick<EngineInfo, 'files' | 'remote' | 'shards'> & { readonly warmUpStarted: number },
): EngineInfo {
  const now = performance.now();
  const stocked = new Set(manifest.categories.map((c) => categoryKey(c.name)));
  return {
    backend: loading.runtime.backend,
    threads: loading.runtime.threads,
    crossOriginIsolated,
    buildId: manifest.buildId,
    products: manifest.counts.products,
    defaultTopK: manifest.search.topK,
    categories: manifest.categories.map((c) => c.name).sort((a, b) => a.localeCompare(b)),
    absentCategories: manifest.prompts.categories.filter((c) => !stocked.has(categoryKey(c))).sort((a, b) => a.localeCompare(b)),
    scoring: scoringOf(manifest),
    files: loaded.files,
    timings: { loadMs: now - loading.started, warmUpMs: now - loaded.warmUpStarted },
    remote: loaded.remote,
    shards: loaded.shards,
  };
}

/**
 * A text side that needs only the text encoder and its tokenizer, because `answerer` already has the product names
 * (in a compact catalog's shards, or on the shop's server).
 */
export async function openTextEncoderSide(
  models: Models,
  loading: Loading,
  listener: LoadListener | undefined,
  answerer: QueryAnswerer,
  keep: ReadonlySet<string>,
): Promise<WorkerTextSide> {
  const started = performance.now();
  const queue = downloadQueue(loading, textModelDownloads(models, loading.dataBase), 'text', listener);
  const embedder = await loadTextEmbedder(models, queue, loading);
  const notCached = await loading.cache.persist(keep);
  return { embedder, answerer, info: { ...queue.summary(), notCached, loadMs: performance.now() - started } };
}
