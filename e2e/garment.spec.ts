/**
 * Finding the garment: the engine locates where the garment seems to be (src/imaging/shared/garment.ts) on the
 * pixels it decoded — the same in the page's worker as in Node — and when it is unsure what the photo shows, the page
 * draws that region as the crop box, for the shopper to correct and search. A box the shopper drew stays theirs.
 */
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateManifest } from '../src/artifacts/shared/format.js';
import { decodeForTowers } from '../src/imaging/node/decode.js';
import { locateGarment } from '../src/imaging/shared/garment.js';
import { TEST_ARTIFACTS_DIR } from '../src/index/node/sample-index.js';
import { loadIndexEmbedders } from '../src/models/node/load.js';
import { queryReduction } from '../src/models/shared/embed.js';
import type { SearchResponse } from '../src/search/shared/response.js';
import { openVitrine, photoFile, queryPhoto, searched, type PhotoFile } from './vitrine.js';

const manifest = validateManifest(JSON.parse(readFileSync(join(TEST_ARTIFACTS_DIR, 'manifest.json'), 'utf8')));

/** A dark red "garment" on a plain grey floor: nothing the classifier recognises, but plainly one thing to point at. */
async function garmentOnFloor(): Promise<PhotoFile> {
  const garment = await sharp({ create: { width: 120, height: 200, channels: 3, background: '#7a1020' } }).png().toBuffer();
  const buffer = await sharp({ create: { width: 300, height: 400, channels: 3, background: '#9a9a9a' } })
    .composite([{ input: garment, left: 90, top: 120 }])
    .png()
    .toBuffer();
  return { name: 'garment-on-floor.png', mimeType: 'image/png', buffer };
}

function pageSearch(page: Page, photo: PhotoFile): Promise<SearchResponse> {
  return page.evaluate(
    ({ name, mimeType, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      return window.__vitrine.search(new File([bytes], name, { type: mimeType }), { category: null });
    },
    { name: photo.name, mimeType: photo.mimeType, base64: photo.buffer.toString('base64') },
  );
}

const status = (page: Page) => page.locator('#status');
const cropBox = (page: Page) => page.getByRole('application', { name: 'Area to search' });

test('the page finds the same garment region as Node, on the same decoded pixels', async ({ page }) => {
  await openVitrine(page);
  const embedders = await loadIndexEmbedders(manifest.models, { threads: 1 });
  const reduction = queryReduction(embedders, manifest.index.framing);
  const photos = [await garmentOnFloor(), photoFile(queryPhoto('12333')), photoFile(queryPhoto('15923'))];
  let found = 0;
  for (const photo of photos) {
    const inNode = locateGarment(await decodeForTowers(new Uint8Array(photo.buffer), photo.name, reduction));
    const inPage = (await pageSearch(page, photo)).garment_region ?? null;
    expect(inPage, photo.name).toEqual(inNode);
    if (inNode) found++;
  }
  expect(found).toBeGreaterThanOrEqual(1);
  // The synthetic garment: 90–210 × 120–320 of 300 × 400, with a 6 % margin.
  const region = locateGarment(await decodeForTowers(new Uint8Array((await garmentOnFloor()).buffer), 'x.png', reduction))!;
  expect(region).toEqual({ x: 82 / 300, y: 108 / 400, width: 136 / 300, height: 224 / 400 });
});

test('unsure, the page outlines the garment on the photo; the shopper corrects it and searches that area', async ({ page }) => {
  await openVitrine(page);
  const photo = await garmentOnFloor();
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(photo));
  await expect(status(page)).toHaveAttribute('data-status', 'needs_confirmation');
  await expect(page.locator('#crop-suggested')).toBeVisible();
  await expect(cropBox(page)).toBeVisible();
  // The box sits on the garment (in % of the photo, as the crop box is placed).
  const style = await cropBox(page).evaluate((el) => ({ left: parseFloat(el.style.left), top: parseFloat(el.style.top), width: parseFloat(el.style.width) }));
  expect(style.left).toBeCloseTo((100 * 82) / 300, 1);
  expect(style.top).toBeCloseTo((100 * 108) / 400, 1);
  expect(style.width).toBeCloseTo((100 * 136) / 300, 1);

  // The shopper nudges it (it is theirs now) and searches the area.
  await cropBox(page).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#crop-suggested')).toBeHidden();
  await searched(page, () => page.getByRole('button', { name: 'Search this area' }).click());
  // The area's own answer does not move the shopper's box.
  await expect(cropBox(page)).toBeVisible();
  expect(parseFloat(await cropBox(page).evaluate((el) => el.style.left))).toBeGreaterThan(style.left);
});

test('a box the shopper drew wins over the engine’s guess', async ({ page }) => {
  await openVitrine(page);
  await searched(page, async () => page.getByLabel('Drop a photo here').setInputFiles(await garmentOnFloor()));
  await expect(page.locator('#crop-suggested')).toBeVisible();
  // The shopper sets the guess aside and draws their own box (the centred one of the Crop button).
  await page.getByRole('button', { name: 'Use whole photo' }).click();
  await page.getByRole('button', { name: 'Crop' }).click();
  const theirs = await cropBox(page).evaluate((el) => [el.style.left, el.style.top, el.style.width, el.style.height]);
  // The same photo answered again (more results): still unsure, but the shopper's box stays as it is.
  await searched(page, () => page.getByLabel('Results').selectOption({ index: 0 }));
  await expect(status(page)).toHaveAttribute('data-status', 'needs_confirmation');
  expect(await cropBox(page).evaluate((el) => [el.style.left, el.style.top, el.style.width, el.style.height])).toEqual(theirs);
  await expect(page.locator('#crop-suggested')).toBeHidden();
});
