import { openHnsw } from '../../ann/wasm/hnswlib.js';
import type { VerifiedFile } from '../../assets/browser/download.js';
import { FileCache } from '../../assets/browser/file-cache.js';
import { DownloadQueue } from '../../assets/worker/download-queue.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { fileRecord, MANIFEST_FILE, validateManifest, type ArtifactFile, type ArtifactManifest } from '../../artifacts/shared/format.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { decodeImageBlob } from '../../imaging/worker/decode.js';
import { embedImages, type ImageEmbedders } from '../../models/shared/embed.js';
import { ImageEmbedder, TextEmbedder } from '../../models/shared/embedders.js';
import type { EncoderRecord, EncoderSpec, ImageEncoderSpec } from '../../models/shared/manifest.js';
import { chooseRuntime, type InferenceRuntime } from '../../models/worker/runtime.js';
import { scoringOf } from '../shared/scoring.js';
import { openCatalog, readProductTexts, type OpenHnsw, type SearchCatalog } from '../shared/catalog.js';
import { policyAnswerer, SearchEngine, type EngineRuntime, type QueryAnswerer, type TextSide } from '../shared/engine.js';
import { searchCatalog } from '../shared/policy.js';
import { catalogSource } from '../shared/source.js';
import type { EngineInfo, LoadEvent, TextModelInfo } from './api.js';
import { openRemote } from './remote.js';

/** Parallel downloads: enough to hide latency, few enough that the first files finish early. */
export const PARALLEL_DOWNLOADS = 4;

