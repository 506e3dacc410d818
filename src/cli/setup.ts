import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasets, loadModelsConfig } from '../assets/node/config.js';
import { ASSETS_DIR, defaultMirror } from '../assets/node/paths.js';
import { formatSummary, runSetup, terminalProgress } from '../assets/node/setup.js';

const DEFAULT_HUB = 'https://huggingface.co';

function usage(profiles: readonly string[], datasets: readonly string[]): string {
  return `Usage: npm run setup [-- options]

Copies the models of a profile and the data sets into the assets folder, checking each file's size and SHA-256.
Files already in place that verify are skipped, so re-running is cheap.

Options:
  --profile <name>     model profile: ${profiles.join(', ')} (default: mini)
  --mirror <dir|url>   asset mirror, a folder or an http(s) URL laid out like ../shared/assets
                       (default: ../shared/assets when it exists)
  --hub <url>          Hugging Face endpoint for model files the mirror lacks
                       (default: $HF_ENDPOINT, else ${DEFAULT_HUB})
  --datasets <list>    comma-separated data sets (${datasets.join(', ')}), or none (default: all)
  --assets <dir>       destination folder (default: ${ASSETS_DIR}; env VITRINE_ASSETS)
  -h, --help           print this help
`;
}

const progress = terminalProgress(process.stderr);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'mini' },
      mirror: { type: 'string' },
      hub: { type: 'string' },
      datasets: { type: 'string' },
      assets: { type: 'string', default: ASSETS_DIR },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const models = loadModelsConfig();
  const datasets = loadDatasets();
  if (values.help) {
    process.stdout.write(usage(Object.keys(models.profiles), Object.keys(datasets)));
    return;
  }
  const datasetNames =
    values.datasets === undefined ? Object.keys(datasets)
    : values.datasets === 'none' ? []
    : values.datasets.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const assetsDir = resolve(values.assets);
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
}

main().catch((error: unknown) => {
  // Every failure here is the user's to act on (bad flag, missing mirror, network, mismatch): a line, not a stack.
  const usageHint = (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? ' (see --help)' : '';
  progress.line(`setup: ${error instanceof Error ? error.message : String(error)}${usageHint}`);
  process.exitCode = 1;
});
