import { decodeRouter, type CellContent, type CellProduct, type RouterContent } from '../../artifacts/shared/cells.js';
import type { CompactManifest } from '../../artifacts/shared/compact.js';
import { ArtifactError, type Product } from '../../artifacts/shared/format.js';
import { decodeMatrix } from '../../vectors/shared/codec.js';
import { scanLists, TopK, type ListRef, type ListScores } from '../../ann/shared/ivf.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { dotKernel, kernelQuery, type KernelQuery } from '../../vectors/shared/dots.js';
import { coarseDots, coarseDotsAt, prepareQuery } from '../../vectors/shared/quantize.js';
import { projectOnto } from '../../vectors/shared/pca.js';
import { RandomRotation } from '../../vectors/shared/rotation.js';
import { dot, normalize, row, type Matrix } from '../../vectors/shared/vector.js';
import type { CatalogInfo, CatalogSource, Neighbour, SourceCandidate } from './source.js';

/** What of a cell the kernel reads: every code set, and the semantic codes' ninth bits. */
const codeSets = (cell: CellContent): (Int8Array | Uint8Array)[] => [cell.semantic.codes, cell.visual.codes, cell.text.codes, ...(cell.semantic.low ? [cell.semantic.low] : [])];

/** Where cells come from: loaded on demand (the network, IndexedDB, a folder) and kept while the budget allows. */
export interface CellStore {
  cell(index: number): Promise<CellContent>;
}

export interface CellCacheStats {
  readonly budgetBytes: number;
  readonly heldBytes: number;
  readonly cells: number;
  readonly loads: number;
  readonly evictions: number;
}

/**
 * Decoded cells held in memory under a byte budget (the files' sizes), least recently used evicted first; the
 * cell just loaded always stays, even alone over the budget. A held cell's codes are also in the scan kernel's
 * WASM memory (about as many bytes again), released on eviction.
 */
export class LruCellStore implements CellStore {
  private readonly held = new Map<number, { cell: Promise<CellContent>; bytes: number }>();
  private loads = 0;
  private evictions = 0;

  constructor(
    private readonly load: (index: number) => Promise<CellContent>,
    private readonly sizeOf: (index: number) => number,
    readonly budgetBytes: number,
  ) {}

  cell(index: number): Promise<CellContent> {
    const hit = this.held.get(index);
    if (hit) {
      // Map order is recency order: move it to the end.
      this.held.delete(index);
      this.held.set(index, hit);
      return hit.cell;
    }
    this.loads++;
    const entry = { cell: this.load(index), bytes: this.sizeOf(index) };
    entry.cell.catch(() => this.held.delete(index));
    // While held, its codes stay in the scan kernel's memory: placed when it arrives, unless evicted by then (a
    // search still holding an evicted cell scans copies of its rows).
    void entry.cell.then((cell) => this.held.get(index) === entry && codeSets(cell).forEach((codes) => dotKernel().placeCodes(codes)), () => {});
    this.held.set(index, entry);
    let total = [...this.held.values()].reduce((n, e) => n + e.bytes, 0);
    for (const [key, e] of this.held) {
      if (total <= this.budgetBytes || key === index) break;
      this.held.delete(key);
      total -= e.bytes;
      this.evictions++;
      void e.cell.then((cell) => codeSets(cell).forEach((codes) => dotKernel().releaseCodes(codes)), () => {});
    }
    return entry.cell;
  }

  stats(): CellCacheStats {
    return {
      budgetBytes: this.budgetBytes,
      heldBytes: [...this.held.values()].reduce((n, e) => n + e.bytes, 0),
      cells: this.held.size,
      loads: this.loads,
      evictions: this.evictions,
    };
  }
}

/** A compact catalog's two small files, decoded once and shared by every source over the catalog. */
export interface CompactIndex {
  readonly manifest: CompactManifest;
  readonly router: RouterContent;
  /** The category prompts' vectors, unit length. */
  readonly prompts: Matrix;
}

