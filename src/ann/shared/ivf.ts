import type { KernelQuery } from '../../vectors/shared/dots.js';
import { coarseDots, encodeResiduals, meanRow, prepareQuery, refineCoarse, type ResidualCodes } from '../../vectors/shared/quantize.js';
import { kmeans } from './kmeans.js';
import { largest } from './select.js';

/**
 * One cell of the compact index: up to a few thousand rows of one category, split into inverted lists of about
 * `rowsPerList` rows (k-means on the semantic vectors), rows stored list by list. Vectors are rotated (see
 * RandomRotation) and coded as residuals from the cell's mean: semantic in 9 bits (the 8-bit part is scanned, the
 * ninth bit re-ranks), visual in 8 (it only ever scores the candidates the semantic side found).
 */
export interface IvfCell {
  readonly rows: number;
  /** List l holds rows listStarts[l] … listStarts[l + 1] − 1. */
  readonly listStarts: Uint32Array;
  readonly semantic: ResidualCodes;
  readonly visual: ResidualCodes;
  /** The product names' text vectors, projected on their principal subspace (its own width), 8-bit. */
  readonly text: ResidualCodes;
  /** Row → the catalog's entry number. */
  readonly entries: Uint32Array;
}

export const ROWS_PER_LIST = 64;

/** Rows given rotated (row-major, `width` wide; text `textWidth` wide); the cell reorders them list by list. */
export function buildIvfCell(
  semantic: Float32Array,
  visual: Float32Array,
  text: Float32Array,
  entries: Uint32Array,
  width: number,
  { rowsPerList = ROWS_PER_LIST, seed = 1, textWidth = width }: { rowsPerList?: number; seed?: number; textWidth?: number } = {},
): IvfCell {
  const rows = entries.length;
  const lists = Math.max(1, Math.round(rows / rowsPerList));
  const { assignment } = kmeans(semantic, rows, width, lists, { seed });
  const order = Array.from({ length: rows }, (_, r) => r).sort((a, b) => assignment[a]! - assignment[b]! || a - b);
  const listStarts = new Uint32Array(lists + 1);
  for (const r of order) listStarts[assignment[r]! + 1]!++;
  for (let l = 0; l < lists; l++) listStarts[l + 1]! += listStarts[l]!;
  const permute = (data: Float32Array, w = width) => {
    const out = new Float32Array(rows * w);
    order.forEach((r, i) => out.set(data.subarray(r * w, (r + 1) * w), i * w));
    return out;
  };
  const sem = permute(semantic);
  const vis = permute(visual);
  const txt = permute(text, textWidth);
  return {
    rows,
    listStarts,
    semantic: encodeResiduals(sem, rows, width, meanRow(sem, rows, width), 9),
    visual: encodeResiduals(vis, rows, width, meanRow(vis, rows, width), 8),
    text: encodeResiduals(txt, rows, textWidth, meanRow(txt, rows, textWidth), 8),
    entries: Uint32Array.from(order, (r) => entries[r]!),
  };
}

export interface IvfHit {
  readonly cell: number;
  readonly row: number;
  /** The query's dot product with the row's 9-bit semantic code. */
  readonly score: number;
}

/** A list to scan: its cell (an index into the cells given to scanLists) and its number there. */
export interface ListRef {
  readonly cell: number;
  readonly list: number;
}

/** What scanning needs of a cell: where its lists start and its semantic codes. */
export type ScannedCell = Pick<IvfCell, 'listStarts' | 'semantic'>;

/**
 * Where a scan gets a list's coarse scores: computed into `out` by `compute`, or remembered from an earlier scan
 * with the same query (a photo search scans many lists twice). Returns the scores, `rows` of them.
 */
export type ListScores = (cell: number, list: number, rows: number, compute: (out: Float64Array) => void) => Float64Array;

/** Per-row working arrays of scanLists, kept between scans (a search scans thousands of rows twice; allocating them each time was a tenth of its time in garbage collection). */
let scanRows = { coarse: new Float64Array(4096), cellOf: new Int32Array(4096), rowOf: new Int32Array(4096) };

/**
 * Scans the given lists' 8-bit codes, keeps the `shortlist` best, and returns the k best of those in 9 bits, in the
 * order they were scanned (callers that need them best first sort them).
 */
