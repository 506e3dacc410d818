/**
 * The search on PostgreSQL + pgvector (PGlite over its wire protocol): parity of the Postgres source with the
 * artifacts in memory for the same query vectors of real photos, the search API (answers, bad requests, rate limit,
 * request log, the database stopped and restarted), a build switch while serving, and npm run search -- --remote.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExactIndex } from '../src/ann/shared/ann.js';
import type { ArtifactManifest } from '../src/artifacts/shared/format.js';
import { SILENT_PROGRESS } from '../src/common/shared/progress.js';
import { DEMO_IMAGES_DIR, QUERY_IMAGES_DIR, TEST_ARTIFACTS_DIR, TEST_CATALOG_DIR, testCatalogIds } from '../src/index/node/sample-index.js';
import { openCatalogDir } from '../src/search/node/catalog.js';
import { NodeSearchEngine } from '../src/search/node/engine.js';
import { readProductTexts, type SearchCatalog } from '../src/search/shared/catalog.js';
import { folderReader } from '../src/artifacts/node/read.js';
import { searchCatalog, searchCatalogByText, type QueryVectors, type TextQuery } from '../src/search/shared/policy.js';
import type { SearchResponse } from '../src/search/shared/response.js';
import { catalogSource, type CatalogSource } from '../src/search/shared/source.js';
import { searchBody } from '../src/search/shared/wire.js';
import { exportArtifacts } from '../src/server/node/export.js';
import { startSearchServer, type SearchServer } from '../src/server/node/http.js';
import { checkServedModels } from '../src/server/node/models.js';
import { servedBuild } from '../src/server/node/schema.js';
import { PgCatalogSource } from '../src/server/node/source.js';
import { normalize } from '../src/vectors/shared/vector.js';
import { runCliAsync } from './helpers/cli.js';
import { copyAsBuild, startTestDatabase, type TestDatabase } from './helpers/pg.js';

let db: TestDatabase;
let catalog: SearchCatalog;
let photos: { name: string; file: string; query: QueryVectors }[];
let texts: TextQuery[];
let server: SearchServer;
const log: string[] = [];
const temporary: string[] = [];

beforeAll(async () => {
  db = await startTestDatabase();
  await exportArtifacts(db.pool, TEST_ARTIFACTS_DIR, SILENT_PROGRESS);
  catalog = await openCatalogDir(TEST_ARTIFACTS_DIR);
  const engine = await NodeSearchEngine.open(TEST_ARTIFACTS_DIR);
  // Real photos: query photos of another resolution, catalog photos, and a watch (a category this catalog lacks).
  const files = [
    ...readdirSync(QUERY_IMAGES_DIR)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, 16)
      .map((f) => join(QUERY_IMAGES_DIR, f)),
    ...testCatalogIds()
      .filter((_, i) => i % 60 === 7)
      .map((id) => join(TEST_CATALOG_DIR, 'images', `${id}.jpg`)),
    join(DEMO_IMAGES_DIR, '10108.jpg'),
  ];
  photos = [];
  for (const file of files) photos.push({ name: file.split('/').pop()!, file, query: await engine.embed(new Uint8Array(readFileSync(file))) });
  const { embedder } = await engine.loadText();
  texts = [];
  for (const text of ['blue jeans', 'black sunglasses', 'a red dress', 'leather belt']) texts.push({ text, vector: normalize((await embedder.embed([text]))[0]!) });

  const dist = mkdtempSync(join(tmpdir(), 'vitrine-dist-'));
  temporary.push(dist);
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Vitrine</title>');
  server = await startSearchServer({ pool: db.pool, dist, port: 0, rateLimit: { perSecond: 1000, burst: 1000 }, log: (line) => log.push(line) });
});

afterAll(async () => {
  await server?.close();
  await db?.close();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** Every scope scanned exactly, in memory and in the database alike. */
function exactly(manifest: ArtifactManifest): ArtifactManifest {
  return { ...manifest, catalogIndex: { kind: 'exact' }, categories: manifest.categories.map((c) => ({ ...c, index: { kind: 'exact' } })) };
}

