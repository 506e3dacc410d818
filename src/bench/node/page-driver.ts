/**
 * Drives the page from Node (Playwright) as a shopper would: hand it a photo, wait for its answer. The browser tests
 * (e2e/) and the page benchmark share these.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Page } from '@playwright/test';

export interface PhotoFile {
  readonly name: string;
  readonly mimeType: string;
  readonly buffer: Buffer;
}

export function photoFile(path: string): PhotoFile {
  return { name: basename(path), mimeType: 'image/jpeg', buffer: readFileSync(path) };
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
