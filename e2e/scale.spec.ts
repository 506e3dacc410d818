/**
 * A 44,417-product catalog in the compact layout, in the page: the worker downloads the models, the router and the
 * prompt vectors, then only the shards (cells) each search needs, keeps them in IndexedDB and evicts the least
 * recently used under its budgets; searches in every scope answer as the same shared code does in Node.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { CompactManifest } from '../src/artifacts/shared/compact.js';
import { fileRecord } from '../src/artifacts/shared/format.js';
import { demoLabels, testCatalogIds } from '../src/index/node/sample-index.js';
import { openCompactDir } from '../src/search/node/compact.js';
import { searchCatalog, type SearchRequest } from '../src/search/shared/policy.js';
import type { SearchResponse } from '../src/search/shared/response.js';
import type { ShardStats } from '../src/search/worker/api.js';
import { buildServingScaleCatalog, ensureScaleCatalog, SCALE_CATALOG_DIR, SCALE_PORT, SCALE_PRODUCTS } from './scale-catalog.js';
import { startStaticHost, type StaticHost } from './static-host.js';
import { cardIds, cardImagesLoaded, catalogPhoto, dropPhoto, editStoredFile, photoFile, searched } from './vitrine.js';

test.describe.configure({ mode: 'serial' });

let manifest: CompactManifest;
let host: StaticHost;

test.beforeAll(async () => {
  test.setTimeout(600_000);
  manifest = await ensureScaleCatalog();
  host = await startStaticHost(await buildServingScaleCatalog(), SCALE_PORT);
});
test.afterAll(() => host?.close());

const labels = new Map(demoLabels().map((r) => [r.id, r.articleType]));
/** Test catalog products of different categories: each search touches different shards. */
const QUERY_IDS = [...new Map(testCatalogIds().map((id) => [labels.get(id), id])).values()];

/** Requests for index files past the three a compact catalog starts with. */
function recordShardRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname.replace(/^\//, '');
    if (path.startsWith('artifacts/cells/')) seen.push(path.slice('artifacts/'.length));
  });
  return seen;
}

async function open(page: Page, query = ''): Promise<void> {
  await page.goto(`${host.url}${query}`);
  await page.evaluate(() => window.__vitrine.ready);
}

const shardStats = async (page: Page) => (await page.evaluate(() => window.__vitrine.shardStats()))!;

/** A test catalog photo searched through the page's handle, with its embedding for the same search in Node. */
async function searchInPage(page: Page, id: string, request: SearchRequest): Promise<{ response: SearchResponse; semantic: number[]; visual: number[] }> {
  return page.evaluate(
    async ({ base64, request }) => {
      const photo = new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: 'image/jpeg' });
      const [response, embedding] = await Promise.all([window.__vitrine.search(photo, request), window.__vitrine.embed(photo)]);
      return { response, semantic: Array.from(embedding.semantic), visual: Array.from(embedding.visual) };
    },
    { base64: readFileSync(catalogPhoto(id)).toString('base64'), request },
  );
}

const cellBytes = (path: string) => fileRecord(manifest, path).bytes;

test('a first search downloads the models, router, prompts and only the shards it needs; the page shows the products', async ({ page }) => {
  const shards = recordShardRequests(page);
  await open(page);
  const info = await page.evaluate(() => window.__vitrine.ready);
  expect(info.products).toBe(SCALE_PRODUCTS);
  expect(info.shards?.count).toBe(manifest.cells.length);
  await expect(page.locator('#engine-info')).toContainText(`catalog loaded in ${manifest.cells.length} parts as searches need them`);
  // Ready before any shard: the warm-up ran the towers only.
  expect(shards).toEqual([]);
  expect((await shardStats(page)).memory.loads).toBe(0);
  const startBytes = info.files.bytesDownloaded;

  const id = QUERY_IDS[0]!;
  await searched(page, () => dropPhoto(page, photoFile(catalogPhoto(id))));
  await expect(page.locator('#status')).toHaveAttribute('data-status', /success|needs_confirmation/);
  expect((await cardIds(page)).length).toBeGreaterThan(0);
  await cardImagesLoaded(page);

  const stats = await shardStats(page);
  expect(stats.fetched.fromNetwork).toBe(shards.length);
  expect(shards.length).toBeGreaterThan(0);
  expect(shards.length).toBeLessThan(manifest.cells.length / 2);
  expect(stats.fetched.bytesDownloaded).toBe(shards.reduce((n, path) => n + cellBytes(path), 0));
  // Stored on the device at once, under the default budget.
  expect(stats.stored.shards).toBe(shards.length);
  expect(stats.stored.bytes).toBe(stats.fetched.bytesDownloaded);
  expect(stats.stored.notCached).toEqual([]);
  const total = manifest.files.reduce((n, f) => n + f.bytes, 0);
  test.info().annotations.push({
    type: 'first result',
    description: `${((startBytes + stats.fetched.bytesDownloaded) / 1e6).toFixed(1)} MB downloaded (models and start files ${(startBytes / 1e6).toFixed(1)} MB, ${shards.length} of ${manifest.cells.length} shards ${(stats.fetched.bytesDownloaded / 1e6).toFixed(1)} MB; whole index ${(total / 1e6).toFixed(1)} MB)`,
  });
});

