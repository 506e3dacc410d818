import { openHnsw } from '../../ann/wasm/hnswlib.js';
import { FileCache } from '../../assets/browser/file-cache.js';
import { isCompactManifest, validateCompactManifest } from '../../artifacts/shared/compact.js';
import { fileRecord, MANIFEST_FILE, validateManifest, type ArtifactFile, type ArtifactManifest } from '../../artifacts/shared/format.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { decodeImageBlob } from '../../imaging/worker/decode.js';
import type { ImageEmbedders } from '../../models/shared/embed.js';
import { chooseRuntime } from '../../models/worker/runtime.js';
import { openCatalog, readProductTexts, type OpenHnsw, type SearchCatalog } from '../shared/catalog.js';
import { policyAnswerer, SearchEngine, type EngineRuntime, type QueryAnswerer, type TextSide } from '../shared/engine.js';
import { searchCatalog } from '../shared/policy.js';
import { catalogSource } from '../shared/source.js';
import type { EngineInfo, ShardBudgets, ShardStats, TextModelInfo } from './api.js';
import { openCompact } from './compact.js';
import {
  artifactDownload,
  currentChecksums,
  downloadQueue,
  engineInfo,
  imageModelDownloads,
  loadImageEmbedders,
  loadTextEmbedder,
  textModelDownloads,
  warmUpTowers,
  type LoadListener,
  type Loading,
} from './loading.js';
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

/** Photo search reads every artifact except the product text vectors, which only text queries need. */
function photoArtifacts(manifest: ArtifactManifest): ArtifactFile[] {
  return manifest.files.filter((f) => f.path !== manifest.vectors.text.file);
}

export interface WorkerTextSide extends TextSide {
  readonly info: TextModelInfo;
}

/**
 * The page's search engine, in a worker: the shared engine on onnxruntime-web for the two image encoders, over
 * the catalog the manifest describes (today's single file layout with hnswlib-wasm graphs, the compact sharded
 * layout, or a shop's search API), with models and index downloaded (or read from IndexedDB) on open, and the text
 * side on the first query with words.
 */
export class WorkerSearchEngine extends SearchEngine<Blob, LoadListener, WorkerTextSide> {
  constructor(
    answerer: QueryAnswerer,
    framing: Framing,
    embedders: ImageEmbedders,
    runtime: EngineRuntime<Blob, LoadListener, WorkerTextSide>,
    readonly info: EngineInfo,
    /** A compact catalog's shard figures; null for the other layouts. */
    readonly shardStats: () => Promise<ShardStats | null> = () => Promise.resolve(null),
  ) {
    super(answerer, framing, embedders, runtime);
  }

  static async open(dataBase: URL, onEvent: LoadListener, budgets: Partial<ShardBudgets> = {}): Promise<WorkerSearchEngine> {
    const started = performance.now();
    const [json, runtime, cache] = await Promise.all([fetchManifest(dataBase), chooseRuntime(), FileCache.open()]);
    const loading: Loading = { dataBase, runtime, cache, onEvent, started };
    if (isCompactManifest(json)) return openCompact(validateCompactManifest(json), loading, budgets);
    const manifest = validateManifest(json);
    if (manifest.remote) return openRemote(manifest, manifest.remote, loading);
    return openSingleFile(manifest, loading);
  }
}

/** Today's layout: every vector and graph of the catalog downloaded and opened before the first search. */
async function openSingleFile(manifest: ArtifactManifest, loading: Loading): Promise<WorkerSearchEngine> {
  const { dataBase, cache, onEvent } = loading;
  const artifacts = photoArtifacts(manifest).map((f) => artifactDownload(f, dataBase));
  const downloads = downloadQueue(loading, [...imageModelDownloads(manifest.models, dataBase), ...artifacts], 'engine');
  const readArtifact = (file: ArtifactFile) => downloads.get(`artifacts/${file.path}`);
  const scannedExactly: string[] = [];
  // hnswlib-wasm loads a graph through IndexedDB: where the browser refuses storage (private mode, no quota) the
  // scope is scanned exactly instead of failing the page.
  const openGraph: OpenHnsw = async (bytes, file, dim, rows, efSearch) => {
    try {
      return await openHnsw(bytes, dim, rows, efSearch);
    } catch (error) {
      if (!(error instanceof DOMException)) throw error;
      scannedExactly.push(`${file.path} (${error.name}: scanned exactly)`);
      return null;
    }
  };
  const [catalog, embedders] = await Promise.all([openCatalog(manifest, readArtifact, openGraph), loadImageEmbedders(manifest.models, downloads, loading)]);
  const source = catalogSource(catalog);

  onEvent({ kind: 'warming-up' });
  const warmUpStarted = performance.now();
  // The towers and one search, so that the graphs' code is compiled too.
  const warmUp = async () => searchCatalog(source, await warmUpTowers(embedders, manifest.index.framing));
  const [notCached] = await Promise.all([cache.persist(currentChecksums(manifest.models, manifest.files)), warmUp()]);

  const info = engineInfo(loading, manifest, { files: { ...downloads.summary(), notCached, scannedExactly }, remote: null, shards: null, warmUpStarted });
  const engineRuntime = { decode: decodeImageBlob, openText: (listener?: LoadListener) => openText(catalog, loading, listener) };
  return new WorkerSearchEngine(policyAnswerer(source), manifest.index.framing, embedders, engineRuntime, info);
}

/** The text side: the text encoder and the product names' vectors, from IndexedDB or the network, with progress as `part: "text"` events. */
async function openText(catalog: SearchCatalog, loading: Loading, listener: LoadListener | undefined): Promise<WorkerTextSide> {
  const started = performance.now();
  const { manifest } = catalog;
  const productTexts = artifactDownload(fileRecord(manifest, manifest.vectors.text.file), loading.dataBase);
  const downloads = downloadQueue(loading, [...textModelDownloads(manifest.models, loading.dataBase), productTexts], 'text', listener);
  const [embedder, texts] = await Promise.all([loadTextEmbedder(manifest.models, downloads, loading), readProductTexts(manifest, () => downloads.get(productTexts.path))]);
  const notCached = await loading.cache.persist(currentChecksums(manifest.models, manifest.files));
  return { embedder, answerer: policyAnswerer(catalogSource(catalog, texts)), info: { ...downloads.summary(), notCached, loadMs: performance.now() - started } };
}
