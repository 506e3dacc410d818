import { expect, test, type FileChooser } from '@playwright/test';
import { phonePhoto } from '../src/bench/node/phone-photo.js';
import { ABSENT_CATEGORY, demoLabels, testCatalogIds } from '../src/index/node/sample-index.js';
import {
  cardCategories,
  cardImagesLoaded,
  cardIds,
  cards,
  catalogPhoto,
  dropPhoto,
  halfJeansHalfTshirt,
  openVitrine,
  pastePhoto,
  photoFile,
  queryPhoto,
  saveScreenshot,
  searched,
} from './vitrine.js';

const labels = new Map(demoLabels().map((r) => [r.id, r]));
const stocked = (category: string) => testCatalogIds().filter((id) => labels.get(id)?.articleType === category);

// Photos chosen from the query set and the demo catalog, each checked against the Node CLI on the test index.
const QUERY_PHOTOS = [
  { id: '12333', category: 'Jeans' },
  { id: '15923', category: 'Backpacks' },
  { id: '16107', category: 'Sunglasses' },
];
/** A demo-catalog watch: the test catalog has no Watches, and the classifier is sure it is one. */
const WATCH_PHOTO = '10131';

const status = (page: import('@playwright/test').Page) => page.getByRole('status');

/** File choosers the page opened, caught by Playwright instead of the browser. */
let choosers: FileChooser[] = [];

test.beforeEach(async ({ page }) => {
  // Catching file choosers is turned on asynchronously when a listener is added: a chooser opened before that is
  // done is the browser's own and never reported. Listening before the page opens leaves it done long before.
  choosers = [];
  page.on('filechooser', (chooser) => choosers.push(chooser));
  await openVitrine(page);
});

test('a catalog photo chosen with the file input is the first card', async ({ page }) => {
  const id = stocked('Jeans')[0]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
  await expect(status(page)).toHaveText('Found in Jeans');
  await expect(page.getByRole('img', { name: `Your photo: ${id}.jpg` })).toBeVisible();
});

test('a catalog photo dropped on the zone is the first card', async ({ page }) => {
  const id = stocked('Handbags')[1]!;
  await searched(page, () => dropPhoto(page, photoFile(catalogPhoto(id))));
  expect((await cardIds(page))[0]).toBe(id);
  await expect(status(page)).toHaveText('Found in Handbags');
});

test('a 12-megapixel phone photo (a few MB, stored sideways) dropped on the zone finds its product', async ({ page }) => {
  // Hires photo of a test-catalog handbag, made into what a phone camera writes.
  const buffer = await phonePhoto(queryPhoto('10204'));
  expect(buffer.byteLength).toBeGreaterThan(2_000_000);
  await searched(page, () => dropPhoto(page, { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer }));
  expect((await cardIds(page))[0]).toBe('10204');
  await expect(status(page)).toHaveText('Found in Handbags');
});

test('a pasted photo is searched', async ({ page }) => {
  const id = stocked('Sunglasses')[2]!;
  await searched(page, () => pastePhoto(page, photoFile(catalogPhoto(id))));
  expect((await cardIds(page))[0]).toBe(id);
});

test('the drop zone is a labelled file input that opens from the keyboard', async ({ page }) => {
  const input = page.getByLabel('Drop a photo here');
  await expect(input).toHaveAttribute('type', 'file');
  await expect(input).toHaveAttribute('accept', 'image/*');
  await input.focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => choosers.length).toBe(1);
});

for (const photo of QUERY_PHOTOS) {
  test(`a ${photo.category} photo from the query set shows ${photo.category}`, async ({ page }, testInfo) => {
    await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(queryPhoto(photo.id)));
    await expect(status(page)).toHaveText(`Found in ${photo.category}`);
    await expect(status(page)).toHaveAttribute('data-status', 'success');
    const categories = await cardCategories(page);
    expect(categories).toHaveLength(8);
    expect(new Set(categories)).toEqual(new Set([photo.category]));
    await cardImagesLoaded(page);
    if (photo === QUERY_PHOTOS[0]) {
      await saveScreenshot(page, testInfo, 'results-query-photo');
      await page.setViewportSize({ width: 390, height: 844 });
      await saveScreenshot(page, testInfo, 'results-query-photo-phone');
    }
  });
}

