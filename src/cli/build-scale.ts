import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../common/node/paths.js';
import { buildCompactCatalog } from '../index/node/compact-build.js';
import { ScaleCatalog } from '../index/node/scale-catalog.js';
import { terminalProgress } from './progress.js';
import { runCli, UsageError } from './run.js';

const USAGE = `Usage: npm run build:scale -- --size <n> [--out <dir>] [options]

Makes a catalog of any size from a built index (the demo's) and its photos, to test how Vitrine scales. Row i is
variant ⌊i / B⌋ of base product i mod B: the photo itself, then flipped / zoomed copies embedded by the real encoders
(B × 9 rows: 47,646 for the demo, so 44,417 products are all real vectors); rows past those are derived (a real
row moved by seeded noise within its product's category) and the catalog is marked synthetic.

  --size <n>               products (e.g. 44417, 200000, 1000000)
  --out <dir>              write the catalog there in the compact layout (manifest, router, cells), atomically;
                           without it, only embed (resumable)
  --allow-derived          with --out: derive the rows real encoders have not given yet instead of stopping
  --base <dir>             the built index whose products, vectors and photos are reused (default artifacts/demo)
  --catalog <dir>          its photo folder (default assets/catalog/fashion-product-images-224/images)
  --cache <dir>            embedding cache of the variant photos; a rerun resumes (default .cache/scale-embeddings)
  --time-limit <s>         stop embedding after this many seconds (a rerun carries on); default no limit
  --workers <n>            embedding workers (default 2)
  -h, --help               this text

Rows are written one category at a time (bounded memory); an interrupted --out run resumes from the cells it
finished. The quality gates run on the written catalog before it replaces --out: sampled products searched by their
own vectors come back first, and whole-catalog lookups keep recall@10 ≥ 0.9 against an exact scan; a failing catalog
is set aside in <out>.rejected (exit code 1). Exit code 3 when --out needs real rows that are not embedded yet
(rerun, or pass --allow-derived).`;

await runCli('build:scale', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      out: { type: 'string' },
      'allow-derived': { type: 'boolean', default: false },
      base: { type: 'string', default: join(PROJECT_ROOT, 'artifacts/demo') },
      catalog: { type: 'string', default: join(PROJECT_ROOT, 'assets/catalog/fashion-product-images-224/images') },
      cache: { type: 'string', default: join(PROJECT_ROOT, '.cache/scale-embeddings') },
      'time-limit': { type: 'string' },
      workers: { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 1) throw new UsageError('--size must be a positive whole number');
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError('--workers must be a positive whole number');
  const limit = values['time-limit'] === undefined ? Infinity : Number(values['time-limit']);
  if (!(limit > 0)) throw new UsageError('--time-limit must be a positive number of seconds');
  const progress = terminalProgress(process.stderr);
  const catalog = await ScaleCatalog.open(values.base, values.catalog, values.cache);
  try {
    const real = await catalog.embedVariants(size, { workers, deadline: Date.now() + limit * 1000, progress });
    const ready = Math.min(real, size);
    progress.line(`real vectors: ${ready} of ${size} rows (${catalog.realCapacity} possible from ${catalog.baseCount} photos)`);
    if (values.out === undefined) return { exitCode: 0 };
    if (ready < Math.min(size, catalog.realCapacity) && !values['allow-derived']) {
      progress.line(`not written: ${Math.min(size, catalog.realCapacity) - ready} rows still need the encoders — rerun to carry on, or pass --allow-derived`);
      return { exitCode: 3 };
    }
    const result = await buildCompactCatalog(catalog, { size, realRows: real, outDir: resolve(values.out), progress });
    const { manifest, bytes } = result;
    for (const gate of result.quality.gates) progress.line(`${gate.passed ? 'PASS' : 'FAIL'} ${gate.name}: ${gate.detail}`);
    if (result.rejectedTo) {
      progress.line(`quality gates FAILED — ${values.out} is untouched; this catalog is in ${result.rejectedTo}`);
      return { exitCode: 1 };
    }
    progress.line(
      `${values.out}: ${manifest.counts.products} products (${manifest.synthetic ? `synthetic: ${manifest.realProducts} real` : 'all real'}), ${manifest.counts.cells} cells, ${manifest.counts.lists} lists`,
    );
    progress.line(`bytes: ${(bytes.total / 1e6).toFixed(1)} MB, ${bytes.perProduct} per product, largest file ${(bytes.largestFile / 1e6).toFixed(1)} MB`);
    progress.line(`time: ${result.seconds.toFixed(0)} s, ${result.productsPerSecond.toFixed(0)} products/s${result.cellsReused ? ` (${result.cellsReused} cells reused)` : ''}`);
    return { exitCode: 0 };
  } finally {
    catalog.close();
  }
});
