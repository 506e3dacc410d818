/**
 * A photo is read (category votes, likeness, the near-identical rule) from one whole-catalog lookup, and the
 * reading is the one separate lookups give: real photos embedded by the real models, on the test index.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGES_DIR, QUERY_IMAGES_DIR, TEST_ARTIFACTS_DIR, TEST_CATALOG_DIR, testCatalogIds } from '../src/index/node/sample-index.js';
import { openCatalogDir } from '../src/search/node/catalog.js';
import { NodeSearchEngine } from '../src/search/node/engine.js';
import { assessPhoto } from '../src/search/shared/certainty.js';
import { predictCategory } from '../src/search/shared/classify.js';
import { likenessOf } from '../src/search/shared/likeness.js';
import { searchCatalog, type QueryVectors } from '../src/search/shared/policy.js';
import { catalogSource, type CandidateQuery, type CatalogSource } from '../src/search/shared/source.js';

let source: CatalogSource;
let photos: { name: string; query: QueryVectors }[];

beforeAll(async () => {
  source = catalogSource(await openCatalogDir(TEST_ARTIFACTS_DIR));
  const engine = await NodeSearchEngine.open(TEST_ARTIFACTS_DIR);
  const query = readdirSync(QUERY_IMAGES_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, 12)
    .map((f) => join(QUERY_IMAGES_DIR, f));
  const catalogPhotos = testCatalogIds()
    .filter((_, i) => i % 60 === 7)
    .map((id) => join(TEST_CATALOG_DIR, 'images', `${id}.jpg`));
  const files = [...query, ...catalogPhotos, join(DEMO_IMAGES_DIR, '10108.jpg')];
  photos = [];
  for (const file of files) photos.push({ name: file.split('/').pop()!, query: await engine.embed(new Uint8Array(readFileSync(file))) });
  // Photos unlike the catalog's studio shots (read with the shopper-photo settings): a dim, tilted corner of a
  // query photo on a busy background, and a grey square.
  const corner = await sharp(query[0]!).extract({ left: 0, top: 0, width: 700, height: 900 }).rotate(25, { background: '#7a5230' }).modulate({ brightness: 0.6 }).jpeg().toBuffer();
  const grey = await sharp({ create: { width: 320, height: 320, channels: 3, background: '#808080' } }).png().toBuffer();
  photos.push({ name: 'corner', query: await engine.embed(new Uint8Array(corner)) });
  photos.push({ name: 'grey', query: await engine.embed(new Uint8Array(grey)) });
}, 300_000);

/** The source, counting its whole-catalog lookups and neighbour lookups. */
function counted(inner: CatalogSource) {
  const calls = { wholeCatalog: [] as CandidateQuery[], neighbours: 0 };
  const wrapped: CatalogSource = {
    info: inner.info,
    neighbours: (semantic, products) => {
      calls.neighbours++;
      return inner.neighbours(semantic, products);
    },
    candidates: (query) => {
      if (query.scope === null) calls.wholeCatalog.push(query);
      return inner.candidates(query);
    },
  };
  return { source: wrapped, calls };
}

describe('reading a photo', () => {
  it('looks the whole catalog up once per photo (a second time only to rank it when unsure)', async () => {
    for (const { name, query } of photos) {
      const { source: watched, calls } = counted(source);
      const response = await searchCatalog(watched, query);
      const ranksWholeCatalog = response.status === 'needs_confirmation' || response.status === 'fallback';
      expect(calls.neighbours, name).toBe(0);
      expect(calls.wholeCatalog.length, name).toBe(ranksWholeCatalog ? 2 : 1);
    }
  });

  it('reads the same as separate lookups: the neighbours’ votes and the nearest products by both signals', async () => {
    const config = source.info.search;
    const shopper = config.shopperPhotos!;
    const kinds = new Set<string>();
    for (const { name, query } of photos) {
      const assessment = await assessPhoto(source, query, config);
      // Separately: the nearest entries by semantic similarity (likeness, the near-identical rule) and the votes.
      const nearest = await source.candidates({ scope: null, probe: query.semantic, limit: config.neighborVotes, second: { space: 'visual', vector: query.visual } });
      const likeness = likenessOf(Math.max(...nearest.map((c) => c.semantic)), source.info.calibration.catalogLikeness);
      const closest = Math.max(...nearest.map((c) => (c.semantic + c.visual) / 2));
      kinds.add(likeness < 0 ? 'shopper' : 'catalog-like');
      expect(assessment.catalogLike, name).toBe(likeness >= 0);
      if (closest >= config.nearIdenticalSimilarity!) {
        expect(assessment.features, name).toBeNull();
        expect(assessment.confidence, name).toBeCloseTo(closest, 12);
        continue;
      }
      expect(assessment.features!.likeness, name).toBeCloseTo(likeness, 12);
      const guesses = await predictCategory(source, query.semantic, likeness < 0 ? shopper : config);
      expect(assessment.guesses.map((g) => g.category), name).toEqual(guesses.map((g) => g.category));
      // The votes are weighted by the exact cosine, the separate lookup's by the graph's float32 distance.
      assessment.guesses.forEach((g, i) => expect(g.confidence, name).toBeCloseTo(guesses[i]!.confidence, 4));
    }
    expect([...kinds].sort()).toEqual(['catalog-like', 'shopper']);
  });
});