export function scanLists(cells: readonly ScannedCell[], lists: readonly ListRef[], query: KernelQuery, shortlist: number, k: number, listScores?: ListScores): IvfHit[] {
  const prepared = cells.map((cell) => prepareQuery(cell.semantic, query));
  let total = 0;
  for (const { cell, list } of lists) total += cells[cell]!.listStarts[list + 1]! - cells[cell]!.listStarts[list]!;
  if (scanRows.coarse.length < total) scanRows = { coarse: new Float64Array(2 * total), cellOf: new Int32Array(2 * total), rowOf: new Int32Array(2 * total) };
  // Every listed row's coarse score, list after list, with its cell and row.
  const coarse = scanRows.coarse.subarray(0, total);
  const { cellOf, rowOf } = scanRows;
  let n = 0;
  for (const { cell: c, list: l } of lists) {
    const cell = cells[c]!;
    const first = cell.listStarts[l]!;
    const rows = cell.listStarts[l + 1]! - first;
    const compute = (into: Float64Array) => coarseDots(cell.semantic, prepared[c]!, first, rows, into);
    if (listScores) coarse.set(listScores(c, l, rows, compute), n);
    else compute(coarse.subarray(n, n + rows));
    for (let i = 0; i < rows; i++) {
      cellOf[n + i] = c;
      rowOf[n + i] = first + i;
    }
    n += rows;
  }
  // The short list re-ranked in 9 bits, a cell at a time (its positions grouped by cell: a counting sort).
  const kept = largest(coarse, Math.max(shortlist, k));
  const refined = new Float64Array(kept.length);
  const start = new Int32Array(cells.length + 1);
  for (let j = 0; j < kept.length; j++) start[cellOf[kept[j]!]! + 1]!++;
  for (let c = 0; c < cells.length; c++) start[c + 1]! += start[c]!;
  const byCell = new Int32Array(kept.length);
  const next = start.slice(0, cells.length);
  for (let j = 0; j < kept.length; j++) byCell[next[cellOf[kept[j]!]!]!++] = j;
  const rows = new Int32Array(kept.length);
  for (let c = 0; c < cells.length; c++) {
    const from = start[c]!;
    const count = start[c + 1]! - from;
    if (count === 0) continue;
    const cellRows = rows.subarray(from, from + count);
    const scores = refined.subarray(from, from + count);
    for (let m = 0; m < count; m++) {
      const j = byCell[from + m]!;
      cellRows[m] = rowOf[kept[j]!]!;
      scores[m] = coarse[kept[j]!]!;
    }
    refineCoarse(cells[c]!.semantic, prepared[c]!, cellRows, scores);
  }
  // refined[m] is now the score of kept[byCell[m]]: the k best of them, in the order scanned.
  const order = new Int32Array(kept.length);
  for (let m = 0; m < kept.length; m++) order[byCell[m]!] = m;
  const scoreOf = new Float64Array(kept.length);
  for (let j = 0; j < kept.length; j++) scoreOf[j] = refined[order[j]!]!;
  return Array.from(largest(scoreOf, k), (j) => ({ cell: cellOf[kept[j]!]!, row: rowOf[kept[j]!]!, score: scoreOf[j]! }));
}

/** The `capacity` best (score, a, b) offered: a min-heap on score. */
export class TopK {
  private readonly scores: Float64Array;
  private readonly as: Int32Array;
  private readonly bs: Int32Array;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.as = new Int32Array(capacity);
    this.bs = new Int32Array(capacity);
  }

  offer(score: number, a: number, b: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent]! <= score) break;
        this.move(parent, i);
        i = parent;
      }
      this.put(i, score, a, b);
      return;
    }
    if (score <= this.scores[0]!) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const child = left + 1 < this.size && this.scores[left + 1]! < this.scores[left]! ? left + 1 : left;
      if (this.scores[child]! >= score) break;
      this.move(child, i);
      i = child;
    }
    this.put(i, score, a, b);
  }

  /** Best first. */
  items(): { score: number; a: number; b: number }[] {
    const out = Array.from({ length: this.size }, (_, i) => ({ score: this.scores[i]!, a: this.as[i]!, b: this.bs[i]! }));
    return out.sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
  }

  private move(from: number, to: number): void {
    this.put(to, this.scores[from]!, this.as[from]!, this.bs[from]!);
  }

  private put(i: number, score: number, a: number, b: number): void {
    this.scores[i] = score;
    this.as[i] = a;
    this.bs[i] = b;
  }
}
