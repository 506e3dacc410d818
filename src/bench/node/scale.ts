import { COMPACT_STATS_FILE, COMPACT_VERSION, type CompactManifest } from '../../artifacts/shared/compact.js';
import { MANIFEST_FILE, type Product } from '../../artifacts/shared/format.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import type { Progress } from '../../common/shared/progress.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCompactCatalog } from '../../index/node/compact-build.js';
import { ScaleCatalog, type ScaleRow } from '../../index/node/scale-catalog.js';
import { openCompactDir } from '../../search/node/compact.js';
import { searchCatalog, searchCatalogByText } from '../../search/shared/policy.js';
import type { SearchResponse } from '../../search/shared/response.js';
import type { CatalogInfo, CatalogSource, SourceCandidate } from '../../search/shared/source.js';
import { percentile } from '../../vectors/shared/random.js';
import { exactTopK } from '../shared/exact.js';
import type { BenchPage } from './browser.js';
import type { BenchServer } from './server.js';

/** One size of the compact layout, measured in Node against the same policy over exact float32 vectors. */
export interface CompactMeasurement {
  readonly products: number;
  readonly synthetic: boolean;
  readonly queries: number;
  /** Whole-catalog semantic search: the compact source's 10 nearest against an exact float32 scan. */
  readonly ann_recall_at_10: number;
  /** The policy's first 10 results (photo queries), compact against exact float32 sources; null above 200,000 products. */
  readonly photo_recall_at_10: number | null;
  /** The same for words queries (product names' text vectors as the words). */
  readonly words_recall_at_10: number | null;
  /** Whole photo searches (classify, candidates, fuse, respond) with every cell in memory. */
  readonly photo_p50_ms_cached: number;
  readonly photo_p99_ms_cached: number;
  /** The same with no cell in memory (the router is): each cell read from disk, checked and decoded first. */
  readonly photo_p50_ms_uncached: number;
  readonly photo_p99_ms_uncached: number;
  /** Bytes of the cells one photo search loaded, p50. */
  readonly cell_bytes_per_search_p50: number;
  /** Cells held after every query ran (no budget): what a searcher's memory grows to with these queries. */
  readonly cells_held_mb: number;
  /** The queries, and the ids of each one's first 10 results here: what the page must answer alike. */
  readonly queryRows: readonly ScaleRow[];
  readonly ids: readonly string[][];
}

/**
 * The exact reference: every vector in float32, every scope scanned whole (the top `limit` by semantic similarity,
 * or all rows of a scope under `exactBelow`, as the single-file layout's exact scopes answer).
 */
class ExactScaleSource implements CatalogSource {
  private readonly semantic: Float32Array;
  private readonly visual: Float32Array;
  private readonly text: Float32Array;
  private readonly rows: ScaleRow[] = [];
  private readonly byCategory = new Map<string, number[]>();

  constructor(
    readonly info: CatalogInfo,
    catalog: ScaleCatalog,
    size: number,
    realRows: number,
    private readonly exactBelow: number,
  ) {
    const dim = info.dims.semantic;
    this.semantic = new Float32Array(size * dim);
    this.visual = new Float32Array(size * info.dims.visual);
    this.text = new Float32Array(size * dim);
    for (let i = 0; i < size; i++) {
      const row = catalog.row(i, realRows);
      this.semantic.set(row.semantic, i * dim);
      this.visual.set(row.visual, i * info.dims.visual);
      this.text.set(row.text, i * dim);
      this.rows.push({ ...row, semantic: new Float32Array(), visual: new Float32Array(), text: new Float32Array() });
      const key = categoryKey(row.category);
      (this.byCategory.get(key) ?? this.byCategory.set(key, []).get(key)!).push(i);
    }
  }

  private dot(data: Float32Array, dim: number, v: Float32Array, i: number): number {
    let s = 0;
    for (let j = 0; j < dim; j++) s += v[j]! * data[i * dim + j]!;
    return s;
  }

  /** Ids of the k rows nearest to a semantic vector. */
  nearestIds(semantic: Float32Array, k: number): string[] {
    return exactTopK(this.semantic, this.info.dims.semantic, semantic, k).ids.map((i) => this.rows[i]!.id);
  }

