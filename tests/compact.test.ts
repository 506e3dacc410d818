import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureCompact } from '../src/bench/node/scale.js';
import { decodeCell } from '../src/artifacts/shared/cells.js';
import type { Progress } from '../src/common/shared/progress.js';
import type { CompactManifest } from '../src/artifacts/shared/compact.js';
import { SEED } from '../src/index/node/build.js';
import { buildCompactCatalog } from '../src/index/node/compact-build.js';
import { ScaleCatalog } from '../src/index/node/scale-catalog.js';
import { TEST_ARTIFACTS_DIR, TEST_CATALOG_DIR } from '../src/index/node/sample-index.js';
import { openCompactDir } from '../src/search/node/compact.js';
import { compactSource, decodeCompactIndex, LruCellStore, MAX_CELLS, probesFor } from '../src/search/shared/compact-source.js';
import { measureCatalogLikeness } from '../src/search/shared/likeness.js';
import { searchCatalog, searchCatalogByText } from '../src/search/shared/policy.js';
import { dotKernel } from '../src/vectors/shared/dots.js';
import { dot } from '../src/vectors/shared/vector.js';

const quiet: Progress = { line: () => undefined, count: () => undefined, file: () => undefined, warn: () => undefined };
/** Small cells and no whole-scope scans, so that routing between cells and lists is what the test exercises. */
const SMALL = { maxCellRows: 10, exactBelow: 0 };

