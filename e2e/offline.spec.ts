/**
 * Offline use: after one visit online the app, its WASM runtime, models, every shard of the catalog and every product photo are on the
 * device; with the server stopped and the browser offline, a reload still loads (cross-origin isolated, so still
 * multi-threaded) and searches, with the product photos of the results. A new catalog build and a new app build
 * replace the offline copies. Each test runs its own static host, which it stops or redeploys.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { formatBytes } from '../src/common/shared/units.js';
import { testCatalogIds } from '../src/index/node/sample-index.js';
import { E2E_PORT } from './config.js';
import { MANIFEST_FILE } from '../src/artifacts/shared/format.js';
import { editedBuild, testManifest, testProducts } from './edited-index.js';
import { copyOfBuild, E2E_DIST, startStaticHost } from './static-host.js';
import { cardIds, cardImagesLoaded, catalogPhoto, cards, dropPhoto, photoFile, searched } from './vitrine.js';

const offlineStatus = (page: Page) => page.locator('#offline-status');

/** Cache Storage as the page sees it: each cache's name and the paths it holds. */
function cacheContents(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const names = await caches.keys();
    const entries = await Promise.all(names.map(async (name) => [name, (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname)] as const));
    return Object.fromEntries(entries);
  });
}

/** Opens the page and waits until the engine is ready and everything is saved for offline use. */
async function prepareOffline(page: Page, url: string): Promise<{ buildId: string; seconds: number }> {
  const started = Date.now();
  await page.goto(url);
  const info = await page.evaluate(() => window.__vitrine.ready);
  await expect(offlineStatus(page)).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });
  return { buildId: info.buildId, seconds: (Date.now() - started) / 1000 };
}

