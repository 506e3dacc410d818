import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../common/node/paths.js';
import type { Progress } from '../common/shared/progress.js';
import { buildIndex, embedShard, type BuildOptions, type BuildResult } from '../index/node/build.js';
import { openDatabase } from '../server/node/database.js';
import { databaseEmbeddings } from '../server/node/embeddings.js';
import { exportArtifacts } from '../server/node/export.js';
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

A build spread over several machines, all writing into one PostgreSQL + pgvector database:
  --shard <i/N>            on machine i of N: embed only this slice of the catalog (every N-th image from the i-th)
                           and share the vectors through the database; writes no artifacts (--out not needed)
  --publish                the final step, on one machine: read every shared vector, build and check the index as
                           usual (embedding whatever no shard did), then load it into the database and serve it
                           (as npm run export:pg)
  --database-url <url>     the database (default $DATABASE_URL, else the embedded one in .pglite/)

Exit code 0 when every quality gate holds, 1 otherwise (the previous artifacts are then left in place).`;

function report({ outDir, passed, stats }: BuildResult, progress: Progress): { exitCode: number } {
  const lines = [
    `artifacts: ${outDir} (build ${stats.build_id})`,
    `products: ${stats.counts.products} (${stats.counts.skipped} skipped), entries: ${stats.counts.entries}, categories: ${stats.counts.categories}, HNSW graphs: ${stats.counts.hnsw_graphs}`,
    `bytes: ${(stats.bytes.total / 1e6).toFixed(1)} MB, ${stats.bytes.per_product} per product`,
    `time: ${stats.timings_s.total} s (${
      stats.throughput_products_per_s === null ? 'every image from the embedding cache' : `embedding ${stats.throughput_products_per_s} images/s`
    })`,
    ...stats.gates.map((g) => `${g.passed ? 'PASS' : 'FAIL'} ${g.name}: ${g.detail}`),
  ];
  for (const line of lines) progress.line(line);
  return { exitCode: passed ? 0 : 1 };
}

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
      shard: { type: 'string' },
      publish: { type: 'boolean', default: false },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  if (!values.catalog) throw new UsageError('--catalog is required');
  if (values.shard !== undefined && values.publish) throw new UsageError('--shard and --publish are separate steps: the shards first, then one --publish');
  if (!values.out && values.shard === undefined) throw new UsageError('--out is required');
  if (values['database-url'] !== undefined && values.shard === undefined && !values.publish) throw new UsageError('--database-url goes with --shard or --publish');
  let shard: { index: number; count: number } | null = null;
  if (values.shard !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(values.shard);
    shard = match ? { index: Number(match[1]), count: Number(match[2]) } : null;
    if (!shard || shard.index < 1 || shard.index > shard.count) throw new UsageError(`--shard must be i/N with 1 ≤ i ≤ N, such as 1/4; got "${values.shard}"`);
  }
  const int = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
    return n;
  };
  const progress = terminalProgress(process.stderr);
  const options: Omit<BuildOptions, 'outDir'> = {
    progress,
    catalogDir: values.catalog,
    labelsPath: values.labels ?? null,
    profile: values.profile,
    cacheDir: resolve(values.cache),
    workers: int('workers', values.workers),
    gateSample: int('gate-sample', values['gate-sample'])!,
    ...(values['category-column'] && { labelColumns: { category: values['category-column'] } }),
    index: {
      ...(values.augment !== undefined && { augmentCopies: int('augment', values.augment)! }),
      ...(values['exact-below'] !== undefined && { exactBelow: int('exact-below', values['exact-below'])! }),
    },
  };
  if (!shard && !values.publish) return report(await buildIndex({ ...options, outDir: values.out! }), progress);

  const database = await openDatabase({ url: values['database-url'] ?? process.env.DATABASE_URL, max: 2, queryTimeoutMs: 0 });
  try {
    const embeddings = databaseEmbeddings(database.pool);
    if (shard) {
      const done = await embedShard(options, shard, embeddings);
      progress.line(`shard ${shard.index}/${shard.count}: ${done.embedded} images (${done.cached} from this machine's cache, ${done.skipped} unreadable) shared with ${database.where}`);
      return { exitCode: 0 };
    }
    const result = await buildIndex({ ...options, outDir: values.out!, embeddings });
    if (result.passed) await exportArtifacts(database.pool, result.outDir, progress);
    return report(result, progress);
  } finally {
    await database.close();
  }
});