describe('scale catalogs in the compact layout (real vectors of the 288-product test index)', () => {
  const work = mkdtempSync(join(tmpdir(), 'vitrine-compact-'));
  let catalog: ScaleCatalog;
  let realRows = 0;

  beforeAll(async () => {
    catalog = await ScaleCatalog.open(TEST_ARTIFACTS_DIR, join(TEST_CATALOG_DIR, 'images'), join(work, 'cache'));
    // One variant layer embedded by the real encoders (the flipped photos): held out as queries.
    realRows = await catalog.embedVariants(catalog.baseCount * 2, { workers: 1, deadline: Infinity, progress: quiet });
  }, 300_000);
  afterAll(() => {
    catalog.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('embeds product variants with the real encoders, resumably', async () => {
    expect(realRows).toBe(catalog.baseCount * 2);
    const variant = catalog.row(catalog.baseCount + 5, realRows);
    const original = catalog.row(5, realRows);
    expect(variant.variant).toBe(1);
    // A flipped photo of the same product: close, but not the same vector.
    expect(dot(variant.semantic, original.semantic)).toBeGreaterThan(0.8);
    expect(dot(variant.semantic, original.semantic)).toBeLessThan(0.99999);
    // Nothing left to do: the cache answers, no worker starts.
    expect(await catalog.embedVariants(catalog.baseCount * 2, { workers: 1, deadline: Date.now() - 1, progress: quiet })).toBe(realRows);
  });

  it('derives rows past the real ones within their product, the same on every run, and marks the catalog synthetic', async () => {
    const i = realRows + 7;
    const a = catalog.row(i, realRows);
    expect(a.semantic).toEqual(catalog.row(i, realRows).semantic);
    expect(a.category).toBe(catalog.row(7, realRows).category);
    expect(dot(a.semantic, catalog.row(a.base, realRows).semantic)).toBeGreaterThan(0.8);
    const out = join(work, 'synthetic');
    const { manifest } = await buildCompactCatalog(catalog, { size: realRows + 100, realRows, outDir: out, progress: quiet, ...SMALL });
    expect(manifest.synthetic).toBe(true);
    expect(manifest.realProducts).toBe(realRows);
  });

  it('writes cells no larger than their limit, at most 1,400 bytes a product plus their centres, and answers as exact float32 does', async () => {
    const out = join(work, 'real');
    const size = catalog.baseCount;
    const result = await buildCompactCatalog(catalog, { size, realRows, outDir: out, progress: quiet, ...SMALL });
    expect(result.manifest.synthetic).toBe(false);
    expect(result.manifest.cells.every((c) => c.rows <= SMALL.maxCellRows)).toBe(true);
    expect(result.manifest.cells.length).toBeGreaterThan(result.manifest.categories.length);
    // What grows with the catalog: at most 1,400 bytes a product, plus each cell's three centres (4.6 kB), which
    // weigh on these 10-row cells but not on real ones of thousands.
    const cellBytes = result.manifest.files.filter((f) => f.path.startsWith('cells/')).reduce((n, f) => n + f.bytes, 0);
    expect(cellBytes).toBeLessThan(size * 1_400 + result.manifest.cells.length * 4_700);
    const measured = await measureCompact(catalog, out, { realRows, queries: 40, progress: quiet });
    expect(measured.ann_recall_at_10).toBeGreaterThanOrEqual(0.97);
    expect(measured.photo_recall_at_10).toBeGreaterThanOrEqual(0.97);
    expect(measured.words_recall_at_10).toBeGreaterThanOrEqual(0.97);
  });

  it('measures its own catalog likeness: the base index’s for the same products, higher with each product’s flipped twin', async () => {
    const base = catalog.baseManifest.calibration.catalogLikeness;
    // The 'real' build above holds the base index's products: the same sample, vectors as the base index stores them.
    const same = JSON.parse(readFileSync(join(work, 'real', 'manifest.json'), 'utf8')) as CompactManifest;
    expect(same.calibration.catalogLikeness.sampled).toBe(base.sampled);
    expect(same.calibration.catalogLikeness.typical).toBeCloseTo(base.typical, 2);
    expect(same.calibration.catalogLikeness.low).toBeCloseTo(base.low, 2);
    const twins = await buildCompactCatalog(catalog, { size: realRows, realRows, outDir: join(work, 'twins'), progress: quiet, ...SMALL });
    const own = twins.manifest.calibration.catalogLikeness;
    expect(own).toEqual(measureCatalogLikeness(realRows, (i) => catalog.row(i, realRows).semantic, SEED));
    expect(own.typical).toBeGreaterThan(base.typical + 0.005);
    // The other calibration figures (similarities of unrelated products) are the base index's.
    expect({ ...twins.manifest.calibration, catalogLikeness: base }).toEqual(catalog.baseManifest.calibration);
  });

  it('loads only the cells a search needs, and evicts the least recently used under its budget', async () => {
    const out = join(work, 'real');
    const query = catalog.row(catalog.baseCount + 3, realRows);
    // With room for every cell, each load is a distinct cell: the search needed only some of them.
    const roomy = await openCompactDir(out, Infinity);
    const response = await searchCatalog(roomy.source, query, { category: query.category });
    expect(response.status).toBe('success');
    expect(response.results.every((r) => r.category === query.category)).toBe(true);
    expect(roomy.store.stats().evictions).toBe(0);
    expect(roomy.store.stats().loads).toBeLessThan(roomy.manifest.cells.length);
    // A budget of 0 keeps only the cell loaded last, and the same search gives the same answer.
    const opened = await openCompactDir(out, 0);
    expect((await searchCatalog(opened.source, query, { category: query.category })).results).toEqual(response.results);
    const stats = opened.store.stats();
    expect(stats.cells).toBe(1);
    expect(stats.evictions).toBe(stats.loads - 1);
    const words = await searchCatalogByText(opened.source, { text: 'name', vector: query.text });
    expect(words.results.length).toBeGreaterThan(0);
    // Past a size (here every size), a whole-catalog lookup reads at most MAX_CELLS cells, however many hold lists
    // near the query; below it, every cell holding one of the nearest lists.
    const lookup = async (limitCellsPast?: number) => {
      const index = decodeCompactIndex(roomy.manifest, readFileSync(join(out, roomy.manifest.router)), readFileSync(join(out, roomy.manifest.prompts.vectors.file)));
      const store = new LruCellStore(async (i) => decodeCell(readFileSync(join(out, roomy.manifest.cells[i]!.file)), 'cell'), () => 1, Infinity);
      const source = compactSource(index, store, { limitCellsPast });
      const nearest = await source.candidates({ scope: null, probe: query.semantic, limit: 30, second: { space: 'visual', vector: query.visual } });
      return { found: nearest.length, loads: store.stats().loads };
    };
    expect(await lookup(0)).toEqual({ found: 30, loads: MAX_CELLS });
    expect((await lookup()).loads).toBeGreaterThan(2 * MAX_CELLS);
  });

  it('probes more lists as the catalog has more: its lists past the reference size to the power ⅔', () => {
    expect(probesFor(16, 694)).toBe(16);
    expect(probesFor(16, 8 * 800)).toBe(64);
    expect(probesFor(16, 15_628)).toBe(116);
  });

  it('keeps the scan kernel\'s memory to the cells held: evicted cells\' codes are released and their room reused', async () => {
    const out = join(work, 'real');
    const query = catalog.row(catalog.baseCount + 5, realRows);
    const opened = await openCompactDir(out, 0);
    const first = await searchCatalog(opened.source, query);
    const memory = dotKernel().memoryBytes();
    for (let i = 0; i < 10; i++) expect((await searchCatalog(opened.source, query)).results).toEqual(first.results);
    expect(opened.store.stats().loads).toBeGreaterThan(10);
    expect(dotKernel().memoryBytes()).toBe(memory);
  });

  it('resumes an interrupted build from the cells it finished, to the same build', async () => {
    const out = join(work, 'resumed');
    const size = catalog.baseCount;
    let cells = 0;
    const dying: Progress = { ...quiet, count: () => void (++cells === 6 && (() => { throw new Error('killed'); })()) };
    await expect(buildCompactCatalog(catalog, { size, realRows, outDir: out, progress: dying, ...SMALL })).rejects.toThrow('killed');
    expect(existsSync(out)).toBe(false);
    const resumed = await buildCompactCatalog(catalog, { size, realRows, outDir: out, progress: quiet, ...SMALL });
    expect(resumed.cellsReused).toBe(6);
    const fresh = JSON.parse(readFileSync(join(work, 'real', 'manifest.json'), 'utf8')) as { buildId: string };
    expect(resumed.manifest.buildId).toBe(fresh.buildId);
    expect(readdirSync(work).filter((name) => name.includes('.work-'))).toEqual([]);
  });

  it('refuses a damaged cell', async () => {
    const out = join(work, 'real');
    const opened = await openCompactDir(out);
    const file = join(out, opened.manifest.cells[0]!.file);
    const bytes = readFileSync(file);
    expect(() => decodeCell(new Uint8Array(bytes.subarray(0, bytes.length - 9)), 'cut')).toThrow(/truncated|too many|disagree/);
    // Product records are parsed when first read (a search scans most cells for their codes alone): damage to them
    // is an error then.
    const records = new Uint8Array(bytes);
    records[records.length - 2] = 0x7b;
    const unparsed = decodeCell(records, 'records');
    expect(unparsed.rows).toBe(opened.manifest.cells[0]!.rows);
    expect(() => unparsed.products).toThrow(/records: its product records are not valid JSON/);
    bytes[40] = bytes[40]! ^ 0xff;
    writeFileSync(file, bytes);
    await expect(opened.store.cell(0)).rejects.toThrow(/differs from its manifest/);
  });
});
