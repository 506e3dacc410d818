/**
 * Results that help decide: chips that refine the matches, a line per card saying why it matched, a details dialog,
 * and the question the page asks when it is unsure what a photo shows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { SearchResponse } from '../src/search/shared/response.js';
import { demoLabels, QUERY_IMAGES_DIR, testCatalogIds } from '../src/index/node/sample-index.js';
import { cardCategories, cardIds, cards, catalogPhoto, dropPhoto, openVitrine, photoFile, searched } from './vitrine.js';

const labels = new Map(demoLabels().map((r) => [r.id, r]));
const stocked = (category: string) => testCatalogIds().filter((id) => labels.get(id)?.articleType === category);
const status = (page: Page) => page.getByRole('status');

async function searchWords(page: Page, words: string): Promise<void> {
  const before = await page.evaluate(() => performance.getEntriesByName('vitrine:words-to-results').length);
  await page.getByLabel('Describe what you want').fill(words);
  await page.getByLabel('Describe what you want').press('Enter');
  await page.waitForFunction((n) => performance.getEntriesByName('vitrine:words-to-results').length > n, before);
}

/** The chips of a group, as shown: value, count, pressed. */
const chips = (page: Page, group: 'type' | 'colour') =>
  page
    .getByRole('group', { name: `Filter by ${group}` })
    .getByRole('button')
    .evaluateAll((nodes) =>
      nodes.map((n) => ({ value: n.querySelector('.chip-value')!.textContent!, count: Number(n.querySelector('.chip-count')!.textContent), pressed: n.getAttribute('aria-pressed') })),
    );

const colourOf = (r: SearchResponse['results'][number]) => r.color ?? r.predicted_color;

function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

test('type and colour chips count the matches and refine the cards, from the keyboard', async ({ page }) => {
  await openVitrine(page);
  await searchWords(page, 'blue');
  const pool = Number(/Refine the (\d+) closest matches/.exec((await page.locator('.refine-total').textContent())!)![1]);
  expect(pool).toBeGreaterThan(8);
  const response = await page.evaluate((topK) => window.__vitrine.searchText('blue', { topK }), pool);
  expect(response.results).toHaveLength(pool);

  // Counts: each chip shows how many of the pool it keeps.
  const byType = tally(response.results.map((r) => r.category));
  const byColour = tally(response.results.map(colourOf));
  expect(new Map((await chips(page, 'type')).map((c) => [c.value, c.count]))).toEqual(byType);
  expect(new Map((await chips(page, 'colour')).map((c) => [c.value, c.count]))).toEqual(byColour);
  expect(byType.size).toBeGreaterThan(1);

  // A colour chip, pressed with the keyboard: only that colour, in the ranking's order, a full row of them.
  const colourGroup = page.getByRole('group', { name: 'Filter by colour' });
  const [colour] = [...byColour].sort((a, b) => b[1] - a[1])[0]!;
  const colourChip = colourGroup.getByRole('button', { name: `${colour}: ${byColour.get(colour)}` });
  await colourChip.focus();
  await page.keyboard.press('Enter');
  const pressed = colourGroup.getByRole('button', { name: new RegExp(`^${colour}:`) });
  await expect(pressed).toHaveAttribute('aria-pressed', 'true');
  await expect(pressed).toBeFocused();
  const blueIds = response.results.filter((r) => colourOf(r) === colour).map((r) => r.id);
  expect(await cardIds(page)).toEqual(blueIds.slice(0, 8));

  // Then a type: both apply, and the colour counts are now within that type.
  const withColour = response.results.filter((r) => colourOf(r) === colour);
  const [type] = [...tally(withColour.map((r) => r.category))].sort((a, b) => b[1] - a[1])[0]!;
  const typeGroup = page.getByRole('group', { name: 'Filter by type' });
  await typeGroup.getByRole('button', { name: new RegExp(`^${type}:`) }).focus();
  await page.keyboard.press('Space');
  await expect(typeGroup.getByRole('button', { name: new RegExp(`^${type}:`) })).toHaveAttribute('aria-pressed', 'true');
  const both = withColour.filter((r) => r.category === type);
  expect(await cardIds(page)).toEqual(both.slice(0, 8).map((r) => r.id));
  expect(new Map((await chips(page, 'colour')).map((c) => [c.value, c.count]))).toEqual(tally(response.results.filter((r) => r.category === type).map(colourOf)));

  // Pressing both again shows the unrefined ranking.
  await typeGroup.getByRole('button', { name: new RegExp(`^${type}:`) }).press('Enter');
  await colourGroup.getByRole('button', { name: new RegExp(`^${colour}:`) }).press('Enter');
  expect(await cardIds(page)).toEqual(response.results.slice(0, 8).map((r) => r.id));
  expect((await chips(page, 'colour')).every((c) => c.pressed === 'false')).toBe(true);
});