export function decodeCompactIndex(manifest: CompactManifest, routerBytes: Uint8Array, promptBytes: Uint8Array): CompactIndex {
  const router = decodeRouter(routerBytes, manifest.router);
  const { vectors } = manifest.prompts;
  const { imageSemantic, textSemantic } = manifest.models;
  // Stored semantic vectors are rotated to the next power of two: the width says which model gave them.
  const dims: [string, number, number][] = [
    ['semantic vectors', router.centroids.width, new RandomRotation(imageSemantic.spec.dim, manifest.compact.rotationSeed).width],
    ['product-name vectors', router.text.dim, textSemantic.spec.dim],
    ['prompt vectors', vectors.dim, textSemantic.spec.dim],
  ];
  for (const [what, have, want] of dims) {
    if (have !== want) throw new ArtifactError(`${what} are ${have}-d but the model gives ${want}-d: the index was built with another model`);
  }
  const prompts = decodeMatrix(promptBytes, vectors.encoding, vectors.rows, vectors.dim);
  for (let r = 0; r < prompts.rows; r++) prompts.data.set(normalize(row(prompts, r)), r * prompts.dim);
  return { manifest, router, prompts };
}

/**
 * The compact layout as a catalog source: the router picks the inverted lists nearest to the probe (within the
 * scope's cells), only their cells are loaded, their 8-bit semantic codes are scanned and the short list re-ranked
 * in 9 bits; the second signal (CNN or product name) is scored from its codes for the candidates alone.
 */
