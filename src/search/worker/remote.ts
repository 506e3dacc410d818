import type { ArtifactManifest } from '../../artifacts/shared/format.js';
import { decodeImageBlob } from '../../imaging/worker/decode.js';
import { scoringOf } from '../shared/scoring.js';
import { apiAnswerer } from '../shared/wire.js';
import type { EngineInfo } from './api.js';
import { WorkerSearchEngine, type WorkerTextSide } from './engine.js';
import {
  categoryChoices,
  currentChecksums,
  downloadQueue,
  imageModelDownloads,
  loadImageEmbedders,
  loadTextEmbedder,
  textModelDownloads,
  warmUpTowers,
  type LoadListener,
  type Loading,
} from './loading.js';

/**
 * Remote mode, chosen by the deployment's manifest: the photo is still decoded and embedded here, but the catalog
 * is searched by the shop's server, so only the two image encoders are downloaded (the text encoder on the first
 * query with words) and no index at all.
 */
export async function openRemote(manifest: ArtifactManifest, remote: { readonly api: string }, loading: Loading): Promise<WorkerSearchEngine> {
  const { dataBase, runtime, cache, onEvent, started } = loading;
  const api = new URL(remote.api, dataBase);
  onEvent({ kind: 'remote', api: api.href });
  const downloads = downloadQueue(loading, imageModelDownloads(manifest.models, dataBase), 'engine');
  const embedders = await loadImageEmbedders(manifest.models, downloads, loading);

  onEvent({ kind: 'warming-up' });
  const warmUpStarted = performance.now();
  const keep = currentChecksums(manifest.models, manifest.files);
  const [notCached] = await Promise.all([cache.persist(keep), warmUpTowers(embedders, manifest.index.framing)]);
  const now = performance.now();

  const answerer = apiAnswerer(api);
  const info: EngineInfo = {
    backend: runtime.backend,
    threads: runtime.threads,
    crossOriginIsolated,
    buildId: manifest.buildId,
    products: manifest.counts.products,
    defaultTopK: manifest.search.topK,
    ...categoryChoices(manifest.categories, manifest.prompts.categories),
    scoring: scoringOf(manifest),
    files: { ...downloads.summary(), notCached, scannedExactly: [] },
    timings: { loadMs: now - started, warmUpMs: now - warmUpStarted },
    remote: api.href,
    shards: null,
  };

  /** Words are embedded here too: the text encoder and its tokenizer, not the product-name vectors (the server has them). */
  const openText = async (listener: LoadListener | undefined): Promise<WorkerTextSide> => {
    const textStarted = performance.now();
    const queue = downloadQueue(loading, textModelDownloads(manifest.models, dataBase), 'text', listener);
    const embedder = await loadTextEmbedder(manifest.models, queue, loading);
    const textNotCached = await cache.persist(keep);
    return { embedder, answerer, info: { ...queue.summary(), notCached: textNotCached, loadMs: performance.now() - textStarted } };
  };
  return new WorkerSearchEngine(answerer, manifest.index.framing, embedders, { decode: decodeImageBlob, openText }, info);
}
