/**
 * The page and the Node build must agree: same pixels in, same vectors out, same JSON response. The Node side is
 * what the build stored (vectors) and what `npm run search` prints on the catalog the page is served (responses).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { phonePhoto } from '../src/bench/node/phone-photo.js';
import { decodeForTowers } from '../src/imaging/node/decode.js';
import { loadIndexEmbedders } from '../src/models/node/load.js';
import { embedImages, queryReduction } from '../src/models/shared/embed.js';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { validateManifest, type Product } from '../src/artifacts/shared/format.js';
import type { SearchResponse } from '../src/search/shared/response.js';
import { decodeMatrix } from '../src/vectors/shared/codec.js';
import { cosine, row } from '../src/vectors/shared/vector.js';
import { QUERY_IMAGES_DIR, TEST_ARTIFACTS_DIR, TEST_CATEGORIES, TEST_PAGE_DIR, demoLabels, testCatalogIds } from '../src/index/node/sample-index.js';
import { catalogPhoto, openVitrine, photoFile, queryPhoto, type PhotoFile } from './vitrine.js';

const manifest = validateManifest(JSON.parse(readFileSync(join(TEST_ARTIFACTS_DIR, 'manifest.json'), 'utf8')));
const products = JSON.parse(readFileSync(join(TEST_ARTIFACTS_DIR, manifest.products), 'utf8')) as Product[];
const stored = (which: 'semantic' | 'visual') => {
  const record = manifest.vectors[which];
  return decodeMatrix(readFileSync(join(TEST_ARTIFACTS_DIR, record.file)), record.encoding, record.rows, record.dim);
};

/** The page's embedding of a photo, computed in its worker. */
async function pageEmbedding(page: Page, photo: PhotoFile): Promise<{ semantic: number[]; visual: number[] }> {
  return page.evaluate(
    async ({ name, mimeType, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const { semantic, visual } = await window.__vitrine.embed(new File([bytes], name, { type: mimeType }));
      return { semantic: [...semantic], visual: [...visual] };
    },
    { name: photo.name, mimeType: photo.mimeType, base64: photo.buffer.toString('base64') },
  );
}

function pageSearch(page: Page, photo: PhotoFile, category: string | null): Promise<SearchResponse> {
  return page.evaluate(
    ({ name, mimeType, base64, category }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      return window.__vitrine.search(new File([bytes], name, { type: mimeType }), { category });
    },
    { name: photo.name, mimeType: photo.mimeType, base64: photo.buffer.toString('base64'), category },
  );
}

/** `npm run search`'s JSON (printed on stdout whatever the status; exit code 1 for "error"). */
function cliSearch(path: string, category: string | null): SearchResponse {
  const args = ['src/cli/search.ts', '--image', path, '--artifacts', TEST_PAGE_DIR, ...(category ? ['--category', category] : [])];
  const { stdout } = spawnSync(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), args, { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return JSON.parse(stdout) as SearchResponse;
}

test('catalog photos embed in the page as the Node build stored them (cosine ≥ 0.999)', async ({ page }) => {
  await openVitrine(page);
  const semantic = stored('semantic');
  const visual = stored('visual');
  const labels = new Map(demoLabels().map((r) => [r.id, r.articleType]));
  // Two products of every test category; entry row = product index for the original (non-augmented) photos.
  const sample = TEST_CATEGORIES.flatMap((c) => testCatalogIds().filter((id) => labels.get(id) === c).slice(3, 5));
  const worst = { semantic: 1, visual: 1 };
  for (const id of sample) {
    const index = products.findIndex((p) => p.id === id);
    expect(index, `product ${id} in the test index`).toBeGreaterThanOrEqual(0);
    const embedding = await pageEmbedding(page, photoFile(catalogPhoto(id)));
    const s = cosine(embedding.semantic, row(semantic, index));
    const v = cosine(embedding.visual, row(visual, index));
    expect(s, `semantic cosine of ${id}`).toBeGreaterThanOrEqual(0.999);
    expect(v, `visual cosine of ${id}`).toBeGreaterThanOrEqual(0.999);
    worst.semantic = Math.min(worst.semantic, s);
    worst.visual = Math.min(worst.visual, v);
  }
  test.info().annotations.push({ type: 'worst cosine', description: `${sample.length} photos: semantic ${worst.semantic.toFixed(5)}, visual ${worst.visual.toFixed(5)}` });
});

test('query photos as shoppers drop them embed in the page as in Node (cosine ≥ 0.999): hires photos, 12 MP phone shots, a large PNG', async ({ page }) => {
  test.setTimeout(300_000);
  await openVitrine(page);
  // Node: the engine's path (decoded reduced for the towers, see src/imaging/shared/reduction.ts) on onnxruntime-node.
  const embedders = await loadIndexEmbedders(manifest.models, { threads: 1 });
  const { framing } = manifest.index;
  const nodeEmbedding = async (photo: PhotoFile) =>
    (await embedImages(embedders, [await decodeForTowers(new Uint8Array(photo.buffer), photo.name, queryReduction(embedders, framing))], framing))[0]!;
  const hires = readdirSync(QUERY_IMAGES_DIR).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 15 === 0);
  const photos: PhotoFile[] = [
    ...hires.map((f) => photoFile(queryPhoto(f.replace('.jpg', '')))),
    ...(await Promise.all(['12333', '15923'].map(async (id, seed) => ({ name: `phone-${id}.jpg`, mimeType: 'image/jpeg', buffer: await phonePhoto(queryPhoto(id), { seed }) })))),
    { name: 'large.png', mimeType: 'image/png', buffer: await sharp(queryPhoto('16107')).resize(1800, 2400).png().toBuffer() },
  ];
  const worst = { semantic: 1, visual: 1 };
  for (const photo of photos) {
    const inPage = await pageEmbedding(page, photo);
    const inNode = await nodeEmbedding(photo);
    const s = cosine(inPage.semantic, inNode.semantic);
    const v = cosine(inPage.visual, inNode.visual);
    expect(s, `semantic cosine of ${photo.name}`).toBeGreaterThanOrEqual(0.999);
    expect(v, `visual cosine of ${photo.name}`).toBeGreaterThanOrEqual(0.999);
    worst.semantic = Math.min(worst.semantic, s);
    worst.visual = Math.min(worst.visual, v);
  }
  test.info().annotations.push({ type: 'worst cosine', description: `${photos.length} photos: semantic ${worst.semantic.toFixed(6)}, visual ${worst.visual.toFixed(6)}` });
});

const RESPONSE_CASES = [
  { what: 'a query photo, auto-detect', path: queryPhoto('12333'), category: null },
  { what: 'a query photo of a product the catalog lacks', path: queryPhoto('17419'), category: null },
  { what: 'a catalog photo, strict category', path: catalogPhoto(testCatalogIds()[0]!), category: 'Shirts' },
];

for (const c of RESPONSE_CASES) {
  test(`the page answers as npm run search does: ${c.what}`, async ({ page }) => {
    await openVitrine(page);
    const inPage = await pageSearch(page, photoFile(c.path), c.category);
    const inNode = cliSearch(c.path, c.category);
    const { results: pageResults, category_candidates: pageGuesses, confidence: pageConfidence, ...pageRest } = inPage;
    const { results: nodeResults, category_candidates: nodeGuesses, confidence: nodeConfidence, ...nodeRest } = inNode;
    expect(pageRest).toEqual(nodeRest);
    expect(pageConfidence).toBeCloseTo(nodeConfidence, 4);
    expect(pageGuesses.map((g) => g.category)).toEqual(nodeGuesses.map((g) => g.category));
    expect(pageResults.map((r) => r.id)).toEqual(nodeResults.map((r) => r.id));
    pageResults.forEach((r, i) => {
      const n = nodeResults[i]!;
      expect({ ...r, score: 0, similarity_score: 0, semantic_similarity: 0, visual_similarity: 0 }).toEqual({
        ...n,
        score: 0,
        similarity_score: 0,
        semantic_similarity: 0,
        visual_similarity: 0,
      });
      for (const key of ['score', 'similarity_score', 'semantic_similarity', 'visual_similarity'] as const) {
        expect(Math.abs(r[key]! - n[key]!), `${key} of ${r.id}`).toBeLessThan(1e-4);
      }
    });
  });
}

test('files that are not photos get the same error response in the page as in the CLI', async ({ page }, testInfo) => {
  await openVitrine(page);
  const jpeg = readFileSync(catalogPhoto(testCatalogIds()[0]!));
  const files = {
    'noise.jpg': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    'empty.jpg': Buffer.alloc(0),
    'drawing.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
    'cut-short.jpg': jpeg.subarray(0, 600),
    'truncated.jpg': jpeg.subarray(0, Math.floor(jpeg.length * 0.7)),
  };
  for (const [name, buffer] of Object.entries(files)) {
    const path = testInfo.outputPath(name);
    writeFileSync(path, buffer);
    const inPage = await pageSearch(page, { name, mimeType: 'image/jpeg', buffer }, null);
    expect(inPage.status, name).toBe('error');
    const inNode = cliSearch(path, null);
    // The CLI names the file by the path it was given, the page by the file's name.
    expect(inPage).toEqual({ ...inNode, message: inNode.message.replace(path, name) });
  }
});