export function compactSource(
  { manifest, router, prompts: promptVectors }: CompactIndex,
  store: CellStore,
  /** Catalogs with more lists than this read at most MAX_CELLS cells a lookup. */
  { limitCellsPast = REFERENCE_LISTS }: { limitCellsPast?: number } = {},
): CatalogSource {
  const semanticDim = manifest.models.imageSemantic.spec.dim;
  const rotation = new RandomRotation(semanticDim, manifest.compact.rotationSeed);
  const textRotation = new RandomRotation(router.text.d, manifest.compact.rotationSeed);
  const info: CatalogInfo = {
    search: manifest.search,
    calibration: manifest.calibration,
    logitScale: manifest.models.textSemantic.spec.logitScale,
    prompts: { categories: manifest.prompts.categories, vectors: promptVectors },
    categories: new Map(manifest.categories.map((c) => [categoryKey(c.name), c.name])),
    entriesPerProduct: 1,
    dims: { semantic: semanticDim, visual: manifest.models.visual.spec.dim },
  };
  const scopeCells = new Map(manifest.categories.map((c) => [categoryKey(c.name), [...c.cells].sort((a, b) => a - b)]));
  const allCells = manifest.cells.map((_, i) => i);
  const { shortlist, rowsPerList } = manifest.compact;
  const kernel = dotKernel();
  // The router's centroids are scanned by every search: placed in the kernel's memory once.
  kernel.placeCodes(router.centroids.codes);
  // A cell's lists are consecutive in the router: cell c holds lists firstList[c] … firstList[c + 1] − 1.
  const firstList = new Uint32Array(manifest.cells.length + 1);
  manifest.cells.forEach((cell, c) => (firstList[c + 1] = firstList[c]! + cell.lists));
  if (firstList[manifest.cells.length] !== router.listCell.length || router.listCell.some((c, l) => l < firstList[c]! || l >= firstList[c + 1]!)) {
    throw new ArtifactError(`${manifest.router}: its lists are not grouped by cell as the manifest's cells say`);
  }
  const listCount = router.listCell.length;
  const probes = probesFor(manifest.compact.probes, listCount);
  const limited = listCount > limitCellsPast;

  // The last probe asked about, rotated, and its router scores of the cells scored so far: a photo search asks
  // about one probe several times (its nearest products, then a scope's candidates).
  const recent = { probe: new Float32Array(semanticDim), rotated: null as KernelQuery | null, scored: new Uint8Array(manifest.cells.length), scores: new Float64Array(listCount) };
  // And the coarse scores of the lists scanned for it: list l's are pool[at[l] … at[l] + rows[l] − 1] while stamp[l] = generation.
  const listScores = {
    generation: 0,
    stamp: new Uint32Array(listCount),
    at: new Uint32Array(listCount),
    rows: new Uint32Array(listCount),
    pool: new Float64Array(64 * rowsPerList),
    used: 0,
  };
  const rotatedProbe = (probe: Float32Array): KernelQuery => {
    if (recent.rotated && sameVector(probe, recent.probe)) return recent.rotated;
    recent.rotated = kernelQuery(rotation.apply(probe));
    recent.probe.set(probe);
    recent.scored.fill(0);
    listScores.generation++;
    listScores.used = 0;
    return recent.rotated;
  };
  /** The coarse scores of the lists scanned for the last probe (hits name cells by their place in `used`). */
  const remembered = (used: readonly number[]): ListScores => ({
    recall(cell, list) {
      const l = firstList[used[cell]!]! + list;
      return listScores.stamp[l] === listScores.generation ? listScores.pool.subarray(listScores.at[l]!, listScores.at[l]! + listScores.rows[l]!) : null;
    },
    remember(cell, list, scores) {
      const l = firstList[used[cell]!]! + list;
      const memo = listScores;
      if (memo.used + scores.length > memo.pool.length) {
        const pool = new Float64Array(2 * (memo.used + scores.length));
        pool.set(memo.pool.subarray(0, memo.used));
        memo.pool = pool;
      }
      memo.pool.set(scores, memo.used);
      memo.stamp[l] = memo.generation;
      memo.at[l] = memo.used;
      memo.rows[l] = scores.length;
      memo.used += scores.length;
    },
  });
  // The last second-signal vector (a photo's CNN vector, asked about for its nearest products then its scope), rotated.
  let recentSecond: { vector: Float32Array; rotated: KernelQuery } | null = null;
  const rotatedSecond = (vector: Float32Array): KernelQuery => {
    if (!recentSecond || !sameVector(vector, recentSecond.vector)) recentSecond = { vector: vector.slice(), rotated: kernelQuery(rotation.apply(vector)) };
    return recentSecond.rotated;
  };

  /** The lists to scan for a probe in the given cells: every list of a small scope, else the nearest ones. */
  const pickLists = (probe: Float32Array, cells: readonly number[], wanted: number): ListRef[] => {
    const rows = cells.reduce((n, c) => n + manifest.cells[c]!.rows, 0);
    if (rows < manifest.exactBelow) return cells.flatMap((c) => Array.from({ length: manifest.cells[c]!.lists }, (_, list) => ({ cell: c, list })));
    const rotated = rotatedProbe(probe);
    const q = prepareQuery(router.centroids, rotated);
    // Cells not scored yet for this probe; those next to each other in the router in one kernel call.
    for (let i = 0; i < cells.length; ) {
      let end = i + 1;
      while (end < cells.length && cells[end] === cells[end - 1]! + 1 && !recent.scored[cells[end]!] === !recent.scored[cells[i]!]) end++;
      if (!recent.scored[cells[i]!]) {
        const first = firstList[cells[i]!]!;
        coarseDots(router.centroids, q, first, firstList[cells[end - 1]! + 1]! - first, recent.scores.subarray(first));
        for (let c = i; c < end; c++) recent.scored[cells[c]!] = 1;
      }
      i = end;
    }
    // In a large catalog, the nearest lists in at most MAX_CELLS cells: walking down the nearest ones, a list in a
    // cell not taken yet is skipped once that many cells are.
    const want = Math.min(probes + Math.ceil(wanted / rowsPerList), listCount);
    const nearest = (count: number) => {
      const best = new TopK(Math.min(listCount, count));
      for (const c of cells) for (let l = firstList[c]!; l < firstList[c + 1]!; l++) best.offer(recent.scores[l]!, c, router.listLocal[l]!);
      return best.items();
    };
    // Usually the nearest lists are in few enough cells already.
    const first = nearest(want);
    if (!limited || new Set(first.map((l) => l.a)).size <= MAX_CELLS) return first.map(({ a, b }) => ({ cell: a, list: b }));
    const lists: ListRef[] = [];
    const taken = new Set<number>();
    for (const { a: cell, b: list } of nearest(CELL_POOL * want)) {
      if (lists.length === want) break;
      if (!taken.has(cell) && taken.size === MAX_CELLS) continue;
      taken.add(cell);
      lists.push({ cell, list });
    }
    return lists;
  };

  /** Loads the cells the lists live in; hits then name cells by their place in the returned array. */
  const scan = async (probe: Float32Array, cells: readonly number[], wanted: number) => {
    const lists = pickLists(probe, cells, wanted);
    const rotated = rotatedProbe(probe);
    const used = [...new Set(lists.map((l) => l.cell))];
    const loaded = await Promise.all(used.map((c) => store.cell(c)));
    const local = lists.map((l) => ({ cell: used.indexOf(l.cell), list: l.list }));
    const rows = local.reduce((n, l) => n + loaded[l.cell]!.listStarts[l.list + 1]! - loaded[l.cell]!.listStarts[l.list]!, 0);
    const hits = scanLists(loaded, local, rotated, Math.max(shortlist, 2 * wanted), Math.min(wanted, rows), remembered(used));
    return { hits, used, loaded };
  };

  return {
    info,
    async neighbours(semantic, products) {
      const { hits, used } = await scan(semantic, allCells, products);
      return hits
        .sort((a, b) => b.score - a.score || a.cell - b.cell || a.row - b.row)
        .map((h): Neighbour => ({ category: manifest.cells[used[h.cell]!]!.category, score: h.score }));
    },
    async candidates({ scope, probe, limit, second }) {
      const cells = scope === null ? allCells : scopeCells.get(scope);
      if (!cells) throw new Error(`the catalog has no category "${scope}"`);
      const { hits, used, loaded } = await scan(probe, cells, limit);
      // Names are coded in their principal subspace: the probe's dot with their mean, plus the coded part.
      const secondRotated = second.space === 'visual' ? rotatedSecond(second.vector) : kernelQuery(textRotation.apply(projectOnto(router.text, probe, false)));
      const offset = second.space === 'visual' ? 0 : dot(probe, router.text.mean);
      // The second signal of the hits, one kernel call per cell.
      const secondScores = new Float64Array(hits.length);
      const scores = new Float64Array(hits.length);
      const hitsOf = loaded.map(() => [] as number[]);
      hits.forEach((h, i) => hitsOf[h.cell]!.push(i));
      loaded.forEach((cell, c) => {
        const at = hitsOf[c]!;
        if (at.length === 0) return;
        const codes = second.space === 'visual' ? cell.visual : cell.text;
        coarseDotsAt(codes, prepareQuery(codes, secondRotated), at.map((i) => hits[i]!.row), scores);
        at.forEach((i, n) => (secondScores[i] = offset + scores[n]!));
      });
      const products = loaded.map((cell) => productsOf(cell));
      return hits.map((h, i): SourceCandidate => {
        const cell = loaded[h.cell]!;
        return {
          entry: cell.entries[h.row]!,
          product: (products[h.cell]![h.row] ??= productOf(cell.products[h.row]!, manifest.cells[used[h.cell]!]!.category)),
          semantic: h.score,
          visual: secondScores[i]!,
        };
      });
    },
  };
}

