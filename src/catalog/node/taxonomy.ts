import { readConfig } from '../../common/node/paths.js';
import type { TaxonomyConfig } from '../shared/taxonomy.js';

/** config/taxonomy.json: categories, prompts and colours the zero-shot classifier knows. */
export const loadTaxonomy = (): TaxonomyConfig => readConfig<TaxonomyConfig>('taxonomy.json');
