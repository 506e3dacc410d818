/**
 * Remote mode in the page: `npm run serve`'s server (the e2e build, the test index in the embedded Postgres over
 * its wire protocol). The page is told so by the served manifest, says what leaves the device before the first
 * search, downloads the models and no index, and sends the query vectors — the request log shows every byte that
 * reached the server, and none of them is the photo's.
 */
import { expect, test } from '@playwright/test';
import { SILENT_PROGRESS } from '../src/common/shared/progress.js';
import { TEST_ARTIFACTS_DIR } from '../src/index/node/sample-index.js';
import type { SearchResponse } from '../src/search/shared/response.js';
import { exportArtifacts } from '../src/server/node/export.js';
import { startSearchServer, type SearchServer } from '../src/server/node/http.js';
import { startTestDatabase, type TestDatabase } from '../tests/helpers/pg.js';
import { E2E_DIST } from './static-host.js';
import { cardIds, cards, dropPhoto, photoFile, queryPhoto, searched } from './vitrine.js';

interface Received {
  readonly method: string;
  readonly path: string;
  body: Buffer;
}

let db: TestDatabase;
let server: SearchServer;
const received: Received[] = [];

test.beforeAll(async () => {
  db = await startTestDatabase();
  await exportArtifacts(db.pool, TEST_ARTIFACTS_DIR, SILENT_PROGRESS);
  server = await startSearchServer({ pool: db.pool, dist: E2E_DIST, port: 0 });
  // The request log: every request that reaches the shop's server, body included, as the server received it.
  server.server.prependListener('request', (req) => {
    const entry: Received = { method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, body: Buffer.alloc(0) };
    received.push(entry);
    req.on('data', (chunk: Buffer) => (entry.body = Buffer.concat([entry.body, chunk])));
  });
});

test.afterAll(async () => {
  await server?.close();
  await db?.close();
});

const PHOTO = queryPhoto('12333'); // jeans, a query photo (another resolution than the catalog's)

/** Does `haystack` hold any 24-byte run of the photo (or of its base64)? Windows across the whole file. */
function holdsPartOf(haystack: Buffer, photo: Buffer): boolean {
  const base64 = photo.toString('base64');
  for (let at = 0; at + 24 <= photo.length; at += Math.max(24, Math.floor(photo.length / 64))) {
    if (haystack.includes(photo.subarray(at, at + 24))) return true;
    if (haystack.includes(base64.slice(Math.floor((at * 4) / 3), Math.floor((at * 4) / 3) + 32))) return true;
  }
  return false;
}

