/** What the e2e tests do to the page, in the shopper's terms: open it, give it a photo, read the cards. */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
// The type of window.__vitrine, which the tests drive.
import type {} from '../src/page/handle.js';
import type { EngineInfo } from '../src/search/worker/api.js';
import { DEMO_IMAGES_DIR, QUERY_IMAGES_DIR } from '../tests/helpers/test-index.js';

export interface PhotoFile {
  readonly name: string;
  readonly mimeType: string;
  readonly buffer: Buffer;
}

export const catalogPhoto = (id: string) => join(DEMO_IMAGES_DIR, `${id}.jpg`);
export const queryPhoto = (id: string) => join(QUERY_IMAGES_DIR, `${id}.jpg`);

export function photoFile(path: string): PhotoFile {
  return { name: basename(path), mimeType: 'image/jpeg', buffer: readFileSync(path) };
}

/** Opens the page and waits until models and index are loaded and warmed up. */
export async function openVitrine(page: Page): Promise<EngineInfo> {
  await page.goto('/');
  return page.evaluate(() => window.__vitrine.ready);
}

const completedSearches = (page: Page) => page.evaluate(() => performance.getEntriesByName('vitrine:drop-to-results').length);

/** Runs something that starts a search and waits until the page shows its answer. */
export async function searched(page: Page, start: () => Promise<unknown>): Promise<void> {
  const before = await completedSearches(page);
  await start();
  await page.waitForFunction((n) => performance.getEntriesByName('vitrine:drop-to-results').length > n, before);
}

/** A file handed to the page as the browser hands a dragged one: a drop event carrying a DataTransfer. */
export async function dropPhoto(page: Page, photo: PhotoFile): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, mimeType, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name, { type: mimeType }));
      return transfer;
    },
    { name: photo.name, mimeType: photo.mimeType, base64: photo.buffer.toString('base64') },
  );
  await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
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
