import { readConfig } from '../../common/node/paths.js';
import type { ModelsConfig } from '../shared/manifest.js';

/** config/models.json: every model's files, tensors and pre-processing, and the profiles that pick them. */
export const loadModelsConfig = (): ModelsConfig => readConfig<ModelsConfig>('models.json');
