/**
 * Accessibility and looks. axe (WCAG 2.0, 2.1 and 2.2, levels A and AA) checks every state of the page — loading,
 * ready, searching, results, details, words, the question when unsure, an error, cropping — at phone, laptop and kiosk
 * sizes, and a full-page screenshot of each lands in test-results/screenshots/ to be looked at. Then the whole page
 * is used with the keyboard alone: reading-order Tab stops, a visible focus ring, nothing that needs a mouse or a drag.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import sharp from 'sharp';
import { testCatalogIds } from '../src/index/node/sample-index.js';
import { testManifest } from './edited-index.js';
import { cardIds, cards, catalogPhoto, dropPhoto, halfJeansHalfTshirt, queryPhoto, saveScreenshot, searched, type PhotoFile } from './vitrine.js';

const WCAG_A_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
/** WCAG 2.5.8 (AA): pointer targets at least 24 × 24 CSS px. */
const MIN_TARGET_PX = 24;
/** WCAG 1.4.11: a focus ring needs 3:1 against what it is drawn on. */
const MIN_RING_CONTRAST = 3;

const VIEWPORTS = [
  { name: 'phone', size: { width: 390, height: 844 }, path: '/' },
  { name: 'laptop', size: { width: 1366, height: 768 }, path: '/' },
  // Idle time long enough that the kiosk never starts over during the test.
  { name: 'kiosk', size: { width: 1920, height: 1080 }, path: '/?kiosk&idle=3600' },
] as const;

const manifest = testManifest();
const modelFile = (record: { model: string; files: Record<string, unknown> }, suffix: string) =>
  `models/${record.model}/${Object.keys(record.files).find((f) => f.endsWith(suffix))!}`;
/** Held back to keep the page loading, and the first search with words waiting for the text model. */
const IMAGE_MODEL = modelFile(manifest.models.visual, '.onnx');
const TEXT_MODEL = modelFile(manifest.models.textSemantic, '.onnx');

/** A plain grey picture: nothing in it to recognise, so the page asks what it is. */
const greyPhoto = async (): Promise<PhotoFile> => ({
  name: 'grey.png',
  mimeType: 'image/png',
  buffer: await sharp({ create: { width: 300, height: 400, channels: 3, background: '#808080' } }).png().toBuffer(),
});
const damagedPhoto: PhotoFile = { name: 'damaged.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)) };

/** Two catalog photos side by side, as an outfit photo shows several garments: something worth cropping. */
async function outfitPhoto(): Promise<PhotoFile> {
  const [left, right] = testCatalogIds();
  const tile = (id: string) => sharp(catalogPhoto(id)).resize(224, 224, { fit: 'fill' }).toBuffer();
  const buffer = await sharp({ create: { width: 448, height: 224, channels: 3, background: '#ffffff' } })
    .composite([
      { input: await tile(left!), left: 0, top: 0 },
      { input: await tile(right!), left: 224, top: 0 },
    ])
    .png()
    .toBuffer();
  return { name: 'outfit.png', mimeType: 'image/png', buffer };
}

/** Requests for `path` wait until released: the page stays in the state that waits for that file. */
async function holdRequests(context: BrowserContext, path: string): Promise<{ requested: Promise<void>; release(): void }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let requested!: () => void;
  const seen = new Promise<void>((resolve) => (requested = resolve));
  await context.route(`**/${path}`, async (route) => {
    requested();
    await released;
    await route.fallback();
  });
  return { requested: seen, release };
}

const wordSearches = (page: Page) => page.evaluate(() => performance.getEntriesByName('vitrine:words-to-results').length);

/** Runs something that starts a search, with words or without, and waits until the page shows its answer. */
async function answered(page: Page, start: () => Promise<unknown>): Promise<void> {
  const count = () => performance.getEntriesByName('vitrine:drop-to-results').length + performance.getEntriesByName('vitrine:words-to-results').length;
  const before = await page.evaluate(count);
  await start();
  await page.waitForFunction((n) => performance.getEntriesByName('vitrine:drop-to-results').length + performance.getEntriesByName('vitrine:words-to-results').length > n, before);
}

