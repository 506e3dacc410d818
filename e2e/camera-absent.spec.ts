/**
 * "Take a photo" where no camera can be used: Chromium as the tests launch it has none (no fake device), and a page
 * served over plain http has no camera API. The button is disabled with the reason beside it; photos still work.
 */
import { expect, test, type Page } from '@playwright/test';
import { cardIds, catalogPhoto, searched } from './vitrine.js';
import { testCatalogIds } from '../src/index/node/sample-index.js';

const takePhoto = (page: Page) => page.getByRole('button', { name: 'Take a photo' });
const cameraNote = (page: Page) => page.locator('#camera-note');

test('without a camera the button is disabled, saying none was found; choosing a photo still works', async ({ page }) => {
  await page.goto('/');
  await expect(cameraNote(page)).toHaveText('No camera found — choose or drop a photo instead.');
  await expect(takePhoto(page)).toBeDisabled();
  await expect(takePhoto(page)).toHaveAccessibleDescription('No camera found — choose or drop a photo instead.');
  const id = testCatalogIds()[0]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

test('without the camera API (a page on plain http) the button is disabled, saying why', async ({ page }) => {
  // What browsers do on an insecure page: not a secure context, and no navigator.mediaDevices.
  await page.addInitScript(() => {
    Object.defineProperty(window, 'isSecureContext', { value: false });
    Object.defineProperty(Navigator.prototype, 'mediaDevices', { value: undefined });
  });
  await page.goto('/');
  await expect(cameraNote(page)).toHaveText('The camera needs a secure (https) connection — choose or drop a photo instead.');
  await expect(takePhoto(page)).toBeDisabled();
  await expect(page.locator('#status')).not.toHaveAttribute('data-status', 'error');
});
