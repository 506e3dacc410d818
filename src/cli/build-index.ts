import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../common/node/paths.js';
import { buildIndex } from '../index/node/build.js';
import { terminalProgress } from './progress.js';
import { runCli, UsageError } from './run.js';

const USAGE = `Usage: npm run build:index -- --catalog <dir> --out <dir> [options]

Embeds every image under --catalog (any depth; jpg, png, webp), predicts category and colour zero-shot,
builds HNSW indexes and writes a versioned artifact set to --out (atomically), with index_stats.json.

  --catalog <dir>          catalog images folder
  --labels <csv>           labels (Kaggle styles.csv columns); id = column "id" or the first column
  --category-column <name> label column holding the category (default articleType)
  --out <dir>              artifact folder to write
  --profile <name>         model profile from config/models.json (default mini)
  --augment <n>            index n augmented copies per product (flip, zoom); default from config/search.json
  --exact-below <n>        scan scopes smaller than n exactly instead of building an HNSW graph
  --workers <n>            embedding workers (default: one per core)
  --gate-sample <n>        catalog images re-embedded and searched by the quality gates (default 200)
  --cache <dir>            embedding cache, makes reruns resume (default .cache/embeddings)
  -h, --help               this text

Exit code 0 when every quality gate holds, 1 otherwise (the previous artifacts are then left in place).`;

await runCli('build:index', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      catalog: { type: 'string' },
      labels: { type: 'string' },
      'category-column': { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string', default: 'mini' },
      augment: { type: 'string' },
      'exact-below': { type: 'string' },
      workers: { type: 'string' },
      'gate-sample': { type: 'string', default: '200' },
      cache: { type: 'string', default: join(PROJECT_ROOT, '.cache/embeddings') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  if (!values.catalog || !values.out) throw new UsageError('--catalog and --out are required');
  const int = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
    return n;
  };
  const progress = terminalProgress(process.stderr);
  const result = await buildIndex({
    progress,
    catalogDir: values.catalog,
    labelsPath: values.labels ?? null,
    outDir: values.out,
    profile: values.profile,
    cacheDir: resolve(values.cache),
    workers: int('workers', values.workers),
    gateSample: int('gate-sample', values['gate-sample'])!,
    ...(values['category-column'] && { labelColumns: { category: values['category-column'] } }),
    index: {
      ...(values.augment !== undefined && { augmentCopies: int('augment', values.augment)! }),
      ...(values['exact-below'] !== undefined && { exactBelow: int('exact-below', values['exact-below'])! }),
    },
  });
  const { stats } = result;
  const lines = [
    `artifacts: ${result.outDir} (build ${stats.build_id})`,
    `products: ${stats.counts.products} (${stats.counts.skipped} skipped), entries: ${stats.counts.entries}, categories: ${stats.counts.categories}, HNSW graphs: ${stats.counts.hnsw_graphs}`,
    `bytes: ${(stats.bytes.total / 1e6).toFixed(1)} MB, ${stats.bytes.per_product} per product`,
    `time: ${stats.timings_s.total} s (${
      stats.throughput_products_per_s === null ? 'every image from the embedding cache' : `embedding ${stats.throughput_products_per_s} images/s`
    })`,
    ...stats.gates.map((g) => `${g.passed ? 'PASS' : 'FAIL'} ${g.name}: ${g.detail}`),
  ];
  for (const line of lines) progress.line(line);
  return { exitCode: result.passed ? 0 : 1 };
});
