import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHnsw, openHnsw } from '../src/ann/node/env.js';
import { ExactIndex } from '../src/ann/shared/ann.js';
import { openCatalogDir } from '../src/search/node/catalog.js';
import { seededRandom } from '../src/vectors/shared/random.js';
import { matrixFromRows, normalize, row } from '../src/vectors/shared/vector.js';
import { TEST_ARTIFACTS_DIR } from '../src/index/node/sample-index.js';

function randomUnitMatrix(rows: number, dim: number, seed: number) {
  const random = seededRandom(seed);
  return matrixFromRows(Array.from({ length: rows }, () => normalize(Array.from({ length: dim }, () => random() - 0.5))), dim);
}

describe('HNSW graphs (hnswlib-wasm)', () => {
  it('a graph written by the build loads back and finds what an exact scan finds, with row ids as labels', async () => {
    const vectors = randomUnitMatrix(600, 64, 7);
    const rows = Uint32Array.from({ length: 300 }, (_, i) => i * 2); // a subset: every even row
    const bytes = await buildHnsw(vectors, rows, { m: 16, efConstruction: 100 });
    const graph = await openHnsw(bytes, 64, rows.length, 100);
    const exact = new ExactIndex(vectors, rows);
    let found = 0;
    for (let q = 1; q < 600; q += 10) {
      const truth = new Set(exact.search(row(vectors, q), 10).ids);
      const ids = graph.search(row(vectors, q), 10).ids;
      expect(ids.every((id) => id % 2 === 0)).toBe(true);
      found += ids.filter((id) => truth.has(id)).length;
    }
    expect(found / 600).toBeGreaterThanOrEqual(0.95);
    const self = graph.search(row(vectors, 42), 1);
    expect(self.ids).toEqual([42]);
    expect(self.scores[0]).toBeCloseTo(1, 5);
  });

  it('loads several graphs one after another and keeps them apart', async () => {
    const a = randomUnitMatrix(50, 16, 1);
    const b = randomUnitMatrix(80, 16, 2);
    const all = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
    const [ga, gb] = await Promise.all([
      buildHnsw(a, all(50), { m: 8, efConstruction: 50 }).then((bytes) => openHnsw(bytes, 16, 50, 50)),
      buildHnsw(b, all(80), { m: 8, efConstruction: 50 }).then((bytes) => openHnsw(bytes, 16, 80, 50)),
    ]);
    expect(ga.size).toBe(50);
    expect(gb.size).toBe(80);
    expect(ga.search(row(a, 7), 1).ids).toEqual([7]);
    expect(gb.search(row(b, 70), 1).ids).toEqual([70]);
  });

  it('refuses a graph of another size or width than expected, or not in the wasm layout, before the library reads it', async () => {
    const bytes = await buildHnsw(randomUnitMatrix(20, 8, 3), Uint32Array.from({ length: 20 }, (_, i) => i), { m: 8, efConstruction: 20 });
    await expect(openHnsw(bytes, 16, 20, 10)).rejects.toThrow(/holds 20 vectors of 8-d, expected 20 of 16-d/);
    await expect(openHnsw(bytes, 8, 21, 10)).rejects.toThrow(/holds 20 vectors of 8-d, expected 21 of 8-d/);
    // The 64-bit layout hnswlib-node writes: every size_t field twice as wide.
    const wide = new Uint8Array(bytes.byteLength + 48);
    const from = new DataView(bytes.buffer, bytes.byteOffset);
    const to = new DataView(wide.buffer);
    for (let i = 0; i < 6; i++) to.setBigUint64(i * 8, BigInt(from.getUint32(i * 4, true)), true);
    await expect(openHnsw(wide, 8, 20, 10)).rejects.toThrow(/not an hnswlib-wasm HNSW file/);
    await expect(openHnsw(bytes.subarray(0, 100), 8, 20, 10)).rejects.toThrow(/not an hnswlib-wasm HNSW file/);
  });
});

describe('artifact sets are checked before they are trusted', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vitrine-artifacts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const copy = (name: string) => {
    const to = join(dir, name);
    cpSync(TEST_ARTIFACTS_DIR, to, { recursive: true });
    return to;
  };
  const editManifest = (at: string, edit: (m: any) => void) => {
    const path = join(at, 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    edit(m);
    writeFileSync(path, JSON.stringify(m));
  };

  it('the test artifacts open', async () => {
    const catalog = await openCatalogDir(copy('good'));
    expect(catalog.products.length).toBe(catalog.manifest.counts.products);
  });

  it('a tampered file (one byte flipped) is refused by checksum', async () => {
    const at = copy('tampered');
    const path = join(at, 'vectors/visual.i8');
    const bytes = readFileSync(path);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(path, bytes);
    await expect(openCatalogDir(at)).rejects.toThrow(/vectors\/visual\.i8 .* is damaged .*; rebuild the index/);
  });

  it('a missing file or manifest is named', async () => {
    const at = copy('missing');
    unlinkSync(join(at, 'hnsw/catalog.hnsw'));
    await expect(openCatalogDir(at)).rejects.toThrow(/hnsw\/catalog\.hnsw is missing/);
    unlinkSync(join(at, 'manifest.json'));
    await expect(openCatalogDir(at)).rejects.toThrow(/manifest\.json missing\) — build them with: npm run build:index/);
  });

  it('another format version, or vectors of another width than the model, are refused with the reason', async () => {
    const newer = copy('newer');
    editManifest(newer, (m) => (m.version = 2));
    await expect(openCatalogDir(newer)).rejects.toThrow(/format version 2 is not supported \(this build reads version 1\)/);
    const otherModel = copy('other-model');
    editManifest(otherModel, (m) => (m.models.visual.spec.dim = 2048));
    await expect(openCatalogDir(otherModel)).rejects.toThrow(/visual vectors are 512-d but the model gives 2048-d: the index was built with another model/);
  });
});