async function exactMemorySource(): Promise<CatalogSource> {
  const all = Uint32Array.from({ length: catalog.manifest.counts.entries }, (_, i) => i);
  const productTexts = await readProductTexts(catalog.manifest, folderReader(TEST_ARTIFACTS_DIR));
  return catalogSource({ ...catalog, manifest: exactly(catalog.manifest), catalogAnn: new ExactIndex(catalog.semantic, all) }, productTexts);
}

const ids = (r: SearchResponse) => r.results.map((x) => x.id);
const overlap = (a: SearchResponse, b: SearchResponse, k = 8) => {
  const top = ids(b).slice(0, k);
  return ids(a)
    .slice(0, k)
    .filter((id) => top.includes(id)).length / Math.max(1, Math.min(k, top.length));
};

async function post(body: unknown, { contentType = 'application/json', raw }: { contentType?: string; raw?: string } = {}) {
  const response = await fetch(new URL('api/search', server.url), { method: 'POST', headers: { 'Content-Type': contentType }, body: raw ?? JSON.stringify(body) });
  return { status: response.status, headers: response.headers, json: (await response.json()) as SearchResponse & { error?: string } };
}

describe('parity: the Postgres source and the artifacts in memory, for the same query vectors', () => {
  it('at the configured HNSW settings: same status and category, top-8 overlap ≥ 0.95', async () => {
    const source = await PgCatalogSource.open(db.pool, await servedBuild(db.pool));
    const memory = catalogSource(catalog);
    const overlaps: number[] = [];
    for (const { name, query } of photos) {
      const [remote, local] = [await searchCatalog(source, query), await searchCatalog(memory, query)];
      expect({ name, status: remote.status, category: remote.category_used }).toEqual({ name, status: local.status, category: local.category_used });
      overlaps.push(overlap(remote, local));
    }
    expect(new Set(photos.map((p) => p.name)).size).toBe(photos.length);
    expect(overlaps.reduce((a, b) => a + b, 0) / overlaps.length).toBeGreaterThanOrEqual(0.95);
  });

  it('with exact scans: the same response — ids in the same order, and scores equal to float32 precision', async () => {
    const build = await servedBuild(db.pool);
    const source = await PgCatalogSource.open(db.pool, build, exactly(build.manifest));
    const memory = await exactMemorySource();
    const pairs: [SearchResponse, SearchResponse][] = [];
    for (const { query } of photos) pairs.push([await searchCatalog(source, query), await searchCatalog(memory, query)]);
    for (const { query } of photos.slice(0, 4)) pairs.push([await searchCatalog(source, query, { category: 'Jeans', fusion: 'rrf' }), await searchCatalog(memory, query, { category: 'Jeans', fusion: 'rrf' })]);
    for (const [remote, local] of pairs) {
      const { results: remoteResults, category_candidates: remoteGuesses, confidence: remoteConfidence, ...remoteRest } = remote;
      const { results: localResults, category_candidates: localGuesses, confidence: localConfidence, ...localRest } = local;
      expect(remoteRest).toEqual(localRest);
      expect(ids(remote)).toEqual(ids(local));
      expect(remoteGuesses.map((g) => g.category)).toEqual(localGuesses.map((g) => g.category));
      // pgvector sums in float32, JavaScript in float64: the same vectors give cosines equal to ~1e-7.
      expect(Math.abs(remoteConfidence - localConfidence)).toBeLessThan(1e-5);
      remoteResults.forEach((r, i) => {
        expect(Math.abs(r.score - localResults[i]!.score)).toBeLessThan(1e-5);
        expect(Math.abs(r.semantic_similarity - localResults[i]!.semantic_similarity)).toBeLessThan(1e-6);
      });
    }
    expect(pairs.map(([r]) => r.status)).toEqual(expect.arrayContaining(['success', 'fallback']));
  });

  it('words alone: the same status and ranking from the product names and photos in the database', async () => {
    const build = await servedBuild(db.pool);
    const source = await PgCatalogSource.open(db.pool, build, exactly(build.manifest));
    const memory = await exactMemorySource();
    for (const query of texts) {
      const [remote, local] = [await searchCatalogByText(source, query), await searchCatalogByText(memory, query)];
      expect(remote.message).toBe(local.message);
      expect(remote.status).toBe('success');
      expect(ids(remote)).toEqual(ids(local));
    }
  });
});

