/**
 * Security and privacy of the built app as served (`vite preview` with the production headers): a strict
 * Content-Security-Policy that nothing in the page or its workers violates, a photo that never leaves the device,
 * and catalog text that is shown, never run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type ConsoleMessage, type Page } from '@playwright/test';
import { QUERY_IMAGES_DIR, testCatalogIds, demoLabels } from '../src/index/node/sample-index.js';
import { CONTENT_SECURITY_POLICY } from '../vite/security.js';
import { serveEditedIndex } from './edited-index.js';
import { cardImagesLoaded, cards, catalogPhoto, openVitrine, searched } from './vitrine.js';

/** Errors the page or its workers print (CSP violations among them), and uncaught exceptions. */
function recordProblems(page: Page): string[] {
  const problems: string[] = [];
  const onConsole = (message: ConsoleMessage) => {
    if (message.type() === 'error' || /Content.Security.Policy/i.test(message.text())) problems.push(message.text());
  };
  page.on('console', onConsole);
  page.on('worker', (worker) => worker.on('console', onConsole));
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  return problems;
}

const searchWorker = (page: Page) => page.workers().find((w) => w.url().includes('search.worker'))!;

test.describe('Content-Security-Policy', () => {
  test('the app is served with a strict policy, and loading and searching break none of it', async ({ page }) => {
    const problems = recordProblems(page);
    const policies = new Map<string, string | undefined>();
    page.on('response', (response) => policies.set(new URL(response.url()).pathname, response.headers()['content-security-policy']));
    const document = await page.goto('/');
    expect(document!.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    for (const directive of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      expect(CONTENT_SECURITY_POLICY).toContain(directive);
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|'unsafe-eval'|https?:|\*/);
    // The same policy as a <meta> tag, for hosts that cannot send headers (frame-ancestors only works as a header).
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));

    await page.evaluate(() => window.__vitrine.ready);
    await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(join(QUERY_IMAGES_DIR, '12333.jpg')));
    await expect(cards(page)).toHaveCount(8);
    await cardImagesLoaded(page);
    expect(problems).toEqual([]);
    // The worker scripts (search worker, onnxruntime's thread worker) carry the policy themselves.
    const workerScripts = [...policies.keys()].filter((path) => /worker|ort-wasm.*\.mjs$/.test(path));
    expect(workerScripts.length).toBeGreaterThanOrEqual(2);
    for (const path of workerScripts) expect(policies.get(path), path).toBe(CONTENT_SECURITY_POLICY);
  });

  test('it is enforced: inline script, eval and other origins are refused, in the page and in the worker', async ({ page }) => {
    const problems = recordProblems(page);
    await openVitrine(page);
    // (Code that Playwright evaluates is exempt from the page's eval rule; a string handed to a timer is not.)
    const inPage = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
      (setTimeout as (code: string) => number)('window.__evalRan = true');
      const fetched = await fetch('http://127.0.0.1:9/steal').then(
        () => 'sent',
        () => 'blocked',
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const flags = window as { __inlineRan?: boolean; __evalRan?: boolean };
      return { inline: flags.__inlineRan ?? false, evaluated: flags.__evalRan ?? false, fetched };
    });
    expect(inPage).toEqual({ inline: false, evaluated: false, fetched: 'blocked' });
    const inWorker = await searchWorker(page).evaluate(async () => {
      (setTimeout as (code: string) => number)('self.__evalRan = true');
      const fetched = await fetch('http://127.0.0.1:9/steal').then(
        () => 'sent',
        () => 'blocked',
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { evaluated: (self as { __evalRan?: boolean }).__evalRan ?? false, fetched };
    });
    expect(inWorker).toEqual({ evaluated: false, fetched: 'blocked' });
    await expect.poll(() => problems.filter((p) => /Content.Security.Policy violation in the search worker: connect-src/.test(p)).length).toBeGreaterThan(0);
    expect(problems.some((p) => /script-src/.test(p))).toBe(true);
  });
});