  async neighbours(semantic: Float32Array, products: number) {
    const found = exactTopK(this.semantic, this.info.dims.semantic, semantic, products);
    return found.ids.map((i, n) => ({ category: this.rows[i]!.category, score: found.scores[n]! }));
  }

  async candidates({ scope, probe, limit, second }: Parameters<CatalogSource['candidates']>[0]): Promise<SourceCandidate[]> {
    const dim = this.info.dims.semantic;
    const all = scope === null ? null : this.byCategory.get(scope)!;
    const scored = (all ?? Array.from({ length: this.rows.length }, (_, i) => i)).map((i) => ({ i, s: this.dot(this.semantic, dim, probe, i) }));
    const whole = all !== null && all.length < this.exactBelow;
    const kept = whole ? scored : scored.sort((a, b) => b.s - a.s).slice(0, limit);
    return kept.map(({ i, s }) => ({
      entry: i,
      product: this.product(i),
      semantic: s,
      visual: second.space === 'visual' ? this.dot(this.visual, this.info.dims.visual, second.vector, i) : this.dot(this.text, dim, probe, i),
    }));
  }

  private product(i: number): Product {
    const r = this.rows[i]!;
    return { id: r.id, filename: '', image: '', name: null, category: r.category, labelCategory: r.category, predictedCategory: r.category, predictedCategoryConfidence: 1, color: null, predictedColor: '', gender: null };
  }
}

/** Above this size the float32 reference of the whole policy would not fit this machine's memory. */
const EXACT_POLICY_LIMIT = 200_000;
const STREAMED_QUERIES = 20;

/** Exact nearest ids of each query by semantic similarity, generating every row once (bounded memory). */
function streamedNearest(catalog: ScaleCatalog, size: number, realRows: number, queries: readonly ScaleRow[], k: number, progress: Progress): string[][] {
  const best = queries.map(() => [] as { id: string; s: number }[]);
  for (let i = 0; i < size; i++) {
    const row = catalog.row(i, realRows);
    queries.forEach((q, n) => {
      let s = 0;
      for (let j = 0; j < q.semantic.length; j++) s += q.semantic[j]! * row.semantic[j]!;
      const list = best[n]!;
      if (list.length === k && s <= list[k - 1]!.s) return;
      list.push({ id: row.id, s });
      list.sort((a, b) => b.s - a.s);
      if (list.length > k) list.pop();
    });
    if (i % 50_000 === 0 || i === size - 1) progress.count(`exact scan of ${size}`, i + 1, size, 'products');
  }
  return best.map((list) => list.map((e) => e.id));
}

const ids = (response: SearchResponse) => response.results.map((r) => r.id);
const overlap = (a: readonly string[], b: readonly string[]) => (b.length === 0 ? 1 : a.filter((id) => b.includes(id)).length / b.length);
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/**
 * Measures a compact catalog folder built from `catalog` (npm run build:scale): queries are real rows the catalog
 * does not hold (variants past `size`) when there are any, else derived rows past it.
 */