describe('POST /api/search', () => {
  it('answers the query vectors with the shared policy’s response, for photos, photo + words and words', async () => {
    const source = await PgCatalogSource.open(db.pool, await servedBuild(db.pool));
    const { query } = photos.find((p) => p.file.startsWith(TEST_CATALOG_DIR))!;
    const photo = await post(searchBody({ kind: 'photo', query }, { topK: 5 }));
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('application/json');
    expect(photo.json).toEqual(await searchCatalog(source, query, { topK: 5 }));
    expect(photo.json.results).toHaveLength(5);

    const composed = await post(searchBody({ kind: 'photo', query: { ...query, modifier: texts[0]!.vector } }, {}));
    expect(composed.json.fusion).toBe('composed');
    const words = await post(searchBody({ kind: 'text', query: texts[1]! }, { category: 'Sunglasses' }));
    expect(words.status).toBe(200);
    expect(words.json.fusion).toBe('text');
    expect(words.json.category_used).toBe('Sunglasses');
    expect(new Set(words.json.results.map((r) => r.category))).toEqual(new Set(['Sunglasses']));
  });

  it('refuses bad requests with a 4xx and a message naming the field, never its values', async () => {
    const good = { ...searchBody({ kind: "photo", query: photos[0]!.query }, {}) } as Record<string, unknown>;
    const semantic = good.semantic as number[];
    const cases: [string, { body?: unknown; raw?: string; contentType?: string }, number, RegExp][] = [
      ['not JSON', { raw: '{"semantic": [0.1,' }, 400, /not valid JSON/],
      ['not an object', { body: [1, 2, 3] }, 400, /JSON object/],
      ['wrong content type', { raw: JSON.stringify(good), contentType: 'text/plain' }, 415, /application\/json/],
      ['unknown field', { body: { ...good, image: 'AAAA' } }, 400, /unknown field: "image"/],
      ['vector width', { body: { ...good, semantic: semantic.slice(0, 511) } }, 422, /"semantic" has 511 numbers; this catalog's vectors have 512/],
      ['missing vector', { body: { semantic } }, 400, /"visual" must be an array of 512 numbers/],
      ['a string in a vector', { body: { ...good, visual: ['0.1', ...semantic.slice(1)] } }, 422, /"visual"\[0\] is not a finite number/],
      ['an infinite number', { raw: JSON.stringify(good).replace(/"semantic":\[[^,]+/, '"semantic":[1e999') }, 422, /"semantic"\[0\] is not a finite number/],
      ['not a unit vector', { body: { ...good, semantic: semantic.map((x) => x / 2) } }, 422, /"semantic" is not a unit vector/],
      ['top_k 0', { body: { ...good, top_k: 0 } }, 400, /"top_k" must be a whole number from 1 to 200/],
      ['fusion', { body: { ...good, fusion: 'max' } }, 400, /"fusion" must be "weighted" or "rrf"/],
      ['category', { body: { ...good, category: 42 } }, 400, /"category" must be a category name/],
      ['text with a photo vector', { body: { ...good, text: 'red' } }, 400, /a "text" query has no "visual"/],
      ['too large', { raw: JSON.stringify({ ...good, pad: 'x'.repeat(70_000) }) }, 413, /larger than 65536 bytes/],
    ];
    for (const [what, request, status, message] of cases) {
      const answer = await post(request.body, request);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect(answer.json.error).toMatch(message);
      expect(answer.json.error).not.toMatch(/\d\.\d{4}/);
    }
    const get = await fetch(new URL('api/search', server.url));
    expect(get.status).toBe(405);
    // The picked category's rules are the policy's: one the catalog lacks is a 200 with no_match, not an error.
    expect((await post({ ...good, category: 'Watches' })).json.status).toBe('no_match');
  });

  it('limits the rate per client: 429 with Retry-After past the burst', async () => {
    // One search per 100 s after a burst of two: however slow this machine, the third comes too soon.
    const limited = await startSearchServer({ pool: db.pool, dist: temporary[0]!, port: 0, rateLimit: { perSecond: 0.01, burst: 2 } });
    try {
      const body = JSON.stringify(searchBody({ kind: 'photo', query: photos[0]!.query }, {}));
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await fetch(new URL('api/search', limited.url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
        statuses.push(r.status);
        if (r.status === 429) {
          expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(50);
          expect(((await r.json()) as { error: string }).error).toMatch(/too many searches/);
        }
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it('logs one line per request — method, path, status, time, sizes — and never a vector', () => {
    expect(log.length).toBeGreaterThan(10);
    for (const line of log) expect(line).toMatch(/^(GET|POST|HEAD) \/[^\s?]* \d{3} [\d.]+ ms in \d+ B out (\d+|-) B$/);
    const someValues = String(photos[0]!.query.semantic[0]).slice(0, 8);
    expect(log.join('\n')).not.toContain(someValues);
  });
});

describe('the database stopped and restarted under the API', () => {
  it('answers 503 with a message while it is down, then recovers with the same answers: nothing half-written', async () => {
    const body = searchBody({ kind: 'photo', query: photos[2]!.query }, {});
    const before = await post(body);
    expect(before.status).toBe(200);

    await db.embedded.stop();
    const down = await post(body);
    expect(down.status).toBe(503);
    expect(down.json.error).toBe('the catalog database is unavailable — try again in a moment');
    expect(down.headers.get('retry-after')).toBe('2');
    expect((await fetch(new URL('api/health', server.url))).status).toBe(503);

    await db.embedded.restart();
    await expect.poll(async () => (await post(body)).status, { timeout: 30_000, interval: 250 }).toBe(200);
    expect((await post(body)).json).toEqual(before.json);
  });
});

describe('a database serving a build of other models', () => {
  it('is refused at start: the page would send vectors the catalog cannot be compared with', () => {
    const { manifest } = catalog;
    expect(() => checkServedModels(manifest)).not.toThrow();
    const file = Object.keys(manifest.models.visual.files)[0]!;
    const other: ArtifactManifest = {
      ...manifest,
      models: { ...manifest.models, visual: { ...manifest.models.visual, files: { [file]: { bytes: 1, sha256: '0'.repeat(64) } } } },
    };
    expect(() => checkServedModels(other)).toThrow(new RegExp(`^the database serves build ${manifest.buildId}, made with model files that assets/.+ is not — run npm run setup`));
  });
});

describe('a build switched while serving', () => {
  it('is picked up within seconds', async () => {
    const next = copyAsBuild(TEST_ARTIFACTS_DIR, 'ab12000000000005');
    temporary.push(next);
    await exportArtifacts(db.pool, next, SILENT_PROGRESS);
    await expect
      .poll(async () => ((await (await fetch(new URL('api/health', server.url))).json()) as { build_id: string }).build_id, { timeout: 15_000, interval: 500 })
      .toBe('ab12000000000005');
    const manifest = (await (await fetch(new URL('artifacts/manifest.json', server.url))).json()) as ArtifactManifest;
    expect(manifest.buildId).toBe('ab12000000000005');
    expect(manifest.remote).toEqual({ api: 'api/search' });
    expect((await post(searchBody({ kind: 'photo', query: photos[3]!.query }, {}))).status).toBe(200);
  });
});

describe('npm run search -- --remote', () => {
  it('embeds here, asks the API and prints its response: the same as the API gives for those vectors', async () => {
    const photo = photos.find((p) => p.file.startsWith(QUERY_IMAGES_DIR))!;
    const run = await runCliAsync('search', ['--image', photo.file, '--remote', server.url, '--top-k', '6']);
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as SearchResponse;
    expect(printed).toEqual((await post(searchBody({ kind: 'photo', query: photo.query }, { topK: 6 }))).json);
    expect(printed.results).toHaveLength(6);
  });

  it('a server that refuses: status "error" with its message, exit 1', async () => {
    const photo = photos[0]!;
    const run = await runCliAsync('search', ['--image', photo.file, '--remote', server.url, '--category', 'x'.repeat(150)]);
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as SearchResponse).message).toMatch(/answered 400: "category" must be a category name/);
  });
});
