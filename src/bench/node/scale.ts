import type { CompactManifest } from '../../artifacts/shared/compact.js';
import type { Product } from '../../artifacts/shared/format.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import type { Progress } from '../../common/shared/progress.js';
import type { ScaleCatalog, ScaleRow } from '../../index/node/scale-catalog.js';
import { openCompactDir } from '../../search/node/compact.js';
import { searchCatalog, searchCatalogByText } from '../../search/shared/policy.js';
import type { SearchResponse } from '../../search/shared/response.js';
import type { CatalogInfo, CatalogSource, SourceCandidate } from '../../search/shared/source.js';
import { percentile, sampleIndices } from '../../vectors/shared/random.js';
import { exactTopK } from '../shared/exact.js';

/** One size of the compact layout, measured in Node against the same policy over exact float32 vectors. */
export interface CompactMeasurement {
  readonly products: number;
  readonly synthetic: boolean;
  readonly queries: number;
  /** Whole-catalog semantic search: the compact source's 10 nearest against an exact float32 scan. */
  readonly ann_recall_at_10: number;
  /** The policy's first 10 results (photo queries), compact against exact float32 sources. */
  readonly photo_recall_at_10: number;
  /** The same for words queries (product names' text vectors as the words). */
  readonly words_recall_at_10: number;
  /** Whole photo searches (classify, candidates, fuse, respond) with every cell in memory. */
  readonly photo_p50_ms_cached: number;
  readonly photo_p99_ms_cached: number;
  /** The same with no cell in memory: each read from disk and decoded first. */
  readonly photo_p50_ms_uncached: number;
  readonly photo_p99_ms_uncached: number;
  /** Bytes of the cells one photo search loaded, p50. */
  readonly cell_bytes_per_search_p50: number;
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
  const exact = new ExactScaleSource(opened.source.info, catalog, size, realRows, manifest.exactBelow);
  const heldOut = Math.max(0, realRows - size);
  const picks = heldOut > 0 ? sampleIndices(heldOut, count, 11).map((i) => size + i) : sampleIndices(size, count, 11).map((i) => size + i);
  const queries = picks.map((i) => catalog.row(i, realRows));
  const request = { topK: 10 };
  const ann: number[] = [];
  const photo: number[] = [];
  const words: number[] = [];
  const cached: number[] = [];
  for (const [n, q] of queries.entries()) {
    const want = exact.nearestIds(q.semantic, 10);
    const got = (await opened.source.candidates({ scope: null, probe: q.semantic, limit: 10, second: { space: 'visual', vector: q.visual } })).map((c) => c.product.id);
    ann.push(overlap(got.slice(0, 10), want));
    photo.push(overlap(ids(await searchCatalog(opened.source, q, request)), ids(await searchCatalog(exact, q, request))));
    const text = { text: 'words', vector: q.text };
    words.push(overlap(ids(await searchCatalogByText(opened.source, text, request)), ids(await searchCatalogByText(exact, text, request))));
    progress.count(`recall at ${size}`, n + 1, queries.length, 'queries');
  }
  // Latency: cells all in memory after the pass above.
  for (const q of queries) {
    const t = performance.now();
    await searchCatalog(opened.source, q, request);
    cached.push(performance.now() - t);
  }
  const uncached: number[] = [];
  const bytes: number[] = [];
  for (const q of queries.slice(0, Math.min(queries.length, 100))) {
    const cold = await openCompactDir(dir, 2 ** 40);
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
    photo_recall_at_10: mean(photo),
    words_recall_at_10: mean(words),
    photo_p50_ms_cached: p(cached, 50),
    photo_p99_ms_cached: p(cached, 99),
    photo_p50_ms_uncached: p(uncached, 50),
    photo_p99_ms_uncached: p(uncached, 99),
    cell_bytes_per_search_p50: p(bytes, 50),
  };
}
