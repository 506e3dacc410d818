import { readFileSync } from 'node:fs';
import type { TaxonomyConfig } from '../../catalog/shared/taxonomy.js';
import type { ModelsConfig } from '../../models/shared/manifest.js';
import { validateIndexConfig, validateSearchConfig, type IndexConfig, type SearchConfig } from '../../search/shared/config.js';
import { configPath } from './paths.js';

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(configPath(name), 'utf8')) as T;
}

export const loadModelsConfig = (): ModelsConfig => readJson<ModelsConfig>('models.json');
export const loadTaxonomy = (): TaxonomyConfig => readJson<TaxonomyConfig>('taxonomy.json');

export function loadSearchDefaults(): { index: IndexConfig; search: SearchConfig } {
  const { index, search } = readJson<{ index: IndexConfig; search: SearchConfig }>('search.json');
  return { index: validateIndexConfig(index), search: validateSearchConfig(search) };
}

export interface DatasetSpec {
  readonly description: string;
  readonly mirror: string;
  readonly checksums: string;
  readonly images: string;
  readonly labels: string;
}

export const loadDatasets = (): Record<string, DatasetSpec> =>
  readJson<{ datasets: Record<string, DatasetSpec> }>('datasets.json').datasets;