test('remote mode: told before the first search, models only, query vectors out, never the photo', async ({ page }) => {
  const photo = photoFile(PHOTO);
  const sentByBrowser: { url: string; body: Buffer | null }[] = [];
  page.context().on('request', (request) => sentByBrowser.push({ url: request.url(), body: request.postDataBuffer() }));

  await page.goto(server.url);
  // Said plainly before any search could run (the engine is still loading its models).
  const note = page.locator('#privacy-note');
  await expect(note).toBeVisible();
  await expect(note).toContainText("a numeric description of it, computed here");
  await expect(note).toContainText('never the photo itself');
  await expect(page.locator('#tagline')).toHaveText('Find products like your photo — the photo stays on your device.');
  expect(received.filter((r) => r.method === 'POST')).toEqual([]);

  const info = await page.evaluate(() => window.__vitrine.ready);
  expect(info.remote).toBe(new URL('api/search', server.url).href);
  await expect(page.locator('#engine-info')).toContainText("catalog searched by the shop's server");

  await searched(page, () => dropPhoto(page, photo));
  await expect(page.getByRole('status')).toHaveText(/Found in Jeans/);
  expect((await cardIds(page)).length).toBeGreaterThan(0);
  await expect(cards(page).first()).toBeVisible();

  // What reached the server: GETs of the page, its models and product photos, and the search POSTs.
  const posts = received.filter((r) => r.method === 'POST');
  expect(posts.length).toBeGreaterThanOrEqual(1);
  expect(new Set(posts.map((p) => p.path))).toEqual(new Set(['/api/search']));
  expect(received.filter((r) => r.method !== 'GET' && r.method !== 'POST')).toEqual([]);
  expect(received.filter((r) => r.method === 'GET' && r.body.length > 0)).toEqual([]);
  // The index stays on the server: only the manifest of artifacts/ is fetched; of the models, the two image encoders.
  expect(received.filter((r) => r.path.startsWith('/artifacts/')).map((r) => r.path)).toEqual(expect.arrayContaining(['/artifacts/manifest.json']));
  expect(received.filter((r) => r.path.startsWith('/artifacts/') && r.path !== '/artifacts/manifest.json')).toEqual([]);
  expect(received.filter((r) => r.path.startsWith('/models/') && /text_model|tokenizer/.test(r.path))).toEqual([]);
  for (const post of posts) {
    expect(post.body.length).toBeLessThan(64 * 1024);
    const body = JSON.parse(post.body.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(['semantic', 'visual']));
    expect(Object.keys(body).every((k) => ['semantic', 'visual', 'category', 'top_k', 'fusion'].includes(k))).toBe(true);
    expect((body.semantic as unknown[]).every((x) => typeof x === 'number')).toBe(true);
  }

  // The photo's bytes never left: not in any body the server received, nor in any request the browser sent
  // (the worker's included). The check finds the photo where it is, so its silence means something.
  expect(holdsPartOf(Buffer.from(JSON.stringify({ image: photo.buffer.toString('base64') })), photo.buffer)).toBe(true);
  expect(holdsPartOf(Buffer.concat([Buffer.from('--form\r\n\r\n'), photo.buffer]), photo.buffer)).toBe(true);
  expect(sentByBrowser.some((r) => r.url.endsWith('/api/search') && r.body !== null)).toBe(true);
  expect(received.some((r) => holdsPartOf(r.body, photo.buffer))).toBe(false);
  expect(sentByBrowser.filter((r) => r.body && holdsPartOf(r.body, photo.buffer)).map((r) => r.url)).toEqual([]);
  expect(sentByBrowser.filter((r) => new URL(r.url).origin !== new URL(server.url).origin && !r.url.startsWith('blob:') && !r.url.startsWith('data:'))).toEqual([]);
});

test('words in remote mode: the text model embeds them here, the server has the product names', async ({ page }) => {
  await page.goto(server.url);
  await page.evaluate(() => window.__vitrine.ready);
  const before = received.length;
  const response: SearchResponse = await page.evaluate(() => window.__vitrine.searchText('blue jeans', {}));
  expect(response.status).toBe('success');
  expect(response.fusion).toBe('text');
  expect(response.results.length).toBeGreaterThan(0);
  const after = received.slice(before);
  // The text encoder and its tokenizer come down; the product-name vectors stay on the server.
  expect(after.some((r) => /\/models\/.+\/onnx\/text_model\.onnx$/.test(r.path))).toBe(true);
  expect(after.filter((r) => r.path.startsWith('/artifacts/'))).toEqual([]);
  const post = after.find((r) => r.method === 'POST')!;
  const body = JSON.parse(post.body.toString('utf8')) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['semantic', 'text']);
  expect(body.text).toBe('blue jeans');
});

test('the same photo gives the same answer in remote mode and in the page', async ({ page, browser }) => {
  const photo = photoFile(PHOTO);
  const search = (p: typeof page) =>
    p.evaluate(
      async ({ base64, name }) => {
        await window.__vitrine.ready;
        const file = new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: 'image/jpeg' });
        return window.__vitrine.search(file, {});
      },
      { base64: photo.buffer.toString('base64'), name: photo.name },
    );
  await page.goto(server.url);
  const remote: SearchResponse = await search(page);

  const local = await browser.newPage(); // the e2e server: the same build in local mode
  try {
    await local.goto('/');
    const inPage: SearchResponse = await search(local);
    expect({ status: remote.status, category: remote.category_used }).toEqual({ status: inPage.status, category: inPage.category_used });
    const top = inPage.results.slice(0, 8).map((r) => r.id);
    const shared = remote.results.slice(0, 8).filter((r) => top.includes(r.id)).length;
    expect(shared / top.length).toBeGreaterThanOrEqual(0.95);
  } finally {
    await local.close();
  }
});
