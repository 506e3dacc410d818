import { openHnsw } from '../../ann/wasm/hnswlib.js';
import type { FileProgress, VerifiedFile } from '../../assets/browser/download.js';
import { FileCache } from '../../assets/browser/file-cache.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { fileRecord, MANIFEST_FILE, validateManifest, type ArtifactFile, type ArtifactManifest } from '../../artifacts/shared/format.js';
import { decodeImageBlob, ImageDecodeError } from '../../imaging/worker/decode.js';
import { embedImages, type ImageEmbedders, type ImageEmbedding } from '../../models/shared/embed.js';
import { ImageEmbedder, TextEmbedder } from '../../models/shared/embedders.js';
import type { EncoderRecord, EncoderSpec, ImageEncoderSpec } from '../../models/shared/manifest.js';
import { chooseRuntime, type InferenceRuntime } from '../../models/worker/runtime.js';
import { scoringOf } from '../shared/scoring.js';
import { normalize, type Matrix } from '../../vectors/shared/vector.js';
import { openCatalog, readProductTexts, type OpenHnsw, type SearchCatalog } from '../shared/catalog.js';
import { searchCatalog, searchCatalogByText, type SearchRequest } from '../shared/policy.js';
import { assertJsonSafe, errorResponse, type SearchResponse } from '../shared/response.js';
import type { EngineInfo, LoadEvent, LoadPart, TextModelInfo } from './api.js';

/** Parallel downloads: enough to hide latency, few enough that the first files finish early. */
const PARALLEL_DOWNLOADS = 4;

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

function modelDownload(record: EncoderRecord<EncoderSpec>, file: string, dataBase: URL): VerifiedFile {
  const pinned = record.files[file];
  if (!pinned) throw new Error(`the manifest pins no file for model ${record.model}/${file}`);
  const path = `models/${record.model}/${file}`;
  return { path, url: new URL(path, dataBase).href, ...pinned };
}

/** What only words need: the CLIP text encoder, its tokenizer, and the product-name vectors. */
function textDownloads(manifest: ArtifactManifest, dataBase: URL) {
  const record = manifest.models.textSemantic;
  return {
    model: modelDownload(record, record.spec.file, dataBase),
    tokenizer: modelDownload(record, record.spec.tokenizer, dataBase),
    tokenizerConfig: modelDownload(record, record.spec.tokenizerConfig, dataBase),
    productTexts: artifactDownload(fileRecord(manifest, manifest.vectors.text.file), dataBase),
  };
}

/** Every file of this build, downloaded yet or not: what the cache keeps when it drops earlier builds' files. */
function currentChecksums(manifest: ArtifactManifest, dataBase: URL): Set<string> {
  const { imageSemantic, visual } = manifest.models;
  const files = [
    modelDownload(imageSemantic, imageSemantic.spec.file, dataBase),
    modelDownload(visual, visual.spec.file, dataBase),
    ...Object.values(textDownloads(manifest, dataBase)),
    ...artifactDownloads(manifest, dataBase),
  ];
  return new Set(files.map((f) => f.sha256));
}

/**
 * Every file once, at most `limit` at a time, in manifest order, except that a file the loader asks for jumps the
 * queue (the catalog opens file by file; it should not wait behind graphs it reads later). Byte totals are summed
 * for one progress bar.
 */
class Downloads {
  private readonly started = new Map<string, Promise<Uint8Array>>();
  private readonly pending: VerifiedFile[];
  private readonly loaded = new Map<string, number>();
  private readonly finished: FileProgress[] = [];
  private active = 0;

  constructor(
    private readonly cache: FileCache,
    private readonly files: readonly VerifiedFile[],
    private readonly part: LoadPart,
    private readonly onEvent: (event: LoadEvent) => void,
    private readonly limit: number,
  ) {
    this.pending = [...files];
    this.pump();
  }

  get(path: string): Promise<Uint8Array> {
    const started = this.started.get(path);
    if (started) return started;
    const index = this.pending.findIndex((f) => f.path === path);
    if (index < 0) return Promise.reject(new Error(`${path} is not a file this page downloads`));
    return this.start(this.pending.splice(index, 1)[0]!);
  }

  summary(): Omit<EngineInfo['files'], 'notCached' | 'scannedExactly'> {
    const network = this.finished.filter((p) => p.source === 'network');
    return {
      fromCache: this.finished.length - network.length,
      fromNetwork: network.length,
      bytesDownloaded: network.reduce((sum, p) => sum + p.total, 0),
    };
  }

  private start(file: VerifiedFile): Promise<Uint8Array> {
    this.active++;
    const promise = this.cache.get(file, (p) => this.progress(p)).finally(() => {
      this.active--;
      this.pump();
    });
    // A prefetch nobody awaits yet must not surface as an unhandled rejection; `get` still hands out the failure.
    promise.catch(() => undefined);
    this.started.set(file.path, promise);
    return promise;
  }

  private pump(): void {
    while (this.active < this.limit && this.pending.length > 0) this.start(this.pending.shift()!);
  }

