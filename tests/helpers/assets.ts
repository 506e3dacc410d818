import { loadDatasets } from '../../src/assets/node/datasets.js';
import { loadModelsConfig } from '../../src/models/node/config.js';
import { ASSETS_DIR, defaultMirror } from '../../src/common/node/paths.js';
import { runSetup } from '../../src/assets/node/setup.js';

/** Tests run on the real models and photos: fetch them (verified) from the mirror beside the project when missing. */
export async function ensureAssets(): Promise<void> {
  const mirror = defaultMirror();
  await runSetup({
    models: loadModelsConfig(),
    datasets: loadDatasets(),
    profile: 'mini',
    datasetNames: ['catalog', 'queries'],
    assetsDir: ASSETS_DIR,
    mirror,
    hubBase: 'https://huggingface.co',
    progress: { file: () => undefined, count: () => undefined, warn: (m) => console.warn(m) },
  });
}
