import type { VerifiedFile } from '../../assets/browser/download.js';
import type { FileCache } from '../../assets/browser/file-cache.js';
import { DownloadQueue } from '../../assets/worker/download-queue.js';
import type { ArtifactManifest } from '../../artifacts/shared/format.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { decodeImageBlob } from '../../imaging/worker/decode.js';
import { embedImages, type ImageEmbedders } from '../../models/shared/embed.js';
import { ImageEmbedder, TextEmbedder } from '../../models/shared/embedders.js';
import type { InferenceRuntime } from '../../models/worker/runtime.js';
import { scoringOf } from '../shared/scoring.js';
import { apiAnswerer } from '../shared/wire.js';
import type { EngineInfo } from './api.js';
import {
  currentChecksums,
  modelDownload,
  PARALLEL_DOWNLOADS,
  textDownloads,
  WARM_UP_IMAGE,
  WorkerSearchEngine,
  type LoadListener,
  type WorkerTextSide,
} from './engine.js';

interface Loading {
  readonly runtime: InferenceRuntime;
  readonly cache: FileCache;
  readonly onEvent: LoadListener;
  readonly started: number;
}

/**
 * Remote mode, chosen by the deployment's manifest: the photo is still decoded and embedded here, but the catalog
 * is searched by the shop's server, so only the two image encoders are downloaded (the text encoder on the first
 * query with words) and no index at all.
 */
export async function openRemote(manifest: ArtifactManifest, remote: { readonly api: string }, dataBase: URL, loading: Loading): Promise<WorkerSearchEngine> {
  const { runtime, cache, onEvent, started } = loading;
  const api = new URL(remote.api, dataBase);
  onEvent({ kind: 'remote', api: api.href });
  const { imageSemantic, visual } = manifest.models;
  const models = { imageSemantic: modelDownload(imageSemantic, imageSemantic.spec.file, dataBase), visual: modelDownload(visual, visual.spec.file, dataBase) };
  const downloads = new DownloadQueue(cache, Object.values(models), (file, overall) => onEvent({ kind: 'file', part: 'engine', file, overall }), PARALLEL_DOWNLOADS);
  const load = async (record: typeof imageSemantic, file: VerifiedFile) => ImageEmbedder.load(runtime.ort, await downloads.get(file.path), record.spec, runtime.sessionOptions);
  const embedders: ImageEmbedders = { imageSemantic: await load(imageSemantic, models.imageSemantic), visual: await load(visual, models.visual) };

  onEvent({ kind: 'warming-up' });
  const warmUpStarted = performance.now();
  const [notCached] = await Promise.all([cache.persist(currentChecksums(manifest, dataBase)), embedImages(embedders, [WARM_UP_IMAGE], manifest.index.framing)]);
  const now = performance.now();

  const answerer = apiAnswerer(api);
  const stocked = new Set(manifest.categories.map((c) => categoryKey(c.name)));
  const info: EngineInfo = {
    backend: runtime.backend,
    threads: runtime.threads,
    crossOriginIsolated,
    buildId: manifest.buildId,
    products: manifest.counts.products,
    defaultTopK: manifest.search.topK,
    categories: manifest.categories.map((c) => c.name).sort((a, b) => a.localeCompare(b)),
    scoring: scoringOf(manifest),
    absentCategories: manifest.prompts.categories.filter((c) => !stocked.has(categoryKey(c))).sort((a, b) => a.localeCompare(b)),
    files: { ...downloads.summary(), notCached, scannedExactly: [] },
    timings: { loadMs: now - started, warmUpMs: now - warmUpStarted },
    remote: api.href,
  };

  /** Words are embedded here too: the text encoder and its tokenizer, not the product-name vectors (the server has them). */
  const openText = async (listener: LoadListener | undefined): Promise<WorkerTextSide> => {
    const textStarted = performance.now();
    const { model, tokenizer, tokenizerConfig } = textDownloads(manifest, dataBase);
    const queue = new DownloadQueue(cache, [model, tokenizer, tokenizerConfig], (file, overall) => listener?.({ kind: 'file', part: 'text', file, overall }), PARALLEL_DOWNLOADS);
    const json = async (file: VerifiedFile) => JSON.parse(new TextDecoder().decode(await queue.get(file.path))) as object;
    const embedder = await TextEmbedder.load(
      runtime.ort,
      await queue.get(model.path),
      await json(tokenizer),
      await json(tokenizerConfig),
      manifest.models.textSemantic.spec,
      runtime.sessionOptions,
    );
    const textNotCached = await cache.persist(currentChecksums(manifest, dataBase));
    return { embedder, answerer, info: { ...queue.summary(), notCached: textNotCached, loadMs: performance.now() - textStarted } };
  };
  return new WorkerSearchEngine(answerer, manifest.index.framing, embedders, { decode: decodeImageBlob, openText }, info);
}