test('after one visit, a reload with the server gone and the browser offline loads isolated and searches, with product photos', async ({ browser }, testInfo) => {
  const host = await startStaticHost(E2E_DIST, E2E_PORT + 1000);
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => /Content.Security.Policy/i.test(message.text()) && violations.push(message.text()));
  try {
    const { buildId, seconds } = await prepareOffline(page, `${host.url}?offline`);
    const shards = (await page.evaluate(() => window.__vitrine.shardStats()))!;
    expect(shards.stored.shards).toBe(shards.shards);
    const products = testProducts();
    const saved = await cacheContents(page);
    const catalogCache = Object.keys(saved).find((name) => name.startsWith('vitrine-catalog '))!;
    expect(catalogCache).toContain(buildId);
    expect(saved[catalogCache]!.filter((path) => path.startsWith('/catalog/'))).toHaveLength(new Set(products.map((p) => p.image)).size);
    expect(saved[catalogCache]).toContain('/artifacts/manifest.json');
    const shell = Object.entries(saved).find(([name]) => name.startsWith('vitrine-shell '))![1];
    expect(shell).toContain('/index.html');
    // Only the runtime of the backend the worker chose (the WebGPU one, 27 MB, stays on the server).
    expect(shell.filter((path) => path.endsWith('.wasm'))).toEqual([expect.stringMatching(/\/assets\/ort-wasm-simd-threaded-[^.]+\.wasm$/)]);
    const prepared = (await offlineStatus(page).textContent())!;
    // The text model follows the photos, so words work offline too.
    await page.waitForFunction(() => performance.getEntriesByName('vitrine:text-ready').length > 0, null, { timeout: 90_000 });

    await host.close();
    await context.setOffline(true);
    const reloadStarted = Date.now();
    await page.reload();
    const offline = await page.evaluate(() => window.__vitrine.ready);
    const reloadSeconds = (Date.now() - reloadStarted) / 1000;
    expect(offline.buildId).toBe(buildId);
    expect(offline.files.fromNetwork).toBe(0);
    // Served by the service worker with the original headers: still isolated, so WASM still runs on threads.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(offline.crossOriginIsolated).toBe(true);
    expect(offline.threads).toBeGreaterThan(1);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${host.url}sw.js`);

    const id = testCatalogIds()[40]!;
    await searched(page, () => dropPhoto(page, photoFile(catalogPhoto(id))));
    expect((await cardIds(page))[0]).toBe(id);
    expect(await cards(page).count()).toBeGreaterThan(1);
    await cardImagesLoaded(page);
    const words = await page.evaluate(() => window.__vitrine.searchText('black handbag', { topK: 4 }));
    expect(words.status).toBe('success');
    expect(words.results.map((r) => r.category)).toContain('Handbags');
    // Any product's photo, not only those of these results.
    const photo = `${host.url}catalog/${products.at(-1)!.image}`;
    expect(await page.evaluate(async (url) => (await (await fetch(url)).blob()).size, photo)).toBeGreaterThan(0);
    // Nothing left to save: the status says so at once.
    await expect(offlineStatus(page)).toHaveAttribute('data-state', 'ready');
    // The cached responses kept their policy, and nothing broke it.
    expect(violations).toEqual([]);

    const figures = `online visit → ready offline ${seconds.toFixed(1)} s (${prepared}); offline reload → ready ${reloadSeconds.toFixed(1)} s`;
    testInfo.annotations.push({ type: 'figures', description: figures });
    console.log(figures);
  } finally {
    await context.close();
    await host.close();
  }
});

/** Publishes another build of the same catalog into `dir`: a product renamed, so its shard and the build id change. */
function publishCatalogBuild(dir: string, renamed: string, name: string): string {
  const { manifest, files } = editedBuild({ products: (products) => products.forEach((p) => p.id === renamed && (p.name = name)) });
  for (const [path, bytes] of files) writeFileSync(join(dir, 'artifacts', path), bytes);
  writeFileSync(join(dir, 'artifacts', MANIFEST_FILE), JSON.stringify(manifest));
  return manifest.buildId as string;
}

test('a new catalog build, then a new app build, replace the offline copies; the old caches are deleted', async ({ browser }) => {
  const dir = await copyOfBuild('dist-offline-update');
  const host = await startStaticHost(dir, E2E_PORT + 1001);
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const kiosk = `${host.url}?kiosk&idle=3`;
    const first = await prepareOffline(page, kiosk);
    const before = Object.keys(await cacheContents(page));

    const renamed = testCatalogIds()[40]!;
    const newBuild = publishCatalogBuild(dir, renamed, 'Renamed in the new catalog build');
    expect(newBuild).not.toBe(first.buildId);
    const second = await prepareOffline(page, kiosk);
    expect(second.buildId).toBe(newBuild);
    await expect(offlineStatus(page)).toContainText('Catalog updated');
    const afterCatalog = Object.keys(await cacheContents(page));
    expect(afterCatalog.filter((name) => name.startsWith('vitrine-catalog '))).toEqual([expect.stringContaining(newBuild)]);
    expect(afterCatalog.filter((name) => name.startsWith('vitrine-shell '))).toEqual(before.filter((name) => name.startsWith('vitrine-shell ')));

    // A new app build: another sw.js. The kiosk, in use, installs it, drops the old shell cache, says it will
    // restart, and does so at its idle reset.
    const swPath = join(dir, 'sw.js');
    const oldShell = afterCatalog.find((name) => name.startsWith('vitrine-shell '))!;
    const oldVersion = oldShell.split(' ').at(-1)!;
    writeFileSync(swPath, readFileSync(swPath, 'utf8').replace(oldVersion, 'next-app-build'));
    await page.keyboard.press('Shift');
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    await expect(offlineStatus(page)).toHaveAttribute('data-state', 'updated');
    await expect(offlineStatus(page)).toContainText('A new version of Vitrine was installed — the kiosk restarts with it');
    await expect.poll(async () => Object.keys(await cacheContents(page)).filter((name) => name.startsWith('vitrine-shell '))).toEqual([expect.stringContaining('next-app-build')]);
    await page.waitForEvent('load', { timeout: 30_000 });
    await expect(offlineStatus(page)).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });

    // Offline, the new catalog build is the one searched.
    await host.close();
    await context.setOffline(true);
    await page.reload();
    const offline = await page.evaluate(() => window.__vitrine.ready);
    expect(offline.buildId).toBe(newBuild);
    await searched(page, () => dropPhoto(page, photoFile(catalogPhoto(renamed))));
    await expect(cards(page).first().locator('h2')).toContainText('Renamed in the new catalog build');
  } finally {
    await context.close();
    await host.close();
  }
});

test('a catalog whose shards are more than the device keeps for them says it is not available offline, and still searches', async ({ page }) => {
  await page.goto('/?offline&shard-storage-mb=0.2');
  const info = await page.evaluate(() => window.__vitrine.ready);
  const shardBytes = testManifest().files.filter((f) => f.path.startsWith('cells/')).reduce((n, f) => n + f.bytes, 0);
  await expect(offlineStatus(page)).toHaveAttribute('data-state', 'unavailable', { timeout: 60_000 });
  await expect(offlineStatus(page)).toHaveText(
    `Not available offline: its ${formatBytes(shardBytes)} of shards are more than the ${formatBytes(0.2 * 2 ** 20)} this device keeps for them`,
  );
  expect(info.shards!.budgets.storedBytes).toBe(Math.round(0.2 * 2 ** 20));
  const id = testCatalogIds()[40]!;
  await searched(page, () => dropPhoto(page, photoFile(catalogPhoto(id))));
  expect((await cardIds(page))[0]).toBe(id);
});
