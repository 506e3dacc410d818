import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { loadModelsConfig } from '../src/models/node/config.js';
import { ASSETS_DIR, PROJECT_ROOT } from '../src/common/node/paths.js';
import { ISOLATION_HEADERS } from '../src/common/shared/http-headers.js';
import { decodeCell } from '../src/artifacts/shared/cells.js';
import { COMPACT_FORMAT, COMPACT_STATS_FILE, isCompactManifest, validateCompactManifest, type CompactManifest } from '../src/artifacts/shared/compact.js';
import { pageCatalog } from '../src/index/node/page-catalog.js';
import { MANIFEST_FILE, STATS_FILE, validateManifest, type ArtifactManifest, type Product } from '../src/artifacts/shared/format.js';

/**
 * Serves the data the page's worker fetches, at the URLs it expects:
 *   artifacts/<file>        the catalog in the compact layout (VITRINE_ARTIFACTS, default artifacts/demo; a build of
 *                           npm run build:index is served as its conversion in page/, made when missing)
 *   models/<model>/<file>   the encoders the index was built with (from assets/): the two image encoders, and the
 *                           text encoder with its tokenizer, which the page fetches on the first query with words
 *   catalog/<image>         product photos (from the catalog folder recorded in the compact catalog's
 *                           compact_stats.json; a remote-mode index's index_stats.json)
 * In dev they stream from disk; `vite build` copies exactly these files into the output, so it is plain static
 * hosting (and `vite preview` serves that copy). Only files the manifest names are served: no path leaves the map.
 */

function artifactsDir(): string {
  return resolve(PROJECT_ROOT, process.env.VITRINE_ARTIFACTS ?? 'artifacts/demo');
}

/**
 * URL path (relative to the app's base) → file on disk: a compact catalog (a build of npm run build:index is
 * converted on load, see pageCatalog), or a remote-mode manifest.
 */
function dataFiles(indexDir: string): Map<string, string> {
  if (!existsSync(join(indexDir, MANIFEST_FILE))) {
    throw new Error(`no catalog index at ${indexDir} — build one with npm run build:index (or set VITRINE_ARTIFACTS)`);
  }
  const dir = pageCatalog(indexDir);
  const manifestPath = join(dir, MANIFEST_FILE);
  const json: unknown = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const manifest = isCompactManifest(json) ? validateCompactManifest(json) : validateManifest(json);
  const files = new Map<string, string>([[`artifacts/${MANIFEST_FILE}`, manifestPath]]);
  for (const f of manifest.files) files.set(`artifacts/${f.path}`, join(dir, f.path));

  // Model folders as config/models.json mirrors them under assets/ (models/node/load.ts resolves them the same way;
  // not imported here because it loads onnxruntime-node).
  const models = loadModelsConfig();
  for (const record of [manifest.models.imageSemantic, manifest.models.visual, manifest.models.textSemantic]) {
    const mirror = models.models[record.model]?.mirror;
    if (!mirror) throw new Error(`the index was built with model "${record.model}", which config/models.json does not define`);
    for (const file of Object.keys(record.files)) files.set(`models/${record.model}/${file}`, join(ASSETS_DIR, mirror, file));
  }

  const stats = JSON.parse(readFileSync(join(dir, manifest.format === COMPACT_FORMAT ? COMPACT_STATS_FILE : STATS_FILE), 'utf8')) as { catalog: string };
  for (const image of productImages(dir, manifest)) files.set(`catalog/${image}`, join(stats.catalog, image));
  return files;
}

/** Every product photo the catalog shows (a compact catalog's are in its cells: several products may share one). */
function productImages(dir: string, manifest: ArtifactManifest | CompactManifest): Set<string> {
  if (manifest.format === COMPACT_FORMAT) {
    return new Set(manifest.cells.flatMap((cell) => decodeCell(new Uint8Array(readFileSync(join(dir, cell.file))), cell.file).products.map((p) => p.image)));
  }
  return new Set((JSON.parse(readFileSync(join(dir, manifest.products), 'utf8')) as Product[]).map((p) => p.image));
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
};

export function vitrineData(): Plugin {
  const dir = artifactsDir();
  let cached: { mtimeMs: number; files: Map<string, string> } | null = null;
  // Re-read when the index is rebuilt while the dev server runs.
  const current = () => {
    const mtimeMs = statSync(join(dir, MANIFEST_FILE), { throwIfNoEntry: false })?.mtimeMs ?? -1;
    if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, files: dataFiles(dir) };
    return cached.files;
  };
  let outDir = 'dist';

  return {
    name: 'vitrine-data',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname).replace(/^\/+/, '');
        if (!/^(artifacts|models|catalog)\//.test(path)) return next();
        let disk: string | undefined;
        try {
          disk = current().get(path);
        } catch (error) {
          res.statusCode = 503;
          res.end(error instanceof Error ? error.message : String(error));
          return;
        }
        if (!disk || !existsSync(disk)) return next();
        res.writeHead(200, {
          ...ISOLATION_HEADERS,
          'Content-Type': CONTENT_TYPES[extname(disk).toLowerCase()] ?? 'application/octet-stream',
          'Content-Length': String(statSync(disk).size),
          'Cache-Control': 'no-cache',
        });
        createReadStream(disk).pipe(res);
      });
    },
    async writeBundle() {
      const files = dataFiles(dir);
      const queue = [...files];
      const copyAll = async () => {
        for (let next = queue.pop(); next; next = queue.pop()) {
          const [path, disk] = next;
          if (!existsSync(disk)) throw new Error(`${disk} is missing (needed for ${path}) — run npm run setup`);
          await mkdir(dirname(join(outDir, path)), { recursive: true });
          await copyFile(disk, join(outDir, path));
        }
      };
      // Thousands of small product photos: copy several at a time.
      await Promise.all(Array.from({ length: 16 }, copyAll));
      this.info(`copied ${files.size} data files from ${dir}`);
    },
  };
}
