import type { Progress } from '../../common/shared/progress.js';
import { bestIds, exactTopK } from '../shared/exact.js';
import { mean, recallAt, rotate, summarize, type Summary } from '../shared/stats.js';
import { catalogDataset, ensureNativeGraph, ensureWasmGraph, groundTruth, photoQueries, readCatalogVectors, syntheticDataset, type AnnDataset, type CatalogVectors } from './ann-data.js';
import type { BenchPage } from './browser.js';
import { loadNativeHnsw, type NativeGraph } from './native-hnsw.js';
import type { BenchServer } from './server.js';
import type { Skip } from './types.js';

/** Above this many vectors the browser contenders are not run (see the skip reason below). */
export const BROWSER_MAX_ROWS = 200_000;
/**
 * Chromium's largest IndexedDB value ("The serialized keys and/or value are too large (size=…, max=133169152
 * bytes)"): hnswlib-wasm reads files only through IndexedDB, so the app's adapter cannot open a bigger graph file.
 */
export const IDB_VALUE_LIMIT = 133_169_152;
const RECALL_K = 10;

/** hnswlib's file size: per vector the vector, its level-0 links (2M), label, and upper-level links on average. */
export function hnswBytes(rows: number, dim: number, m: number): number {
  return Math.round(rows * (dim * 4 + (2 * m + 1) * 4 + 4 + ((m + 1) * 4 + 4) / Math.log(m)) + 64);
}

export interface AnnOptions {
  /** Artifact folder whose semantic vectors are the catalog-size set and the seed of the synthetic ones. */
  readonly artifactsDir: string;
  /** "catalog" and/or synthetic row counts. */
  readonly sizes: readonly ('catalog' | number)[];
  /** Query photos, embedded with the index's semantic model. */
  readonly queryPhotos: readonly string[];
  /** Queries per round for the brute-force contender, by set size (it is slow on big sets). */
  readonly exactQueries: (rows: number) => number;
  readonly efSearch: readonly number[];
  readonly rounds: number;
  readonly warmup: number;
  readonly page: BenchPage;
  readonly server: BenchServer;
  readonly progress: Progress;
}

export interface AnnContender {
  readonly engine: 'hnswlib-wasm' | 'hnswlib-node' | 'exact';
  readonly runtime: 'browser' | 'node';
  /** "page" = what the page asks (k = search.candidates at search.efSearch), "sweep" = k 10 at efSearch ef. */
  readonly setting: 'page' | 'sweep' | 'exact';
  readonly ef: number | null;
  readonly k: number;
  readonly queries: number;
  readonly recall_at_10: number;
  readonly latency_ms: Summary;
}

export interface AnnSetResult {
  readonly name: string;
  readonly description: string;
  readonly rows: number;
  readonly dim: number;
  readonly m: number;
  readonly ef_construction: number;
  readonly queries: number;
  readonly query_source: string;
  readonly rounds: number;
  readonly warmup_rounds: number;
  readonly graphs: {
    /**
     * bytes: the file (estimated when the browser built it); build_s: built by the benchmark (Node, cached), or null
     * for the index's own; browser_load_ms: file opened through the app's adapter; browser_build_s: built in the
     * browser instead, when the file is over the IndexedDB value limit.
     */
    readonly wasm: {
      readonly bytes: number;
      readonly bytes_per_vector: number;
      readonly build_s: number | null;
      readonly browser_load_ms: number | null;
      readonly browser_build_s: number | null;
      readonly note: string | null;
    } | null;
    readonly native: { readonly bytes: number; readonly build_s: number | null; readonly load_s: number } | null;
  };
  readonly contenders: AnnContender[];
  readonly skipped: Skip[];
}

export interface AnnResult {
  readonly page_setting: { readonly k: number; readonly ef_search: number };
  readonly sets: AnnSetResult[];
}

interface Run {
  readonly ms: number[];
  readonly ids: number[][];
}

interface Contender {
  readonly engine: AnnContender['engine'];
  readonly runtime: AnnContender['runtime'];
  readonly setting: AnnContender['setting'];
  readonly ef: number | null;
  readonly k: number;
  readonly queries: number;
  run(): Promise<Run>;
}

