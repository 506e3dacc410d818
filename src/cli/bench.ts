import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../common/node/paths.js';
import { formatReport } from '../bench/node/report.js';
import { PARTS, runBench, type Part } from '../bench/node/run.js';
import { terminalProgress } from './progress.js';
import { runCli, timestamp, UsageError } from './run.js';

const USAGE = `Usage: npm run bench -- [options]

Speed and size of Vitrine, every comparison measured side by side in one run (contenders alternate within each
repetition; medians, p95 where latency spreads; warm-up runs discarded). Prints tables (stdout; progress on
stderr), writes JSON, and ends with the key figures: drop-to-results p50, recall@10 at p50 latency, bytes per product.

Parts:
  embed   image embedding per photo, arch profile (production-size ViT-B/32 + ResNet-50 graphs): onnxruntime-node
          vs headless Chromium on WASM, 1 and 2 threads (browser/native ratio); WebGPU when a hardware adapter exists
  ann     hnswlib-wasm in the browser vs exact scan vs hnswlib-node: recall@10 and p50/p95 latency for several
          efSearch values and as the page searches, at the catalog size and on synthetic sets (--sizes)
  build   indexer throughput (products/s), mini and arch profiles, on a 160-product catalog sample
  page    cold load and warm (IndexedDB) load of the page to ready, and drop-to-results (demo index, and the
          arch sample index from the build part)
  size    artifact bytes per product, and first-visit download size per model profile
  server  the search on PostgreSQL + pgvector (remote mode) on loopback: the embedded engine behind the API server,
          concurrent clients for a fixed time at the catalog's size and at 44,441 products (synthetic variants):
          searches/s (and per core), p50/p99 latency, errors, recall@10 against exact scans; then the database
          stopped and restarted mid-run (503s, recovery time, nothing half-written)
  scale   catalogs of --sizes products (default 5294,44417,200000,1000000) made by npm run build:scale's code from
          the index (real product variants up to what the encoders gave, derived rows past that: synthetic) in
          the compact layout, built into artifacts/scale/ once: bytes per product, first-result bytes, recall@10
          of photo and words searches against exact float32 under the same policy, latency; beside today's layout

  --out <file.json>    where to write the JSON (default bench-results/bench-<time>.json)
  --skip <parts>       comma-separated parts to leave out, e.g. --skip build,page
  --only <parts>       run only these parts
  --sizes <list>       ANN sets: "catalog" and/or vector counts (default catalog,100000,1000000); graphs of synthetic
                       sets are built once and cached in .cache/bench/ (1M: about 15 minutes with hnswlib-node);
                       the browser contenders stop at 200,000 vectors (see the "Not measured" list)
  --artifacts <dir>    the index to measure (default artifacts/demo, built first when missing)
  --quick              smoke run (about a minute): mini models, the test index, small sets, few repetitions
  -h, --help           this text

Needs the arch models (the bench runs npm run setup -- --profile arch, from ../shared/assets) and Debian's chromium.
A full run takes 30–45 minutes on 2 cores; the first one also builds the 100k and 1M graphs.`;

function partsOption(value: string, flag: string): Part[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(PARTS as readonly string[]).includes(n)) throw new UsageError(`${flag}: unknown part "${n}" (parts: ${PARTS.join(', ')})`);
  return names as Part[];
}

function sizesOption(value: string): ('catalog' | number)[] {
  return value.split(',').map((s) => {
    const v = s.trim().toLowerCase();
    if (v === 'catalog' || v === 'demo') return 'catalog';
    const n = Number(v.replace(/_/g, '').replace(/k$/, '000').replace(/m$/, '000000'));
    if (!Number.isInteger(n) || n < 100) throw new UsageError(`--sizes: "${s}" is neither "catalog" nor a vector count ≥ 100`);
    return n;
  });
}

await runCli('bench', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      skip: { type: 'string' },
      only: { type: 'string' },
      sizes: { type: 'string' },
      artifacts: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  if (values.skip && values.only) throw new UsageError('--skip and --only exclude each other');
  const parts = new Set<Part>(values.only ? partsOption(values.only, '--only') : PARTS);
  for (const p of values.skip ? partsOption(values.skip, '--skip') : []) parts.delete(p);
  if (parts.size === 0) throw new UsageError('no part left to run');
  const sizes = values.sizes ? sizesOption(values.sizes) : values.quick ? (['catalog', 2000] as const) : (['catalog', 100_000, 1_000_000] as const);
  const given = sizes.filter((s): s is number => s !== 'catalog');
  const scaleSizes = values.sizes && given.length > 0 ? given : values.quick ? [400] : [5294, 44_417, 200_000, 1_000_000];
  const outPath = resolve(values.out ?? join(PROJECT_ROOT, 'bench-results', `bench-${timestamp()}.json`));

  const result = await runBench({
    quick: values.quick,
    parts,
    sizes: [...sizes],
    scaleSizes,
    artifactsDir: values.artifacts ? resolve(values.artifacts) : null,
    progress: terminalProgress(process.stderr),
  });
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(formatReport(result, outPath));
  return {};
});
