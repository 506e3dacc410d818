import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPACT_STATS_FILE, validateCompactManifest } from '../src/artifacts/shared/compact.js';
import { MANIFEST_FILE, validateManifest } from '../src/artifacts/shared/format.js';
import { PAGE_CATALOG_DIR, pageCatalog } from '../src/index/node/page-catalog.js';
import { TEST_ARTIFACTS_DIR, TEST_PAGE_DIR } from '../src/index/node/sample-index.js';

const work = mkdtempSync(join(tmpdir(), 'vitrine-page-catalog-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('the catalog the page is served: a build of npm run build:index converted on load', () => {
  const built = validateManifest(readJson(join(TEST_ARTIFACTS_DIR, MANIFEST_FILE)));

  it('is the compact layout of the same products, made from that build, and reused while the build stays', () => {
    expect(pageCatalog(TEST_ARTIFACTS_DIR)).toBe(TEST_PAGE_DIR);
    const page = validateCompactManifest(readJson(join(TEST_PAGE_DIR, MANIFEST_FILE)));
    expect(page.counts.products).toBe(built.counts.products);
    expect(page.synthetic).toBe(false);
    expect(page.categories.map((c) => [c.name, c.products]).sort()).toEqual(built.categories.map((c) => [c.name, c.products]).sort());
    expect(readJson(join(TEST_PAGE_DIR, COMPACT_STATS_FILE)).base).toBe(built.buildId);
    const converted = statSync(join(TEST_PAGE_DIR, MANIFEST_FILE)).mtimeMs;
    expect(pageCatalog(TEST_ARTIFACTS_DIR)).toBe(TEST_PAGE_DIR);
    expect(statSync(join(TEST_PAGE_DIR, MANIFEST_FILE)).mtimeMs).toBe(converted);
  });

  it('is converted again when the build changes, and compact or remote-mode folders are served as they are', () => {
    const copy = join(work, 'rebuilt');
    cpSync(TEST_ARTIFACTS_DIR, copy, { recursive: true });
    const manifest = readJson(join(copy, MANIFEST_FILE));
    writeFileSync(join(copy, MANIFEST_FILE), JSON.stringify({ ...manifest, buildId: 'another-build-0001' }));
    const pageDir = pageCatalog(copy);
    expect(pageDir).toBe(join(copy, PAGE_CATALOG_DIR));
    expect(readJson(join(pageDir, COMPACT_STATS_FILE)).base).toBe('another-build-0001');

    expect(pageCatalog(pageDir)).toBe(pageDir);
    const remote = join(work, 'remote');
    cpSync(TEST_ARTIFACTS_DIR, remote, { recursive: true });
    writeFileSync(join(remote, MANIFEST_FILE), JSON.stringify({ ...manifest, remote: { api: 'api/search' } }));
    expect(pageCatalog(remote)).toBe(remote);
  }, 120_000);
});
