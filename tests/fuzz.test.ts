/**
 * A few hundred mutated photos (bit flips, truncations, inserted and deleted bytes, corrupted headers, duplicated
 * segments of JPEG, PNG, GIF and WebP files) through the Node search engine: every one must come back as a valid,
 * JSON-safe response within a time limit — searched, or `status: "error"` with a reason — and the engine must keep
 * working. Deterministic: the same seed gives the same files. The browser gets a smaller share in e2e/fuzz.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeSearchEngine } from '../src/search/node/engine.js';
import { assertJsonSafe, type SearchResponse } from '../src/search/shared/response.js';
import { mutatedImages, type Mutant } from './helpers/fuzz.js';
import { DEMO_IMAGES_DIR, TEST_ARTIFACTS_DIR, testCatalogIds } from '../src/index/node/sample-index.js';

const COUNT = 300;
const PER_INPUT_MS = 10_000;
const STATUSES = new Set(['success', 'needs_confirmation', 'fallback', 'no_match', 'error']);

let engine: NodeSearchEngine;
let mutants: Mutant[];

beforeAll(async () => {
  engine = await NodeSearchEngine.open(TEST_ARTIFACTS_DIR, { threads: 1 });
  const photo = readFileSync(join(DEMO_IMAGES_DIR, `${testCatalogIds()[50]}.jpg`));
  mutants = mutatedImages(
    {
      jpeg: photo,
      png: await sharp(photo).png().toBuffer(),
      gif: await sharp(photo).gif().toBuffer(),
      webp: await sharp(photo).webp().toBuffer(),
      'webp-lossless': await sharp(photo).webp({ lossless: true }).toBuffer(),
    },
    COUNT,
    20261123,
  );
});

function withinLimit<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)));
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

describe(`fuzz: ${COUNT} mutated images through the Node engine`, () => {
  it('every one gets a valid JSON response in time: searched, or an error with a reason; never a crash or a hang', async () => {
    const outcomes = new Map<string, number>();
    for (const mutant of mutants) {
      const response: SearchResponse = await withinLimit(engine.search(mutant.bytes, {}, mutant.name), PER_INPUT_MS, mutant.name);
      assertJsonSafe(response);
      expect(STATUSES.has(response.status), mutant.name).toBe(true);
      if (response.status === 'error') {
        expect(response.message, mutant.name).toMatch(new RegExp(`^${mutant.name}: cannot read this image — .+`));
        expect(response.results).toEqual([]);
      } else {
        expect(response.results.length, mutant.name).toBeGreaterThan(0);
      }
      const key = `${mutant.kind} → ${response.status === 'error' ? 'error' : 'searched'}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.info([...outcomes].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
    // Both kinds of outcome occur: the mutations reach the decoders, not only the sniffer.
    const searched = [...outcomes].filter(([k]) => k.endsWith('searched')).reduce((s, [, n]) => s + n, 0);
    expect(searched).toBeGreaterThan(COUNT / 10);
    expect(COUNT - searched).toBeGreaterThan(COUNT / 10);
  });

  it('afterwards the engine searches an ordinary photo as before', async () => {
    const id = testCatalogIds()[30]!;
    const response = await engine.search(new Uint8Array(readFileSync(join(DEMO_IMAGES_DIR, `${id}.jpg`))));
    expect(response.results[0]!.id).toBe(id);
  });
});
