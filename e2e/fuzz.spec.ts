/**
 * The browser's share of the fuzz test (tests/fuzz.test.ts runs 300 in Node): mutated JPEG, PNG, GIF and WebP
 * files through the page's worker. Each must answer in time with a valid response; the page must keep working.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import type { SearchResponse } from '../src/search/shared/response.js';
import { mutatedImages } from '../tests/helpers/fuzz.js';
import { testCatalogIds } from '../src/index/node/sample-index.js';
import { cardIds, catalogPhoto, openVitrine, searched } from './vitrine.js';

const COUNT = 40;
const PER_INPUT_MS = 10_000;

test(`fuzz: ${COUNT} mutated images through the page's worker, each answered in time with a valid response`, async ({ page }) => {
  test.setTimeout(180_000);
  const photo = readFileSync(catalogPhoto(testCatalogIds()[60]!));
  const mutants = mutatedImages(
    { jpeg: photo, png: await sharp(photo).png().toBuffer(), gif: await sharp(photo).gif().toBuffer(), webp: await sharp(photo).webp().toBuffer() },
    COUNT,
    7,
  );
  await openVitrine(page);
  const outcomes: Record<string, number> = {};
  for (const mutant of mutants) {
    const response = await page.evaluate(
      async ({ name, base64, limit }) => {
        const file = new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name);
        return Promise.race([
          window.__vitrine.search(file, {}),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name}: no answer within ${limit} ms`)), limit)),
        ]);
      },
      { name: mutant.name, base64: Buffer.from(mutant.bytes).toString('base64'), limit: PER_INPUT_MS },
    );
    expectValid(response, mutant.name);
    outcomes[response.status === 'error' ? 'error' : 'searched'] = (outcomes[response.status === 'error' ? 'error' : 'searched'] ?? 0) + 1;
  }
  console.info(outcomes);
  expect(outcomes.error).toBeGreaterThan(0);
  expect(outcomes.searched).toBeGreaterThan(0);

  const id = testCatalogIds()[160]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  expect((await cardIds(page))[0]).toBe(id);
});

function expectValid(response: SearchResponse, name: string): void {
  expect(['success', 'needs_confirmation', 'fallback', 'no_match', 'error'], name).toContain(response.status);
  expect(typeof response.message, name).toBe('string');
  expect(Array.isArray(response.results), name).toBe(true);
  if (response.status === 'error') {
    expect(response.message, name).toMatch(new RegExp(`^${name}: cannot read this image — .+`));
    expect(response.results, name).toEqual([]);
  } else {
    expect(response.results.length, name).toBeGreaterThan(0);
    for (const r of response.results) expect(Number.isFinite(r.score) && Number.isFinite(r.similarity_score), name).toBe(true);
  }
}
