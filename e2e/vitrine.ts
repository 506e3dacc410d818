/** What the e2e tests do to the page, in the shopper's terms: open it, give it a photo, read the cards. */
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
// The type of window.__vitrine, which the tests drive.
import type {} from '../src/page/handle.js';
import type { EngineInfo } from '../src/search/worker/api.js';
import sharp from 'sharp';
import { DEMO_IMAGES_DIR, QUERY_IMAGES_DIR, demoLabels, testCatalogIds } from '../src/index/node/sample-index.js';

import type { PhotoFile } from '../src/bench/node/page-driver.js';

export { dropPhoto, photoFile, searched, type PhotoFile } from '../src/bench/node/page-driver.js';

export const catalogPhoto = (id: string) => join(DEMO_IMAGES_DIR, `${id}.jpg`);
export const queryPhoto = (id: string) => join(QUERY_IMAGES_DIR, `${id}.jpg`);

/**
 * A photo the classifier hesitates over between two stocked categories: a jeans photo and a T-shirt photo of the test
 * catalog blended half and half (lossless, so Node and the browser see the same pixels). On the test index it asks
 * "Is this Jeans?" with T-shirts among the other guesses.
 */
export async function halfJeansHalfTshirt(): Promise<PhotoFile> {
  const labels = new Map(demoLabels().map((r) => [r.id, r.articleType]));
  const pixels = (category: string) =>
    sharp(catalogPhoto(testCatalogIds().find((id) => labels.get(id) === category)!)).resize(224, 224).raw().toBuffer();
  const [jeans, tshirt] = await Promise.all([pixels('Jeans'), pixels('Tshirts')]);
  const blend = Buffer.from(jeans.map((v, i) => Math.round((v + tshirt[i]!) / 2)));
  return { name: 'half-jeans-half-tshirt.png', mimeType: 'image/png', buffer: await sharp(blend, { raw: { width: 224, height: 224, channels: 3 } }).png().toBuffer() };
}

/** Opens the page and waits until models and index are loaded and warmed up. */
export async function openVitrine(page: Page): Promise<EngineInfo> {
  await page.goto('/');
  return page.evaluate(() => window.__vitrine.ready);
}

/** A paste (Ctrl+V) of an image, as the clipboard delivers it. */
export async function pastePhoto(page: Page, photo: PhotoFile): Promise<void> {
  await page.evaluate(
    ({ name, mimeType, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const clipboardData = new DataTransfer();
      clipboardData.items.add(new File([bytes], name, { type: mimeType }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
    },
    { name: photo.name, mimeType: photo.mimeType, base64: photo.buffer.toString('base64') },
  );
}

export const cards = (page: Page) => page.locator('#results [data-product-id]');

export function cardIds(page: Page): Promise<string[]> {
  return cards(page).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-product-id') ?? ''));
}

/** The category line of every card, as shown. */
export function cardCategories(page: Page): Promise<string[]> {
  return cards(page).evaluateAll((nodes) =>
    nodes.map((n) => {
      const terms = [...n.querySelectorAll('dt')];
      return terms.find((dt) => dt.textContent === 'Category')?.nextElementSibling?.textContent ?? '';
    }),
  );
}

/** Waits until every card's product photo has loaded, and fails if one cannot be loaded. */
export async function cardImagesLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#results img')].every((img) => img.complete));
  const broken = await page.locator('#results img').evaluateAll((imgs) => imgs.filter((img) => (img as HTMLImageElement).naturalWidth === 0).map((img) => img.getAttribute('src')));
  if (broken.length) throw new Error(`product photos did not load: ${broken.join(', ')}`);
}

/**
 * Screenshots go to test-results/screenshots/ (kept after the run) and into the report. The whole page, unless a
 * modal dialog is open: it covers the viewport, and a full-page picture would show it over a half-dimmed page.
 */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  await cardImagesLoaded(page);
  const path = join(testInfo.project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: (await page.locator('dialog[open]').count()) === 0 });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  return path;
}

/**
 * Rewrites the record of a file stored in the page's IndexedDB (keyed by its SHA-256): `{ flipAt }` flips 64 of its
 * bytes from there on, as disk corruption or a meddling extension might; `{ dropHash }` removes the hash recorded
 * with it, as copies stored by earlier versions lack it.
 */
export async function editStoredFile(page: Page, sha256: string, edit: { flipAt: number } | { dropHash: true }): Promise<void> {
  await page.evaluate(
    async ({ key, edit }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('vitrine-files');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const store = () => db.transaction('files', 'readwrite').objectStore('files');
      const record = await new Promise<{ bytes: Blob; hash?: string }>((resolve, reject) => {
        const req = store().get(key);
        req.onsuccess = () => resolve(req.result as { bytes: Blob; hash?: string });
        req.onerror = () => reject(req.error);
      });
      if (!record) throw new Error(`no stored file ${key}`);
      let edited: { bytes: Blob; hash?: string };
      if ('flipAt' in edit) {
        const bytes = new Uint8Array(await record.bytes.arrayBuffer());
        for (let i = edit.flipAt; i < edit.flipAt + 64; i++) bytes[i] = bytes[i]! ^ 0xff;
        edited = { ...record, bytes: new Blob([bytes]) };
      } else {
        const { hash: _dropped, ...rest } = record;
        edited = rest;
      }
      await new Promise((resolve, reject) => {
        const req = store().put(edited, key);
        req.onsuccess = resolve;
        req.onerror = () => reject(req.error);
      });
      db.close();
    },
    { key: sha256, edit },
  );
}