export async function measureCompact(
  catalog: ScaleCatalog,
  dir: string,
  { realRows, queries: count, progress }: { realRows: number; queries: number; progress: Progress },
): Promise<CompactMeasurement> {
  const opened = await openCompactDir(dir, 2 ** 40);
  const manifest: CompactManifest = opened.manifest;
  const size = manifest.counts.products;
  const queries = catalog.queriesPast(size, realRows, count);
  const request = { topK: 10 };
  const ann: number[] = [];
  const photo: number[] = [];
  const words: number[] = [];
  const cached: number[] = [];
  if (size <= EXACT_POLICY_LIMIT) {
    const exact = new ExactScaleSource(opened.source.info, catalog, size, realRows, manifest.exactBelow);
    for (const [n, q] of queries.entries()) {
      const want = exact.nearestIds(q.semantic, 10);
      const got = (await opened.source.candidates({ scope: null, probe: q.semantic, limit: 10, second: { space: 'visual', vector: q.visual } })).map((c) => c.product.id);
      ann.push(overlap(got, want));
      photo.push(overlap(ids(await searchCatalog(opened.source, q, request)), ids(await searchCatalog(exact, q, request))));
      const text = { text: 'words', vector: q.text };
      words.push(overlap(ids(await searchCatalogByText(opened.source, text, request)), ids(await searchCatalogByText(exact, text, request))));
      progress.count(`recall at ${size}`, n + 1, queries.length, 'queries');
    }
  } else {
    // Too large to hold in float32 here: the whole-catalog nearest 10 only, against one streamed exact pass.
    const sample = queries.slice(0, STREAMED_QUERIES);
    const want = streamedNearest(catalog, size, realRows, sample, 10, progress);
    for (const [n, q] of sample.entries()) {
      const got = (await opened.source.candidates({ scope: null, probe: q.semantic, limit: 10, second: { space: 'visual', vector: q.visual } })).map((c) => c.product.id);
      ann.push(overlap(got, want[n]!));
    }
  }
  // Latency: cells all in memory after the pass above.
  const firstTen: string[][] = [];
  for (const q of queries) {
    const t = performance.now();
    const response = await searchCatalog(opened.source, q, request);
    cached.push(performance.now() - t);
    firstTen.push(ids(response));
  }
  const uncached: number[] = [];
  const bytes: number[] = [];
  for (const q of queries.slice(0, Math.min(queries.length, 100))) {
    const cold = opened.cold(2 ** 40);
    const t = performance.now();
    await searchCatalog(cold.source, q, request);
    uncached.push(performance.now() - t);
    bytes.push(cold.store.stats().heldBytes);
  }
  const p = (values: readonly number[], at: number) => percentile(values, at);
  return {
    products: size,
    synthetic: manifest.synthetic,
    queries: queries.length,
    ann_recall_at_10: mean(ann),
    photo_recall_at_10: photo.length ? mean(photo) : null,
    words_recall_at_10: words.length ? mean(words) : null,
    photo_p50_ms_cached: p(cached, 50),
    photo_p99_ms_cached: p(cached, 99),
    photo_p50_ms_uncached: p(uncached, 50),
    photo_p99_ms_uncached: p(uncached, 99),
    cell_bytes_per_search_p50: p(bytes, 50),
    cells_held_mb: opened.store.stats().heldBytes / 2 ** 20,
    queryRows: queries,
    ids: firstTen,
  };
}

/** One line of the `scale` list: a catalog size in one format. Figures not measured are null (see `measured_in`). */
export interface ScaleLine {
  readonly products: number;
  readonly format: 'single-file' | 'compact';
  readonly synthetic: boolean;
  readonly downloaded_bytes_per_product: number;
  /** What the page downloads before its first result, models aside: manifest, router, prompts and the cells that search loaded. */
  readonly first_result_bytes: number | null;
  /** The time from an empty page worker to that result: the same downloads from the bench's local server, then the search. */
  readonly first_result_ms: number | null;
  readonly recall_at_10: number | null;
  readonly words_recall_at_10: number | null;
  /** The search step after the photo is embedded (candidates, re-rank, policy), in the page's worker where measured there. */
  readonly p50_ms: number | null;
  readonly p99_ms_cached: number | null;
  readonly p99_ms_uncached: number | null;
  /**
   * What the search worker holds after the cached queries (JS heap, decoded shards, WASM): the growth of the
   * renderer processes' anonymous resident memory from before the worker started.
   */
  readonly worker_memory_mb: number | null;
  /** Decoded cells held in memory after the cached queries: under the page's budget in the page, none in Node. */
  readonly cells_held_mb: number | null;
  readonly build_products_per_s: number | null;
  /** The same figures in Node, side by side (the shared code, no budget). */
  readonly node: { readonly p50_ms: number; readonly p99_ms_cached: number; readonly p99_ms_uncached: number } | null;
  /** Share of the queries whose first 10 results in the page are Node's, in order. */
  readonly page_matches_node: number | null;
  /** Where the search figures come from: the page's worker (Chromium, WASM), or Node when no browser ran. */
  readonly measured_in: 'page' | 'node' | null;
  readonly note: string;
}

/** The page's figures for one compact catalog (src/bench/worker/bench.worker.ts runs the app's shard loading and policy). */
interface PageScale {
  readonly firstResultBytes: number;
  readonly firstResultMs: number;
  readonly p50: number;
  readonly p99Cached: number;
  readonly p99Uncached: number;
  readonly workerMemoryMb: number | null;
  readonly heldMb: number;
  readonly matchesNode: number;
}

