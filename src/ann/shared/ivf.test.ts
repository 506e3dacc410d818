import { describe, expect, it } from 'vitest';
import { kernelQuery } from '../../vectors/shared/dots.js';
import { decodeRow } from '../../vectors/shared/quantize.js';
import { seededRandom } from '../../vectors/shared/random.js';
import { RandomRotation } from '../../vectors/shared/rotation.js';
import { dot, normalize } from '../../vectors/shared/vector.js';
import { buildIvfCell, scanLists, TopK, type ListScores } from './ivf.js';
import { largest } from './select.js';
import { kmeans } from './kmeans.js';

const DIM = 128;

/** Unit vectors in 12 clusters: the shape inverted lists are for. */
function clustered(rows: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: 12 }, () => Float32Array.from({ length: DIM }, gauss));
  return Array.from({ length: rows }, (_, r) => normalize(Float32Array.from({ length: DIM }, (_, j) => centres[r % 12]![j]! + 0.6 * gauss())));
}

describe('TopK', () => {
  it('keeps the best offered, best first, whatever the order', () => {
    const top = new TopK(3);
    [5, 1, 9, 7, 3, 9.5, 0].forEach((score, i) => top.offer(score, i, -i));
    expect(top.items().map((x) => x.score)).toEqual([9.5, 9, 7]);
    expect(top.items()[0]).toEqual({ score: 9.5, a: 5, b: -5 });
  });
});

describe('largest', () => {
  it('gives the positions of the k largest, in position order, the first of those tied with the k-th', () => {
    const random = seededRandom(3);
    for (let t = 0; t < 200; t++) {
      // Few distinct values: many ties, some across the k-th.
      const values = Float64Array.from({ length: 1 + Math.floor(random() * 60) }, () => Math.floor(random() * 12) - 6);
      const k = Math.floor(random() * (values.length + 2));
      const want = Array.from(values.keys())
        .sort((a, b) => values[b]! - values[a]! || a - b)
        .slice(0, k)
        .sort((a, b) => a - b);
      expect(Array.from(largest(values, k))).toEqual(want);
      expect(Array.from(largest(values, k, new Int32Array(values.length + 3)))).toEqual(want);
    }
  });
});

describe('k-means', () => {
  it('finds well-separated clusters, the same for a seed', () => {
    const rows = clustered(600, 1);
    const data = new Float32Array(rows.length * DIM);
    rows.forEach((r, i) => data.set(r, i * DIM));
    const a = kmeans(data, rows.length, DIM, 12, { seed: 4 });
    expect(kmeans(data, rows.length, DIM, 12, { seed: 4 }).assignment).toEqual(a.assignment);
    // Rows of one true cluster land together (a few clusters may be merged or split by a poor start).
    const pure = Array.from({ length: 12 }, (_, c) => {
      const labels = rows.map((_, r) => r).filter((r) => r % 12 === c).map((r) => a.assignment[r]!);
      const counts = new Map<number, number>();
      for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
      return Math.max(...counts.values()) / labels.length;
    });
    expect(pure.filter((p) => p === 1).length).toBeGreaterThanOrEqual(10);
  });
});

describe('IVF cell', () => {
  const rotation = new RandomRotation(DIM, 2);
  const rows = clustered(1000, 3);
  const rotate = (list: Float32Array[]) => {
    const out = new Float32Array(list.length * DIM);
    list.forEach((r, i) => out.set(rotation.apply(r), i * DIM));
    return out;
  };
  const semantic = rotate(rows);
  const cell = buildIvfCell(semantic, rotate(clustered(1000, 5)), rotate(clustered(1000, 6)), Uint32Array.from(rows, (_, i) => 5000 + i), DIM, { rowsPerList: 50 });

  it('stores every row once, list by list, with its entry number', () => {
    expect(cell.listStarts.length - 1).toBe(20);
    expect(cell.listStarts.at(-1)).toBe(1000);
    expect([...cell.entries].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => 5000 + i));
    const r = 123;
    const original = rows[cell.entries[r]! - 5000]!;
    expect(dot(decodeRow(cell.semantic, r), rotation.apply(original))).toBeGreaterThan(0.9999);
  });

  it('scanning every list finds the exact nearest 10; the nearest lists alone find nearly all', () => {
    const all = Array.from({ length: 20 }, (_, list) => ({ cell: 0, list }));
    let exactHits = 0;
    let probedHits = 0;
    // Queries near catalog rows, as a photo of a catalog product is.
    const random = seededRandom(9);
    const queries = Array.from({ length: 30 }, (_, n) => normalize(rows[n * 33]!.map((v) => v + 0.05 * (random() - 0.5))));
    for (const query of queries) {
      const want = rows.map((r, i) => ({ i: 5000 + i, s: dot(query, r) })).sort((a, b) => b.s - a.s).slice(0, 10).map((x) => x.i);
      const q = kernelQuery(rotation.apply(query));
      const found = (lists: typeof all) => new Set(scanLists([cell], lists, q, 64, 10).map((h) => cell.entries[h.row]!));
      const everything = found(all);
      exactHits += want.filter((i) => everything.has(i)).length;
      // The 4 lists whose rows score highest on average stand in for the router's nearest centroids.
      const mean = (l: number) => {
        let s = 0;
        for (let r = cell.listStarts[l]!; r < cell.listStarts[l + 1]!; r++) s += dot(q.values, decodeRow(cell.semantic, r));
        return s / (cell.listStarts[l + 1]! - cell.listStarts[l]!);
      };
      const nearest = all.sort((a, b) => mean(b.list) - mean(a.list)).slice(0, 4);
      const probed = found(nearest);
      probedHits += want.filter((i) => probed.has(i)).length;
    }
    expect(exactHits / 300).toBeGreaterThanOrEqual(0.99);
    // Scores remembered from an earlier scan of the same query give the same hits as scores computed afresh.
    const q = kernelQuery(rotation.apply(queries[0]!));
    const remembered = new Map<number, Float64Array>();
    const memo: ListScores = {
      recall: (_, list) => remembered.get(list) ?? null,
      remember: (_, list, scores) => void remembered.set(list, scores.slice()),
    };
    scanLists([cell], all.slice(0, 12), q, 64, 10, memo);
    expect(remembered.size).toBe(12);
    expect(scanLists([cell], all, q, 64, 10, memo)).toEqual(scanLists([cell], all, q, 64, 10));
    expect(scanLists([cell], all, q, 64, 10).length).toBe(10);
    expect(probedHits / 300).toBeGreaterThanOrEqual(0.9);
  });
});
