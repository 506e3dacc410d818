import type { FileProgress } from '../../assets/browser/download.js';
import type { CompactManifest } from '../../artifacts/shared/compact.js';
import { fileRecord } from '../../artifacts/shared/format.js';
import { decodeImageBlob } from '../../imaging/worker/decode.js';
import { compactSource, decodeCompactIndex } from '../shared/compact-source.js';
import { policyAnswerer } from '../shared/engine.js';
import { decodeCell } from '../../artifacts/shared/cells.js';
import { formatBytes } from '../../common/shared/units.js';
import type { OfflineCatalog, ShardBudgets, ShardStats } from './api.js';
import { WorkerSearchEngine } from './engine.js';
import { shardStore } from './shards.js';
import {
  artifactDownload,
  currentChecksums,
  downloadQueue,
  engineInfo,
  imageModelDownloads,
  loadImageEmbedders,
  openTextEncoderSide,
  PARALLEL_DOWNLOADS,
  warmUpTowers,
  type LoadListener,
  type Loading,
} from './loading.js';

const MB = 2 ** 20;
/** Decoded shards held in the worker: the whole of a 44k-product catalog, a bounded part of a 1M one. */
const DEFAULT_MEMORY_BYTES = 96 * MB;
/** Shards kept on the device: at most this, and at most STORED_SHARE of what the browser lets the site store. */
const DEFAULT_STORED_BYTES = 512 * MB;
const STORED_SHARE = 0.4;

/** The budgets a compact catalog runs under: the page's overrides, else the defaults within the site's quota. */
async function shardBudgets(overrides: Partial<ShardBudgets>): Promise<ShardBudgets> {
  let stored = overrides.storedBytes;
  if (stored === undefined) {
    const quota = await navigator.storage?.estimate?.().then((e) => e.quota, () => undefined);
    stored = quota ? Math.min(DEFAULT_STORED_BYTES, Math.floor(quota * STORED_SHARE)) : DEFAULT_STORED_BYTES;
  }
  return { memoryBytes: overrides.memoryBytes ?? DEFAULT_MEMORY_BYTES, storedBytes: stored };
}

/**
 * The compact layout: the manifest, the router and the prompt vectors at start (with the models); then, when a
 * search needs them, the shards (cells) of the lists nearest to its query — from IndexedDB when stored there, else
 * from the network, stored at once. Decoded shards stay in memory under one byte budget, stored ones on the device
 * under another; the least recently used go first.
 */
export async function openCompact(manifest: CompactManifest, loading: Loading, overrides: Partial<ShardBudgets>): Promise<WorkerSearchEngine> {
  const { dataBase, cache, onEvent } = loading;
  const [router, prompts] = [manifest.router, manifest.prompts.vectors.file].map((path) => artifactDownload(fileRecord(manifest, path), dataBase));
  const downloads = downloadQueue(loading, [...imageModelDownloads(manifest.models, dataBase), router!, prompts!], 'engine');
  const budgets = await shardBudgets(overrides);

  const shardFiles = manifest.cells.map((cell) => artifactDownload(fileRecord(manifest, cell.file), dataBase));
  const fetched = { fromCache: 0, fromNetwork: 0, bytesDownloaded: 0 };
  const shardProgress = (file: FileProgress) => {
    if (file.done) {
      fetched[file.source === 'network' ? 'fromNetwork' : 'fromCache']++;
      if (file.source === 'network') fetched.bytesDownloaded += file.total;
    }
    // A shard read from this device takes milliseconds: only downloads are worth a progress bar.
    if (file.source === 'network') onEvent({ kind: 'file', part: 'shard', file, overall: { loaded: file.loaded, total: file.total, files: 1, filesDone: file.done ? 1 : 0 } });
  };
  const store = shardStore(cache, shardFiles, budgets, shardProgress);
  const [source, embedders] = await Promise.all([
    (async () => compactSource(decodeCompactIndex(manifest, await downloads.get(router!.path), await downloads.get(prompts!.path)), store))(),
    loadImageEmbedders(manifest.models, downloads, loading),
  ]);

  // The towers only: a warm-up search would download shards no shopper asked for.
  onEvent({ kind: 'warming-up' });
  const warmUpStarted = performance.now();
  const keep = currentChecksums(manifest.models, manifest.files);
  const [notCached] = await Promise.all([cache.persist(keep), warmUpTowers(embedders, manifest.framing)]);

  const info = engineInfo(loading, manifest, { files: { ...downloads.summary(), notCached }, remote: null, shards: { count: manifest.cells.length, budgets }, warmUpStarted });
  const answerer = policyAnswerer(source);
  // Product names are coded in the shards: words need only the text encoder and its tokenizer.
  const openText = (listener: LoadListener | undefined) => openTextEncoderSide(manifest.models, loading, listener, answerer, keep);
  const shards: CatalogShards = {
    stats: async () => ({
      shards: manifest.cells.length,
      budgets,
      memory: store.stats(),
      stored: await cache.storedShards(budgets.storedBytes),
      fetched: { ...fetched },
    }),
    async saveAll(onProgress) {
      const bytes = shardFiles.reduce((n, f) => n + f.bytes, 0);
      if (bytes > budgets.storedBytes) {
        throw new Error(`its ${formatBytes(bytes)} of shards are more than the ${formatBytes(budgets.storedBytes)} this device keeps for them`);
      }
      const images = new Set<string>();
      const queue = shardFiles.map((_, i) => i);
      let done = 0;
      const saveNext = async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const file = shardFiles[i]!;
          for (const product of (await cache.shard(file, budgets.storedBytes, shardProgress, (bytes) => decodeCell(bytes, file.path))).products) images.add(product.image);
          onProgress(++done, shardFiles.length);
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_DOWNLOADS }, saveNext));
      // A shard the browser would not store was still read (searches work now), but offline it would be missing.
      const { notCached } = await cache.storedShards(budgets.storedBytes);
      const refused = shardFiles.filter((f) => notCached.some((failure) => failure.startsWith(`${f.path} `)));
      if (refused.length) throw new Error(`the browser would not store ${refused.length} of ${shardFiles.length} shards (${notCached.at(-1)})`);
      return { shards: shardFiles.length, bytes, images: [...images].sort() };
    },
  };
  return new WorkerSearchEngine(answerer, manifest.framing, embedders, { decode: decodeImageBlob, openText }, info, shards);
}

/** A catalog's shards, for the page: their figures, and all of them stored for offline use. */
export interface CatalogShards {
  stats(): Promise<ShardStats>;
  saveAll(onProgress: (done: number, total: number) => void): Promise<OfflineCatalog>;
}

