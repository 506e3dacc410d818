/**
 * Times the page in headless Chromium against a running server (`npm run demo`, or the e2e server):
 *   cold load   navigation start → models and index downloaded, opened and warmed up (fresh browser profile)
 *   warm load   the same after a reload, with models and index read from IndexedDB
 *   search      photo handed to the file input → result cards in the page (drop-to-results)
 * The page records these as performance marks (vitrine:ready) and measures (vitrine:drop-to-results).
 *
 *   npx tsx scripts/measure-web.ts [--url http://localhost:4173/] [--runs 5] [--photo file]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM } from '../src/common/node/chromium.js';
import { QUERY_IMAGES_DIR } from '../src/index/node/sample-index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:4173/' },
    runs: { type: 'string', default: '5' },
    photo: { type: 'string', default: join(QUERY_IMAGES_DIR, '12333.jpg') },
  },
});
const runs = Number(values.runs);

const readyAt = (page: Page) =>
  page.evaluate(async () => {
    const info = await window.__vitrine.ready;
    return { ms: performance.getEntriesByName('vitrine:ready')[0]!.startTime, info };
  });

async function searchMs(page: Page): Promise<number> {
  const count = () => page.evaluate(() => performance.getEntriesByName('vitrine:drop-to-results').length);
  const before = await count();
  await page.locator('#photo').setInputFiles(values.photo!);
  await page.waitForFunction((n) => performance.getEntriesByName('vitrine:drop-to-results').length > n, before);
  return page.evaluate(() => performance.getEntriesByName('vitrine:drop-to-results').at(-1)!.duration);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const browser = await chromium.launch(CHROMIUM);
const samples = { cold: [] as number[], warm: [] as number[], firstSearch: [] as number[], search: [] as number[] };
let engine = '';
try {
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext(); // fresh profile: empty IndexedDB
    const page = await context.newPage();
    await page.goto(values.url!);
    const cold = await readyAt(page);
    samples.cold.push(cold.ms);
    samples.firstSearch.push(await searchMs(page));
    await page.reload();
    const warm = await readyAt(page);
    if (warm.info.files.fromNetwork !== 0) throw new Error('the reload downloaded files: IndexedDB caching is not working');
    samples.warm.push(warm.ms);
    for (let i = 0; i < 3; i++) samples.search.push(await searchMs(page));
    engine = `${warm.info.backend} × ${warm.info.threads} threads, ${warm.info.products} products, ${(cold.info.files.bytesDownloaded / 1e6).toFixed(1)} MB`;
    await context.close();
  }
} finally {
  await browser.close();
}

const line = (name: string, xs: number[]) => `${name.padEnd(24)} median ${median(xs).toFixed(0).padStart(6)} ms   (${xs.map((x) => x.toFixed(0)).join(', ')})`;
process.stdout.write(
  [
    `${values.url} — ${engine}; ${runs} runs, fresh browser profile each`,
    line('cold load → ready', samples.cold),
    line('warm load → ready', samples.warm),
    line('first search', samples.firstSearch),
    line('drop → results', samples.search),
  ].join('\n') + '\n',
);