test('each card says why it matched: the shares of looks and of colour & texture in its score, summing to 100 %', async ({ page }) => {
  const info = await openVitrine(page);
  const id = stocked('Tshirts')[3]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  const lines = await cards(page).locator('.card-why').allTextContents();
  expect(lines).toHaveLength(8);
  const shares = lines.map((line) => {
    const match = /^(\d+) % looks \(shape\/style\) · (\d+) % colour & texture$/.exec(line);
    if (!match) throw new Error(`unexpected why line: ${line}`);
    return [Number(match[1]), Number(match[2])] as const;
  });
  for (const [looks, colour] of shares) expect(looks + colour).toBe(100);
  expect(shares[0]).toEqual([50, 50]); // the same photo: both signals are sure
  expect(new Set(shares.map(([looks]) => looks)).size).toBeGreaterThan(1);

  // Each share is its signal's part of the fused score the worker returned (weighted fusion, calibrated).
  const photo = photoFile(catalogPhoto(id));
  const response = await page.evaluate(
    async ({ base64, name }) => window.__vitrine.search(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: 'image/jpeg' }), { topK: 8 }),
    { base64: photo.buffer.toString('base64'), name: photo.name },
  );
  expect(response.fusion).toBe('weighted');
  const { weights, calibration } = info.scoring;
  response.results.forEach((r, i) => {
    const looks = ((weights.semantic / (weights.semantic + weights.visual)) * (r.semantic_similarity - calibration.semanticBaseline)) / (1 - calibration.semanticBaseline);
    const colour = ((weights.visual / (weights.semantic + weights.visual)) * (r.visual_similarity! - calibration.visualBaseline)) / (1 - calibration.visualBaseline);
    if (looks > 0 && colour > 0) expect(Math.abs((100 * looks) / r.score - shares[i]![0])).toBeLessThanOrEqual(0.5 + 1e-9);
  });

  // A photo with words says so; words alone split between the product's photo and its name.
  await searchWords(page, 'black T-shirt');
  await expect(cards(page).locator('.card-why')).toHaveText(Array(8).fill('Your photo’s look, moved towards “black T-shirt”'));
  const before = await page.evaluate(() => performance.getEntriesByName('vitrine:words-to-results').length);
  await page.getByRole('button', { name: 'Remove the photo' }).click();
  await page.waitForFunction((n) => performance.getEntriesByName('vitrine:words-to-results').length > n, before);
  await expect(status(page)).toHaveText('Results for “black T-shirt”');
  for (const line of await cards(page).locator('.card-why').allTextContents()) {
    const match = /^Matches “black T-shirt”: (\d+) % by its photo · (\d+) % by its name$/.exec(line);
    expect(match, line).not.toBeNull();
    expect(Number(match![1]) + Number(match![2])).toBe(100);
  }
});

test('a card opens its details in a dialog from the keyboard; Escape closes it and focus returns; "find similar" searches its photo', async ({ page }) => {
  await openVitrine(page);
  const id = stocked('Handbags')[2]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  const second = cards(page).nth(1);
  const secondId = (await second.getAttribute('data-product-id'))!;
  const opener = second.locator('.card-open');
  const name = (await opener.textContent())!;
  await opener.focus();
  await page.keyboard.press('Enter');

  const dialog = page.getByRole('dialog', { name });
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await expect(dialog.getByRole('img')).toHaveAttribute('src', new RegExp(`/catalog/(.+/)?${secondId}\\.jpg$`));
  await expect(dialog.locator('dt')).toHaveText(['Category', 'Colour', 'Score']);
  await expect(dialog.locator('.card-why')).toHaveText(/% looks \(shape\/style\)/);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  // A click anywhere on a card opens it too; "find similar to this" searches with that product's photo.
  await second.locator('img').click();
  await expect(dialog).toBeVisible();
  await searched(page, () => dialog.getByRole('button', { name: 'Find similar to this' }).click());
  await expect(dialog).toBeHidden();
  expect((await cardIds(page))[0]).toBe(secondId);
  await expect(status(page)).toHaveText('Found in Handbags');
  await expect(page.getByRole('img', { name: `Your photo: ${secondId}.jpg` })).toBeVisible();
});

test('unsure what a photo shows, the page asks "Is this …?"; another category picked from the list is searched strictly', async ({ page }) => {
  const info = await openVitrine(page);
  // The first query photo (in name order) the classifier is unsure about, with a guess the catalog stocks.
  let unsure: { file: string; response: SearchResponse } | null = null;
  for (const file of readdirSync(QUERY_IMAGES_DIR).sort().slice(0, 80)) {
    const response = await page.evaluate(
      async ({ base64, name }) => window.__vitrine.search(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: 'image/jpeg' }), {}),
      { base64: readFileSync(join(QUERY_IMAGES_DIR, file)).toString('base64'), name: file },
    );
    if (response.status === 'needs_confirmation' && response.category_candidates.some((c) => c.in_catalog)) {
      unsure = { file, response };
      break;
    }
  }
  expect(unsure, 'a query photo the classifier is unsure about').not.toBeNull();
  const guesses = unsure!.response.category_candidates.filter((c) => c.in_catalog).map((c) => c.category);

  await searched(page, () => dropPhoto(page, photoFile(join(QUERY_IMAGES_DIR, unsure!.file))));
  await expect(status(page)).toHaveAttribute('data-status', 'needs_confirmation');
  const question = page.getByRole('group', { name: `Is this ${guesses[0]}?` });
  await expect(question.getByRole('button', { name: `Yes, search ${guesses[0]}` })).toBeVisible();
  for (const other of guesses.slice(1)) await expect(question.getByRole('button', { name: `No, it is ${other}` })).toBeVisible();
  const pick = question.getByLabel('Something else');
  await expect(pick.locator('option')).toHaveText(['pick a category', ...info.categories]);

  const chosen = info.categories.find((c) => !guesses.includes(c))!;
  await searched(page, () => pick.selectOption(chosen));
  await expect(status(page)).toHaveText(`Found in ${chosen}`);
  await expect(status(page)).toHaveAttribute('aria-live', 'polite');
  await expect(page.locator('#category')).toHaveValue(chosen);
  expect(new Set(await cardCategories(page))).toEqual(new Set([chosen]));
  await expect(question).toBeHidden();
  console.log(`needs_confirmation photo: ${unsure!.file} (guesses ${unsure!.response.category_candidates.map((c) => `${c.category} ${c.confidence.toFixed(2)}`).join(', ')}); chose ${chosen}`);
});
