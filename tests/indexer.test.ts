import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactManifest, Product } from '../src/artifacts/shared/format.js';
import { runCli, STACK_LINE } from './helpers/cli.js';
import { DEMO_IMAGES_DIR, demoLabels } from '../src/index/node/sample-index.js';

/**
 * A messy shop folder: nesting, PNG/WebP/upper-case extensions, a symlink, the same file name in two folders,
 * an image without a label, a corrupt and an empty "photo", a stray text file; and a labels file with bad rows.
 */
let root: string;
let catalog: string;
let labels: string;
let cache: string;
const rows = demoLabels();
const pick = (category: string, n: number) => rows.filter((r) => r.articleType === category).slice(0, n);
const shirts = pick('Shirts', 4);
const jeans = pick('Jeans', 4);
const heels = pick('Heels', 3);

function artifacts(dir: string): { manifest: ArtifactManifest; products: Product[]; stats: Record<string, any> } {
  return {
    manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')),
    products: JSON.parse(readFileSync(join(dir, 'products.json'), 'utf8')),
    stats: JSON.parse(readFileSync(join(dir, 'index_stats.json'), 'utf8')),
  };
}

function build(out: string, ...extra: string[]) {
  return runCli('build-index', ['--catalog', catalog, '--labels', labels, '--out', out, '--cache', cache, '--augment', '1', '--exact-below', '6', '--gate-sample', '20', ...extra]);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vitrine-indexer-'));
  catalog = join(root, 'shop');
  cache = join(root, 'cache');
  mkdirSync(join(catalog, 'tops/shirts'), { recursive: true });
  mkdirSync(join(catalog, 'bottoms'), { recursive: true });
  mkdirSync(join(catalog, 'shoes'), { recursive: true });
  const src = (id: string) => join(DEMO_IMAGES_DIR, `${id}.jpg`);
  copyFileSync(src(shirts[0]!.id), join(catalog, 'tops/shirts', `${shirts[0]!.id}.jpg`));
  await sharp(src(shirts[1]!.id)).png().toFile(join(catalog, 'tops/shirts', `${shirts[1]!.id}.png`));
  await sharp(src(shirts[2]!.id)).webp({ lossless: true }).toFile(join(catalog, 'tops', `${shirts[2]!.id}.webp`));
  copyFileSync(src(shirts[3]!.id), join(catalog, 'tops', `${shirts[3]!.id}.JPG`));
  for (const j of jeans) copyFileSync(src(j.id), join(catalog, 'bottoms', `${j.id}.jpg`));
  symlinkSync(src(heels[0]!.id), join(catalog, 'shoes', `${heels[0]!.id}.jpg`));
  copyFileSync(src(heels[1]!.id), join(catalog, 'shoes', `${heels[1]!.id}.jpg`));
  copyFileSync(src(heels[2]!.id), join(catalog, 'shoes', 'unlabelled-heel.jpg'));
  copyFileSync(src(jeans[0]!.id), join(catalog, 'shoes', `${jeans[0]!.id}.jpg`)); // same name as bottoms/<id>.jpg
  writeFileSync(join(catalog, 'shoes', 'corrupt.jpg'), Buffer.from('this is not a jpeg at all, just text bytes'));
  writeFileSync(join(catalog, 'bottoms', 'empty.png'), Buffer.alloc(0));
  writeFileSync(join(catalog, 'notes.txt'), 'not an image');

  labels = join(root, 'styles.csv');
  const line = (r: (typeof rows)[number]) => `${r.id},Men,Apparel,Topwear,${r.articleType},${r.baseColour},Fall,2011,Casual,${r.name}`;
  writeFileSync(
    labels,
    [
      'id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName',
      ...[...shirts, ...jeans, heels[0]!, heels[1]!].map(line),
      '99999999,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,A product with no image',
      '12345,Men,Apparel',
      `${shirts[0]!.id},Men,Apparel,Topwear,Jeans,Blue,Fall,2011,Casual,Duplicate row`,
      '777,Men,Apparel,Topwear,,Blue,Fall,2011,Casual,No category',
    ].join('\n'),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm run build:index on a messy catalog folder', () => {
  let out: string;
  let first: ReturnType<typeof build>;

  beforeAll(() => {
    out = join(root, 'artifacts');
    first = build(out);
  });

  it('completes, passes its gates and reports what it skipped and why', () => {
    expect(first.stderr).not.toMatch(STACK_LINE);
    expect(first.code).toBe(0);
    const { stats } = artifacts(out);
    expect(stats.passed).toBe(true);
    expect(stats.counts).toMatchObject({ images_found: 14, products: 12, skipped: 2, entries: 24, augment_copies: 1, labelled: 11 });
    const skipped = Object.fromEntries(stats.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason]));
    expect(skipped['shoes/corrupt.jpg']).toMatch(/cannot read this image/);
    expect(skipped['bottoms/empty.png']).toMatch(/empty/);
    expect(first.stderr).toMatch(/skipped shoes\/corrupt\.jpg/);
  });

  it('reports bad label rows line by line without failing', () => {
    expect(first.stderr).toMatch(/labels: 11 rows, 3 unusable, 1 ids without an image/);
    expect(first.stderr).toMatch(/line 13: 3 fields, the header has 10/);
    expect(first.stderr).toMatch(/line 14: id \d+ appears again/);
    expect(first.stderr).toMatch(/line 15: id 777 has no articleType/);
    // Ids the labels know but the folder lacks are named with their line too.
    expect(first.stderr).toMatch(/line 12: id 99999999 has no image in the catalog folder/);
  });

  it('finds every format at any depth, follows symlinks, and keeps ids unique', () => {
    const { products } = artifacts(out);
    const byImage = new Map(products.map((p) => [p.image, p]));
    for (const path of [`tops/shirts/${shirts[0]!.id}.jpg`, `tops/shirts/${shirts[1]!.id}.png`, `tops/${shirts[2]!.id}.webp`, `tops/${shirts[3]!.id}.JPG`, `shoes/${heels[0]!.id}.jpg`]) {
      expect(byImage.has(path), path).toBe(true);
    }
    expect(byImage.get(`bottoms/${jeans[0]!.id}.jpg`)!.id).toBe(`bottoms/${jeans[0]!.id}`);
    expect(byImage.get(`shoes/${jeans[0]!.id}.jpg`)!.id).toBe(`shoes/${jeans[0]!.id}`);
    expect(new Set(products.map((p) => p.id)).size).toBe(products.length);
  });

  it('records labels and zero-shot predictions; an unlabelled photo is categorised by prediction', () => {
    const { products } = artifacts(out);
    const labelled = products.find((p) => p.id === shirts[0]!.id)!;
    expect(labelled).toMatchObject({ category: 'Shirts', labelCategory: 'Shirts', color: shirts[0]!.baseColour, name: shirts[0]!.name });
    expect(typeof labelled.predictedCategory).toBe('string');
    expect(typeof labelled.predictedColor).toBe('string');
    const unlabelled = products.find((p) => p.id === 'unlabelled-heel')!;
    expect(unlabelled.labelCategory).toBeNull();
    expect(unlabelled.category).toBe(unlabelled.predictedCategory);
    expect(unlabelled.predictedCategoryConfidence).toBeGreaterThan(0);
  });

  it('writes a versioned manifest whose checksums match the files, HNSW graphs for big scopes, exact scans for small ones', () => {
    const { manifest, stats } = artifacts(out);
    expect(manifest.format).toBe('vitrine-artifacts');
    expect(manifest.version).toBe(1);
    for (const f of manifest.files) expect(statSync(join(out, f.path)).size, f.path).toBe(f.bytes);
    expect(manifest.catalogIndex).toEqual({ kind: 'hnsw', file: 'hnsw/catalog.hnsw' });
    const kinds = Object.fromEntries(manifest.categories.map((c) => [c.name, c.index.kind]));
    expect(kinds.Shirts).toBe('hnsw'); // 4 products x 2 entries ≥ 6
    expect(manifest.categories.find((c) => c.index.kind === 'exact')).toBeDefined();
    expect(stats.bytes.per_product).toBeGreaterThan(1000);
    expect(Object.keys(stats.quality.ann_recall_at_10)).toContain('catalog');
    expect(readdirSync(root).filter((f) => f.includes('staging'))).toEqual([]);
  });

  it('resumes from the embedding cache, and survives a cache cut mid-record by an interrupted run', () => {
    const again = build(join(root, 'again'));
    expect(again.code).toBe(0);
    expect(artifacts(join(root, 'again')).stats.counts.embedded_from_cache).toBe(12);
    const [cacheFile] = readdirSync(cache).map((f) => join(cache, f));
    const size = statSync(cacheFile!).size;
    truncateSync(cacheFile!, size - 1000); // the last record torn, as if killed while writing
    const resumed = build(join(root, 'resumed'));
    expect(resumed.code).toBe(0);
    // The product whose record was torn is embedded again (with its twin, if it has one); the rest come from the cache.
    const fromCache = artifacts(join(root, 'resumed')).stats.counts.embedded_from_cache;
    expect(fromCache).toBeGreaterThanOrEqual(10);
    expect(fromCache).toBeLessThan(12);
    expect(statSync(cacheFile!).size).toBe(size);
  });
});