/**
 * Cells one lookup of a catalog past REFERENCE_LISTS lists reads at most. The lists nearest to a query spread over
 * many cells of a large catalog, most of them holding few of its nearest rows, and a cell is read whole: measured
 * (whole-catalog nearest 10 against exact, cells of 4,096 rows), at 200,000 products 5 cells a lookup keep recall@10
 * at 0.994 with 32 lists while a photo search's cells fall from 52 to 28 MB (p99); at 1,000,000, 5 cells give 0.990
 * with 106 lists (31.6 / 44.8 MB a photo search, p50 / p99) and 8 cells 0.995 (54.2 / 66.3 MB). Smaller catalogs
 * are not limited: at 44,417 products the policy's first 10 (photo / words) fell from 0.993 / 0.991 to 0.986 / 0.986
 * of exact with 5.
 */
export const MAX_CELLS = 5;
/** How many of the nearest lists the cell limit may walk past, per list wanted. */
const CELL_POOL = 8;
/** The catalog size, in lists, up to which the manifest's probes are enough (44,417 products have 694). */
const REFERENCE_LISTS = 800;

/**
 * Lists a lookup probes at least: the manifest's count up to REFERENCE_LISTS lists, then growing with the catalog's
 * lists to the power ⅔ (the same share of a growing catalog's lists finds fewer of its nearest rows). Measured on the
 * whole-catalog nearest 10 against exact: at 200,000 products (3,127 lists) 16 lists gave recall@10 0.982 and 32
 * gave 0.994 (40 here); at 1,000,000 (15,628 lists, 5 cells a lookup) 71 gave 0.975 and 106 gave 0.990 (116 here).
 */
export function probesFor(probes: number, lists: number): number {
  return Math.round(probes * Math.max(1, lists / REFERENCE_LISTS) ** (2 / 3));
}

function sameVector(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}

/** Product records made once per held cell row (they are read-only), not once per search that returns them. */
const madeProducts = new WeakMap<CellContent, Product[]>();
function productsOf(cell: CellContent): Product[] {
  return madeProducts.get(cell) ?? madeProducts.set(cell, []).get(cell)!;
}

/** A cell's product record as the policy and the page know products; a compact catalog is labelled, so category = label. */
function productOf(p: CellProduct, category: string): Product {
  return {
    id: p.id,
    filename: p.image.slice(p.image.lastIndexOf('/') + 1),
    image: p.image,
    name: p.name,
    category,
    labelCategory: category,
    predictedCategory: category,
    predictedCategoryConfidence: 1,
    color: p.color,
    predictedColor: p.predictedColor,
    gender: p.gender,
  };
}
