/**
 * Shop the look: a box drawn on the photo searches only that area. The photo shows two catalog products of
 * different categories side by side; searching its right half must find the right product, its left half the
 * left one — so what is searched is really the area the shopper picked, with the mouse or with the keyboard alone.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import sharp from 'sharp';
import { demoLabels, testCatalogIds } from '../src/index/node/sample-index.js';
import { cardIds, cards, catalogPhoto, openVitrine, saveScreenshot, searched, type PhotoFile } from './vitrine.js';

const labels = new Map(demoLabels().map((r) => [r.id, r.articleType]));
const firstOf = (category: string) => testCatalogIds().find((id) => labels.get(id) === category)!;
const LEFT = { id: firstOf('Handbags'), category: 'Handbags' };
const RIGHT = { id: firstOf('Jeans'), category: 'Jeans' };
const SIDE = 224; // the demo catalog's photos are 224 × 224

/** The two product photos side by side in one picture, as an outfit photo shows several garments. */
async function sideBySide(): Promise<ReturnType<typeof sharp>> {
  const tile = (id: string) => sharp(catalogPhoto(id)).resize(SIDE, SIDE, { fit: 'fill' }).toBuffer();
  return sharp({ create: { width: 2 * SIDE, height: SIDE, channels: 3, background: '#ffffff' } }).composite([
    { input: await tile(LEFT.id), left: 0, top: 0 },
    { input: await tile(RIGHT.id), left: SIDE, top: 0 },
  ]);
}

/** Lossless, so the halves are exactly the catalog photos. */
async function outfitPng(): Promise<PhotoFile> {
  return { name: 'outfit.png', mimeType: 'image/png', buffer: await (await sideBySide()).png().toBuffer() };
}

/**
 * The same picture as a phone stores it: pixels turned a quarter to the left, and an EXIF orientation (6) telling
 * viewers to turn them back. The shopper sees the products side by side; the file's rows run top to bottom.
 */
async function outfitRotatedJpeg(): Promise<PhotoFile> {
  const upright = await (await sideBySide()).png().toBuffer();
  const buffer = await sharp(upright).rotate(270).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const stored = await sharp(buffer).metadata();
  expect([stored.width, stored.height, stored.orientation]).toEqual([SIDE, 2 * SIDE, 6]);
  return { name: 'outfit-rotated.jpg', mimeType: 'image/jpeg', buffer };
}

const status = (page: Page) => page.locator('#status');
const cropBox = (page: Page) => page.getByRole('application', { name: 'Area to search' });

/** Where the photo is drawn on screen: the preview shows it whole (object-fit: contain), centred. */
async function drawnPhoto(page: Page, natural: { width: number; height: number }) {
  const element = (await page.locator('#preview').boundingBox())!;
  const scale = Math.min(element.width / natural.width, element.height / natural.height);
  const width = natural.width * scale;
  const height = natural.height * scale;
  return { x: element.x + (element.width - width) / 2, y: element.y + (element.height - height) / 2, width, height };
}

async function choosePhoto(page: Page, photo: PhotoFile): Promise<void> {
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(photo));
  await expect(page.getByRole('img', { name: `Your photo: ${photo.name}` })).toBeVisible();
}

/** A mouse drag from one point to another of the photo, given in fractions of its drawn size. */
async function drag(page: Page, shown: { x: number; y: number; width: number; height: number }, from: [number, number], to: [number, number]) {
  const at = ([fx, fy]: [number, number]) => [shown.x + fx * shown.width, shown.y + fy * shown.height] as const;
  await page.mouse.move(...at(from));
  await page.mouse.down();
  await page.mouse.move(...at([(from[0] + to[0]) / 2, (from[1] + to[1]) / 2]), { steps: 4 });
  await page.mouse.move(...at(to), { steps: 4 });
  await page.mouse.up();
}

async function expectFirst(page: Page, product: { id: string; category: string }): Promise<void> {
  await expect(status(page)).toHaveText(`Found in ${product.category}`);
  expect((await cardIds(page))[0]).toBe(product.id);
}

test.beforeEach(async ({ page }) => {
  await openVitrine(page);
});