describe('bad input to the indexer', () => {
  it('a labels file without the category column fails with a clear message and leaves existing artifacts untouched', () => {
    const out = join(root, 'artifacts');
    const before = readFileSync(join(out, 'manifest.json'), 'utf8');
    const badLabels = join(root, 'bad.csv');
    writeFileSync(badLabels, 'id,colour\n1,red\n');
    const run = runCli('build-index', ['--catalog', catalog, '--labels', badLabels, '--out', out, '--cache', cache]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/has no "articleType" column \(columns: id, colour\); pass --category-column <name>/);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(before);
  });

  it('binary or empty labels files and empty catalogs are refused in one line', () => {
    const binary = join(root, 'binary.csv');
    writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x9f]));
    expect(runCli('build-index', ['--catalog', catalog, '--labels', binary, '--out', join(root, 'x')]).stderr).toMatch(/is not UTF-8 text/);
    const empty = join(root, 'empty.csv');
    writeFileSync(empty, 'id,articleType\n');
    expect(runCli('build-index', ['--catalog', catalog, '--labels', empty, '--out', join(root, 'x')]).stderr).toMatch(/has no data rows/);
    mkdirSync(join(root, 'no-images'), { recursive: true });
    const none = runCli('build-index', ['--catalog', join(root, 'no-images'), '--out', join(root, 'x')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no images \(jpg, png, webp, gif, avif\) found under/);
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('a --category-column option reads another label column', () => {
    const custom = join(root, 'custom.csv');
    writeFileSync(custom, ['id,kind', ...shirts.map((s) => `${s.id},Shirt`), ...jeans.map((j) => `${j.id},Denim`)].join('\n'));
    const out = join(root, 'custom');
    const run = runCli('build-index', ['--catalog', catalog, '--labels', custom, '--category-column', 'kind', '--out', out, '--cache', cache, '--gate-sample', '5']);
    expect(run.code).toBe(0);
    expect(artifacts(out).manifest.categories.map((c) => c.name)).toEqual(expect.arrayContaining(['Shirt', 'Denim']));
    // The optional columns it lacks are named: colours are predicted, names left out.
    expect(run.stderr).toMatch(/no baseColour, productDisplayName, gender column: predicted or left out/);
  });
});
