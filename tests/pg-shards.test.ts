/**
 * A build spread over several machines, tested as N processes on this one: each `build:index --shard i/N` embeds
 * its slice into the shared database, and the final `--publish` step embeds nothing, builds and checks the index,
 * and serves it from that database.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../src/artifacts/node/read.js';
import { DEMO_LABELS, TEST_CATALOG_DIR, testCatalogIds } from '../src/index/node/sample-index.js';
import { runCliAsync } from './helpers/cli.js';
import { startTestDatabase, type TestDatabase } from './helpers/pg.js';

const SHARDS = 2;
let db: TestDatabase;
let work: string;
let catalog: string;
let ids: string[];

beforeAll(async () => {
  db = await startTestDatabase();
  work = mkdtempSync(join(tmpdir(), 'vitrine-shards-'));
  catalog = join(work, 'catalog');
  mkdirSync(catalog);
  // 30 products of three categories; each process gets its own empty embedding cache, as another machine would.
  ids = testCatalogIds().filter((_, i) => Math.floor(i / 24) < 3 && i % 24 < 10);
  for (const id of ids) symlinkSync(join(TEST_CATALOG_DIR, 'images', `${id}.jpg`), join(catalog, `${id}.jpg`));
});

afterAll(async () => {
  await db?.close();
  rmSync(work, { recursive: true, force: true });
});

const common = () => ['--catalog', catalog, '--labels', DEMO_LABELS, '--augment', '0', '--workers', '1', '--database-url', db.url];

describe('build:index --shard i/N, then --publish', () => {
  it('N processes embed one slice each into the database; the final step embeds nothing and publishes the build', async () => {
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) => runCliAsync('build-index', [...common(), '--shard', `${i + 1}/${SHARDS}`, '--cache', join(work, `cache-${i + 1}`)])),
    );
    for (const [i, run] of shards.entries()) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`shard ${i + 1}/${SHARDS}: 15 of 30 images`));
      expect(run.stderr).toMatch(new RegExp(`shard ${i + 1}/${SHARDS}: 15 images \\(0 from this machine's cache, 0 unreadable\\) shared with`));
    }
    const { rows } = await db.pool.query<{ images: number; rows: number }>('SELECT count(DISTINCT sha256)::int AS images, count(*)::int AS rows FROM vitrine.embeddings');
    expect(rows[0]).toEqual({ images: 30, rows: 30 });

    const out = join(work, 'artifacts');
    const final = await runCliAsync('build-index', [...common(), '--publish', '--out', out, '--cache', join(work, 'cache-final'), '--gate-sample', '10']);
    expect(final.code, final.stderr).toBe(0);
    expect(final.stderr).toMatch(/embeddings shared by other machines: 30 new to this one/);
    expect(final.stderr).toMatch(/embedding: 30 embedded \(30 from cache\), 0 skipped/);
    expect(final.stderr).toMatch(/^PASS /m);
    const manifest = await readManifest(out);
    expect(manifest.counts.products).toBe(30);
    expect(final.stderr).toMatch(new RegExp(`now serving build ${manifest.buildId}`));
    expect((await db.pool.query('SELECT build_id FROM vitrine.served')).rows[0]).toEqual({ build_id: manifest.buildId });
  });

  it('refuses a shard that is not i/N', async () => {
    const run = await runCliAsync('build-index', [...common(), '--shard', '3/2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--shard must be i\/N with 1 ≤ i ≤ N, such as 1\/4; got "3\/2"/);
  });
});
