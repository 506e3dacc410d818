/**
 * Words in the page: a description alone, and a photo changed by words ("like this, but in blue"). The CLIP text
 * encoder, its tokenizer and the product-name vectors are fetched only when the first query with words comes.
 */
import { expect, test, type Page, type Worker } from '@playwright/test';
import { testManifest } from './edited-index.js';
import { cardCategories, cards, catalogPhoto, openVitrine, photoFile, searched } from './vitrine.js';

const manifest = testManifest();
const textRecord = manifest.models.textSemantic;
/** Everything only words need, as the page requests it: the text encoder and its tokenizer (names are in the shards). */
const TEXT_FILES = Object.keys(textRecord.files).map((f) => `models/${textRecord.model}/${f}`);
const TEXT_BYTES = Object.values(textRecord.files).reduce((sum, f) => sum + f.bytes, 0);
/** A black T-shirt from the demo catalog, not in the test catalog (as in tests/search-cli.test.ts). */
const BLACK_TSHIRT = '19982';

const status = (page: Page) => page.getByRole('status');

/** Requests for the text side's files. */
function recordTextRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname.replace(/^\//, '');
    if (TEXT_FILES.includes(path)) seen.push(path);
  });
  return seen;
}

/** Runs something that starts a search with words and waits until the page shows its answer. */
async function wordsShown(page: Page, start: () => Promise<unknown>): Promise<void> {
  const before = await page.evaluate(() => performance.getEntriesByName('vitrine:words-to-results').length);
  await start();
  await page.waitForFunction((n) => performance.getEntriesByName('vitrine:words-to-results').length > n, before);
}

/** Types words and presses Search. */
async function searchWords(page: Page, words: string): Promise<void> {
  await page.getByLabel('Describe what you want').fill(words);
  await wordsShown(page, () => page.getByRole('button', { name: 'Search', exact: true }).click());
}

/** The colour line of every card, as shown. */
const cardColours = (page: Page) =>
  cards(page).evaluateAll((nodes) => nodes.map((n) => [...n.querySelectorAll('dt')].find((dt) => dt.textContent === 'Colour')?.nextElementSibling?.textContent ?? ''));
const blueCards = async (page: Page) => (await cardColours(page)).filter((c) => c.startsWith('Blue')).length;

test('"blue jeans" shows blue jeans; the text model is fetched only then, with its own progress', async ({ page }, testInfo) => {
  const requests = recordTextRequests(page);
  // Every label the loading box shows (the download is quick here, so sampling it could miss them).
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { labelsSeen: string[] }).labelsSeen = seen;
    new MutationObserver(() => seen.push(document.getElementById('load-label')?.textContent ?? '')).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await openVitrine(page);
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(BLACK_TSHIRT)));
  expect(requests).toEqual([]); // loading the page and searching a photo need none of it
  await page.getByRole('button', { name: 'Remove the photo' }).click();

  const started = Date.now();
  await searchWords(page, 'blue jeans');
  const elapsed = Date.now() - started;
  expect([...requests].sort()).toEqual([...TEXT_FILES].sort());
  const labels = await page.evaluate(() => (window as unknown as { labelsSeen: string[] }).labelsSeen);
  expect(labels.some((l) => /^Loading the text model — \d+ %/.test(l))).toBe(true);
  await expect(page.locator('#loading')).toBeHidden();

  await expect(status(page)).toHaveText('Results for “blue jeans”');
  await expect(cards(page)).toHaveCount(8);
  expect(new Set(await cardCategories(page))).toEqual(new Set(['Jeans']));
  expect(await blueCards(page)).toBeGreaterThanOrEqual(6);
  testInfo.annotations.push({ type: 'text model', description: `${(TEXT_BYTES / 1e6).toFixed(1)} MB fetched on the first query with words; words → results ${elapsed} ms` });
  console.log(`text model: ${testInfo.annotations.at(-1)!.description}`);

  // The second query needs no download.
  requests.length = 0;
  await searchWords(page, 'black handbag');
  expect(requests).toEqual([]);
  expect(new Set(await cardCategories(page))).toEqual(new Set(['Handbags']));
});