  private progress(file: FileProgress): void {
    this.loaded.set(file.path, file.loaded);
    if (file.done) this.finished.push(file);
    const overall = {
      loaded: [...this.loaded.values()].reduce((a, b) => a + b, 0),
      total: this.files.reduce((sum, f) => sum + f.bytes, 0),
      files: this.files.length,
      filesDone: this.finished.length,
    };
    this.onEvent({ kind: 'file', part: this.part, file, overall });
  }
}

async function embedText(embedder: TextEmbedder, text: string): Promise<Float32Array> {
  const [vector] = await embedder.embed([text]);
  return normalize(vector!);
}

/** A mid-grey square: the warm-up input (any image compiles the same kernels). */
const WARM_UP_IMAGE = { width: 224, height: 224, data: new Uint8Array(224 * 224 * 4).fill(128) };

/**
 * The page's search engine, in a worker: onnxruntime-web for the two image encoders, hnswlib-wasm for the graphs,
 * and the shared core (preprocess, embed, catalog, policy, response) for everything else — as the Node CLI.
 */
interface TextSide {
  readonly embedder: TextEmbedder;
  readonly productTexts: Matrix;
  readonly info: TextModelInfo;
}

export class WorkerSearchEngine {
  private queue: Promise<unknown> = Promise.resolve();
  /** Loaded on the first query with words: photo search needs neither the text tower nor the product-name vectors. */
  private textSide: Promise<TextSide> | null = null;

  private constructor(
    private readonly catalog: SearchCatalog,
    private readonly embedders: ImageEmbedders,
    private readonly loader: { readonly dataBase: URL; readonly runtime: InferenceRuntime; readonly cache: FileCache },
    readonly info: EngineInfo,
  ) {}

  static async open(dataBase: URL, onEvent: (event: LoadEvent) => void): Promise<WorkerSearchEngine> {
    const started = performance.now();
    const [manifest, runtime, cache] = await Promise.all([fetchManifest(dataBase), chooseRuntime(), FileCache.open()]);
    const { imageSemantic, visual } = manifest.models;
    const models = {
      imageSemantic: modelDownload(imageSemantic, imageSemantic.spec.file, dataBase),
      visual: modelDownload(visual, visual.spec.file, dataBase),
    };
    const artifacts = artifactDownloads(manifest, dataBase);
    const downloads = new Downloads(cache, [models.imageSemantic, models.visual, ...artifacts], 'engine', onEvent, PARALLEL_DOWNLOADS);

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

    onEvent({ kind: 'warming-up' });
    const warmUpStarted = performance.now();
    const warmUp = async () => {
      const [warm] = await embedImages(embedders, [WARM_UP_IMAGE], manifest.index.framing);
      searchCatalog(catalog, warm!);
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
    };
    return new WorkerSearchEngine(catalog, embedders, { dataBase, runtime, cache }, info);
  }

  /** The text side, loaded once (from IndexedDB or the network); a failed load is tried again on the next call. */
  loadText(onEvent: (event: LoadEvent) => void): Promise<TextSide> {
    this.textSide ??= this.openText(onEvent).catch((error: unknown) => {
      this.textSide = null;
      throw error;
    });
    return this.textSide;
  }

  private async openText(onEvent: (event: LoadEvent) => void): Promise<TextSide> {
    const started = performance.now();
    const { manifest } = this.catalog;
    const { dataBase, runtime, cache } = this.loader;
    const files = textDownloads(manifest, dataBase);
    const downloads = new Downloads(cache, Object.values(files), 'text', onEvent, PARALLEL_DOWNLOADS);
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
    return { embedder, productTexts, info: { ...downloads.summary(), notCached, loadMs: performance.now() - started } };
  }

  /**
   * Photo → JSON response; with `modifier` ("in blue") the photo's query is moved towards the words. Photos the
   * browser cannot read become `status: "error"`.
   */
  async search(image: Blob, request: SearchRequest, label: string, modifier?: string): Promise<SearchResponse> {
    const words = modifier?.trim() ? await this.loadText(() => undefined) : null;
    return this.exclusive(async () => {
      let embedding: ImageEmbedding;
      try {
        embedding = await this.embedNow(image, label);
      } catch (error) {
        if (error instanceof ImageDecodeError) return errorResponse(error.message);
        throw error;
      }
      const query = words ? { ...embedding, modifier: await embedText(words.embedder, modifier!) } : embedding;
      const response = searchCatalog(this.catalog, query, request);
      assertJsonSafe(response);
      return response;
    });
  }

  /** Words alone → JSON response. */
  async searchText(text: string, request: SearchRequest): Promise<SearchResponse> {
    if (text.trim() === '') return errorResponse('type what you are looking for');
    const { embedder, productTexts } = await this.loadText(() => undefined);
    return this.exclusive(async () => {
      const response = searchCatalogByText(this.catalog, productTexts, { text, vector: await embedText(embedder, text) }, request);
      assertJsonSafe(response);
      return response;
    });
  }

  embed(image: Blob, label: string): Promise<ImageEmbedding> {
    return this.exclusive(() => this.embedNow(image, label));
  }

  private async embedNow(image: Blob, label: string): Promise<ImageEmbedding> {
    const [embedding] = await embedImages(this.embedders, [await decodeImageBlob(image, label)], this.catalog.manifest.index.framing);
    return embedding!;
  }

  /** One inference at a time: a second photo waits for the first instead of doubling memory and contention. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
