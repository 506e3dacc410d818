import { FileCache } from '../../assets/browser/file-cache.js';
import { isCompactManifest, validateCompactManifest } from '../../artifacts/shared/compact.js';
import { MANIFEST_FILE, validateManifest } from '../../artifacts/shared/format.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import type { ImageEmbedders } from '../../models/shared/embed.js';
import { chooseRuntime } from '../../models/worker/runtime.js';
import { SearchEngine, type EngineRuntime, type QueryAnswerer, type TextSide } from '../shared/engine.js';
import type { EngineInfo, OfflineCatalog, ShardBudgets, ShardStats, TextModelInfo } from './api.js';
import { openCompact, type CatalogShards } from './compact.js';
import type { LoadListener, Loading } from './loading.js';
import { openRemote } from './remote.js';

async function fetchManifest(dataBase: URL): Promise<unknown> {
  const url = new URL(`artifacts/${MANIFEST_FILE}`, dataBase);
  let response: Response;
  try {
    // Always asked again: it is small, and it is what says whether the cached files are still current.
    response = await fetch(url, { cache: 'no-cache' });
  } catch (error) {
    throw new Error(`cannot reach ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status} — is the catalog index built and served?`);
  return response.json();
}

export interface WorkerTextSide extends TextSide {
  readonly info: TextModelInfo;
}

/**
 * The page's search engine, in a worker: the shared engine on onnxruntime-web for the two image encoders, over
 * the catalog the manifest describes (the compact sharded layout, or a shop's search API), with models, router and
 * prompts downloaded (or read from IndexedDB) on open, shards as searches need them, and the text side on the first
 * query with words.
 */
export class WorkerSearchEngine extends SearchEngine<Blob, LoadListener, WorkerTextSide> {
  constructor(
    answerer: QueryAnswerer,
    framing: Framing,
    embedders: ImageEmbedders,
    runtime: EngineRuntime<Blob, LoadListener, WorkerTextSide>,
    readonly info: EngineInfo,
    /** A catalog searched on this device: its shards; null in remote mode. */
    readonly shards: CatalogShards | null,
  ) {
    super(answerer, framing, embedders, runtime);
  }

  shardStats(): Promise<ShardStats | null> {
    return this.shards ? this.shards.stats() : Promise.resolve(null);
  }

  saveForOffline(onProgress: (done: number, total: number) => void): Promise<OfflineCatalog> {
    if (!this.shards) return Promise.reject(new Error(`searches go to the shop's server (${this.info.remote}), which an offline device cannot reach`));
    return this.shards.saveAll(onProgress);
  }

  static async open(dataBase: URL, onEvent: LoadListener, budgets: Partial<ShardBudgets> = {}): Promise<WorkerSearchEngine> {
    const started = performance.now();
    const [json, runtime, cache] = await Promise.all([fetchManifest(dataBase), chooseRuntime(), FileCache.open()]);
    const loading: Loading = { dataBase, runtime, cache, onEvent, started };
    if (isCompactManifest(json)) return openCompact(validateCompactManifest(json), loading, budgets);
    const manifest = validateManifest(json);
    if (manifest.remote) return openRemote(manifest, manifest.remote, loading);
    // Node's tools read it; the page would need all of it before a first search (see pageCatalog).
    throw new Error(`the catalog is served in the single-file layout of npm run build:index, which the page does not read: serve it with npm run dev, npm run preview or npm run demo, which convert it to the compact layout`);
  }
}
