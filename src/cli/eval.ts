import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../common/node/paths.js';
import { runEvaluation } from '../eval/node/run.js';
import { EMPTY_LABEL_MAP, LabelMapError, parseLabelMapText, type LabelMap } from '../eval/shared/labels.js';
import { sweepChart } from '../eval/shared/plot.js';
import { formatTable, type EvalOutput } from '../eval/shared/report.js';
import { terminalProgress } from './progress.js';
import { runCli, timestamp, UsageError } from './run.js';

const USAGE = `Usage: npm run eval -- --queries <dir> [options]

Runs every photo under --queries (any depth; jpg, png, webp) through the search engine of an index and reports
retrieval quality as JSON (--out) and a table (stdout): queries, category_accuracy, precision_at_5 and
precision_at_10 by category for each ranking mode (semantic, visual, fused_weighted, fused_rrf), end to end
(category detection + ranking, what a shopper sees) and over the whole catalog, exact_recall_at_1/_10 for photos
whose file name is a catalog product id, and the most frequent category errors. Each photo is embedded once.

  --queries <dir>        folder of query photos; a photo's id is its file name without extension
  --labels <csv>         labels: id = column "id" or the first column (default: styles.csv in the queries
                         folder or its parent, if there is one; photos without a label are left out of label metrics)
  --label-column <name>  column holding the label (default articleType)
  --label-map <json>     JSON object (inline, or a file) mapping a label onto catalog categories, any of which
                         counts as right: '{"pants": ["Trousers", "Jeans", "Track Pants"]}'
  --artifacts <dir>      artifact folder (default artifacts/demo)
  --out <file.json>      where to write the JSON (default eval-results/eval-<time>.json; "-" = stdout, the
                         table then goes to stderr)
  --sweep                also sweep the semantic/visual weight (0-1, weighted and RRF fusion) and the confidence
                         threshold (0-1), and plot precision@5 and the needs_confirmation rate against them
  --plot <file.svg>      where to write the sweep plot (default: next to --out, <name>.svg)
  --ablation             also measure each technique that reads shoppers' photos alone (near_identical,
                         shopper_reading, per_query_fusion, calibrated_confidence): all off, each alone, all on
  --every <n>            only every n-th photo (sorted by path): a fixed subsample for quick iterations
  --cache <dir>          query embeddings kept between runs, by file content and model (default
                         .cache/query-embeddings; --no-cache embeds every photo again)
  -h, --help             this text`;

async function labelMapOption(value: string | undefined): Promise<LabelMap> {
  if (value === undefined) return EMPTY_LABEL_MAP;
  let text = value;
  if (!value.trim().startsWith('{')) {
    if (!existsSync(value)) throw new UsageError(`--label-map: "${value}" is neither a JSON object nor a file`);
    text = await readFile(value, 'utf8');
  }
  try {
    return parseLabelMapText(text);
  } catch (error) {
    if (error instanceof LabelMapError) throw new UsageError(`--label-map ${error.message}`);
    throw error;
  }
}

await runCli('eval', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      queries: { type: 'string' },
      labels: { type: 'string' },
      'label-column': { type: 'string', default: 'articleType' },
      'label-map': { type: 'string' },
      artifacts: { type: 'string', default: join(PROJECT_ROOT, 'artifacts/demo') },
      out: { type: 'string' },
      sweep: { type: 'boolean', default: false },
      plot: { type: 'string' },
      cache: { type: 'string', default: join(PROJECT_ROOT, '.cache/query-embeddings') },
      'no-cache': { type: 'boolean', default: false },
      ablation: { type: 'boolean', default: false },
      every: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  if (!values.queries) throw new UsageError('--queries is required');
  if (values.plot && !values.sweep) throw new UsageError('--plot needs --sweep');
  if (values.labels !== undefined && !existsSync(values.labels)) throw new Error(`labels file ${values.labels} does not exist`);
  const labelMap = await labelMapOption(values['label-map']);
  const every = Number(values.every);
  if (!Number.isInteger(every) || every < 1) throw new UsageError(`--every must be a whole number ≥ 1, got "${values.every}"`);

  const toStdout = values.out === '-';
  const outPath = toStdout ? null : resolve(values.out ?? join(PROJECT_ROOT, 'eval-results', `eval-${timestamp()}.json`));
  const plotPath = !values.sweep
    ? null
    : resolve(values.plot ?? (outPath ? outPath.replace(/\.json$/i, '') + '.svg' : join(PROJECT_ROOT, 'eval-results', `eval-${timestamp()}.svg`)));

  const progress = terminalProgress(process.stderr);
  const result = await runEvaluation({
    queriesDir: values.queries,
    labelsPath: values.labels,
    labelColumn: values['label-column'],
    labelMap,
    artifactsDir: values.artifacts,
    sweep: values.sweep,
    progress,
    cacheDir: values['no-cache'] ? null : resolve(values.cache),
    ablation: values.ablation,
    every,
  });
  const { sweep: swept, per_query, ...metrics } = result;
  const output: EvalOutput = { ...metrics, ...(swept && { sweep: { ...swept, plot: plotPath } }), per_query };

  if (output.sweep && plotPath) {
    await mkdir(dirname(plotPath), { recursive: true });
    const title = `Vitrine eval: ${output.labelled} labelled photos of ${output.setup.queries_dir.split(/[\\/]/).slice(-2).join('/')} vs ${output.setup.products.toLocaleString('en')} products`;
    await writeFile(plotPath, sweepChart(output.sweep, title, output.calibration));
  }
  const json = `${JSON.stringify(output, null, 2)}\n`;
  if (outPath) {
    await mkdir(dirname(outPath), { recursive: true });
    await writeFile(outPath, json);
  }
  const table = formatTable(output) + (outPath ? `  results: ${outPath}\n` : '');
  if (toStdout) {
    process.stderr.write(table);
    process.stdout.write(json);
  } else process.stdout.write(table);
  return {};
});