test('the text model is kept in IndexedDB, and a replacement worker loads it again when words come', async ({ page }) => {
  await openVitrine(page);
  await searchWords(page, 'blue jeans');
  const requests = recordTextRequests(page);
  await page.reload();
  await page.evaluate(() => window.__vitrine.ready);
  await searchWords(page, 'black handbag');
  expect(requests).toEqual([]); // from IndexedDB: the page's start did not drop the files it had not needed yet
  expect(new Set(await cardCategories(page))).toEqual(new Set(['Handbags']));

  const worker = page.workers().find((w) => w.url().includes('search.worker'))!;
  await worker.evaluate(() => self.close());
  await expect.poll(() => page.workers().some((w: Worker) => w !== worker && w.url().includes('search.worker'))).toBe(true);
  await page.evaluate(() => window.__vitrine.ready);
  await searchWords(page, 'blue jeans');
  await expect(status(page)).toHaveText('Results for “blue jeans”');
  expect(new Set(await cardCategories(page))).toEqual(new Set(['Jeans']));
  expect(requests).toEqual([]);
});

test('a black T-shirt photo plus "blue" brings blue T-shirts forward; the words and the photo can be cleared', async ({ page }, testInfo) => {
  const info = await openVitrine(page);
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(BLACK_TSHIRT)));
  await expect(status(page)).toHaveText('Found in Tshirts');
  const alone = await blueCards(page);

  await searchWords(page, 'blue');
  await expect(status(page)).toHaveText('Your photo + “blue”: Found in Tshirts');
  expect(new Set(await cardCategories(page))).toEqual(new Set(['Tshirts']));
  const composed = await blueCards(page);
  expect(composed).toBeGreaterThanOrEqual(alone + 2);
  testInfo.annotations.push({ type: 'blue cards of 8', description: `photo alone ${alone}, photo + "blue" ${composed}` });
  console.log(`blue cards of 8: ${testInfo.annotations.at(-1)!.description}`);

  // The page's handle gives the same composed ranking.
  const photo = photoFile(catalogPhoto(BLACK_TSHIRT));
  const viaHandle = await page.evaluate(
    async ({ base64, name }) => {
      const image = new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: 'image/jpeg' });
      const response = await window.__vitrine.search(image, { topK: 8 }, 'blue');
      return { fusion: response.fusion, ids: response.results.map((r) => r.id) };
    },
    { base64: photo.buffer.toString('base64'), name: photo.name },
  );
  expect(viaHandle.fusion).toBe('composed');
  expect(viaHandle.ids).toEqual(await cards(page).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-product-id'))));

  // Clearing the words searches the photo alone again.
  await searched(page, () => page.getByRole('button', { name: 'Clear the words' }).click());
  await expect(status(page)).toHaveText('Found in Tshirts');
  await expect(page.getByLabel('Describe what you want')).toHaveValue('');
  expect(await blueCards(page)).toBe(alone);

  // Removing the photo leaves the words, searched alone; with neither, the page is empty again.
  await searchWords(page, 'blue jeans');
  await expect(status(page)).toHaveText('Your photo + “blue jeans”: Found in Tshirts');
  await wordsShown(page, () => page.getByRole('button', { name: 'Remove the photo' }).click());
  await expect(page.getByRole('img', { name: /^Your photo/ })).toBeHidden();
  await expect(status(page)).toHaveText('Results for “blue jeans”');
  expect(new Set(await cardCategories(page))).toEqual(new Set(['Jeans']));
  await page.getByRole('button', { name: 'Clear the words' }).click();
  await expect(cards(page)).toHaveCount(0);
  await expect(status(page)).toHaveText(`Drop a photo or describe what you are looking for`);
  await expect(page.getByRole('button', { name: 'Remove the photo' })).toBeHidden();
  expect(info.products).toBeGreaterThan(0);
});

test('the page handle searches words alone as the CLI does', async ({ page }) => {
  await openVitrine(page);
  const response = await page.evaluate(() => window.__vitrine.searchText('blue jeans', { topK: 8 }));
  expect(response.fusion).toBe('text');
  expect(response.message).toBe('Results for “blue jeans”');
  for (const r of response.results) expect([r.category, r.color]).toEqual(['Jeans', 'Blue']);
  const empty = await page.evaluate(() => window.__vitrine.searchText('  ', {}));
  expect(empty.status).toBe('error');
});
