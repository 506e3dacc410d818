import { decodeRouter, type CellContent, type CellProduct, type RouterContent } from '../../artifacts/shared/cells.js';
import type { CompactManifest } from '../../artifacts/shared/compact.js';
import { decodeMatrix } from '../../vectors/shared/codec.js';
import type { Product } from '../../artifacts/shared/format.js';
import { scanLists, TopK, type ListRef } from '../../ann/shared/ivf.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { coarseDot, prepareQuery } from '../../vectors/shared/quantize.js';
import { projectOnto } from '../../vectors/shared/pca.js';
import { RandomRotation } from '../../vectors/shared/rotation.js';
import { dot, normalize, row, type Matrix } from '../../vectors/shared/vector.js';
import type { CatalogInfo, CatalogSource, Neighbour, SourceCandidate } from './source.js';

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
 * cell just loaded always stays, even alone over the budget.
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
    this.held.set(index, entry);
    let total = [...this.held.values()].reduce((n, e) => n + e.bytes, 0);
    for (const [key, e] of this.held) {
      if (total <= this.budgetBytes || key === index) break;
      this.held.delete(key);
      total -= e.bytes;
      this.evictions++;
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

/** A compact catalog's source from its two small files (router, prompt vectors), with cells from `store`. */
export function openCompactSource(manifest: CompactManifest, routerBytes: Uint8Array, promptBytes: Uint8Array, store: CellStore): CatalogSource {
  const router = decodeRouter(routerBytes, manifest.router);
  const { vectors } = manifest.prompts;
  const prompts = decodeMatrix(promptBytes, vectors.encoding, vectors.rows, vectors.dim);
  for (let r = 0; r < prompts.rows; r++) prompts.data.set(normalize(row(prompts, r)), r * prompts.dim);
  return compactSource(manifest, router, prompts, store);
}

/**
 * The compact layout as a catalog source: the router picks the inverted lists nearest to the probe (within the
 * scope's cells), only their cells are loaded, their 8-bit semantic codes are scanned and the short list re-ranked
 * in 9 bits; the second signal (CNN or product name) is scored from its codes for the candidates alone.
 */
function compactSource(manifest: CompactManifest, router: RouterContent, promptVectors: Matrix, store: CellStore): CatalogSource {
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
  const scopeCells = new Map(manifest.categories.map((c) => [categoryKey(c.name), c.cells]));
  const allCells = manifest.cells.map((_, i) => i);
  const { probes, shortlist, rowsPerList } = manifest.compact;
  const routerQuery = (rotated: Float32Array) => prepareQuery(router.centroids, rotated);

  /** The lists to scan for a probe in the given cells: every list of a small scope, else the nearest ones. */
  const pickLists = (rotated: Float32Array, cells: readonly number[], wanted: number): ListRef[] => {
    const inScope = new Set(cells);
    const rows = cells.reduce((n, c) => n + manifest.cells[c]!.rows, 0);
    const all = rows < manifest.exactBelow;
    const count = all ? Infinity : probes + Math.ceil(wanted / rowsPerList);
    const best = new TopK(Math.min(count, router.listCell.length));
    const q = routerQuery(rotated);
    for (let l = 0; l < router.listCell.length; l++) {
      if (!inScope.has(router.listCell[l]!)) continue;
      best.offer(all ? 0 : coarseDot(router.centroids, q, l), router.listCell[l]!, router.listLocal[l]!);
    }
    return best.items().map(({ a, b }) => ({ cell: a, list: b }));
  };

  /** Loads the cells the lists live in; hits then name cells by their place in the returned array. */
  const scan = async (rotated: Float32Array, cells: readonly number[], wanted: number) => {
    const lists = pickLists(rotated, cells, wanted);
    const used = [...new Set(lists.map((l) => l.cell))];
    const loaded = await Promise.all(used.map((c) => store.cell(c)));
    const local = lists.map((l) => ({ cell: used.indexOf(l.cell), list: l.list }));
    const rows = local.reduce((n, l) => n + loaded[l.cell]!.listStarts[l.list + 1]! - loaded[l.cell]!.listStarts[l.list]!, 0);
    const hits = scanLists(loaded, local, rotated, Math.max(shortlist, 2 * wanted), Math.min(wanted, rows));
    return hits.map((h) => ({ ...h, global: used[h.cell]!, content: loaded[h.cell]! }));
  };

  return {
    info,
    async neighbours(semantic, products) {
      const hits = await scan(rotation.apply(semantic), allCells, products);
      return hits.map((h): Neighbour => ({ category: manifest.cells[h.global]!.category, score: h.score }));
    },
    async candidates({ scope, probe, limit, second }) {
      const cells = scope === null ? allCells : scopeCells.get(scope);
      if (!cells) throw new Error(`the catalog has no category "${scope}"`);
      const rotated = rotation.apply(probe);
      const hits = await scan(rotated, cells, limit);
      // Names are coded in their principal subspace: the probe's dot with their mean, plus the coded part.
      const secondRotated = second.space === 'visual' ? rotation.apply(second.vector) : textRotation.apply(projectOnto(router.text, probe, false));
      const offset = second.space === 'visual' ? 0 : dot(probe, router.text.mean);
      const prepared = new Map<CellContent, ReturnType<typeof prepareQuery>>();
      return hits.map((h): SourceCandidate => {
        const codes = second.space === 'visual' ? h.content.visual : h.content.text;
        const key = h.content;
        if (!prepared.has(key)) prepared.set(key, prepareQuery(codes, secondRotated));
        return {
          entry: h.content.entries[h.row]!,
          product: productOf(h.content.products[h.row]!, manifest.cells[h.global]!.category),
          semantic: h.score,
          visual: offset + coarseDot(codes, prepared.get(key)!, h.row),
        };
      });
    },
  };
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
