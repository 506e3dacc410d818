import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasets } from '../assets/node/datasets.js';
import { loadModelsConfig } from '../models/node/config.js';
import { ASSETS_DIR, defaultMirror } from '../common/node/paths.js';
import { formatSummary, runSetup } from '../assets/node/setup.js';
import { terminalProgress } from './progress.js';
import { runCli } from './run.js';

const DEFAULT_HUB = 'https://huggingface.co';
const models = loadModelsConfig();
const datasets = loadDatasets();

const USAGE = `Usage: npm run setup [-- options]

Copies the models of a profile and the data sets into the assets folder, checking each file's size and SHA-256.
Files already in place that verify are skipped, so re-running is cheap.

Options:
  --profile <name>     model profile: ${Object.keys(models.profiles).join(', ')} (default: mini)
  --mirror <dir|url>   asset mirror, a folder or an http(s) URL laid out like ../shared/assets
                       (default: ../shared/assets when it exists)
  --hub <url>          Hugging Face endpoint for model files the mirror lacks
                       (default: $HF_ENDPOINT, else ${DEFAULT_HUB})
  --datasets <list>    comma-separated data sets (${Object.keys(datasets).join(', ')}), or none (default: all)
  --assets <dir>       destination folder (default: ${ASSETS_DIR}; env VITRINE_ASSETS)
  -h, --help           print this help`;

await runCli('setup', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string', default: 'mini' },
      mirror: { type: 'string' },
      hub: { type: 'string' },
      datasets: { type: 'string' },
      assets: { type: 'string', default: ASSETS_DIR },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };
  const datasetNames =
    values.datasets === undefined ? Object.keys(datasets)
    : values.datasets === 'none' ? []
    : values.datasets.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const assetsDir = resolve(values.assets);
  const progress = terminalProgress(process.stderr);
  const report = await runSetup({
    models,
    datasets,
    profile: values.profile,
    datasetNames,
    assetsDir,
    mirror: values.mirror ?? defaultMirror(),
    hubBase: values.hub ?? (process.env.HF_ENDPOINT || DEFAULT_HUB),
    progress,
  });
  progress.line(`setup (profile ${values.profile}): ${formatSummary(report)}; assets in ${assetsDir}`);
  return {};
});