/** Enabled, visible controls smaller than 24 × 24 CSS px. */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate((min) => {
    const controls = document.querySelectorAll<HTMLElement>('button, select, input, a[href], [tabindex]:not([tabindex="-1"])');
    return [...controls]
      .filter((control) => control.checkVisibility({ visibilityProperty: true }) && !control.matches(':disabled') && !control.closest('[inert]'))
      .map((control) => ({ control, box: control.getBoundingClientRect() }))
      .filter(({ box }) => box.width < min || box.height < min)
      .map(({ control, box }) => `${control.id || control.textContent?.trim() || control.tagName}: ${Math.round(box.width)} × ${Math.round(box.height)}`);
  }, MIN_TARGET_PX);
}

/**
 * axe on the page as it is, and the target sizes: no serious or critical violation (the rest is attached to the
 * report). Checked softly, so that one run shows every state's problems and screenshot.
 */
async function audit(page: Page, testInfo: TestInfo, viewport: string, state: string): Promise<void> {
  await saveScreenshot(page, testInfo, `${viewport}-${state}`);
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_A_AA).analyze();
  const describe = (v: (typeof violations)[number]) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`;
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = violations.filter((v) => !blocking.includes(v));
  if (minor.length) testInfo.annotations.push({ type: `axe ${viewport} ${state}`, description: minor.map(describe).join('\n') });
  expect.soft(blocking.map(describe), `axe: ${viewport}, ${state}`).toEqual([]);
  expect.soft(await smallTargets(page), `targets under ${MIN_TARGET_PX} px: ${viewport}, ${state}`).toEqual([]);
}

for (const viewport of VIEWPORTS) {
  test.describe(viewport.name, () => {
    test(`every state passes axe (WCAG 2.2 AA) and is screenshotted`, async ({ page, context }, testInfo) => {
      test.setTimeout(240_000);
      await page.setViewportSize(viewport.size);
      const shot = (state: string) => audit(page, testInfo, viewport.name, state);
      const status = page.locator('#status');

      const loading = await holdRequests(context, IMAGE_MODEL);
      // Held from the start: a kiosk fetches the text model in the background, to have words work offline too.
      const textModel = await holdRequests(context, TEXT_MODEL);
      await page.goto(viewport.path);
      await loading.requested;
      await expect(page.locator('#loading')).toBeVisible();
      await expect(status).toHaveAttribute('data-status', 'loading');
      await shot('loading');
      loading.release();
      await page.evaluate(() => window.__vitrine.ready);

      // No camera in the test browser: the button is disabled and the note beside it says what to do instead.
      await expect(page.locator('#camera-note')).toHaveText(/^No camera found/);
      await expect(status).toHaveAttribute('data-status', 'ready');
      await shot('ready');

      await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(queryPhoto('12333')));
      await expect(status).toHaveAttribute('data-status', 'success');
      await shot('results');

      await cards(page).first().getByRole('button').click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await shot('detail');
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog')).toBeHidden();

      // The first search with words waits for the text model: the page is searching, the old results dimmed.
      const before = await wordSearches(page);
      await page.getByLabel('Describe what you want').fill('blue jeans');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await textModel.requested;
      await expect(status).toHaveAttribute('data-status', 'searching');
      await shot('searching');
      textModel.release();
      await page.waitForFunction((n) => performance.getEntriesByName('vitrine:words-to-results').length > n, before);
      await shot('photo-and-words');

      const photoAndWords = await wordSearches(page);
      await page.getByRole('button', { name: 'Remove the photo' }).click();
      await page.waitForFunction((n) => performance.getEntriesByName('vitrine:words-to-results').length > n, photoAndWords);
      await expect(status).toHaveText('Results for “blue jeans”');
      await shot('text-results');
      await page.getByRole('button', { name: 'Clear the words' }).click();

      await searched(page, async () => dropPhoto(page, await greyPhoto()));
      await expect(status).toHaveAttribute('data-status', 'needs_confirmation');
      await shot('needs-confirmation');

      await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(damagedPhoto));
      await expect(status).toHaveAttribute('data-status', 'error');
      await shot('error');

      await searched(page, async () => page.getByLabel('Drop a photo here').setInputFiles(await outfitPhoto()));
      await page.getByRole('button', { name: 'Crop' }).click();
      await expect(page.getByRole('application', { name: 'Area to search' })).toBeFocused();
      await shot('crop');
    });
  });
}

/** What has focus, in words a test can compare, and whether a ring that can be seen shows where it is. */
interface FocusStop {
  readonly name: string;
  readonly top: number;
  readonly left: number;
  /** Why the focus cannot be seen, or null when it can. */
  readonly ringProblem: string | null;
}

function focusStop(page: Page, minContrast: number): Promise<FocusStop | null> {
  return page.evaluate((minContrast) => {
    const focused = document.activeElement;
    if (!(focused instanceof HTMLElement) || focused === document.body) return null;
    const card = focused.closest<HTMLElement>('[data-product-id]');
    const name = focused.id || (card ? `card:${card.dataset.productId}` : focused.dataset.chip ? `chip:${focused.dataset.chip}` : `${focused.tagName}:${focused.textContent?.trim()}`);
    const box = focused.getBoundingClientRect();

    const rgb = (colour: string) => (colour.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = (colour: string) => {
      const [r, g, b] = rgb(colour).map((c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const backgroundBehind = (node: Element | null): string => {
      for (; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (rgb(colour)[3] !== 0 && colour !== 'transparent') return colour;
      }
      return 'rgb(255, 255, 255)';
    };
    // The ring is on the control, or on the box around a control that is invisible itself (the drop zone's input).
    const drawsRing = (node: Element) => getComputedStyle(node).outlineStyle !== 'none' && getComputedStyle(node).opacity !== '0';
    let ringOwner: Element | null = focused;
    while (ringOwner && !drawsRing(ringOwner)) ringOwner = ringOwner.parentElement;
    let ringProblem: string | null = null;
    if (!focused.matches(':focus-visible')) ringProblem = 'not :focus-visible';
    else if (!ringOwner || ringOwner === document.body) ringProblem = 'no outline';
    else {
      const style = getComputedStyle(ringOwner);
      const width = parseFloat(style.outlineWidth);
      // An outline drawn outside the box sits on the parent's background; one drawn inside on the box's own.
      const behind = parseFloat(style.outlineOffset) < 0 ? backgroundBehind(ringOwner) : backgroundBehind(ringOwner.parentElement);
      const [lighter, darker] = [luminance(style.outlineColor), luminance(behind)].sort((a, b) => b - a);
      const contrast = (lighter! + 0.05) / (darker! + 0.05);
      if (width < 2) ringProblem = `outline ${style.outlineWidth}`;
      else if (contrast < minContrast) ringProblem = `outline contrast ${contrast.toFixed(2)} on ${behind}`;
    }
    return { name, top: box.top + scrollY, left: box.left + scrollX, ringProblem };
  }, minContrast);
}

/** Tab from the first control round the page once: the stops in order (the page's start is the drop zone). */
async function tabCycle(page: Page, first: string): Promise<FocusStop[]> {
  const stops: FocusStop[] = [];
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const stop = await focusStop(page, MIN_RING_CONTRAST);
    if (!stop) continue; // the browser's own stop between the end and the start of the page
    if (stop.name === first && stops.length > 0 && stops[0]!.name === first) return stops;
    if (stops.length || stop.name === first) stops.push(stop);
  }
  throw new Error(`Tab never came back to #${first}: ${stops.map((s) => s.name).join(' → ')}`);
}

