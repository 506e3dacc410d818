/**
 * A phone in the hand (390×844, upright and on its side): the photo, the words and the category fill the first
 * screen; the answer comes below and is scrolled into view when it is ready, without anything on screen moving
 * first and without taking the focus from where the shopper left it.
 */
import { expect, test, type Page } from '@playwright/test';
import { cardIds, cards, dropPhoto, openVitrine, photoFile, queryPhoto, searched } from './vitrine.js';

const ORIENTATIONS = [
  { name: 'portrait', viewport: { width: 390, height: 844 } },
  { name: 'landscape', viewport: { width: 844, height: 390 } },
];

/** What the shopper sees before the answer: where it sits on the page (not on the screen, which may scroll). */
const FIRST_SCREEN = ['#dropzone', '#words', '#category'];

function pagePositions(page: Page): Promise<string[]> {
  return page.evaluate(
    (selectors) =>
      selectors.map((s) => {
        const r = document.querySelector(s)!.getBoundingClientRect();
        return `${s} ${Math.round(r.left)},${Math.round(r.top + scrollY)} ${Math.round(r.width)}×${Math.round(r.height)}`;
      }),
    FIRST_SCREEN,
  );
}

for (const { name, viewport } of ORIENTATIONS) {
  test.describe(`a phone held ${name}`, () => {
    test.use({ viewport, isMobile: true, hasTouch: true });

    test('the photo, the words and the category fill the first screen; the answer scrolls into view when ready', async ({ page }) => {
      await openVitrine(page);
      for (const selector of FIRST_SCREEN) await expect(page.locator(selector), `${selector} on the first screen`).toBeInViewport({ ratio: 1 });
      await expect(page.locator('#status'), 'the answer starts below the fold').not.toBeInViewport();

      // A keyboard user is in the words field when the photo arrives (dropped, as another hand would).
      await page.locator('#words').focus();
      const before = await pagePositions(page);
      await searched(page, () => dropPhoto(page, photoFile(queryPhoto('12333'))));
      expect((await cardIds(page)).length).toBeGreaterThan(0);

      await expect(page.locator('#status')).toBeInViewport();
      await expect(cards(page).first()).toBeInViewport();
      expect(await pagePositions(page), 'nothing above the answer moved').toEqual(before);
      await expect(page.locator('#words'), 'the focus stays where it was').toBeFocused();
      expect(await page.evaluate(() => scrollY)).toBeGreaterThan(0);
    });
  });
}
