/**
 * The benchmark's in-browser contender (bench page only, never shipped): onnxruntime-web with a chosen backend and
 * thread count, and hnswlib-wasm / an exact scan over given vectors. It runs the app's own code (decoder, shared
 * pre-processing, ImageEmbedder, the hnswlib-wasm adapter) and times it with performance.now().
 */
import { expose } from 'comlink';
import { HnswIndex, openHnsw } from '../../ann/wasm/hnswlib.js';
import { decodeImageBlob } from '../../imaging/worker/decode.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { ImageEmbedder } from '../../models/shared/embedders.js';
import { appPipeline, timeEmbedding, type PhotoPipeline } from '../shared/embed-timing.js';
import type { ImageEmbedders } from '../../models/shared/embed.js';
import { bestIds, exactTopK } from '../shared/exact.js';
import type { AnnRun, AnnRunResult, AnnSetup, BenchWorkerApi, EmbedSetup, EmbedTiming, GpuProbe, ScaleRun, ScaleSetup } from '../shared/protocol.js';
import type { VerifiedFile } from '../../assets/browser/download.js';
import { FileCache } from '../../assets/browser/file-cache.js';
import { validateCompactManifest } from '../../artifacts/shared/compact.js';
import { fileRecord } from '../../artifacts/shared/format.js';
import { compactSource, decodeCompactIndex, type CompactIndex } from '../../search/shared/compact-source.js';
import { shardStore } from '../../search/worker/shards.js';
import { searchCatalog } from '../../search/shared/policy.js';
import type { CatalogSource } from '../../search/shared/source.js';
// The same runtime files the app serves (src/models/worker/runtime.ts), from this origin.
import cpuGlue from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import cpuBinary from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import gpuGlue from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import gpuBinary from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

const absolute = (url: string) => new URL(url, self.location.href).href;

async function fetchBytes(url: string): Promise<Uint8Array<ArrayBuffer>> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function fetchF32(url: string, count: number): Promise<Float32Array> {
  const bytes = await fetchBytes(url);
  if (bytes.byteLength !== count * 4) throw new Error(`${url}: ${bytes.byteLength} bytes, expected ${count * 4}`);
  return new Float32Array(bytes.buffer, bytes.byteOffset, count);
}

let embed: { encoders: ImageEmbedders; pipelines: PhotoPipeline[]; framing: Framing } | null = null;
let ann: { setup: AnnSetup; graph: HnswIndex; vectors: Float32Array; queries: Float32Array } | null = null;
let scale: { setup: ScaleSetup; index: CompactIndex; shards: VerifiedFile[]; cache: FileCache; queries: Float32Array } | null = null;
/** Room for every shard the queries touch: the uncached runs read them all from IndexedDB. */
const SCALE_STORED_BYTES = 16 * 2 ** 30;

/** A fresh source over the catalog, as the app's worker opens one: nothing decoded in memory; shards from IndexedDB, else the network (then stored). */
function scaleSource(memoryBytes: number) {
  const { index, shards, cache } = scale!;
  let fetched = 0;
  const store = shardStore(cache, shards, { memoryBytes, storedBytes: SCALE_STORED_BYTES }, (file) => {
    if (file.done) fetched += file.total;
  });
  return { source: compactSource(index, store), store, fetched: () => fetched };
}

