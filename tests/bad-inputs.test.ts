/**
 * Every awkward file of tests/helpers/bad-images.ts through the Node engine (the code `npm run search` runs) and a
 * few through the CLI itself: each gets the searched result or the clear error it should, in bounded time and
 * memory, and the engine keeps working afterwards. The browser runs the same files in e2e/bad-inputs.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSearchEngine } from '../src/search/node/engine.js';
import { assertJsonSafe, type SearchResponse } from '../src/search/shared/response.js';
import { BAD_INPUTS, badInputPath, ensureBadInputs, EXIF_CONTROL, LARGE_SOURCE, SOURCE_PRODUCT } from './helpers/bad-images.js';
import { runCli, STACK_LINE } from './helpers/cli.js';
import { DEMO_IMAGES_DIR, QUERY_IMAGES_DIR, TEST_ARTIFACTS_DIR, testCatalogIds } from '../src/index/node/sample-index.js';

let engine: NodeSearchEngine;
const seen: { file: string; status: string; ms: number; rssMb: number; detail: string }[] = [];

async function search(path: string, label = path): Promise<{ response: SearchResponse; ms: number }> {
  const bytes = new Uint8Array(readFileSync(path));
  const started = performance.now();
  const response = await engine.search(bytes, {}, label);
  assertJsonSafe(response);
  return { response, ms: performance.now() - started };
}

beforeAll(async () => {
  await ensureBadInputs();
  engine = await NodeSearchEngine.open(TEST_ARTIFACTS_DIR, { threads: 1 });
});

afterAll(() => {
  // The table of the closing note (also printed by scripts/measure-bad-inputs.ts, with per-process peaks).
  console.info(seen.map((s) => `${s.file.padEnd(18)} ${s.status.padEnd(18)} ${s.ms.toFixed(0).padStart(6)} ms  rss ${s.rssMb.toFixed(0)} MB  ${s.detail}`).join('\n'));
});

describe('bad and unusual photos through the search engine (Node)', () => {
  let sources: Record<'catalog' | 'query', SearchResponse>;
  beforeAll(async () => {
    sources = {
      catalog: (await search(join(DEMO_IMAGES_DIR, `${SOURCE_PRODUCT}.jpg`))).response,
      query: (await search(join(QUERY_IMAGES_DIR, `${LARGE_SOURCE}.jpg`))).response,
    };
    expect(sources.catalog.results[0]!.id).toBe(SOURCE_PRODUCT);
  });

  for (const input of BAD_INPUTS) {
    it(`${input.what} (${input.file}) → ${input.expect.outcome === 'error' ? 'a clear error' : 'searched'}`, async () => {
      const { response, ms } = await search(badInputPath(input.file), input.file);
      const rssMb = process.memoryUsage().rss / 1e6;
      seen.push({ file: input.file, status: response.status, ms, rssMb, detail: response.status === 'error' ? response.message : `${response.results[0]?.id} ${response.results[0]?.similarity_score.toFixed(3)}` });
      const { expect: want } = input;
      if (want.outcome === 'error') {
        expect(response.status).toBe('error');
        expect(response.results).toEqual([]);
        expect(response.message).toMatch(new RegExp(`^${input.file.replace(/[.]/g, '\\.')}: cannot read this image — `));
        expect(response.message).toMatch(want.reason);
        // Refused from the first bytes: no decoder ran over a bomb's gigabytes.
        expect(ms).toBeLessThan(2_000);
      } else {
        expect(response.status).not.toBe('error');
        expect(response.results.length).toBeGreaterThan(0);
        if (want.outcome === 'like') {
          const source = sources[want.source];
          expect(response.results[0]!.id).toBe(source.results[0]!.id);
          expect(response.category_used).toBe(source.category_used);
          expect(response.results[0]!.similarity_score).toBeGreaterThan(want.source === 'catalog' ? 0.97 : 0.9);
        }
        expect(ms).toBeLessThan(input.file.startsWith('large') ? 20_000 : 5_000);
      }
    });
  }

  it('EXIF orientation is honoured: the same sideways pixels without the tag match clearly worse', async () => {
    const rotated = (await search(badInputPath('exif-rotated.jpg'))).response.results[0]!;
    const sideways = (await search(badInputPath(EXIF_CONTROL))).response.results.find((r) => r.id === SOURCE_PRODUCT);
    expect(rotated.id).toBe(SOURCE_PRODUCT);
    expect(rotated.similarity_score).toBeGreaterThan(0.99);
    expect(sideways?.similarity_score ?? 0).toBeLessThan(rotated.similarity_score - 0.03);
  });

  it('a 40 MB, 35-megapixel photo is searched within bounded memory (decoded once, reduced, never copied whole again)', async () => {
    const before = process.resourceUsage().maxRSS / 1e3;
    const { response } = await search(badInputPath('large-40mb.jpg'));
    expect(response.status).not.toBe('error');
    // 7000×5000 RGBA is 140 MB; sharp's decode buffers and the file itself come on top.
    expect(process.resourceUsage().maxRSS / 1e3 - before).toBeLessThan(600);
  });

  it('after all of them, an ordinary photo is searched as usual', async () => {
    const id = testCatalogIds()[30]!;
    const { response } = await search(join(DEMO_IMAGES_DIR, `${id}.jpg`));
    expect(response.status).not.toBe('error');
    expect(response.results[0]!.id).toBe(id);
  });
});

describe('bad photos through npm run search', () => {
  it('a decompression bomb and a HEIC photo: status "error" with the reason, exit code 1, no stack trace', () => {
    for (const [file, reason] of [['bomb.png', /20000×20000 pixels/], ['photo.heic', /HEIC photos/]] as const) {
      const run = runCli('search', ['--image', badInputPath(file), '--artifacts', TEST_ARTIFACTS_DIR]);
      expect(run.code).toBe(1);
      const response = JSON.parse(run.stdout) as SearchResponse;
      expect(response.status).toBe('error');
      expect(response.message).toMatch(reason);
      expect(run.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('the 40 MB photo is searched (exit code 0)', () => {
    const run = runCli('search', ['--image', badInputPath('large-40mb.jpg'), '--artifacts', TEST_ARTIFACTS_DIR, '--top-k', '3']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as SearchResponse).results).toHaveLength(3);
  });
});