test('searches in every scope answer as the shared code does in Node, with the same shards', async ({ page }) => {
  await open(page);
  const node = await openCompactDir(SCALE_CATALOG_DIR, Infinity);
  const id = QUERY_IDS[1]!;
  const category = labels.get(id)!;
  for (const request of [{}, { category }] as SearchRequest[]) {
    const inPage = await searchInPage(page, id, request);
    expect(inPage.response.status, JSON.stringify(request)).not.toBe('error');
    expect(inPage.response.results.length).toBeGreaterThan(0);
    const inNode = await searchCatalog(node.source, { semantic: Float32Array.from(inPage.semantic), visual: Float32Array.from(inPage.visual) }, request);
    expect(inPage.response.results.map((r) => r.id), JSON.stringify(request)).toEqual(inNode.results.map((r) => r.id));
    expect(inPage.response.status).toBe(inNode.status);
  }
  const scoped = await searchInPage(page, id, { category });
  expect(new Set(scoped.response.results.map((r) => r.category))).toEqual(new Set([category]));

  // Words: the product names are coded in the shards; the text encoder loads on the first query with words.
  const words = await page.evaluate((c) => window.__vitrine.searchText(`blue ${c}`, {}), category);
  expect(words.status).not.toBe('error');
  expect(words.results.length).toBeGreaterThan(0);
});

test('under small budgets the least recently used shards are evicted from memory and from IndexedDB, and searches still answer', async ({ page }) => {
  const largest = Math.max(...manifest.cells.map((c) => cellBytes(c.file)));
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(3);
  const memory = Math.ceil(2.5 * largest);
  const stored = Math.ceil(3.5 * largest);
  await open(page, `?shard-memory-mb=${mb(memory)}&shard-storage-mb=${mb(stored)}`);
  const info = await page.evaluate(() => window.__vitrine.ready);
  expect(info.shards?.budgets.memoryBytes).toBeGreaterThanOrEqual(memory - 2 ** 10);

  for (const id of QUERY_IDS) {
    const { response } = await searchInPage(page, id, { category: labels.get(id)! });
    expect(response.status, id).not.toBe('error');
    expect(response.results.length).toBeGreaterThan(0);
  }
  const stats: ShardStats = await shardStats(page);
  expect(stats.memory.evictions).toBeGreaterThan(0);
  expect(stats.memory.heldBytes).toBeLessThanOrEqual(stats.budgets.memoryBytes);
  expect(stats.stored.evictions).toBeGreaterThan(0);
  expect(stats.stored.bytes).toBeLessThanOrEqual(stats.budgets.storedBytes);
  expect(stats.stored.bytes).toBeGreaterThan(0);

  // The most recent search's shards stayed on the device: after a reload it needs no download.
  const shards = recordShardRequests(page);
  await open(page, `?shard-memory-mb=${mb(memory)}&shard-storage-mb=${mb(stored)}`);
  const last = QUERY_IDS.at(-1)!;
  const again = await searchInPage(page, last, { category: labels.get(last)! });
  expect(again.response.status).not.toBe('error');
  expect(shards).toEqual([]);
  const reloaded = await shardStats(page);
  expect(reloaded.fetched.fromNetwork).toBe(0);
  expect(reloaded.fetched.fromCache).toBeGreaterThan(0);
});

test('a stored shard damaged on the device is downloaded again, and the search answers as before', async ({ page }) => {
  const shards = recordShardRequests(page);
  await open(page);
  const id = QUERY_IDS[3]!;
  const before = await searchInPage(page, id, {});
  expect(before.response.status).not.toBe('error');
  expect(shards.length).toBeGreaterThan(0);
  // In the middle of its codes: the cell still decodes, only its checksum tells.
  const damaged = shards[0]!;
  await editStoredFile(page, fileRecord(manifest, damaged).sha256, { flipAt: Math.floor(cellBytes(damaged) / 2) });

  shards.length = 0;
  await open(page);
  const after = await searchInPage(page, id, {});
  expect(shards).toEqual([damaged]);
  expect(after.response.results.map((r) => r.id)).toEqual(before.response.results.map((r) => r.id));
  expect((await shardStats(page)).fetched.fromNetwork).toBe(1);
});

test('a shard the server no longer has turns into a clear error for that search, and the page keeps working', async ({ page }) => {
  await open(page);
  const id = QUERY_IDS[2]!;
  await page.route('**/artifacts/cells/**', (route) => route.fulfill({ status: 404, body: 'gone' }));
  const broken = await searchInPage(page, id, {});
  expect(broken.response.status).toBe('error');
  expect(broken.response.message).toMatch(/cells\/.*HTTP 404/);
  await page.unroute('**/artifacts/cells/**');
  const fine = await searchInPage(page, id, {});
  expect(fine.response.status).not.toBe('error');
});
