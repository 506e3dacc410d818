import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS_DIR, PROJECT_ROOT } from '../../common/node/paths.js';
import { loadDatasets } from '../../assets/node/datasets.js';
import { buildIndex } from './build.js';
import { buildCompactCatalog } from './compact-build.js';
import { ScaleCatalog } from './scale-catalog.js';
import { PAGE_CATALOG_DIR, pageCatalog } from './page-catalog.js';
import type { CompactManifest } from '../../artifacts/shared/compact.js';
import { SILENT_PROGRESS } from '../../common/shared/progress.js';

/**
 * The test catalog: a few hundred demo-catalog products from a dozen categories, with no Watches (so a watch
 * photo exercises the out-of-stock fallback), one augmented copy per product (dedup) and a low exact-scan
 * threshold (so whole-catalog and per-category HNSW graphs are both built and searched).
 */
export const TEST_CATEGORIES = ['Tshirts', 'Shirts', 'Jeans', 'Casual Shoes', 'Handbags', 'Sunglasses', 'Tops', 'Dresses', 'Kurtas', 'Heels', 'Backpacks', 'Belts'];
export const PER_CATEGORY = 24;
export const ABSENT_CATEGORY = 'Watches';

const catalogDataset = loadDatasets().catalog!;
export const DEMO_CATALOG_DIR = join(ASSETS_DIR, catalogDataset.mirror);
export const DEMO_IMAGES_DIR = join(DEMO_CATALOG_DIR, catalogDataset.images);
export const DEMO_LABELS = join(DEMO_CATALOG_DIR, catalogDataset.labels);
const queriesDataset = loadDatasets().queries!;
export const QUERY_DIR = join(ASSETS_DIR, queriesDataset.mirror);
export const QUERY_IMAGES_DIR = join(QUERY_DIR, queriesDataset.images);

export const TEST_ROOT = join(PROJECT_ROOT, '.cache/test');
export const TEST_CATALOG_DIR = join(TEST_ROOT, 'catalog');
export const TEST_ARTIFACTS_DIR = join(TEST_ROOT, 'artifacts');
/** The test index as the page is served it (see pageCatalog). */
export const TEST_PAGE_DIR = join(TEST_ARTIFACTS_DIR, PAGE_CATALOG_DIR);

export interface LabelRow {
  id: string;
  articleType: string;
  baseColour: string;
  name: string;
}

/** styles.csv rows of the demo catalog (CRLF lines; names have no quoted commas, extra fields join into the name). */
export function demoLabels(path = DEMO_LABELS): LabelRow[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => {
      const f = line.split(',');
      return { id: f[0]!, articleType: f[4]!, baseColour: f[5]!, name: f.slice(9).join(',') };
    });
}

export function testCatalogIds(): string[] {
  const rows = demoLabels();
  return TEST_CATEGORIES.flatMap((c) =>
    rows
      .filter((r) => r.articleType === c)
      .map((r) => r.id)
      .sort()
      .slice(0, PER_CATEGORY),
  );
}

/** The code `npm run build:index` runs: a change there rebuilds the test index. */
const BUILD_CAPABILITIES = ['ann', 'artifacts', 'assets', 'catalog', 'common', 'imaging', 'index', 'models', 'search', 'vectors'];

/** Everything that can change what a build writes: configuration and the build's source code. */
function inputsDigest(ids: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify(ids));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(PROJECT_ROOT, 'config'));
  for (const capability of BUILD_CAPABILITIES) {
    for (const side of ['shared', 'node', 'wasm']) {
      if (existsSync(join(PROJECT_ROOT, 'src', capability, side))) walk(join(PROJECT_ROOT, 'src', capability, side));
    }
  }
  return hash.digest('hex');
}

/** Builds the test index once; later calls reuse it while configuration and code are unchanged. */
export async function ensureTestArtifacts(): Promise<string> {
  const ids = testCatalogIds();
  const stamp = inputsDigest(ids);
  const stampFile = join(TEST_ROOT, 'stamp');
  if (!existsSync(join(TEST_ARTIFACTS_DIR, 'manifest.json')) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) await buildTestArtifacts(ids, stamp);
  // What the page is served (and the browser tests read): its compact conversion.
  pageCatalog(TEST_ARTIFACTS_DIR);
  return TEST_ARTIFACTS_DIR;
}

async function buildTestArtifacts(ids: readonly string[], stamp: string): Promise<void> {
  const stampFile = join(TEST_ROOT, 'stamp');
  rmSync(TEST_CATALOG_DIR, { recursive: true, force: true });
  mkdirSync(join(TEST_CATALOG_DIR, 'images'), { recursive: true });
  for (const id of ids) symlinkSync(join(DEMO_IMAGES_DIR, `${id}.jpg`), join(TEST_CATALOG_DIR, 'images', `${id}.jpg`));
  const result = await buildIndex({
    catalogDir: join(TEST_CATALOG_DIR, 'images'),
    labelsPath: DEMO_LABELS,
    outDir: TEST_ARTIFACTS_DIR,
    profile: 'mini',
    cacheDir: join(TEST_ROOT, 'embedding-cache'),
    index: { augmentCopies: 1, exactBelow: 40 },
    gateSample: 60,
    progress: SILENT_PROGRESS,
  });
  if (!result.passed) throw new Error(`test index failed its quality gates: ${JSON.stringify(result.stats.gates)}`);
  writeFileSync(stampFile, stamp);
}

/**
 * The test index in the compact layout (npm run build:scale's code, no encoder run): its products, then rows derived
 * from them up to `size` products.
 */
export async function buildTestCompactCatalog(outDir: string, cacheDir: string, size = testCatalogIds().length): Promise<CompactManifest> {
  const catalog = await ScaleCatalog.open(TEST_ARTIFACTS_DIR, join(TEST_CATALOG_DIR, 'images'), cacheDir);
  try {
    const built = await buildCompactCatalog(catalog, { size, realRows: catalog.baseCount, outDir, progress: SILENT_PROGRESS });
    if (built.rejectedTo) throw new Error(`the test catalog of ${size} products failed its quality gates: ${built.quality.gates.map((g) => g.detail).join('; ')}`);
    return built.manifest;
  } finally {
    catalog.close();
  }
}
