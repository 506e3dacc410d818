import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../src/index/node/build.js';
import { runCompactGates } from '../src/index/node/compact-gates.js';
import { ScaleCatalog } from '../src/index/node/scale-catalog.js';
import { TEST_ARTIFACTS_DIR, TEST_CATALOG_DIR, TEST_PAGE_DIR } from '../src/index/node/sample-index.js';

describe('quality gates of a compact catalog, on the test index as the page reads it', () => {
  const work = mkdtempSync(join(tmpdir(), 'vitrine-compact-gates-'));
  let catalog: ScaleCatalog;
  beforeAll(async () => {
    catalog = await ScaleCatalog.open(TEST_ARTIFACTS_DIR, join(TEST_CATALOG_DIR, 'images'), join(work, 'cache'));
  });
  afterAll(() => {
    catalog.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('hold for the rows the catalog was written from', async () => {
    const size = catalog.baseCount;
    const quality = await runCompactGates(TEST_PAGE_DIR, size, (i) => catalog.row(i, size), SEED);
    expect(quality.gates.map((g) => [g.name, g.passed])).toEqual([
      ['self_query_rank1', true],
      ['ann_recall_at_10', true],
    ]);
    expect(quality.selfQuery.rank1).toBe(quality.selfQuery.sampled);
    expect(quality.recallAt10).toBeGreaterThanOrEqual(0.99);
  });

  it('fail, naming the products, when the written cells do not hold those rows', async () => {
    const size = catalog.baseCount;
    // Each product given its neighbour's vectors: what a catalog written from other vectors looks like to the gates.
    const rowAt = (i: number) => {
      const { semantic, visual } = catalog.row((i + 1) % size, size);
      return { ...catalog.row(i, size), semantic, visual };
    };
    const quality = await runCompactGates(TEST_PAGE_DIR, size, rowAt, SEED);
    expect(quality.gates.every((g) => !g.passed)).toBe(true);
    expect(quality.selfQuery.failures.length).toBeGreaterThan(100);
    expect(quality.gates[0]!.detail).toMatch(/failures: \d+: first result \d+/);
    expect(quality.recallAt10).toBeLessThan(0.5);
  });
});