test("the shopper's photo never leaves the device: every request is a same-origin GET with no body, during the search only the catalog's shards", async ({ page, context, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  let phase: 'load' | 'drop' = 'load';
  const requests: { phase: string; url: string; method: string; body: number; type: string }[] = [];
  context.on('request', (request) => {
    requests.push({ phase, url: request.url(), method: request.method(), body: request.postDataBuffer()?.byteLength ?? 0, type: request.resourceType() });
  });
  const sockets: string[] = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));

  await openVitrine(page);
  expect(requests.length).toBeGreaterThan(10);
  phase = 'drop';
  const photo = readFileSync(join(QUERY_IMAGES_DIR, '12333.jpg'));
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles({ name: 'shopper-private-photo.jpg', mimeType: 'image/jpeg', buffer: photo }));
  await cardImagesLoaded(page);

  const network = requests.filter((r) => !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
  // When the results were on screen, and when each product photo of theirs was asked for (the page's clock).
  const timing = await page.evaluate(() => {
    const shown = performance.getEntriesByName('vitrine:drop-to-results').at(-1)!;
    const photos = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith('/catalog/'));
    return { dropped: shown.startTime, shown: shown.startTime + shown.duration, photos: photos.map((e) => e.startTime) };
  });
  // Nothing goes anywhere but this app's own origin, and nothing is sent: no POST, no body, no query string.
  expect(network.filter((r) => new URL(r.url).origin !== origin)).toEqual([]);
  expect(network.filter((r) => r.method !== 'GET' || r.body > 0)).toEqual([]);
  expect(network.filter((r) => new URL(r.url).search !== '')).toEqual([]);
  expect(network.filter((r) => /shopper-private-photo/.test(r.url))).toEqual([]);
  expect(sockets).toEqual([]);
  // From the drop on, the page and its worker ask for nothing but the catalog's shards the search reads (plain GETs
  // of this build's files) and the product photos of the result cards (the shopper's photo's preview is a blob: URL)…
  const fromDrop = network.filter((r) => r.phase === 'drop');
  const shards = fromDrop.filter((r) => /^\/artifacts\/cells\/[\w-]+\.cell$/.test(new URL(r.url).pathname) && r.type === 'fetch');
  const photos = fromDrop.filter((r) => new URL(r.url).pathname.startsWith('/catalog/') && r.type === 'image');
  expect(photos.length).toBeGreaterThan(0);
  expect(fromDrop.filter((r) => !shards.includes(r) && !photos.includes(r))).toEqual([]);
  // …and the photos only once the results are shown.
  expect(timing.photos.length).toBe(photos.length);
  expect(timing.photos.filter((t) => t < timing.shown)).toEqual([]);
});

test('product names and categories are shown as text: HTML and script in the catalog data never run', async ({ page, context }) => {
  const NAME = '<img src=x onerror="window.__xss=1">Belt <script>window.__xss=2</script>';
  const CATEGORY = '<b>Belts</b><img src=x onerror="window.__xss=3">';
  const labels = new Map(demoLabels().map((r) => [r.id, r.articleType]));
  const belt = testCatalogIds().find((id) => labels.get(id) === 'Belts')!;
  await serveEditedIndex(context, {
    products(products) {
      for (const p of products) if (p.id === belt) p.name = NAME;
    },
    manifest(m) {
      m.categories.find((c: { name: string }) => c.name === 'Belts').name = CATEGORY;
      for (const cell of m.cells) if (cell.category === 'Belts') cell.category = CATEGORY;
      m.prompts.categories = m.prompts.categories.map((c: string) => (c === 'Belts' ? CATEGORY : c));
    },
  });
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await openVitrine(page);
  await expect(page.locator('#category option', { hasText: CATEGORY })).toHaveCount(1);

  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(belt)));
  await expect(page.getByRole('status')).toHaveText(`Found in ${CATEGORY}`);
  const first = cards(page).first();
  await expect(first).toHaveAttribute('data-product-id', belt);
  await expect(first.locator('.card-name')).toHaveText(NAME);
  await expect(first.getByRole('img')).toHaveAttribute('alt', NAME);
  await expect(first.locator('dd').first()).toHaveText(CATEGORY);

  // A file name is catalog-like data too: the error that quotes it shows it as text.
  const badName = '<img src=x onerror="window.__xss=4">.jpg';
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles({ name: badName, mimeType: 'image/jpeg', buffer: Buffer.from('not a photo') }));
  await expect(page.getByRole('status')).toHaveText(new RegExp(`^${badName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read this image`));

  // Nothing was parsed as markup: no element from the data, no script ran, no dialog opened.
  expect(await page.locator('main img[src="x"], main script, main b').count()).toBe(0);
  expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);
});