for (const outfit of [
  { what: 'a photo', file: outfitPng },
  { what: 'an EXIF-rotated phone photo', file: outfitRotatedJpeg },
]) {
  test(`a box drawn with the mouse on ${outfit.what} searches that area only`, async ({ page }) => {
    const problems: string[] = [];
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    await choosePhoto(page, await outfit.file());
    const shown = await drawnPhoto(page, { width: 2 * SIDE, height: SIDE });
    await page.getByRole('button', { name: 'Crop' }).click();
    await expect(cropBox(page)).toBeFocused();

    // Right half, drawn from its top-left corner down to the photo's bottom-right corner.
    await searched(page, () => drag(page, shown, [0.51, 0.01], [0.99, 0.99]));
    await expectFirst(page, RIGHT);
    // The box on screen is where the pointer went.
    const box = (await cropBox(page).boundingBox())!;
    expect(Math.abs(box.x - (shown.x + 0.51 * shown.width))).toBeLessThan(1.5);
    expect(Math.abs(box.x + box.width - (shown.x + 0.99 * shown.width))).toBeLessThan(1.5);
    expect(Math.abs(box.y + box.height - (shown.y + 0.99 * shown.height))).toBeLessThan(1.5);

    // Left half, drawn the other way: from its bottom-right corner up to the photo's top-left corner.
    await searched(page, () => drag(page, shown, [0.49, 0.99], [0.01, 0.01]));
    await expectFirst(page, LEFT);

    // Moving the box (a drag inside it) to the right half searches that.
    await searched(page, () => drag(page, shown, [0.25, 0.5], [0.9, 0.5]));
    await expectFirst(page, RIGHT);
    // Its bottom-left corner handle, dragged to the photo's bottom-left corner, widens it over both products.
    const moved = (await cropBox(page).boundingBox())!;
    await searched(page, async () => {
      await page.mouse.move(moved.x + 4, moved.y + moved.height - 4);
      await page.mouse.down();
      await page.mouse.move(shown.x, shown.y + shown.height, { steps: 6 });
      await page.mouse.up();
    });
    const widened = (await cropBox(page).boundingBox())!;
    expect(Math.abs(widened.x - shown.x)).toBeLessThan(1.5);
    expect(Math.abs(widened.x + widened.width - (moved.x + moved.width))).toBeLessThan(1.5);
    // Styles set by script (the box's position) are CSSOM, which the strict CSP allows: nothing was refused.
    expect(problems).toEqual([]);
  });
}

/** Presses `key` until `done` says so (at most 200 times): the test reads the box on screen, not the step size. */
async function pressUntil(page: Page, key: string, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await done()); i++) await page.keyboard.press(key);
  expect(await done(), `${key} did not get there`).toBe(true);
}

test('the keyboard alone crops: arrows move the box, Shift + arrows resize it, Enter searches, Escape goes back', async ({ page }, testInfo) => {
  await choosePhoto(page, await outfitPng());
  const shown = await drawnPhoto(page, { width: 2 * SIDE, height: SIDE });
  const crop = page.getByRole('button', { name: 'Crop' });
  await crop.focus();
  await page.keyboard.press('Enter');
  const box: Locator = cropBox(page);
  await expect(box).toBeFocused();
  await expect(page.locator('#crop-announce')).toHaveAttribute('aria-live', 'polite');
  await expect(page.locator('#crop-announce')).toContainText('Selected area: 60 % of the width and 60 % of the height');
  await expect(box).toHaveAccessibleDescription(/arrow keys to move it and Shift \+ arrow keys to resize it/);
  await expect(page.getByRole('button', { name: 'Search this area' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Use whole photo' })).toBeVisible();
  const edges = async () => {
    const b = (await box.boundingBox())!;
    return { left: b.x - shown.x, right: shown.x + shown.width - (b.x + b.width), top: b.y - shown.y, bottom: shown.y + shown.height - (b.y + b.height), width: b.width, height: b.height };
  };

  // Narrower than half the photo, full height, pushed against the right edge: the right product.
  await pressUntil(page, 'Shift+ArrowLeft', async () => (await edges()).width < shown.width / 2);
  await pressUntil(page, 'Shift+ArrowDown', async () => (await edges()).height > shown.height - 1);
  await pressUntil(page, 'ArrowRight', async () => (await edges()).right < 1);
  const settled = await edges();
  expect(settled.top).toBeCloseTo(0, 0);
  expect(settled.left).toBeGreaterThan(shown.width / 2);
  // Announced once the keys settle, not at every press.
  await expect(page.locator('#crop-announce')).toContainText('100 % of the height');
  await searched(page, () => page.keyboard.press('Enter'));
  await expectFirst(page, RIGHT);
  await saveScreenshot(page, testInfo, 'crop');

  // Along to the left edge: the left product.
  await pressUntil(page, 'ArrowLeft', async () => (await edges()).left < 1);
  await searched(page, () => page.keyboard.press('Enter'));
  await expectFirst(page, LEFT);

  // Escape: the crop goes, and the whole photo is searched again.
  await searched(page, () => page.keyboard.press('Escape'));
  await expect(box).toBeHidden();
  await expect(crop).toBeFocused();
  await expect(page.locator('#crop-announce')).toHaveText('Crop removed: the whole photo is searched');
  await expect(cards(page)).not.toHaveCount(0);
});

test('the buttons crop too, and a new photo starts without a box', async ({ page }) => {
  await choosePhoto(page, await outfitPng());
  await page.getByRole('button', { name: 'Crop' }).click();
  await searched(page, () => page.getByRole('button', { name: 'Search this area' }).click());
  // The middle 60 % of the picture: more of the one product or the other, but searched, with results.
  await expect(cards(page)).not.toHaveCount(0);
  await searched(page, () => page.getByRole('button', { name: 'Use whole photo' }).click());
  await expect(cropBox(page)).toBeHidden();

  await page.getByRole('button', { name: 'Crop' }).click();
  await expect(cropBox(page)).toBeVisible();
  await choosePhoto(page, { name: `${RIGHT.id}.jpg`, mimeType: 'image/jpeg', buffer: await sharp(catalogPhoto(RIGHT.id)).toBuffer() });
  await expect(cropBox(page)).toBeHidden();
  await expect(page.getByRole('button', { name: 'Crop' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Search this area' })).toBeHidden();
});

test('before a photo there is nothing to crop', async ({ page }) => {
  await expect(page.getByRole('button', { name: 'Crop' })).toBeHidden();
  await expect(cropBox(page)).toBeHidden();
});
