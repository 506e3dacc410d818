/** Kiosk mode (?kiosk): full-screen layout, large touch targets, an idle reset with a countdown, no way off-site. */
import { expect, test, type Page } from '@playwright/test';
import { testCatalogIds } from '../src/index/node/sample-index.js';
import { cardImagesLoaded, cards, catalogPhoto, searched } from './vitrine.js';

const notice = (page: Page) => page.locator('#idle-notice');

async function openKiosk(page: Page, query: string) {
  await page.goto(`/?${query}`);
  return page.evaluate(() => window.__vitrine.ready);
}

async function searchPhoto(page: Page): Promise<void> {
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(testCatalogIds()[40]!)));
  await expect(cards(page).first()).toBeVisible();
}

test('?kiosk fills the screen with large touch targets; an untouched kiosk is never reset', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await openKiosk(page, 'kiosk&idle=1');
  await expect(page.locator('html')).toHaveClass(/\bkiosk\b/);
  const bodyWidth = await page.locator('body').evaluate((body) => body.getBoundingClientRect().width);
  expect(bodyWidth).toBeGreaterThan(1800);
  for (const control of ['#category', '#top-k', '#words-search', '#camera-open']) {
    const box = (await page.locator(control).boundingBox())!;
    expect(box.height, control).toBeGreaterThanOrEqual(56);
  }
  await page.waitForTimeout(1500);
  await expect(notice(page)).toBeHidden();
});

test('after the idle time the kiosk counts down, then starts over: photo, words, category and results cleared', async ({ page }) => {
  const info = await openKiosk(page, 'kiosk&idle=2');
  await page.getByLabel('Category').selectOption(info.categories[0]!);
  await searchPhoto(page);
  await page.locator('#words').fill('in blue');

  await expect(notice(page)).toBeVisible();
  await expect(notice(page)).toContainText(/Starting over in \d s/);
  await expect(cards(page)).toHaveCount(0);
  await expect(notice(page)).toBeHidden();
  await expect(page.locator('#preview')).toBeHidden();
  await expect(page.locator('#words')).toHaveValue('');
  await expect(page.getByLabel('Category')).toHaveValue('auto');
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'ready');

  // The next shopper searches as usual.
  await searchPhoto(page);
  await cardImagesLoaded(page);
});

test('any input during the countdown cancels the reset', async ({ page }) => {
  await openKiosk(page, 'kiosk&idle=4');
  await searchPhoto(page);
  const searchedAt = Date.now();
  await expect(notice(page)).toBeVisible();
  await page.keyboard.press('Shift');
  await expect(notice(page)).toBeHidden();
  // Past the time the reset was due, the results are still there…
  await page.waitForTimeout(Math.max(0, searchedAt + 5000 - Date.now()));
  await expect(cards(page).first()).toBeVisible();
  // …until the kiosk is left alone for the whole idle time again.
  await expect(notice(page)).toBeVisible();
  await expect(cards(page)).toHaveCount(0);
});

test('no link leads off the site: none is rendered, and one that appears is not followed', async ({ page }) => {
  await openKiosk(page, 'kiosk&idle=60');
  await searchPhoto(page);
  await cards(page).first().locator('img').click();
  const offSite = () => page.locator('a[href]').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href).filter((href) => new URL(href).origin !== location.origin));
  expect(await offSite()).toEqual([]);
  await page.keyboard.press('Escape');

  const here = page.url();
  await page.evaluate(() => {
    const link = document.createElement('a');
    link.href = 'https://example.com/';
    link.id = 'elsewhere';
    link.textContent = 'elsewhere';
    document.querySelector('main')!.prepend(link);
  });
  await page.locator('#elsewhere').click();
  await page.waitForTimeout(500);
  expect(page.url()).toBe(here);
});
