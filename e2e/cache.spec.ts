/** Models and index are downloaded once per build and kept in IndexedDB (each test has a fresh browser context). */
import { expect, test, type Page } from '@playwright/test';
import { fileRecord } from '../src/artifacts/shared/format.js';
import { testCatalogIds } from '../src/index/node/sample-index.js';
import { fulfillWith, serveEditedIndex, testManifest } from './edited-index.js';
import { cardIds, cards, catalogPhoto, editStoredFile, openVitrine, searched } from './vitrine.js';

const manifest = testManifest();

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
  expect(requests).toContain(`artifacts/${manifest.router}`);

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
  const damaged = fileRecord(manifest, manifest.router);
  await editStoredFile(page, damaged.sha256, { flipAt: 0 });

  requests.length = 0;
  await page.reload();
  const info = await page.evaluate(() => window.__vitrine.ready);
  expect(requests).toEqual([`artifacts/${damaged.path}`]);
  expect(info.files.fromNetwork).toBe(1);

  const id = testCatalogIds()[100]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

test('a file stored by an earlier version, without the hash later reads check, is downloaded once more, then read from the device', async ({ page }) => {
  const requests = recordDataRequests(page);
  await openVitrine(page);
  const model = manifest.models.visual;
  const old = fileRecord(manifest, manifest.router);
  const oldModel = { path: `models/${model.model}/${model.spec.file}`, ...model.files[model.spec.file]! };
  await Promise.all([old.sha256, oldModel.sha256].map((sha256) => editStoredFile(page, sha256, { dropHash: true })));

  requests.length = 0;
  await page.reload();
  expect((await page.evaluate(() => window.__vitrine.ready)).files.fromNetwork).toBe(2);
  expect(requests.sort()).toEqual([`artifacts/${old.path}`, oldModel.path].sort());

  requests.length = 0;
  await page.reload();
  expect((await page.evaluate(() => window.__vitrine.ready)).files.fromNetwork).toBe(0);
  expect(requests).toEqual([]);
  const id = testCatalogIds()[120]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

test('when the browser refuses to store the files, the page still works from the downloaded copies', async ({ page, context, baseURL }) => {
  // A 4 MB storage quota: room for the router and shards, not for the models (several MB each).
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

test('with no room to store shards, searches answer from the downloaded ones, which a reload downloads again', async ({ page, context, baseURL }) => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 200_000 });
  const id = testCatalogIds()[210]!;
  const searchAndCount = async () => {
    await openVitrine(page); // a new page load each time: a fresh worker
    await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
    expect((await cardIds(page))[0]).toBe(id);
    return (await page.evaluate(() => window.__vitrine.shardStats()))!;
  };
  const first = await searchAndCount();
  expect(first.stored.notCached.join('\n')).toContain('could not cache: QuotaExceededError');
  expect(first.fetched.fromNetwork).toBeGreaterThan(first.stored.shards);
  const again = await searchAndCount();
  expect(again.fetched.fromNetwork).toBeGreaterThan(0);
});

test('with IndexedDB unavailable (private browsing), the page searches from the downloaded copies and says it could not cache', async ({ page, context }) => {
  // What some browsers do in private windows: every IndexedDB open fails. Injected into the worker's script only.
  await context.route(/\/assets\/search\.worker-[^/]*\.js$/, async (route) => {
    const response = await route.fetch();
    const prelude = "IDBFactory.prototype.open = function () { throw new DOMException('The user denied permission to access the database.', 'InvalidStateError'); };\n";
    await fulfillWith(route, Buffer.from(prelude + (await response.text())));
  });
  const info = await openVitrine(page);
  expect(info.files.fromNetwork).toBe(info.files.notCached.length);
  expect(info.files.notCached.every((f) => f.includes('could not cache: InvalidStateError'))).toBe(true);
  await expect(page.locator('#engine-info')).toContainText('could not cache some files');
  const id = testCatalogIds()[220]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

test('after a first download the page asks for persistent storage, once', async ({ page }) => {
  await page.addInitScript(() => {
    const calls: string[] = [];
    (window as unknown as { persistCalls: string[] }).persistCalls = calls;
    navigator.storage.persisted = async () => (calls.push('persisted'), false);
    navigator.storage.persist = async () => (calls.push('persist'), true);
  });
  await openVitrine(page);
  await expect.poll(() => page.evaluate(() => (window as unknown as { persistCalls: string[] }).persistCalls)).toEqual(['persisted', 'persist']);
});

test('a cache from an older build of the catalog is replaced: only changed files are fetched, stale ones are deleted', async ({ page, context }) => {
  const storedKeys = () =>
    page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('vitrine-files');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
        const req = db.transaction('files', 'readonly').objectStore('files').getAllKeys();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      db.close();
      return keys.map(String).sort();
    });
  await openVitrine(page);
  const id = testCatalogIds()[40]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  const older = await storedKeys();
  const cellKeys = new Set(manifest.cells.map((cell) => fileRecord(manifest, cell.file).sha256));
  const oldShards = older.filter((key) => cellKeys.has(key));
  expect(oldShards.length).toBeGreaterThan(0);

  // The shop rebuilt its index: the product names changed (so every shard), nothing else did.
  const newer = await serveEditedIndex(context, { products: (products) => products.forEach((p) => (p.name = `${p.name} (new season)`)) });
  const requests = recordDataRequests(page);
  await page.reload();
  const info = await page.evaluate(() => window.__vitrine.ready);
  // Models, router and prompts are the same files: nothing to fetch before the first search.
  expect(requests).toEqual([]);
  expect(info.buildId).toBe(newer.buildId);
  await expect.poll(storedKeys).toEqual(older.filter((key) => !cellKeys.has(key)));

  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  await expect(cards(page).first().locator('h2')).toContainText('(new season)');
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.every((path) => /^artifacts\/cells\//.test(path))).toBe(true);
});

test('a model file that does not match its checksum on the server is fetched again, then reported', async ({ page, context }) => {
  const model = `models/${manifest.models.visual.model}/${manifest.models.visual.spec.file}`;
  let served = 0;
  await context.route(`**/${model}`, async (route) => {
    served++;
    const response = await route.fetch();
    const bytes = new Uint8Array(await response.body());
    bytes[1000] = bytes[1000]! ^ 0xff; // tampered with, same size
    await fulfillWith(route, bytes);
  });
  await page.goto('/');
  const status = page.getByRole('status');
  await expect(status).toHaveAttribute('data-status', 'error');
  await expect(status).toHaveText(
    `The search engine could not load: ${model}: downloaded, but its checksum differs from the manifest — the server holds another build, or the file is damaged there (tried 3 times)`,
  );
  expect(served).toBe(3);
});

test('a download cut short is fetched again and the page loads', async ({ page, context }) => {
  const model = `models/${manifest.models.imageSemantic.model}/${manifest.models.imageSemantic.spec.file}`;
  let served = 0;
  await context.route(`**/${model}`, async (route) => {
    served++;
    const response = await route.fetch();
    const bytes = new Uint8Array(await response.body());
    await fulfillWith(route, served === 1 ? bytes.subarray(0, bytes.length >> 1) : bytes);
  });
  const info = await openVitrine(page);
  expect(served).toBe(2);
  expect(info.files.fromNetwork).toBeGreaterThan(0);
  const id = testCatalogIds()[230]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

test('an index built with another model (other vector widths) is refused with the reason', async ({ page, context }) => {
  await serveEditedIndex(context, { manifest: (m) => (m.models.imageSemantic.spec.dim = 2048) });
  await page.goto('/');
  const status = page.getByRole('status');
  await expect(status).toHaveAttribute('data-status', 'error');
  await expect(status).toHaveText('The search engine could not load: semantic vectors are 512-d but the model gives 2048-d: the index was built with another model');
});
