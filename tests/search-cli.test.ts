import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResponse } from '../src/search/shared/response.js';
import { runCli, STACK_LINE } from './helpers/cli.js';
import { ABSENT_CATEGORY, DEMO_IMAGES_DIR, QUERY_IMAGES_DIR, buildTestCompactCatalog, TEST_ARTIFACTS_DIR, TEST_CATALOG_DIR, testCatalogIds } from '../src/index/node/sample-index.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vitrine-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function search(image: string, ...args: string[]): { code: number | null; response: SearchResponse; stderr: string } {
  const run = runCli('search', ['--image', image, '--artifacts', TEST_ARTIFACTS_DIR, ...args]);
  return { code: run.code, response: JSON.parse(run.stdout) as SearchResponse, stderr: run.stderr };
}

describe('npm run search', () => {
  it('a catalog image returns that product first with score ≥ 0.99, no duplicates (augmented copies collapse)', () => {
    const id = testCatalogIds()[30]!;
    const { code, response } = search(join(TEST_CATALOG_DIR, 'images', `${id}.jpg`));
    expect(code).toBe(0);
    expect(response.status).toBe('success');
    expect(response.results[0]!.id).toBe(id);
    expect(response.results[0]!.score).toBeGreaterThanOrEqual(0.99);
    expect(response.results[0]!.similarity_score).toBeGreaterThanOrEqual(0.99);
    expect(response.results).toHaveLength(8);
    expect(new Set(response.results.map((r) => r.id)).size).toBe(8);
  });

  it('query photos (another resolution and aspect) return products of their category', () => {
    for (const [photo, category] of [['16107', 'Sunglasses'], ['14037', 'Shirts'], ['16993', 'Belts'], ['12333', 'Jeans']] as const) {
      const { code, response } = search(join(QUERY_IMAGES_DIR, `${photo}.jpg`), '--top-k', '5');
      expect(code).toBe(0);
      expect(response.status).toBe('success');
      expect(response.category_used).toBe(category);
      expect(response.results.map((r) => r.category)).toEqual(Array(5).fill(category));
    }
  });

  it('a corrupt file gives status "error", exit code 1 and no stack trace', () => {
    const corrupt = join(work, 'corrupt.jpg');
    writeFileSync(corrupt, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const { code, response, stderr } = search(corrupt);
    expect(code).toBe(1);
    expect(response.status).toBe('error');
    expect(response.results).toEqual([]);
    expect(response.message).toMatch(/cannot read this image/);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('a missing file is an error too, not a crash', () => {
    const { code, response, stderr } = search(join(work, 'nope.jpg'));
    expect(code).toBe(1);
    expect(response.status).toBe('error');
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('a user category is strict: a shirt photo searched in Jeans gives only jeans', () => {
    const { response } = search(join(QUERY_IMAGES_DIR, '14037.jpg'), '--category', 'jeans');
    expect(response.status).toBe('success');
    expect(response.category_used).toBe('Jeans');
    expect(new Set(response.results.map((r) => r.category))).toEqual(new Set(['Jeans']));
  });

  it(`a user category the catalog lacks (${ABSENT_CATEGORY}) is no_match with no products, even for a watch photo`, () => {
    const watch = join(DEMO_IMAGES_DIR, '10108.jpg');
    const { code, response } = search(watch, '--category', ABSENT_CATEGORY);
    expect(code).toBe(0);
    expect(response.status).toBe('no_match');
    expect(response.results).toEqual([]);
    expect(response.message).toBe(`No ${ABSENT_CATEGORY} in this catalog`);
  });

  it('a confidently recognised out-of-stock category falls back to the whole catalog by the semantic vector', () => {
    const { response } = search(join(DEMO_IMAGES_DIR, '10108.jpg'));
    expect(response.status).toBe('fallback');
    expect(response.predicted_category).toBe(ABSENT_CATEGORY);
    // The classifier gives it most of its say; the calibrated confidence (how often such a guess is right) clears the threshold.
    expect(response.category_candidates[0]!.confidence).toBeGreaterThan(0.8);
    expect(response.confidence).toBeGreaterThanOrEqual(0.3);
    expect(response.category_used).toBeNull();
    expect(response.message).toBe(`${ABSENT_CATEGORY} not in stock — showing closest items`);
    expect(response.fusion).toBe('semantic');
    expect(response.results.length).toBeGreaterThan(0);
    // Ranked by the semantic vector alone: the visual similarity plays no part.
    const semantic = response.results.map((r) => r.semantic_similarity);
    expect(semantic).toEqual([...semantic].sort((a, b) => b - a));
    for (const r of response.results) expect(r.similarity_score).toBeCloseTo(r.semantic_similarity, 9);
  });

  it('a photo of nothing in particular asks for confirmation and shows whole-catalog matches', async () => {
    const grey = join(work, 'grey.png');
    await sharp({ create: { width: 320, height: 320, channels: 3, background: '#808080' } }).png().toFile(grey);
    const { code, response } = search(grey);
    expect(code).toBe(0);
    expect(response.status).toBe('needs_confirmation');
    expect(response.category_used).toBeNull();
    expect(response.confidence).toBeLessThan(0.3);
    // Nothing in the catalog looks like it: the message says so in plain words.
    expect(response.message).toMatch(/^This photo doesn't look much like anything in this shop, so we aren't sure what it is — here are the closest items/);
    expect(new Set(response.results.map((r) => r.category)).size).toBeGreaterThan(1);
    expect(response.category_candidates.length).toBe(3);
  });

  it('--fusion rrf ranks by reciprocal rank fusion and still finds the catalog product first', () => {
    const id = testCatalogIds()[100]!;
    const { response } = search(join(TEST_CATALOG_DIR, 'images', `${id}.jpg`), '--fusion', 'rrf');
    expect(response.fusion).toBe('rrf');
    expect(response.results[0]!.id).toBe(id);
    expect(response.results[0]!.score).toBeCloseTo(1, 6);
  });

  it('words alone search the catalog by text: "blue jeans" gives blue jeans', () => {
    const run = runCli('search', ['--text', 'blue jeans', '--artifacts', TEST_ARTIFACTS_DIR]);
    expect(run.code).toBe(0);
    const response = JSON.parse(run.stdout) as SearchResponse;
    expect(response.fusion).toBe('text');
    expect(response.message).toBe('Results for “blue jeans”');
    expect(response.results).toHaveLength(8);
    for (const r of response.results) expect([r.category, r.color]).toEqual(['Jeans', 'Blue']);
  });

  it('a photo plus words moves the results the way the words say: a black T-shirt "but blue" brings blue T-shirts forward', () => {
    const photo = join(DEMO_IMAGES_DIR, '19982.jpg'); // a black T-shirt, not in the test catalog
    const blueCount = (r: SearchResponse) => r.results.filter((x) => x.color === 'Blue').length;
    const alone = search(photo).response;
    const composed = search(photo, '--text', 'blue').response;
    expect(alone.category_used).toBe('Tshirts');
    expect(composed.category_used).toBe('Tshirts');
    expect(composed.fusion).toBe('composed');
    expect(blueCount(alone)).toBeLessThanOrEqual(2);
    expect(blueCount(composed)).toBeGreaterThanOrEqual(blueCount(alone) + 3);
    expect(composed.results[0]!.color).toBe('Blue');
  });

  it('a compact catalog (npm run build:scale) answers photos and words as the page reads it, shard by shard', async () => {
    const compact = join(work, 'compact');
    await buildTestCompactCatalog(compact, join(work, 'scale-cache'));
    const id = testCatalogIds()[30]!;
    const photo = runCli('search', ['--image', join(TEST_CATALOG_DIR, 'images', `${id}.jpg`), '--artifacts', compact]);
    expect(photo.code).toBe(0);
    expect((JSON.parse(photo.stdout) as SearchResponse).results[0]!.id).toBe(id);
    const words = runCli('search', ['--text', 'blue jeans', '--artifacts', compact]);
    expect(words.code).toBe(0);
    expect((JSON.parse(words.stdout) as SearchResponse).results[0]!.category).toBe('Jeans');
  });

  it('bad arguments and missing artifacts are reported in one line with the way out', () => {
    const noImage = runCli('search', []);
    expect(noImage.code).toBe(2);
    expect(noImage.stderr).toMatch(/--image or --text is required/);
    const noArtifacts = runCli('search', ['--image', join(QUERY_IMAGES_DIR, '14037.jpg'), '--artifacts', join(work, 'none')]);
    expect(noArtifacts.code).toBe(1);
    expect(noArtifacts.stderr).toMatch(/no artifacts in .* — build them with: npm run build:index/);
    expect(noArtifacts.stderr).not.toMatch(STACK_LINE);
  });
});