/** The page worker's memory budget for decoded shards (src/search/worker/compact.ts's default). */
const PAGE_MEMORY_BYTES = 96 * 2 ** 20;
const UNCACHED_QUERIES = 100;

async function measureInPage(browser: ScaleBrowser, dir: string, m: CompactMeasurement): Promise<PageScale> {
  const { page, server } = browser;
  const worker = `scale-${m.products}`;
  const queries = m.queryRows;
  const width = queries[0]!.semantic.length + queries[0]!.visual.length;
  const rows = new Float32Array(queries.length * width);
  queries.forEach((q, i) => {
    rows.set(q.semantic, i * width);
    rows.set(q.visual, i * width + q.semantic.length);
  });
  const queriesUrl = server.buffer(`/bench-data/${worker}-queries.f32`, new Uint8Array(rows.buffer));
  const memoryBefore = await page.rendererMemoryMb();
  await page.spawn(worker);
  try {
    const info = await page.call(worker, 'setupScale', { baseUrl: server.mount(worker, dir), queriesUrl, queries: queries.length, memoryBytes: PAGE_MEMORY_BYTES });
    const first = await page.call(worker, 'runScale', { mode: 'first', queries: 1 });
    const cached = await page.call(worker, 'runScale', { mode: 'cached', queries: queries.length });
    const memoryAfter = await page.rendererMemoryMb();
    const uncached = await page.call(worker, 'runScale', { mode: 'uncached', queries: Math.min(queries.length, UNCACHED_QUERIES) });
    const same = cached.ids.filter((ids, i) => ids.join() === m.ids[i]!.join()).length;
    return {
      firstResultBytes: info.startBytes + first.shardBytes[0]!,
      firstResultMs: info.startMs + first.ms[0]!,
      p50: percentile(cached.ms, 50),
      p99Cached: percentile(cached.ms, 99),
      p99Uncached: percentile(uncached.ms, 99),
      workerMemoryMb: memoryBefore === null || memoryAfter === null ? null : memoryAfter - memoryBefore,
      heldMb: cached.heldBytes / 2 ** 20,
      matchesNode: same / cached.ids.length,
    };
  } finally {
    await page.terminate(worker);
    server.forget(`/bench-data/${worker}-queries.f32`);
  }
}

/** The bench page and its server, for the page's figures. */
export interface ScaleBrowser {
  readonly page: BenchPage;
  readonly server: BenchServer;
}

export interface ScaleOptions {
  readonly sizes: readonly number[];
  /** The built index scale catalogs are made from, and its photos. */
  readonly baseDir: string;
  readonly catalogDir: string;
  readonly cacheDir: string;
  /** Where the compact catalogs are built (reused when their manifest matches). */
  readonly workDir: string;
  readonly queries: number;
  readonly progress: Progress;
  /** Where the page's figures are measured; null: Node only. */
  readonly browser: ScaleBrowser | null;
}

/**
 * The `scale` part: for each size, the compact layout (built with npm run build:scale's code, reused when already
 * there) measured against exact float32 under the same policy, beside today's single-file layout at that size.
 */
