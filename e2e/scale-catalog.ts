/**
 * A 44,417-product catalog in the compact layout for the browser tests: the 288 products of the test index and rows
 * derived from them (npm run build:scale's code, with no encoder run), served by a copy of the e2e build whose
 * `artifacts/` it replaces. Built once, then reused while the test index and the format stay the same.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { COMPACT_VERSION, validateCompactManifest, type CompactManifest } from '../src/artifacts/shared/compact.js';
import { MANIFEST_FILE } from '../src/artifacts/shared/format.js';
import { buildTestCompactCatalog, TEST_ARTIFACTS_DIR, TEST_ROOT } from '../src/index/node/sample-index.js';
import { E2E_PORT } from './config.js';
import { copyOfBuild } from './static-host.js';

export const SCALE_PRODUCTS = 44_417;
export const SCALE_CATALOG_DIR = join(TEST_ROOT, `compact-${SCALE_PRODUCTS}`);

export async function ensureScaleCatalog(): Promise<CompactManifest> {
  const base = JSON.parse(readFileSync(join(TEST_ARTIFACTS_DIR, MANIFEST_FILE), 'utf8')) as { buildId: string };
  const stamp = `${base.buildId} ${COMPACT_VERSION} ${SCALE_PRODUCTS}`;
  const stampFile = join(SCALE_CATALOG_DIR, 'stamp');
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    await buildTestCompactCatalog(SCALE_CATALOG_DIR, join(TEST_ROOT, 'scale-cache'), SCALE_PRODUCTS);
    writeFileSync(stampFile, stamp);
  }
  return validateCompactManifest(JSON.parse(readFileSync(join(SCALE_CATALOG_DIR, MANIFEST_FILE), 'utf8')));
}

/** A copy of the e2e build serving the compact catalog instead of the test index (its photos are the same). */
export async function buildServingScaleCatalog(): Promise<string> {
  const dir = await copyOfBuild('scale');
  await rm(join(dir, 'artifacts'), { recursive: true, force: true });
  await cp(SCALE_CATALOG_DIR, join(dir, 'artifacts'), { recursive: true, filter: (source) => !source.endsWith('stamp') });
  return dir;
}

export const SCALE_PORT = E2E_PORT + 1002;
