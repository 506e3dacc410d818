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
 * A memory of lists' coarse scores for one query: a photo search scans many lists twice (its nearest products, then
 * its scope's candidates), so the second scan takes the first's scores.
 */
export interface ListScores {
  /** List `list` of cell `cell`'s scores remembered for this query, or null. */
  recall(cell: number, list: number): Float64Array | null;
  remember(cell: number, list: number, scores: Float64Array): void;
}

/**
 * scanLists' working arrays, carved from two blocks kept between scans: V8 gives every new typed array a backing
 * store of its own, and allocating the dozen a scan needs took more of its time than filling them.
 */
const workspace = {
  ints: new Int32Array(8192),
  floats: new Float64Array(8192),
  intsUsed: 0,
  floatsUsed: 0,
  /** Starts a scan that takes at most `ints` integers and `floats` floats. */
  begin(ints: number, floats: number) {
    if (this.ints.length < ints) this.ints = new Int32Array(2 * ints);
    if (this.floats.length < floats) this.floats = new Float64Array(2 * floats);
    this.intsUsed = this.floatsUsed = 0;
  },
  int(n: number): Int32Array {
    return this.ints.subarray(this.intsUsed, (this.intsUsed += n));
  },
  float(n: number): Float64Array {
    return this.floats.subarray(this.floatsUsed, (this.floatsUsed += n));
  },
};

/**
 * Scans the given lists' 8-bit codes, keeps the `shortlist` best, and returns the k best of those in 9 bits, in the
 * order they were scanned (callers that need them best first sort them).
 */
export function scanLists(cells: readonly ScannedCell[], lists: readonly ListRef[], query: KernelQuery, shortlist: number, k: number, listScores?: ListScores): IvfHit[] {
  const prepared = cells.map((cell) => prepareQuery(cell.semantic, query));
  const sizeOf = ({ cell, list }: ListRef) => cells[cell]!.listStarts[list + 1]! - cells[cell]!.listStarts[list]!;
  const total = lists.reduce((n, l) => n + sizeOf(l), 0);
  const short = Math.min(Math.max(shortlist, k), total);
  workspace.begin(lists.length + 1 + 2 * cells.length + 1 + 6 * short, total + 2 * short);
  // List i's scores are at offsets[i] … offsets[i + 1] − 1, one list after another.
  const offsets = workspace.int(lists.length + 1);
  offsets[0] = 0;
  lists.forEach((l, i) => (offsets[i + 1] = offsets[i]! + sizeOf(l)));
  const coarse = workspace.float(total);
  lists.forEach(({ cell: c, list: l }, i) => {
    const known = listScores?.recall(c, l);
    if (known) return coarse.set(known, offsets[i]!);
    const scores = coarse.subarray(offsets[i]!, offsets[i + 1]!);
    coarseDots(cells[c]!.semantic, prepared[c]!, cells[c]!.listStarts[l]!, scores.length, scores);
    listScores?.remember(c, l, scores);
  });
  // The short list (positions in scan order) with its cells and rows: one walk along the lists.
  const kept = largest(coarse, short, workspace.int(short));
  const keptCell = workspace.int(short);
  const keptRow = workspace.int(short);
  const keptScore = workspace.float(short);
  for (let j = 0, i = 0; j < short; j++) {
    const at = kept[j]!;
    while (offsets[i + 1]! <= at) i++;
    const { cell, list } = lists[i]!;
    keptCell[j] = cell;
    keptRow[j] = cells[cell]!.listStarts[list]! + at - offsets[i]!;
    keptScore[j] = coarse[at]!;
  }
  // Re-ranked in 9 bits, a cell at a time (the short list grouped by cell: a counting sort).
  const start = workspace.int(cells.length + 1).fill(0);
  for (let j = 0; j < short; j++) start[keptCell[j]! + 1]!++;
  for (let c = 0; c < cells.length; c++) start[c + 1]! += start[c]!;
  const next = workspace.int(cells.length);
  next.set(start.subarray(0, cells.length));
  const byCell = workspace.int(short);
  for (let j = 0; j < short; j++) byCell[next[keptCell[j]!]!++] = j;
  const rows = workspace.int(short);
  const scores = workspace.float(short);
  for (let m = 0; m < short; m++) {
    rows[m] = keptRow[byCell[m]!]!;
    scores[m] = keptScore[byCell[m]!]!;
  }
  for (let c = 0; c < cells.length; c++) {
    if (start[c + 1] === start[c]) continue;
    refineCoarse(cells[c]!.semantic, prepared[c]!, rows.subarray(start[c]!, start[c + 1]!), scores.subarray(start[c]!, start[c + 1]!));
  }
  for (let m = 0; m < short; m++) keptScore[byCell[m]!] = scores[m]!;
  const best = largest(keptScore, k, workspace.int(short));
  const hits = new Array<IvfHit>(best.length);
  for (let i = 0; i < best.length; i++) hits[i] = { cell: keptCell[best[i]!]!, row: keptRow[best[i]!]!, score: keptScore[best[i]!]! };
  return hits;
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