const api: BenchWorkerApi = {
  async probeGpu(): Promise<GpuProbe> {
    const gpu = (navigator as Partial<Pick<WorkerNavigator, 'gpu'>>).gpu;
    if (!gpu) return { api: false, adapter: null, error: null };
    try {
      const adapter = (await gpu.requestAdapter()) as (GPUAdapter & { readonly isFallbackAdapter?: boolean }) | null;
      if (!adapter) return { api: true, adapter: null, error: null };
      const info = adapter.info as Partial<GPUAdapterInfo> & { readonly isFallbackAdapter?: boolean };
      return {
        api: true,
        adapter: {
          fallback: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
          vendor: info.vendor ?? '',
          architecture: info.architecture ?? '',
          description: info.description ?? '',
        },
        error: null,
      };
    } catch (error) {
      return { api: true, adapter: null, error: error instanceof Error ? error.message : String(error) };
    }
  },

  async setupEmbed(setup: EmbedSetup) {
    const started = performance.now();
    const ort = setup.backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
    // Read once, when the first session starts the runtime: one worker per thread count.
    ort.env.wasm.numThreads = setup.threads;
    ort.env.wasm.wasmPaths =
      setup.backend === 'webgpu' ? { mjs: absolute(gpuGlue), wasm: absolute(gpuBinary) } : { mjs: absolute(cpuGlue), wasm: absolute(cpuBinary) };
    const options = { executionProviders: setup.backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'], graphOptimizationLevel: 'all' as const };
    const semantic = await ImageEmbedder.load(ort, await fetchBytes(setup.semantic.url), setup.semantic.spec, options);
    const visual = await ImageEmbedder.load(ort, await fetchBytes(setup.visual.url), setup.visual.spec, options);
    const encoders = { imageSemantic: semantic, visual };
    const photos = await Promise.all(setup.photoUrls.map(async (url) => new Blob([await fetchBytes(url)])));
    const pipelines = photos.map((photo) => appPipeline(encoders, setup.framing, (reduction) => decodeImageBlob(photo, 'photo', reduction)));
    embed = { encoders, pipelines, framing: setup.framing };
    return { backend: setup.backend, threads: setup.threads, crossOriginIsolated, loadMs: performance.now() - started };
  },

  async embedOnce(photo: number): Promise<EmbedTiming> {
    if (!embed) throw new Error('setupEmbed first');
    return timeEmbedding(embed.pipelines[photo]!, embed.encoders, embed.framing);
  },

  async setupAnn(setup: AnnSetup) {
    const vectors = await fetchF32(setup.vectorsUrl, setup.rows * setup.dim);
    const queries = await fetchF32(setup.queriesUrl, setup.queries * setup.dim);
    let graph: HnswIndex;
    let graphBytes: number | null = null;
    let graphLoadMs: number | null = null;
    let graphBuildMs: number | null = null;
    const started = performance.now();
    if ('url' in setup.graph) {
      const bytes = await fetchBytes(setup.graph.url);
      graph = await openHnsw(bytes, setup.dim, setup.rows, setup.efSearch);
      graphLoadMs = performance.now() - started;
      graphBytes = bytes.byteLength;
    } else {
      // What buildHnsw (src/ann/wasm/hnswlib.ts) does, minus writing the file.
      const { loadHnswlib } = await import('hnswlib-wasm/dist/hnswlib.js');
      const lib = await loadHnswlib();
      const built = new lib.HierarchicalNSW('ip', setup.dim, '');
      built.initIndex(setup.rows, setup.graph.build.m, setup.graph.build.efConstruction, 100);
      const points = Array.from({ length: setup.rows }, (_, r) => vectors.subarray(r * setup.dim, (r + 1) * setup.dim));
      built.addPoints(points, Array.from({ length: setup.rows }, (_, r) => r), false);
      built.setEfSearch(setup.efSearch);
      graph = new HnswIndex(built, setup.rows);
      graphBuildMs = performance.now() - started;
    }
    ann = { setup, graph, vectors, queries };
    return { graphBytes, graphLoadMs, graphBuildMs, crossOriginIsolated };
  },

  async runAnn(run: AnnRun): Promise<AnnRunResult> {
    if (!ann) throw new Error('setupAnn first');
    const { setup, graph, vectors, queries } = ann;
    const dim = setup.dim;
    const ms: number[] = [];
    const ids: number[][] = [];
    if (run.engine === 'hnsw') graph.setEfSearch(run.ef ?? setup.efSearch);
    for (let q = 0; q < Math.min(run.queries, setup.queries); q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const started = performance.now();
      const found = run.engine === 'hnsw' ? graph.search(query, run.k) : exactTopK(vectors, dim, query, run.k);
      ms.push(performance.now() - started);
      ids.push(bestIds(found.ids, found.scores, run.keep));
    }
    return { ms, ids };
  },

  async setupScale(setup: ScaleSetup) {
    const started = performance.now();
    const manifestBytes = await fetchBytes(`${setup.baseUrl}manifest.json`);
    const manifest = validateCompactManifest(JSON.parse(new TextDecoder().decode(manifestBytes)));
    const [router, prompts] = await Promise.all([manifest.router, manifest.prompts.vectors.file].map((path) => fetchBytes(`${setup.baseUrl}${path}`)));
    const shards = manifest.cells.map((cell) => ({ ...fileRecord(manifest, cell.file), url: `${setup.baseUrl}${cell.file}` }));
    const index = decodeCompactIndex(manifest, router!, prompts!);
    const cache = await FileCache.open();
    const startMs = performance.now() - started;
    const width = manifest.models.imageSemantic.spec.dim + manifest.models.visual.spec.dim;
    scale = { setup, index, shards, cache, queries: await fetchF32(setup.queriesUrl, setup.queries * width) };
    return { startBytes: manifestBytes.byteLength + router!.byteLength + prompts!.byteLength, startMs, shards: shards.length, crossOriginIsolated };
  },

  async runScale(run: ScaleRun) {
    if (!scale) throw new Error('setupScale first');
    const { setup, index: { manifest }, queries, cache } = scale;
    const dim = manifest.models.imageSemantic.spec.dim;
    const width = dim + manifest.models.visual.spec.dim;
    const query = (q: number) => ({ semantic: queries.subarray(q * width, q * width + dim), visual: queries.subarray(q * width + dim, (q + 1) * width) });
    const ms: number[] = [];
    const ids: string[][] = [];
    const shardBytes: number[] = [];
    const count = Math.min(run.queries, setup.queries);
    let shared = scaleSource(setup.memoryBytes);
    // Cached: a first pass over every query, untimed, so that the code runs optimised (as in Node, whose figures
    // follow its recall pass: in a fresh worker the first dozens of searches take 2 to 10 times longer).
    if (run.mode === 'cached') for (let q = 0; q < count; q++) await searchCatalog(shared.source, query(q), { topK: 10 });
    // Cached runs are timed on a second source over the same store: each query is new to it, as a shopper's next
    // photo is to the app's one source (a source remembers the last probe's scores: a photo search asks twice).
    let timed: CatalogSource | null = null;
    for (let q = 0; q < count; q++) {
      let source: CatalogSource;
      if (run.mode === 'cached') {
        // The query once untimed, for its shards.
        await searchCatalog(shared.source, query(q), { topK: 10 });
        source = timed ??= compactSource(scale.index, shared.store);
      } else {
        shared = scaleSource(setup.memoryBytes);
        source = shared.source;
      }
      const before = shared.fetched();
      const started = performance.now();
      const response = await searchCatalog(source, query(q), { topK: 10 });
      ms.push(performance.now() - started);
      ids.push(response.results.map((r) => r.id));
      shardBytes.push(shared.fetched() - before);
    }
    const stored = await cache.storedShards(SCALE_STORED_BYTES);
    return { ms, ids, shardBytes, heldBytes: shared.store.stats().heldBytes, storedBytes: stored.bytes };
  },
};

expose(api);