async function fetchManifest(dataBase: URL): Promise<ArtifactManifest> {
  const url = new URL(`artifacts/${MANIFEST_FILE}`, dataBase);
  let response: Response;
  try {
    // Always asked again: it is small, and it is what says whether the cached files are still current.
    response = await fetch(url, { cache: 'no-cache' });
  } catch (error) {
    throw new Error(`cannot reach ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status} — is the catalog index built and served?`);
  return validateManifest(await response.json());
}

function artifactDownload(file: ArtifactFile, dataBase: URL): VerifiedFile {
  return { ...file, path: `artifacts/${file.path}`, url: new URL(`artifacts/${file.path}`, dataBase).href };
}

/** Photo search reads every artifact except the product text vectors, which only text queries need. */
function artifactDownloads(manifest: ArtifactManifest, dataBase: URL): VerifiedFile[] {
  return manifest.files.filter((f) => f.path !== manifest.vectors.text.file).map((f) => artifactDownload(f, dataBase));
}

export function modelDownload(record: EncoderRecord<EncoderSpec>, file: string, dataBase: URL): VerifiedFile {
  const pinned = record.files[file];
  if (!pinned) throw new Error(`the manifest pins no file for model ${record.model}/${file}`);
  const path = `models/${record.model}/${file}`;
  return { path, url: new URL(path, dataBase).href, ...pinned };
}

/** What only words need: the CLIP text encoder, its tokenizer, and the product-name vectors. */
export function textDownloads(manifest: ArtifactManifest, dataBase: URL) {
  const record = manifest.models.textSemantic;
  return {
    model: modelDownload(record, record.spec.file, dataBase),
    tokenizer: modelDownload(record, record.spec.tokenizer, dataBase),
    tokenizerConfig: modelDownload(record, record.spec.tokenizerConfig, dataBase),
    productTexts: artifactDownload(fileRecord(manifest, manifest.vectors.text.file), dataBase),
  };
}

/** Every file of this build, downloaded yet or not: what the cache keeps when it drops earlier builds' files. */
export function currentChecksums(manifest: ArtifactManifest, dataBase: URL): Set<string> {
  const { imageSemantic, visual } = manifest.models;
  const files = [
    modelDownload(imageSemantic, imageSemantic.spec.file, dataBase),
    modelDownload(visual, visual.spec.file, dataBase),
    ...Object.values(textDownloads(manifest, dataBase)),
    ...artifactDownloads(manifest, dataBase),
  ];
  return new Set(files.map((f) => f.sha256));
}

/** A mid-grey square: the warm-up input (any image compiles the same kernels). */
export const WARM_UP_IMAGE = { width: 224, height: 224, data: new Uint8Array(224 * 224 * 4).fill(128) };

export type LoadListener = (event: LoadEvent) => void;

export interface WorkerTextSide extends TextSide {
  readonly info: TextModelInfo;
}

/**
 * The page's search engine, in a worker: the shared engine on onnxruntime-web for the two image encoders and
 * hnswlib-wasm for the graphs, with models and index downloaded (or read from IndexedDB) on open, and the text side
 * on the first query with words.
 */
export class WorkerSearchEngine extends SearchEngine<Blob, LoadListener, WorkerTextSide> {
  constructor(
    answerer: QueryAnswerer,
    framing: Framing,
    embedders: ImageEmbedders,
    runtime: EngineRuntime<Blob, LoadListener, WorkerTextSide>,
    readonly info: EngineInfo,
  ) {
    super(answerer, framing, embedders, runtime);
  }

  static async open(dataBase: URL, onEvent: LoadListener): Promise<WorkerSearchEngine> {
    const started = performance.now();
    const [manifest, runtime, cache] = await Promise.all([fetchManifest(dataBase), chooseRuntime(), FileCache.open()]);
    if (manifest.remote) return openRemote(manifest, manifest.remote, dataBase, { runtime, cache, onEvent, started });
    const { imageSemantic, visual } = manifest.models;
    const models = {
      imageSemantic: modelDownload(imageSemantic, imageSemantic.spec.file, dataBase),
      visual: modelDownload(visual, visual.spec.file, dataBase),
    };
    const artifacts = artifactDownloads(manifest, dataBase);
    const downloads = new DownloadQueue(
      cache,
      [models.imageSemantic, models.visual, ...artifacts],
      (file, overall) => onEvent({ kind: 'file', part: 'engine', file, overall }),
      PARALLEL_DOWNLOADS,
    );

    const embedder = async (record: EncoderRecord<ImageEncoderSpec>, file: VerifiedFile) =>
      ImageEmbedder.load(runtime.ort, await downloads.get(file.path), record.spec, runtime.sessionOptions);
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
    const [catalog, semanticEmbedder, visualEmbedder] = await Promise.all([
      openCatalog(manifest, readArtifact, openGraph),
      embedder(imageSemantic, models.imageSemantic),
      embedder(visual, models.visual),
    ]);
    const embedders: ImageEmbedders = { imageSemantic: semanticEmbedder, visual: visualEmbedder };
    const source = catalogSource(catalog);

    onEvent({ kind: 'warming-up' });
    const warmUpStarted = performance.now();
    const warmUp = async () => {
      const [warm] = await embedImages(embedders, [WARM_UP_IMAGE], manifest.index.framing);
      await searchCatalog(source, warm!);
    };
    const [notCached] = await Promise.all([cache.persist(currentChecksums(manifest, dataBase)), warmUp()]);
    const now = performance.now();

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
      files: { ...downloads.summary(), notCached, scannedExactly },
      timings: { loadMs: now - started, warmUpMs: now - warmUpStarted },
      remote: null,
    };
    const engineRuntime = { decode: decodeImageBlob, openText: (listener?: LoadListener) => openText(catalog, dataBase, runtime, cache, listener) };
    return new WorkerSearchEngine(policyAnswerer(source), manifest.index.framing, embedders, engineRuntime, info);
  }
}

/** The text side: from IndexedDB or the network, with progress as `part: "text"` events. */
async function openText(
  catalog: SearchCatalog,
  dataBase: URL,
  runtime: InferenceRuntime,
  cache: FileCache,
  onEvent: LoadListener | undefined,
): Promise<WorkerTextSide> {
  const started = performance.now();
  const { manifest } = catalog;
  const files = textDownloads(manifest, dataBase);
  const downloads = new DownloadQueue(cache, Object.values(files), (file, overall) => onEvent?.({ kind: 'file', part: 'text', file, overall }), PARALLEL_DOWNLOADS);
  const json = async (file: VerifiedFile) => JSON.parse(new TextDecoder().decode(await downloads.get(file.path))) as object;
  const [embedder, productTexts] = await Promise.all([
    (async () =>
      TextEmbedder.load(
        runtime.ort,
        await downloads.get(files.model.path),
        await json(files.tokenizer),
        await json(files.tokenizerConfig),
        manifest.models.textSemantic.spec,
        runtime.sessionOptions,
      ))(),
    readProductTexts(manifest, () => downloads.get(files.productTexts.path)),
  ]);
  const notCached = await cache.persist(currentChecksums(manifest, dataBase));
  return { embedder, answerer: policyAnswerer(catalogSource(catalog, productTexts)), info: { ...downloads.summary(), notCached, loadMs: performance.now() - started } };
}