test('a photo the classifier is unsure about asks for confirmation; a guess narrows the search', async ({ page }, testInfo) => {
  await searched(page, async () => dropPhoto(page, await halfJeansHalfTshirt()));
  await expect(status(page)).toHaveAttribute('data-status', 'needs_confirmation');
  // Unlike any single catalog photo, and the page says so in plain words.
  await expect(status(page)).toContainText("This photo doesn't look much like anything in this shop, so we aren't sure what it is");
  await expect(cards(page)).toHaveCount(8);
  const question = page.getByRole('group', { name: /^Is this .+\?$/ });
  const yes = question.getByRole('button', { name: /^Yes, search / });
  await expect(yes).toBeVisible();
  await saveScreenshot(page, testInfo, 'needs-confirmation');

  const guess = (await yes.textContent())!.replace('Yes, search ', '');
  await searched(page, () => yes.click());
  await expect(page.getByLabel('Category')).toHaveValue(guess);
  await expect(status(page)).toHaveText(`Found in ${guess}`);
  expect(new Set(await cardCategories(page))).toEqual(new Set([guess]));
});

test('a kind of product the catalog lacks falls back to the closest items', async ({ page }, testInfo) => {
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(WATCH_PHOTO)));
  await expect(status(page)).toHaveAttribute('data-status', 'fallback');
  await expect(status(page)).toHaveText(`${ABSENT_CATEGORY} not in stock — showing closest items`);
  await expect(cards(page)).toHaveCount(8);
  await saveScreenshot(page, testInfo, 'fallback');
});

test('choosing a category the catalog lacks gives no match, not other products', async ({ page }, testInfo) => {
  const category = page.getByLabel('Category');
  await expect(category.locator('optgroup[label="Not in this catalog"] option', { hasText: ABSENT_CATEGORY })).toHaveCount(1);
  await category.selectOption(ABSENT_CATEGORY);
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(stocked('Tshirts')[0]!)));
  await expect(status(page)).toHaveAttribute('data-status', 'no_match');
  await expect(status(page)).toHaveText(`No ${ABSENT_CATEGORY} in this catalog`);
  await expect(cards(page)).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'no-match');

  // Back to auto-detect: the same photo is searched again.
  await searched(page, () => category.selectOption('auto'));
  await expect(status(page)).toHaveText('Found in Tshirts');
});

test('a damaged file is an error, and the next photo still works', async ({ page }, testInfo) => {
  const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles({ name: 'damaged.jpg', mimeType: 'image/jpeg', buffer: noise }));
  await expect(status(page)).toHaveAttribute('data-status', 'error');
  await expect(status(page)).toContainText('damaged.jpg: cannot read this image');
  await expect(cards(page)).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'error');

  const id = stocked('Belts')[2]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  await expect(status(page)).toHaveText('Found in Belts');
  expect((await cardIds(page))[0]).toBe(id);
});

test('the results selector sets how many cards come back', async ({ page }) => {
  await page.getByLabel('Results').selectOption('4');
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(stocked('Kurtas')[0]!)));
  await expect(cards(page)).toHaveCount(4);
  await searched(page, () => page.getByLabel('Results').selectOption('12'));
  await expect(cards(page)).toHaveCount(12);
});

test('the category selector lists auto-detect and every catalog category', async ({ page }) => {
  const info = await page.evaluate(() => window.__vitrine.ready);
  const inCatalog = page.locator('#category optgroup[label="In this catalog"] option');
  await expect(inCatalog).toHaveText(info.categories as string[]);
  await expect(page.getByLabel('Category').locator('option').first()).toHaveText('Auto-detect');
  await expect(page.locator('#engine-info')).toContainText('WASM × ');
});
