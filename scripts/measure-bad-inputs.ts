/**
 * Time and memory of every file in tests/helpers/bad-images.ts, in Node and in the page (the table in
 * docs/security.md). Node: each file searched in a fresh process (engine loaded first), peak RSS above the loaded
 * engine. Page: searched through window.__vitrine, peak RSS of the page's renderer process above its level before.
 *
 *   npx tsx scripts/measure-bad-inputs.ts [--url http://localhost:4179/]   (the e2e server: npx tsx e2e/serve.ts)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { CHROMIUM } from '../src/common/node/chromium.js';
import { E2E_URL } from '../e2e/config.js';
import { NodeSearchEngine } from '../src/search/node/engine.js';
import { BAD_INPUTS, badInputPath, ensureBadInputs } from '../tests/helpers/bad-images.js';
import { TEST_ARTIFACTS_DIR } from '../src/index/node/sample-index.js';

const { values } = parseArgs({ options: { url: { type: 'string', default: E2E_URL }, child: { type: 'string' } } });

if (values.child) {
  const engine = await NodeSearchEngine.open(TEST_ARTIFACTS_DIR, { threads: 2 });
  const base = process.resourceUsage().maxRSS;
  const started = performance.now();
  const response = await engine.search(new Uint8Array(readFileSync(values.child)), {}, basename(values.child));
  console.log(JSON.stringify({ ms: performance.now() - started, peakMb: (process.resourceUsage().maxRSS - base) / 1e3, status: response.status, detail: response.status === 'error' ? response.message.replace(/^[^—]*— /, '') : response.results[0]?.id }));
  process.exit(0);
}

await ensureBadInputs();
const node = new Map<string, { ms: number; peakMb: number; status: string; detail: string }>();
for (const { file } of BAD_INPUTS) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', badInputPath(file)], { encoding: 'utf8' });
  node.set(file, JSON.parse(run.stdout.trim().split('\n').at(-1)!));
}

const rendererRssMb = () => {
  const lines = execFileSync('ps', ['-eo', 'rss,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('--type=renderer'));
  return Math.max(0, ...lines.map((l) => Number(l.trim().split(/\s+/)[0]) / 1024));
};
const browser = await chromium.launch(CHROMIUM);
const page = await browser.newPage();
await page.goto(values.url!);
await page.evaluate(() => window.__vitrine.ready);
await page.evaluate(() => {
  const input = Object.assign(document.createElement('input'), { type: 'file', id: 'measure' });
  document.body.append(input);
});
const inPage = new Map<string, { ms: number; peakMb: number; status: string }>();
for (const { file } of BAD_INPUTS) {
  await page.locator('#measure').setInputFiles(badInputPath(file));
  const before = rendererRssMb();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rendererRssMb())), 50);
  const result = await page.evaluate(async () => {
    const photo = document.querySelector<HTMLInputElement>('#measure')!.files![0]!;
    const started = performance.now();
    const response = await window.__vitrine.search(photo, {});
    return { ms: performance.now() - started, status: response.status };
  });
  clearInterval(sampler);
  inPage.set(file, { ...result, peakMb: peak - before });
}
await browser.close();

console.log('| file | what | result | Node: time, peak RSS above the loaded engine | page: time, renderer peak RSS above idle |');
console.log('|---|---|---|---|---|');
for (const { file, what } of BAD_INPUTS) {
  const n = node.get(file)!;
  const p = inPage.get(file)!;
  const result = n.status === 'error' ? `error: ${n.detail}` : `${n.status}, first ${n.detail}`;
  console.log(`| ${file} | ${what} | ${result}${p.status === n.status ? '' : ` (page: ${p.status})`} | ${n.ms.toFixed(0)} ms, ${n.peakMb.toFixed(0)} MB | ${p.ms.toFixed(0)} ms, ${p.peakMb.toFixed(0)} MB |`);
}
