/** Models and index are downloaded once per build and kept in IndexedDB (each test has a fresh browser context). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fileRecord, validateManifest } from '../src/index/shared/format.js';
import { TEST_ARTIFACTS_DIR, testCatalogIds } from '../tests/helpers/test-index.js';
import { cardIds, catalogPhoto, openVitrine, searched } from './vitrine.js';

const manifest = validateManifest(JSON.parse(readFileSync(join(TEST_ARTIFACTS_DIR, 'manifest.json'), 'utf8')));

/** Requests for model and index files (the manifest itself is always asked for: it says what is current). */
function recordDataRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname.replace(/^\//, '');
    if (/^(models|artifacts)\//.test(path) && path !== 'artifacts/manifest.json') seen.push(path);
  });
  return seen;
}

test('after a reload, models and index come from IndexedDB with no download, and search works', async ({ page }) => {
  const requests = recordDataRequests(page);
  const cold = await openVitrine(page);
  expect(cold.files.fromNetwork).toBeGreaterThan(0);
  expect(requests).toContain(`models/${manifest.models.imageSemantic.model}/${manifest.models.imageSemantic.spec.file}`);
  expect(requests).toContain(`models/${manifest.models.visual.model}/${manifest.models.visual.spec.file}`);
  expect(requests).toContain(`artifacts/${manifest.vectors.semantic.file}`);

  requests.length = 0;
  await page.reload();
  const warm = await page.evaluate(() => window.__vitrine.ready);
  expect(requests).toEqual([]);
  expect(warm.files).toEqual({ fromCache: cold.files.fromCache + cold.files.fromNetwork, fromNetwork: 0, bytesDownloaded: 0, notCached: [] });
  await expect(page.locator('#engine-info')).toContainText('models and index from this device');

  const id = testCatalogIds()[40]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

test('a cached file whose checksum no longer matches is dropped and downloaded again', async ({ page }) => {
  const requests = recordDataRequests(page);
  await openVitrine(page);
  const damaged = fileRecord(manifest, manifest.vectors.semantic.file);
  // Flip bytes of the stored copy, as disk corruption or a meddling extension might.
  await page.evaluate(async (key) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('vitrine-files');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const store = () => db.transaction('files', 'readwrite').objectStore('files');
    const record = await new Promise<{ bytes: ArrayBuffer }>((resolve, reject) => {
      const req = store().get(key);
      req.onsuccess = () => resolve(req.result as { bytes: ArrayBuffer });
      req.onerror = () => reject(req.error);
    });
    const bytes = new Uint8Array(record.bytes);
    for (let i = 0; i < 64; i++) bytes[i] = bytes[i]! ^ 0xff;
    await new Promise((resolve, reject) => {
      const req = store().put({ ...record, bytes: bytes.buffer }, key);
      req.onsuccess = resolve;
      req.onerror = () => reject(req.error);
    });
    db.close();
  }, damaged.sha256);

  requests.length = 0;
  await page.reload();
  const info = await page.evaluate(() => window.__vitrine.ready);
  expect(requests).toEqual([`artifacts/${damaged.path}`]);
  expect(info.files.fromNetwork).toBe(1);

  const id = testCatalogIds()[100]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

test('when the browser refuses to store the files, the page still works from the downloaded copies', async ({ page, context, baseURL }) => {
  // A 4 MB storage quota: room for hnswlib-wasm to load the graphs, not for the models (several MB each).
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 4_000_000 });
  const info = await openVitrine(page);
  expect(info.files.notCached.length).toBeGreaterThan(0);
  expect(info.files.notCached.join('\n')).toContain('could not cache: QuotaExceededError');
  await expect(page.locator('#engine-info')).toContainText('could not cache some files');

  const id = testCatalogIds()[200]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

test('with no room even to open the index, the page says why instead of waiting forever', async ({ page, context, baseURL }) => {
  // hnswlib-wasm reads a graph through IndexedDB: a quota below the catalog graph's size leaves it no way in.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 200_000 });
  await page.goto('/');
  const status = page.getByRole('status');
  await expect(status).toHaveAttribute('data-status', 'error');
  await expect(status).toContainText('The search engine could not load: QuotaExceededError');
});
