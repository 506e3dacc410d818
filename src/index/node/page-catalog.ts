import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPACT_STATS_FILE, COMPACT_VERSION, isCompactManifest } from '../../artifacts/shared/compact.js';
import { MANIFEST_FILE, STATS_FILE, validateManifest } from '../../artifacts/shared/format.js';
import { PROJECT_ROOT } from '../../common/node/paths.js';

/** Where a single-file build keeps its conversion to the compact layout, the only one the page reads. */
export const PAGE_CATALOG_DIR = 'page';

/**
 * The folder to serve the page from, for an index folder: a compact catalog or a remote-mode manifest as they are;
 * a build of `npm run build:index` (the single-file layout Node's tools, Postgres export and scale catalogs read)
 * converted into the compact layout in its `page/` folder, once per build (`npm run build:scale` with the build's
 * own size: no encoder runs). Synchronous, so that Vite's data plugin can call it while it maps files.
 */
export function pageCatalog(dir: string): string {
  const json: unknown = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  if (isCompactManifest(json)) return dir;
  const manifest = validateManifest(json);
  if (manifest.remote) return dir;
  const pageDir = join(dir, PAGE_CATALOG_DIR);
  if (convertedFrom(pageDir) === manifest.buildId) return pageDir;
  const { catalog } = JSON.parse(readFileSync(join(dir, STATS_FILE), 'utf8')) as { catalog: string };
  // No photo is embedded at the build's own size: an empty embedding cache of its own, not a shared one in use.
  const cache = mkdtempSync(join(tmpdir(), 'vitrine-page-'));
  const args = ['--size', String(manifest.counts.products), '--base', dir, '--catalog', catalog, '--cache', cache, '--out', pageDir];
  process.stderr.write(`converting the index ${dir} (build ${manifest.buildId}) into the compact layout the page reads: npm run build:scale -- ${args.join(' ')}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/build-scale.ts'), ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  rmSync(cache, { recursive: true, force: true });
  if (run.status !== 0 || convertedFrom(pageDir) !== manifest.buildId) {
    throw new Error(`could not convert ${dir} into the compact layout (exit ${run.status ?? run.signal}); see the lines above`);
  }
  return pageDir;
}

/** The build a compact catalog of this format version was made from, as its stats record it; else null. */
function convertedFrom(dir: string): string | null {
  const stats = join(dir, COMPACT_STATS_FILE);
  const manifest = join(dir, MANIFEST_FILE);
  if (!existsSync(stats) || !existsSync(manifest)) return null;
  if ((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: number }).version !== COMPACT_VERSION) return null;
  return (JSON.parse(readFileSync(stats, 'utf8')) as { base?: string }).base ?? null;
}