function nativeRun(graph: NativeGraph, queries: number[][], ef: number, k: number): Run {
  graph.setEf(ef);
  const ms: number[] = [];
  const ids: number[][] = [];
  for (const query of queries) {
    const started = performance.now();
    const found = graph.searchKnn(query, k);
    ms.push(performance.now() - started);
    // Inner-product space: distance = 1 − <q, x>.
    ids.push(bestIds(found.neighbors, found.distances.map((d) => -d), RECALL_K));
  }
  return { ms, ids };
}

function exactRun(set: AnnDataset, count: number): Run {
  const ms: number[] = [];
  const ids: number[][] = [];
  for (let q = 0; q < count; q++) {
    const query = set.queries.subarray(q * set.dim, (q + 1) * set.dim);
    const started = performance.now();
    const found = exactTopK(set.data, set.dim, query, RECALL_K);
    ms.push(performance.now() - started);
    ids.push(found.ids);
  }
  return { ms, ids };
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function benchSet(set: AnnDataset, querySource: string, options: AnnOptions, pageSetting: { k: number; ef: number }): Promise<AnnSetResult> {
  const { progress, page, server } = options;
  const skipped: Skip[] = [];
  const truth = await groundTruth(set, RECALL_K, progress);
  const exactCount = Math.min(set.queryCount, options.exactQueries(set.rows));
  const contenders: Contender[] = [];
  const sweep = (run: (ef: number, k: number) => Promise<Run>, base: Pick<Contender, 'engine' | 'runtime'>) => {
    for (const ef of options.efSearch) contenders.push({ ...base, setting: 'sweep', ef, k: RECALL_K, queries: set.queryCount, run: () => run(ef, RECALL_K) });
    contenders.push({ ...base, setting: 'page', ef: pageSetting.ef, k: pageSetting.k, queries: set.queryCount, run: () => run(pageSetting.ef, pageSetting.k) });
  };

  // In the browser: hnswlib-wasm (the page's adapter) and the brute-force scan, in a worker of their own.
  let wasm: AnnSetResult['graphs']['wasm'] = null;
  const worker = `ann-${set.name}`;
  const served: string[] = [];
  if (set.rows <= BROWSER_MAX_ROWS) {
    const base = `/bench-data/ann-${set.name}`;
    served.push(`${base}.hnsw`, `${base}.f32`, `${base}-queries.f32`);
    const vectorsUrl = server.buffer(`${base}.f32`, bytesOf(set.data));
    const queriesUrl = server.buffer(`${base}-queries.f32`, bytesOf(set.queries));
    const estimate = hnswBytes(set.rows, set.dim, set.m);
    const file = set.artifactGraph || estimate <= IDB_VALUE_LIMIT ? await ensureWasmGraph(set, progress) : null;
    await page.spawn(worker);
    progress.line(
      file
        ? `ann ${set.name}: loading the ${(file.bytes / 1e6).toFixed(1)} MB graph and ${(set.data.byteLength / 1e6).toFixed(1)} MB of vectors into the browser…`
        : `ann ${set.name}: building the hnswlib-wasm graph of ${set.rows.toLocaleString('en')} vectors in the browser (its ${(estimate / 1e6).toFixed(0)} MB file would not pass IndexedDB)…`,
    );
    const info = await page.call(worker, 'setupAnn', {
      graph: file ? { url: server.file(`${base}.hnsw`, file.path) } : { build: { m: set.m, efConstruction: set.efConstruction } },
      vectorsUrl,
      queriesUrl,
      rows: set.rows,
      dim: set.dim,
      queries: set.queryCount,
      efSearch: pageSetting.ef,
    });
    const bytes = file?.bytes ?? estimate;
    wasm = {
      bytes,
      bytes_per_vector: Math.round(bytes / set.rows),
      build_s: file?.buildSeconds ?? null,
      browser_load_ms: info.graphLoadMs,
      browser_build_s: info.graphBuildMs === null ? null : info.graphBuildMs / 1000,
      note: file
        ? null
        : `its file (≈${(estimate / 1e6).toFixed(0)} MB) is over Chromium's IndexedDB value limit (${IDB_VALUE_LIMIT.toLocaleString('en')} bytes), through which hnswlib-wasm must read files, so the app's adapter cannot open it (about ${Math.floor(IDB_VALUE_LIMIT / (estimate / set.rows)).toLocaleString('en')} vectors at most per graph); the browser built the same graph itself`,
    };
    sweep((ef, k) => page.call(worker, 'runAnn', { engine: 'hnsw', k, ef, queries: set.queryCount, keep: RECALL_K }), { engine: 'hnswlib-wasm', runtime: 'browser' });
    contenders.push({
      engine: 'exact',
      runtime: 'browser',
      setting: 'exact',
      ef: null,
      k: RECALL_K,
      queries: exactCount,
      run: () => page.call(worker, 'runAnn', { engine: 'exact', k: RECALL_K, ef: null, queries: exactCount, keep: RECALL_K }),
    });
  } else {
    skipped.push({
      what: `hnswlib-wasm and the exact scan in the browser at ${set.rows.toLocaleString('en')} vectors`,
      reason: `above ${BROWSER_MAX_ROWS.toLocaleString('en')} vectors: the graph (≈${(hnswBytes(set.rows, set.dim, set.m) / 1e9).toFixed(1)} GB) cannot be opened from a file (over the IndexedDB value limit) and would have to be built in the tab, in single-threaded 32-bit WASM (4 GB heap) next to ${(set.data.byteLength / 1e9).toFixed(1)} GB of vectors — about 3.5× the hnswlib-node build time; the exact scan runs in Node instead`,
    });
    contenders.push({ engine: 'exact', runtime: 'node', setting: 'exact', ef: null, k: RECALL_K, queries: exactCount, run: async () => exactRun(set, exactCount) });
  }

  // In Node: native hnswlib with the same M and efConstruction.
  let native: AnnSetResult['graphs']['native'] = null;
  const lib = loadNativeHnsw();
  if (lib.ok) {
    const started = performance.now();
    const { graph, file } = await ensureNativeGraph(set, lib.lib, progress);
    native = { bytes: file.bytes, build_s: file.buildSeconds, load_s: file.cached ? (performance.now() - started) / 1000 : 0 };
    const queries = Array.from({ length: set.queryCount }, (_, q) => Array.from(set.queries.subarray(q * set.dim, (q + 1) * set.dim)));
    sweep(async (ef, k) => nativeRun(graph, queries, ef, k), { engine: 'hnswlib-node', runtime: 'node' });
  } else {
    skipped.push({ what: `hnswlib-node at ${set.rows.toLocaleString('en')} vectors`, reason: lib.reason });
  }

  // Rounds: every contender once per round, in a rotated order; the first rounds are warm-up.
  const samples = contenders.map(() => [] as number[]);
  const firstIds: (number[][] | null)[] = contenders.map(() => null);
  const total = options.warmup + options.rounds;
  for (let round = 0; round < total; round++) {
    for (const i of rotate([...contenders.keys()], round)) {
      const result = await contenders[i]!.run();
      if (round < options.warmup) continue;
      samples[i]!.push(...result.ms);
      firstIds[i] ??= result.ids;
    }
    progress.count(`ann ${set.name}`, round + 1, total, 'rounds');
  }
  if (set.rows <= BROWSER_MAX_ROWS) await page.terminate(worker);
  for (const path of served) server.forget(path);

  return {
    name: set.name,
    description: set.description,
    rows: set.rows,
    dim: set.dim,
    m: set.m,
    ef_construction: set.efConstruction,
    queries: set.queryCount,
    query_source: querySource,
    rounds: options.rounds,
    warmup_rounds: options.warmup,
    graphs: { wasm, native },
    contenders: contenders.map((c, i) => ({
      engine: c.engine,
      runtime: c.runtime,
      setting: c.setting,
      ef: c.ef,
      k: c.k,
      queries: c.queries,
      recall_at_10: mean(firstIds[i]!.map((ids, q) => recallAt(ids, truth[q]!, RECALL_K))),
      latency_ms: summarize(samples[i]!),
    })),
    skipped,
  };
}

export async function benchAnn(options: AnnOptions): Promise<AnnResult> {
  const catalog: CatalogVectors = await readCatalogVectors(options.artifactsDir);
  const pageSetting = { k: catalog.manifest.search.candidates, ef: catalog.manifest.search.efSearch };
  const queries = await photoQueries(catalog, options.queryPhotos, options.progress);
  const sets: AnnSetResult[] = [];
  for (const size of options.sizes) {
    if (size !== 'catalog') options.progress.line(`ann ${size}: generating ${size.toLocaleString('en')} synthetic vectors…`);
    const set = size === 'catalog' ? catalogDataset(catalog, queries) : syntheticDataset(catalog, size, queries);
    sets.push(await benchSet(set, queries.source, options, pageSetting));
  }
  return { page_setting: { k: pageSetting.k, ef_search: pageSetting.ef }, sets };
}
