/**
 * What the bench page's workers do (src/bench/worker/), as the Node side asks over Playwright → page → Comlink.
 * Every timing is taken inside the worker with performance.now(), so none of the messaging is in it.
 */
import type { Framing } from '../../imaging/shared/preprocess.js';
import type { Backend } from '../../models/shared/embedders.js';
import type { ImageEncoderSpec } from '../../models/shared/manifest.js';

export interface GpuProbe {
  /** navigator.gpu exists. */
  readonly api: boolean;
  /** What requestAdapter() gave; null when no adapter. */
  readonly adapter: { readonly fallback: boolean; readonly vendor: string; readonly architecture: string; readonly description: string } | null;
  readonly error: string | null;
}

export interface EmbedSetup {
  readonly backend: Backend;
  readonly threads: number;
  readonly semantic: { readonly url: string; readonly spec: ImageEncoderSpec };
  readonly visual: { readonly url: string; readonly spec: ImageEncoderSpec };
  /** The photos `embedOnce` takes by index. */
  readonly photoUrls: readonly string[];
  readonly framing: Framing;
}

export interface EmbedSetupInfo {
  readonly backend: Backend;
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
  /** Fetch + session creation of both towers. */
  readonly loadMs: number;
}

/** One photo through a pipeline: decode (reduced), pre-process for both towers, both towers (batch of one). */
export interface EmbedTiming {
  readonly decodeMs: number;
  readonly preprocessMs: number;
  readonly semanticMs: number;
  readonly visualMs: number;
}

export interface AnnSetup {
  /**
   * The hnswlib-wasm graph: a file loaded through the app's adapter, or built here from the vectors (with
   * hnswlib-wasm's own addPoints, as the indexer builds it) when its file is too big for that adapter.
   */
  readonly graph: { readonly url: string } | { readonly build: { readonly m: number; readonly efConstruction: number } };
  /** f32 row-major vectors (the exact contender, and the in-browser build). */
  readonly vectorsUrl: string;
  readonly queriesUrl: string;
  readonly rows: number;
  readonly dim: number;
  readonly queries: number;
  readonly efSearch: number;
}

export interface AnnSetupInfo {
  readonly graphBytes: number | null;
  /** Fetch + open (IndexedDB hand-over, readIndex) of a graph file. */
  readonly graphLoadMs: number | null;
  /** Or building it in the browser. */
  readonly graphBuildMs: number | null;
  readonly crossOriginIsolated: boolean;
}

export interface AnnRun {
  readonly engine: 'hnsw' | 'exact';
  /** Neighbours asked for. */
  readonly k: number;
  /** efSearch (hnsw only). */
  readonly ef: number | null;
  /** The first n queries. */
  readonly queries: number;
  /** Ids kept per query (the best ones), for recall. */
  readonly keep: number;
}

export interface AnnRunResult {
  /** Per query, milliseconds. */
  readonly ms: number[];
  readonly ids: number[][];
}

/** A compact catalog (npm run build:scale) opened in the worker as the page opens one, with its queries' vectors. */
export interface ScaleSetup {
  /** The catalog folder's URL (manifest.json, router, prompts, cells/), ending in a slash. */
  readonly baseUrl: string;
  /** f32 rows of semantic then visual vector, one row per query. */
  readonly queriesUrl: string;
  readonly queries: number;
  /** The memory budget of decoded shards, as the page's worker runs under. */
  readonly memoryBytes: number;
}

export interface ScaleSetupInfo {
  /** Manifest, router and prompt vectors: what the page downloads of the index before any search. */
  readonly startBytes: number;
  /** The time to fetch and decode them (and open IndexedDB). */
  readonly startMs: number;
  readonly shards: number;
  readonly crossOriginIsolated: boolean;
}

/**
 * `first`: the first query with nothing on the device (shards from the network); `cached`: after an untimed pass
 * over every query (the code optimised), each query run untimed, then timed on a second source over the same store
 * (its shards in memory; the query new to that source, as a shopper's next photo is); `uncached`: each query with the memory empty, its shards read from IndexedDB (stored by
 * the runs before).
 */
export interface ScaleRun {
  readonly mode: 'first' | 'cached' | 'uncached';
  readonly queries: number;
}

export interface ScaleRunResult {
  /** Per query: milliseconds of the search step (candidates, re-rank, policy), ids of its 10 results, shard bytes it loaded. */
  readonly ms: number[];
  readonly ids: string[][];
  readonly shardBytes: number[];
  /** Decoded shards held in memory after the run, and shards stored on the device. */
  readonly heldBytes: number;
  readonly storedBytes: number;
}

export interface BenchWorkerApi {
  probeGpu(): Promise<GpuProbe>;
  setupEmbed(setup: EmbedSetup): Promise<EmbedSetupInfo>;
  embedOnce(photo: number): Promise<EmbedTiming>;
  setupAnn(setup: AnnSetup): Promise<AnnSetupInfo>;
  runAnn(run: AnnRun): Promise<AnnRunResult>;
  setupScale(setup: ScaleSetup): Promise<ScaleSetupInfo>;
  runScale(run: ScaleRun): Promise<ScaleRunResult>;
}

/** window.__bench on the bench page: one module worker per id. */
export interface BenchPageHandle {
  readonly crossOriginIsolated: boolean;
  spawn(id: string): Promise<void>;
  call<M extends keyof BenchWorkerApi>(id: string, method: M, ...args: Parameters<BenchWorkerApi[M]>): ReturnType<BenchWorkerApi[M]>;
  terminate(id: string): void;
}
