/**
 * `npm run demo`: from a fresh checkout (after `npm ci`) to the search page on the demo catalog.
 *   1. `npm run setup` copies the verified models and data sets (quick when they are already in place);
 *   2. builds the demo index into artifacts/demo when it is missing or stale (about 4 minutes on 2 cores);
 *   3. builds the web app into dist/ and serves it with `vite preview` (COOP/COEP headers), printing the URL.
 * `npm run demo -- --server`: remote mode instead of step 3's static serving — the index loaded into the embedded
 * Postgres (.pglite/, or $DATABASE_URL) as `npm run export:pg` does (once), and the page and its search API served
 * as `npm run serve` does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, preview } from 'vite';
import { loadDatasets } from '../src/assets/node/datasets.js';
import { loadModelsConfig } from '../src/models/node/config.js';
import { loadSearchDefaults } from '../src/artifacts/node/config.js';
import { ASSETS_DIR, PROJECT_ROOT } from '../src/common/node/paths.js';
import { EMBEDDING_RECIPE } from '../src/index/node/recipe.js';
import { MANIFEST_FILE, STATS_FILE, validateManifest } from '../src/artifacts/shared/format.js';
import { sha256Hex } from '../src/common/node/checksum.js';
import { terminalProgress } from '../src/cli/progress.js';
import { openDatabase } from '../src/server/node/database.js';
import { exportArtifacts } from '../src/server/node/export.js';
import { startSearchServer } from '../src/server/node/http.js';
import { checkServedModels } from '../src/server/node/models.js';
import { servedBuild } from '../src/server/node/schema.js';

const { values: options } = parseArgs({ options: { server: { type: 'boolean', default: false } } });

const DEMO_ARTIFACTS = join(PROJECT_ROOT, 'artifacts/demo');
const catalog = loadDatasets().catalog!;
const CATALOG_IMAGES = join(ASSETS_DIR, catalog.mirror, catalog.images);
const CATALOG_LABELS = join(ASSETS_DIR, catalog.mirror, catalog.labels);

function step(line: string): void {
  process.stderr.write(`\n▸ ${line}\n`);
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: PROJECT_ROOT });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** JSON with sorted keys, so two configurations compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Why artifacts/demo must be (re)built, or null when it matches the catalog, models and configuration here. */
function staleness(): string | null {
  if (!existsSync(join(DEMO_ARTIFACTS, MANIFEST_FILE))) return 'there is none yet';
  let manifest;
  try {
    manifest = validateManifest(JSON.parse(readFileSync(join(DEMO_ARTIFACTS, MANIFEST_FILE), 'utf8')));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const stats = JSON.parse(readFileSync(join(DEMO_ARTIFACTS, STATS_FILE), 'utf8')) as { catalog: string; embedding_recipe?: number };
  if (resolve(stats.catalog) !== resolve(CATALOG_IMAGES)) return `it was built from ${stats.catalog}`;
  if (stats.embedding_recipe !== EMBEDDING_RECIPE) return 'the pre-processing changed since it was built';
  const defaults = loadSearchDefaults();
  if (canonical(manifest.index) !== canonical(defaults.index) || canonical(manifest.search) !== canonical(defaults.search)) {
    return 'config/search.json changed since it was built';
  }
  const models = loadModelsConfig();
  for (const record of [manifest.models.imageSemantic, manifest.models.visual, manifest.models.textSemantic]) {
    for (const [file, pinned] of Object.entries(record.files)) {
      const path = join(ASSETS_DIR, models.models[record.model]?.mirror ?? record.model, file);
      if (!existsSync(path) || sha256Hex(readFileSync(path)) !== pinned.sha256) {
        return `${relative(PROJECT_ROOT, path)} is not the model file it was built with`;
      }
    }
  }
  return null;
}

step('npm run setup — models, demo catalog and query photos');
run('npm', ['run', 'setup']);

const reason = staleness();
if (reason) {
  step(`building the demo index into artifacts/demo (${reason}) — about 4 minutes on 2 cores`);
  run('npm', ['run', 'build:index', '--', '--catalog', CATALOG_IMAGES, '--labels', CATALOG_LABELS, '--out', DEMO_ARTIFACTS]);
} else {
  step('artifacts/demo is up to date');
}

step('building the web app into dist/');
process.env.VITRINE_ARTIFACTS = DEMO_ARTIFACTS;
await build({ root: PROJECT_ROOT, logLevel: 'warn' });
if (options.server) {
  step('loading the demo index into PostgreSQL + pgvector (once; later runs find it loaded)');
  const database = await openDatabase({ url: process.env.DATABASE_URL });
  await exportArtifacts(database.pool, DEMO_ARTIFACTS, terminalProgress(process.stderr));
  checkServedModels((await servedBuild(database.pool)).manifest);
  const server = await startSearchServer({ pool: database.pool, dist: join(PROJECT_ROOT, 'dist'), port: 4173 });
  const stop = () => void server.close().then(() => database.close()).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  step(`Vitrine is ready in remote mode (catalog in ${database.where}) — open this address in a browser (Ctrl+C stops it):`);
  process.stderr.write(`  ${server.url}\n`);
} else {
  const server = await preview({ root: PROJECT_ROOT, preview: { port: 4173, open: false } });
  step('Vitrine is ready — open this address in a browser (Ctrl+C stops it):');
  server.printUrls();
}