test('the keyboard alone: Tab stops in reading order with a visible ring, and every action works without a mouse', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 768 });
  // Waited for before the page opens: Playwright turns on catching file choosers when asked, and a chooser opened
  // before that is done is the browser's own, never reported (seen as a rare timeout).
  const chooser = page.waitForEvent('filechooser', { timeout: 120_000 });
  await page.goto('/');
  const info = await page.evaluate(() => window.__vitrine.ready);
  const status = page.locator('#status');
  await expect(status).toHaveAttribute('role', 'status');
  await expect(status).toHaveAttribute('aria-live', 'polite');

  // Before a photo: the drop zone (a file input: the non-drag way in, WCAG 2.5.7), the words, their button, options.
  const start = await tabCycle(page, 'photo');
  expect(start.map((s) => s.name)).toEqual(['photo', 'words', 'words-search', 'category', 'top-k']);
  expect(start.filter((s) => s.ringProblem)).toEqual([]);
  await expect(page.locator('#photo')).toHaveAttribute('type', 'file');

  // Enter on the drop zone opens the file chooser; the photo is searched.
  await page.locator('#photo').focus();
  await page.keyboard.press('Enter');
  await searched(page, async () => (await chooser).setFiles(queryPhoto('12333')));
  await expect(status).toHaveText('Found in Jeans');

  // With results: Crop and Remove the photo join in; then the refine chips and the cards, in the order shown.
  const withResults = await tabCycle(page, 'photo');
  const names = withResults.map((s) => s.name);
  const shownCards = (await cardIds(page)).map((id) => `card:${id}`);
  const chips = names.filter((n) => n.startsWith('chip:'));
  expect(names).toEqual(['photo', 'crop-start', 'words', 'words-search', 'remove-photo', 'category', 'top-k', ...chips, ...shownCards]);
  expect(withResults.filter((s) => s.ringProblem).map((s) => `${s.name}: ${s.ringProblem}`)).toEqual([]);
  // Cards are visited row by row, left to right: each one further down, or on the same row further right.
  const cardStops = withResults.filter((s) => s.name.startsWith('card:'));
  for (const [previous, next] of cardStops.slice(1).map((s, i) => [cardStops[i]!, s] as const)) {
    expect(next.top > previous.top + 1 || (Math.abs(next.top - previous.top) <= 1 && next.left > previous.left), `${previous.name} → ${next.name}`).toBe(true);
  }

  // The results count, from the keyboard: the select's arrow keys search again.
  await page.locator('#top-k').focus();
  await searched(page, () => page.keyboard.press('ArrowUp'));
  await expect(cards(page)).toHaveCount(4);

  // A chip, pressed with Space.
  if (chips.length) {
    const chip = page.locator(`[data-chip="${chips[0]!.slice('chip:'.length)}"]`);
    await chip.focus();
    await page.keyboard.press('Space');
    await expect(page.locator(`[data-chip="${chips[0]!.slice('chip:'.length)}"]`)).toHaveAttribute('aria-pressed', 'true');
  }

  // A card's details: Enter opens the dialog with focus inside, Tab stays in it, Escape gives focus back to the card.
  const firstCard = cards(page).first().getByRole('button');
  const productId = (await cardIds(page))[0]!;
  await firstCard.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  for (let i = 0; i < 4; i++) {
    const stop = await focusStop(page, MIN_RING_CONTRAST);
    if (stop) {
      expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null), stop.name).toBe(true);
      expect(stop.ringProblem, stop.name).toBeNull();
    }
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(firstCard).toBeFocused();

  // "Find similar to this", from the keyboard: the product's own photo is searched, and comes first.
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Find similar to this' }).focus();
  await searched(page, () => page.keyboard.press('Enter'));
  expect((await cardIds(page))[0]).toBe(productId);

  // Words, typed and sent with Enter.
  await page.locator('#words').focus();
  await page.keyboard.type('blue jeans');
  const before = await wordSearches(page);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => performance.getEntriesByName('vitrine:words-to-results').length > n, before);
  await expect(status).toContainText('“blue jeans”');

  // The crop, without a drag (WCAG 2.5.7): the Crop button, arrow keys, Enter to search; buttons do the same.
  await page.locator('#crop-start').focus();
  await page.keyboard.press('Enter');
  const cropBox = page.getByRole('application', { name: 'Area to search' });
  await expect(cropBox).toBeFocused();
  expect((await focusStop(page, MIN_RING_CONTRAST))!.ringProblem).toBeNull();
  const boxBefore = (await cropBox.boundingBox())!;
  await page.keyboard.press('ArrowLeft');
  expect((await cropBox.boundingBox())!.x).toBeLessThan(boxBefore.x);
  await expect(page.getByRole('button', { name: 'Search this area' })).toBeVisible();
  // The area is searched with the words still in the field.
  await answered(page, () => page.keyboard.press('Enter'));
  await answered(page, () => page.keyboard.press('Escape'));
  await expect(page.locator('#crop-start')).toBeFocused();

  // The question when unsure: its answers are buttons and a select in the Tab order.
  const unsure = await halfJeansHalfTshirt();
  await searched(page, () => page.locator('#photo').setInputFiles(unsure));
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'needs_confirmation');
  const yes = page.getByRole('button', { name: /^Yes, search / });
  const guess = (await yes.textContent())!.replace('Yes, search ', '');
  await yes.focus();
  await searched(page, () => page.keyboard.press('Enter'));
  await expect(page.getByLabel('Category')).toHaveValue(guess);
  expect(info.categories).toContain(guess);

  // An error is announced in the live region.
  await searched(page, () => page.locator('#photo').setInputFiles(damagedPhoto));
  await expect(status).toHaveAttribute('data-status', 'error');
  await expect(status).toContainText('damaged.jpg: cannot read this image');
});