export async function benchScale(options: ScaleOptions): Promise<ScaleLine[]> {
  const { progress } = options;
  const catalog = await ScaleCatalog.open(options.baseDir, options.catalogDir, options.cacheDir);
  const lines: ScaleLine[] = [];
  try {
    const realRows = catalog.realRowsReady();
    const single = singleFileBytesPerProduct(options.baseDir);
    for (const size of [...options.sizes].sort((a, b) => a - b)) {
      const dir = join(options.workDir, `compact-${size}`);
      const manifestPath = join(dir, MANIFEST_FILE);
      const existing = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as CompactManifest) : null;
      let buildRate: number | null = null;
      if (!existing || existing.version !== COMPACT_VERSION || existing.counts.products !== size || existing.realProducts !== Math.min(size, realRows)) {
        progress.line(`— scale: building the compact catalog of ${size.toLocaleString('en')} products`);
        buildRate = (await buildCompactCatalog(catalog, { size, realRows, outDir: dir, progress })).productsPerSecond;
      } else {
        const stats = JSON.parse(readFileSync(join(dir, COMPACT_STATS_FILE), 'utf8')) as { productsPerSecond: number; cellsReused: number };
        buildRate = stats.cellsReused === 0 ? stats.productsPerSecond : null;
      }
      progress.line(`— scale: measuring ${size.toLocaleString('en')} products`);
      const m = await measureCompact(catalog, dir, { realRows, queries: options.queries, progress });
      const inPage = options.browser ? await measureInPage(options.browser, dir, m) : null;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as CompactManifest;
      const total = manifest.files.reduce((n, f) => n + f.bytes, 0) + readFileSync(manifestPath).byteLength;
      const fixed = readFileSync(manifestPath).byteLength + manifest.files.filter((f) => !f.path.startsWith('cells/')).reduce((n, f) => n + f.bytes, 0);
      lines.push({
        products: size,
        format: 'single-file',
        synthetic: size > realRows,
        downloaded_bytes_per_product: single,
        first_result_bytes: single * size,
        first_result_ms: null,
        recall_at_10: null,
        words_recall_at_10: null,
        p50_ms: null,
        p99_ms_cached: null,
        p99_ms_uncached: null,
        worker_memory_mb: null,
        cells_held_mb: null,
        build_products_per_s: null,
        node: null,
        page_matches_node: null,
        measured_in: null,
        note: `bytes: the base index's files per product (${options.baseDir}) times the size — the whole index before the first result; one graph file past ~60,000 products exceeds Chromium's IndexedDB value limit`,
      });
      lines.push({
        products: size,
        format: 'compact',
        synthetic: m.synthetic,
        downloaded_bytes_per_product: Math.round(total / size),
        first_result_bytes: inPage?.firstResultBytes ?? fixed + m.cell_bytes_per_search_p50,
        first_result_ms: inPage?.firstResultMs ?? null,
        recall_at_10: m.photo_recall_at_10 ?? m.ann_recall_at_10,
        words_recall_at_10: m.words_recall_at_10,
        p50_ms: inPage?.p50 ?? m.photo_p50_ms_cached,
        p99_ms_cached: inPage?.p99Cached ?? m.photo_p99_ms_cached,
        p99_ms_uncached: inPage?.p99Uncached ?? m.photo_p99_ms_uncached,
        worker_memory_mb: inPage?.workerMemoryMb ?? null,
        cells_held_mb: inPage?.heldMb ?? m.cells_held_mb,
        build_products_per_s: buildRate,
        node: { p50_ms: m.photo_p50_ms_cached, p99_ms_cached: m.photo_p99_ms_cached, p99_ms_uncached: m.photo_p99_ms_uncached },
        page_matches_node: inPage?.matchesNode ?? null,
        measured_in: inPage ? 'page' : 'node',
        note: `${m.queries} photo and words queries (${size < realRows ? 'real product variants not in the catalog' : 'derived rows'}); recall@10: the policy's first 10 against exact float32 (above 200,000 products: the 10 nearest of ${STREAMED_QUERIES} queries against a streamed exact scan); times: the search step of a photo (candidates, re-rank, policy; scans in the WASM SIMD kernel, src/vectors/shared/wasm/dots.wat) in the page's worker (cached: after an untimed pass over every query, each query's shards in memory, timed on a second source to which it is new; uncached: read from IndexedDB first; memory budget ${PAGE_MEMORY_BYTES / 2 ** 20} MB), beside the same in Node; first result: manifest, router, prompts and the first query's shards, and the time from an empty worker and IndexedDB to that result over the bench's local server (models aside)`,
      });
    }
  } finally {
    catalog.close();
  }
  return lines;
}

/** What the page downloads per product in today's layout for photos and words: every index file but the prompts. */
function singleFileBytesPerProduct(dir: string): number {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { files: { path: string; bytes: number }[]; counts: { products: number } };
  const perProduct = manifest.files.filter((f) => f.path !== 'vectors/prompts.f16' && f.path !== 'index_stats.json').reduce((n, f) => n + f.bytes, 0);
  return Math.round(perProduct / manifest.counts.products);
}
