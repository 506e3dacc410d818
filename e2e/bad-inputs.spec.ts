/**
 * The awkward files of tests/helpers/bad-images.ts, dropped on the page: the same outcome as in Node
 * (tests/bad-inputs.test.ts) — searched, or a clear error — in bounded time, and the page keeps working.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { SearchResponse } from '../src/search/shared/response.js';
import { BAD_INPUTS, badInputPath, ensureBadInputs, LARGE_SOURCE, SOURCE_PRODUCT } from '../tests/helpers/bad-images.js';
import { testCatalogIds } from '../src/index/node/sample-index.js';
import { cardIds, cards, catalogPhoto, openVitrine, queryPhoto, searched } from './vitrine.js';

/** A file searched through window.__vitrine (the page's worker), and how long the worker took. */
async function searchFile(page: Page, path: string): Promise<{ response: SearchResponse; ms: number }> {
  return page.evaluate(
    async ({ name, base64 }) => {
      const file = new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name);
      const started = performance.now();
      const response = await window.__vitrine.search(file, {});
      return { response, ms: performance.now() - started };
    },
    { name: basename(path), base64: readFileSync(path).toString('base64') },
  );
}

test.beforeAll(async () => {
  await ensureBadInputs();
});

test('every bad or unusual photo gets its clear result in the page, fast, and the page keeps working', async ({ page }) => {
  test.setTimeout(180_000);
  await openVitrine(page);
  const sources = {
    catalog: (await searchFile(page, catalogPhoto(SOURCE_PRODUCT))).response,
    query: (await searchFile(page, queryPhoto(LARGE_SOURCE))).response,
  };
  const table: string[] = [];
  for (const input of BAD_INPUTS) {
    if (input.file.startsWith('large')) continue; // dropped through the file input below
    const { response, ms } = await searchFile(page, badInputPath(input.file));
    table.push(`${input.file.padEnd(18)} ${response.status.padEnd(12)} ${ms.toFixed(0).padStart(5)} ms  ${response.status === 'error' ? response.message : response.results[0]?.id}`);
    const want = input.expect;
    if (want.outcome === 'error') {
      expect(response.status, input.file).toBe('error');
      expect(response.message, input.file).toMatch(want.reason);
      // Judged from the header: a bomb is refused before the browser decodes (and allocates) anything.
      expect(ms, input.file).toBeLessThan(1_500);
    } else {
      expect(response.status, input.file).not.toBe('error');
      if (want.outcome === 'like') expect(response.results[0]!.id, input.file).toBe(sources[want.source].results[0]!.id);
      expect(ms, input.file).toBeLessThan(10_000);
    }
  }
  console.info(table.join('\n'));

  // The 40 MB photo, as a shopper would give it: through the file input, preview and all.
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(badInputPath('large-40mb.jpg')));
  expect((await cardIds(page))[0]).toBe(sources.query.results[0]!.id);
  const dropToResults = await page.evaluate(() => performance.getEntriesByName('vitrine:drop-to-results').at(-1)!.duration);
  console.info(`large-40mb.jpg through the file input: ${dropToResults.toFixed(0)} ms from drop to results`);
  expect(dropToResults).toBeLessThan(30_000);

  // And an ordinary photo afterwards.
  const id = testCatalogIds()[150]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
  await expect(cards(page)).toHaveCount(8);
});
